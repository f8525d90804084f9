import pytest

from app.keymap import DEFAULTS, PRESETS, Cmd, Keymap, KeymapError, Scope


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_command_is_bound(preset: str) -> None:
    km = Keymap(preset)
    unbound = [c for c in Cmd if not any(km.keys(c, s) for s in Scope)]
    assert unbound == []
    assert {b.cmd for b in DEFAULTS} == set(Cmd)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_no_clash_within_a_scope(preset: str) -> None:
    assert Keymap(preset).clashes() == []


@pytest.mark.parametrize("preset", list(PRESETS))
def test_letters_stay_typeable_in_the_transcript(preset: str) -> None:
    assert Keymap(preset).typeable_global_keys() == []


def test_a_clash_is_detected() -> None:
    km = Keymap()
    with pytest.raises(KeymapError, match="Ctrl\\+Z"):
        km.with_override(Cmd.PLAY_PAUSE, Scope.GLOBAL, ("Ctrl+Z",))
    with pytest.raises(KeymapError, match="typ|play_pause"):
        km.with_override(Cmd.PLAY_PAUSE, Scope.GLOBAL, ("K",))


def test_overrides_round_trip_through_settings() -> None:
    km = Keymap("otranscribe").with_override(Cmd.REPLAY_LAST, Scope.GLOBAL, ("Ctrl+Shift+F9",))
    again = Keymap.from_settings(km.preset, km.overrides_json())
    assert again.keys(Cmd.REPLAY_LAST, Scope.GLOBAL) == ("Ctrl+Shift+F9",)
    assert again.keys(Cmd.PLAY_PAUSE, Scope.GLOBAL) == ("Esc",)  # from the preset
    assert [b.keys for b in again.bindings()] == [b.keys for b in km.bindings()]


def test_unknown_commands_in_settings_are_ignored() -> None:
    km = Keymap.from_settings("nonsense", '{"no_such_command": {"global": ["Ctrl+Q"]}}')
    assert km.preset == "default" and km.overrides == {}


def test_otranscribe_habits() -> None:
    km = Keymap("otranscribe")
    assert km.keys(Cmd.PLAY_PAUSE, Scope.GLOBAL) == ("Esc",)
    assert km.keys(Cmd.SKIP_BACK, Scope.GLOBAL) == ("F1",)
    assert km.keys(Cmd.FASTER, Scope.GLOBAL) == ("F4",)
