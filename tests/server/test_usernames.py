"""User names as identity systems treat them: the PRECIS username profile, no look-alikes of
another user's name, sign-in by any form of one's name, and listings no name can forge."""

from __future__ import annotations

import re
import time
import unicodedata

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.server import models as m
from app.server.usernames import USERNAME_MAX, NameRefused, canonical, skeleton
from tests.server.conftest import PASSWORD, World, add_user
from tests.server.test_cli_input import run

REFUSED = [
    "",  # empty
    "ann\nadmin",  # a newline: a forged line in `user list`
    "ann\x1b[2J",  # a terminal escape
    "ann\u200b",  # invisible
    "\u202eann",  # a bidi override
    "ann a",  # a space
    "a" * (USERNAME_MAX + 1),
    "ann<script>",
    "-rf",  # read as an option by every command that names a user
    "\ufb01sh",  # a ligature (ﬁ)
    "a\u05d0",  # left-to-right and right-to-left letters mixed (the Bidi Rule)
    "p\u0430ypal",  # Latin and Cyrillic mixed: taken before "paypal" is, it would refuse it
    "\u03a9mega",  # Greek and Latin
]


@pytest.mark.parametrize("typed", REFUSED)
def test_a_name_outside_the_profile_is_refused(typed: str) -> None:
    with pytest.raises(NameRefused):
        canonical(typed)


def test_a_name_is_stored_as_the_profile_makes_it() -> None:
    assert canonical("Ann.Smith") == "ann.smith"
    assert canonical("ＡＮＮ") == "ann"  # full width
    assert canonical("jose\u0301") == "jos\u00e9"  # NFC
    assert canonical("ΩΜΕΓΑ") == "ωμεγα"
    assert canonical("Иван_2") == "иван_2"  # one script, digits and punctuation beside it
    assert canonical("שלום") == "שלום"  # right-to-left alone is a name
    assert skeleton("аnn") == skeleton("ann")  # Cyrillic а
    assert skeleton("0lga") == skeleton("olga") != skeleton("olgа".replace("а", "e"))


def user_add(world: World, name: str) -> tuple[int | str, list[str]]:
    return run(
        ["--db", world.url, "user", "add", name, "--role", "annotator", "--password-stdin"],
        PASSWORD + "\n",
    )


def names(world: World) -> list[str]:
    with world.session() as s:
        return list(s.scalars(select(m.User.username).order_by(m.User.username)))


def test_a_look_alike_of_a_user_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EARMARK_SERVER_DATA", str(world.data))
    code, lines = user_add(world, "José")
    assert code == 0 and lines[0].startswith("user josé (annotator) added")
    assert user_add(world, "cope")[0] == 0
    before = names(world)
    for twin in (
        "\u0441\u043e\u0440\u0435",  # соре: Cyrillic letters alone, each like a Latin one
        "аnn_a",  # Cyrillic а
        "ANN_A",  # another case
        "ａｎｎ_ａ",  # full width
        "0utsider",  # a zero
        "gоne",  # Cyrillic о, of a disabled user
        unicodedata.normalize("NFD", "josé"),  # the NFD twin
        "JOSÉ",
    ):
        code, lines = user_add(world, twin)
        assert code == 2 and len(lines) == 1, (twin, lines)
        assert any(why in lines[0] for why in ("already", "looks like", "mixes")), lines
    for refused in REFUSED:
        code, lines = user_add(world, refused)
        assert code == 2 and len(lines) == 1, (refused, lines)
    assert names(world) == before


def test_a_user_signs_in_however_their_name_is_typed(world: World) -> None:
    p = world.people["ann_a"]
    codes = iter([p.totp.now(), p.totp.at(time.time() + 30)])
    for typed in ("ANN_A", "ａｎｎ_ａ"):
        r = p.client.post(
            "/api/v1/auth/login",
            json={"username": typed, "password": PASSWORD, "totp_code": next(codes)},
        )
        assert r.status_code == 200, (typed, r.text)


def test_names_stored_before_the_rules_keep_working(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name an earlier version took (a space, capitals, a newline, an escape) signs in as it
    was typed, is found by the commands, and is listed on one line that shows what it holds."""
    monkeypatch.setenv("EARMARK_SERVER_DATA", str(world.data))
    _user, secret = add_user(world.engine, "Old Name", "annotator")
    add_user(world.engine, "evil\nadmin                    admin      active    -", "annotator")
    add_user(world.engine, "\x1b[2Jwiped", "annotator")
    c = TestClient(world.app, client=("192.0.2.9", 40000))
    r = c.post(
        "/api/v1/auth/login",
        json={"username": "Old Name", "password": PASSWORD, "totp_code": pyotp.TOTP(secret).now()},
    )
    c.close()
    assert r.status_code == 200, r.text
    code, lines = run(["--db", world.url, "user", "list"])
    assert code == 0 and len(lines) == len(names(world)), lines
    assert not any("\x1b" in line for line in lines)
    assert any(line.startswith("evil\\nadmin ") for line in lines), lines
    code, lines = run(["--db", world.url, "user", "disable", "Old Name"])
    assert code == 0 and lines == [
        "Old Name disabled: sessions ended, 0 open item(s) back to the pool"
    ]


def test_a_new_name_signs_in_as_typed(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EARMARK_SERVER_DATA", str(world.data))
    code, lines = user_add(world, "Ann.Smith")
    assert code == 0 and "ann.smith" in names(world)
    secret = re.search(r"secret=([A-Z2-7]+)", "\n".join(lines))
    assert secret is not None
    c = TestClient(world.app, client=("192.0.2.10", 40000))
    r = c.post(
        "/api/v1/auth/login",
        json={
            "username": "Ann.Smith",
            "password": PASSWORD,
            "totp_code": pyotp.TOTP(secret.group(1)).now(),
        },
    )
    c.close()
    assert r.status_code == 200, r.text
