"""Import: identifiers never reach the API; whole customers are sampled in or out."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from app.server import models as m
from app.server.importer import import_recordings, sampled
from app.server.keys import pseudonym, pseudonym_key
from app.server.storage import FolderStore
from tests.conftest import write_tone
from tests.server.conftest import World, server_keys

SECRETS = ["Jane Whitfield", "ACCT-99817723", "SN-G090XF1234567", "cust-00042", "+44 7700 900123"]


def test_identifiers_never_appear_in_any_response(world: World, tmp_path: Path) -> None:
    folder = tmp_path / "seeded"
    folder.mkdir()
    write_tone(folder / "a.wav", 0.4)
    (folder / "m.jsonl").write_text(
        json.dumps(
            {
                "audio": "a.wav",
                "customer_id": "cust-00042",
                "customer_name": "Jane Whitfield",
                "account_number": "ACCT-99817723",
                "device_serial": "SN-G090XF1234567",
                "phone": "+44 7700 900123",
                "asr": "play some jazz",
                "intent": "play_music",
            }
        )
        + "\n"
    )
    with world.session() as db:
        project = db.get(m.Project, world.project_id)
        assert project is not None
        result = import_recordings(
            db, FolderStore(world.data / "audio"), server_keys(), project, folder / "m.jsonl"
        )
        db.commit()
        assert result.imported == 1
        (task,) = db.scalars(select(m.Task).where(m.Task.asr_text == "play some jazz"))
        key = pseudonym_key(server_keys(), project.id, project.pseudonym_key)  # kept wrapped
        assert task.customer == pseudonym(key, "cust-00042")
    admin, a = world.people["admin"], world.people["ann_a"]
    bodies = []
    leased = a.client.post(
        "/api/v1/leases", headers=a.headers(), json={"project_id": world.project_id, "count": 10}
    )
    bodies.append(leased.text)
    for t in leased.json():
        bodies.append(a.client.get(f"/api/v1/tasks/{t['id']}/audio", headers=a.headers()).text)
    for person in (admin, a):
        for path in (
            "/api/v1/me",
            "/api/v1/projects",
            f"/api/v1/projects/{world.project_id}",
            "/api/v1/changes",
            "/api/v1/openapi.json",
        ):
            bodies.append(person.client.get(path, headers=person.headers()).text)
    dump = "\n".join(bodies)
    for secret in SECRETS:
        assert secret not in dump
    # and not in the database either (the pseudonym is a keyed hash, not the id)
    with world.session() as db:
        rows = [str(r) for t in db.scalars(select(m.Task)) for r in t.__dict__.values()]
        for secret in SECRETS:
            assert not any(secret in r for r in rows)


def test_sampling_hits_its_rate_and_keeps_customers_together() -> None:
    key = b"s" * 32
    customers = [f"cust-{k}" for k in range(20_000)]
    kept = [c for c in customers if sampled(key, c, 0.05)]
    assert abs(len(kept) / len(customers) - 0.05) < 0.005
    assert all(sampled(key, c, 0.05) for c in kept)  # same answer every time
    assert set(kept) <= {c for c in customers if sampled(key, c, 0.10)}  # a larger rate grows it
    other = [c for c in customers if sampled(b"t" * 32, c, 0.05)]
    assert set(other) != set(kept)  # keyed: another project samples other customers
