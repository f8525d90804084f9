"""The wire names what the model names: the same flags and statuses, in the same order."""

from __future__ import annotations

from typing import get_args

from app.model.annotation import Flag, Status
from app.protocol import FLAGS_MAX, FlagName, StatusName


def test_the_wire_flags_are_the_models() -> None:
    assert get_args(FlagName) == tuple(f.value for f in Flag)
    assert len(Flag) == FLAGS_MAX


def test_the_wire_statuses_are_the_models() -> None:
    assert get_args(StatusName) == tuple(s.value for s in Status)


def test_personal_kinds_on_the_wire_are_the_models() -> None:
    from app.model.spoken_data import Kind
    from app.protocol import PersonalKind

    assert get_args(PersonalKind) == tuple(k.value for k in Kind)
