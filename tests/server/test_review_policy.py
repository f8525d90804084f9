"""A review policy is small: first_n, the number of reason codes and each one's length are
bounded, through the API and the command alike, and one stored before the bounds is read
inside them (every reviewer is sent it)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from app.protocol import REASONS_MAX, REVIEW_FIRST_MAX, ReviewPolicy
from app.server import models as m
from tests.server.conftest import World
from tests.server.test_cli_input import run


def reasons(n: int, title: str = "a reason") -> list[dict[str, str]]:
    return [{"code": f"c{k}", "title": title} for k in range(n)]


def put(world: World, policy: dict[str, Any]) -> int:
    lead = world.people["lead"]
    r = lead.client.put(
        f"/api/v1/projects/{world.project_id}/review-policy", headers=lead.headers(), json=policy
    )
    return r.status_code


def test_the_api_refuses_a_policy_past_its_bounds(world: World) -> None:
    assert put(world, {"first_n": 2**63}) == 422
    assert put(world, {"first_n": REVIEW_FIRST_MAX + 1}) == 422
    assert put(world, {"reasons": reasons(5000)}) == 422
    assert put(world, {"reasons": reasons(REASONS_MAX + 1)}) == 422
    assert put(world, {"reasons": [{"code": "x" * 61, "title": "t"}]}) == 422
    assert put(world, {"reasons": reasons(1, "t" * 201)}) == 422
    big = {"first_n": REVIEW_FIRST_MAX, "reasons": reasons(REASONS_MAX, "t" * 200)}
    assert put(world, big) == 204


def test_a_policy_stored_before_the_bounds_is_read_inside_them(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As an earlier version let it be stored: it still works, and reviewers get it small."""
    with world.session() as s:
        s.execute(
            update(m.Project)
            .where(m.Project.id == world.project_id)
            .values(review_policy={"first_n": 2**63, "reasons": reasons(5000)})
        )
        s.commit()
    rev = world.people["rev"]
    r = rev.client.get(f"/api/v1/projects/{world.project_id}/review-policy", headers=rev.headers())
    assert r.status_code == 200, r.text
    policy = ReviewPolicy.model_validate(r.json())  # as the workstation reads it
    assert policy.first_n == REVIEW_FIRST_MAX and len(policy.reasons) == REASONS_MAX
    assert len(r.content) < 5_000
    monkeypatch.setenv("EARMARK_SERVER_DATA", str(world.data))
    code, lines = run(["--db", world.url, "project", "review-policy", "va", "--rate", "0.2"])
    assert code == 0, lines  # the command stores it inside the bounds from then on
    with world.session() as s:
        stored = s.get(m.Project, world.project_id)
        assert stored is not None
        assert stored.review_policy["first_n"] == REVIEW_FIRST_MAX
        assert len(stored.review_policy["reasons"]) == REASONS_MAX
