"""Every command and its default keys, by scope. The only place a key sequence is written.

Scopes keep letters typeable: GLOBAL keys work everywhere, including the transcript box, so they
must carry a modifier or be a function key; LISTEN keys are bare keys that work only where no text
is typed (the waveform and the queue); TYPING keys work only in the transcript box and are keys
that type no character (Return: Praat's split at the caret).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    GLOBAL = "global"
    LISTEN = "listen"
    TYPING = "typing"


class Cmd(StrEnum):
    PLAY_PAUSE = "play_pause"
    PLAY_SEGMENT = "play_segment"
    TOGGLE_LOOP = "toggle_loop"
    REPLAY_LAST = "replay_last"
    SKIP_BACK = "skip_back"
    SKIP_FORWARD = "skip_forward"
    SLOWER = "slower"
    FASTER = "faster"
    NORMAL_SPEED = "normal_speed"
    TOGGLE_REWIND_ON_PAUSE = "toggle_rewind_on_pause"
    NEXT_CHANNEL = "next_channel"
    SPLIT = "split"
    MERGE_NEXT = "merge_next"
    DELETE_SEGMENT = "delete_segment"
    PREV_SEGMENT = "prev_segment"
    NEXT_SEGMENT = "next_segment"
    START_EARLIER = "start_earlier"
    START_LATER = "start_later"
    END_EARLIER = "end_earlier"
    END_LATER = "end_later"
    START_EARLIER_MORE = "start_earlier_more"
    START_LATER_MORE = "start_later_more"
    END_EARLIER_MORE = "end_earlier_more"
    END_LATER_MORE = "end_later_more"
    ZOOM_IN = "zoom_in"
    ZOOM_OUT = "zoom_out"
    ZOOM_ALL = "zoom_all"
    VIEW_BACK = "view_back"
    VIEW_FORWARD = "view_forward"
    TOGGLE_SPECTROGRAM = "toggle_spectrogram"
    FOCUS_WAVEFORM = "focus_waveform"
    FOCUS_TRANSCRIPT = "focus_transcript"
    FOCUS_QUEUE = "focus_queue"
    PICK_INTENT = "pick_intent"
    MARK_SLOT = "mark_slot"
    REMOVE_SLOT = "remove_slot"
    CONFIRM_PERSONAL = "confirm_personal"
    DISMISS_PERSONAL = "dismiss_personal"
    MARK_PERSONAL = "mark_personal"
    NEXT_PERSONAL = "next_personal"
    FLAG_NOT_DEVICE_DIRECTED = "flag_not_device_directed"
    FLAG_PERSONAL_DATA = "flag_personal_data"
    FLAG_UNINTELLIGIBLE = "flag_unintelligible"
    FLAG_WRONG_LANGUAGE = "flag_wrong_language"
    FLAG_DISTRESSING = "flag_distressing"
    SUBMIT_NEXT = "submit_next"
    SKIP_ITEM = "skip_item"
    PREV_ITEM = "prev_item"
    NEXT_ITEM = "next_item"
    UNDO = "undo"
    REDO = "redo"
    CHEAT_SHEET = "cheat_sheet"
    KEY_PREFERENCES = "key_preferences"
    SYNC_NOW = "sync_now"
    SIGN_OUT = "sign_out"
    LOCK = "lock"
    KEEP_MINE = "keep_mine"
    TAKE_THEIRS = "take_theirs"
    REJECT = "reject"
    PLAY_REVIEW_SPAN = "play_review_span"
    SEGMENTS_FROM_PAUSES = "segments_from_pauses"
    PLAY_FROM_WORD = "play_from_word"
    CARET_FOLLOWS_PLAYHEAD = "caret_follows_playhead"
    DRAFT_TRANSCRIPT = "draft_transcript"
    DASHBOARD = "dashboard"
    INTENT_1 = "intent_1"
    INTENT_2 = "intent_2"
    INTENT_3 = "intent_3"
    INTENT_4 = "intent_4"
    INTENT_5 = "intent_5"
    INTENT_6 = "intent_6"
    INTENT_7 = "intent_7"
    INTENT_8 = "intent_8"
    INTENT_9 = "intent_9"
    TAG_1 = "tag_1"
    TAG_2 = "tag_2"
    TAG_3 = "tag_3"
    TAG_4 = "tag_4"
    TAG_5 = "tag_5"
    TAG_6 = "tag_6"
    TAG_7 = "tag_7"
    TAG_8 = "tag_8"


INTENT_CMDS = [Cmd(f"intent_{k}") for k in range(1, 10)]
TAG_CMDS = [Cmd(f"tag_{k}") for k in range(1, 9)]

Keys = dict[Scope, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Binding:
    cmd: Cmd
    title: str
    group: str
    keys: Mapping[Scope, tuple[str, ...]]


def _b(
    cmd: Cmd,
    title: str,
    group: str,
    g: str | tuple[str, ...] = (),
    bare: str = "",
    typing: str = "",
) -> Binding:
    glob = (g,) if isinstance(g, str) else g
    keys: Keys = {Scope.GLOBAL: tuple(k for k in glob if k)}
    keys[Scope.LISTEN] = (bare,) if bare else ()
    keys[Scope.TYPING] = (typing,) if typing else ()
    return Binding(cmd, title, group, keys)


_P, _S, _L, _T, _Q = "Playback", "Segments", "Labels", "Transcript", "Queue"

DEFAULTS: tuple[Binding, ...] = (
    _b(Cmd.PLAY_PAUSE, "Play / pause", _P, "Ctrl+Space", "Space"),
    _b(Cmd.PLAY_SEGMENT, "Play the segment", _P, "Ctrl+Shift+Space", "P"),
    _b(Cmd.TOGGLE_LOOP, "Loop the segment on/off", _P, "Ctrl+L", "L"),
    _b(Cmd.REPLAY_LAST, "Replay the last seconds", _P, "Ctrl+R", "R"),
    _b(Cmd.SKIP_BACK, "Skip back", _P, "Alt+Left", "Left"),
    _b(Cmd.SKIP_FORWARD, "Skip forward", _P, "Alt+Right", "Right"),
    _b(Cmd.SLOWER, "Slower", _P, "Ctrl+[", "["),
    _b(Cmd.FASTER, "Faster", _P, "Ctrl+]", "]"),
    _b(Cmd.NORMAL_SPEED, "Normal speed", _P, "Ctrl+\\", "\\"),
    _b(Cmd.TOGGLE_REWIND_ON_PAUSE, "Rewind on pause on/off", _P, "Ctrl+Shift+R"),
    _b(Cmd.NEXT_CHANNEL, "Listen to the next channel, or the mix", _P, "Ctrl+Shift+C", "C"),
    _b(Cmd.PLAY_FROM_WORD, "Play from the word at the caret", _P, "Ctrl+J", "W"),
    _b(Cmd.CARET_FOLLOWS_PLAYHEAD, "Caret follows the word being heard on/off", _P, "Ctrl+Shift+J"),
    _b(
        Cmd.SPLIT,
        "Split at the playhead (and the text at the caret)",
        _S,
        "Ctrl+B",
        "Return",
        "Return",
    ),
    _b(Cmd.MERGE_NEXT, "Merge with the next segment", _S, "Ctrl+M", "M"),
    _b(
        Cmd.SEGMENTS_FROM_PAUSES, "Segments from pauses (in view, or the whole)", _S, "Ctrl+Shift+B"
    ),
    _b(Cmd.DELETE_SEGMENT, "Delete the segment", _S, "Ctrl+Shift+Delete", "Delete"),
    _b(Cmd.PREV_SEGMENT, "Previous segment (plays it)", _S, "Alt+Up", "Up"),
    _b(Cmd.NEXT_SEGMENT, "Next segment (plays it)", _S, "Alt+Down", "Down"),
    _b(Cmd.START_EARLIER, "Start 10 ms earlier", _S, "Ctrl+Alt+Left", "A"),
    _b(Cmd.START_LATER, "Start 10 ms later", _S, "Ctrl+Alt+Right", "S"),
    _b(Cmd.END_EARLIER, "End 10 ms earlier", _S, "Ctrl+Alt+Shift+Left", "D"),
    _b(Cmd.END_LATER, "End 10 ms later", _S, "Ctrl+Alt+Shift+Right", "F"),
    _b(Cmd.START_EARLIER_MORE, "Start 50 ms earlier", _S, (), "Shift+A"),
    _b(Cmd.START_LATER_MORE, "Start 50 ms later", _S, (), "Shift+S"),
    _b(Cmd.END_EARLIER_MORE, "End 50 ms earlier", _S, (), "Shift+D"),
    _b(Cmd.END_LATER_MORE, "End 50 ms later", _S, (), "Shift+F"),
    _b(Cmd.ZOOM_IN, "Zoom in", _S, "Ctrl+=", "="),
    _b(Cmd.ZOOM_OUT, "Zoom out", _S, "Ctrl+-", "-"),
    _b(Cmd.ZOOM_ALL, "Show the whole recording", _S, "Ctrl+Shift+=", "0"),
    _b(Cmd.VIEW_BACK, "Move the view back by its width", _S, "Alt+PgUp", "PgUp"),
    _b(Cmd.VIEW_FORWARD, "Move the view forward by its width", _S, "Alt+PgDown", "PgDown"),
    _b(Cmd.TOGGLE_SPECTROGRAM, "Spectrogram under the waveform on/off", _S, "Ctrl+Shift+G", "G"),
    _b(Cmd.FOCUS_WAVEFORM, "Go to the waveform (bare keys)", _Q, "F6"),
    _b(Cmd.FOCUS_TRANSCRIPT, "Go to the transcript", _Q, "F7", "T"),
    _b(Cmd.FOCUS_QUEUE, "Go to the queue", _Q, "F8"),
    _b(
        Cmd.DRAFT_TRANSCRIPT,
        "Draft a transcript locally (a recording with no hypothesis); again stops it",
        _T,
        "Ctrl+Shift+H",
    ),
    _b(Cmd.PICK_INTENT, "Pick the intent (type to filter)", _L, "Ctrl+I", "I"),
    _b(Cmd.MARK_SLOT, "Mark the selected words as a slot", _L, "Ctrl+K"),
    _b(Cmd.REMOVE_SLOT, "Remove the slot at the caret", _L, "Ctrl+Shift+K"),
    _b(
        Cmd.CONFIRM_PERSONAL,
        "Personal data: confirm the candidate at the caret",
        _L,
        "Ctrl+Shift+P",
    ),
    _b(
        Cmd.DISMISS_PERSONAL,
        "Personal data: dismiss the candidate at the caret (or remove the span there)",
        _L,
        "Ctrl+Shift+D",
    ),
    _b(
        Cmd.MARK_PERSONAL,
        "Personal data: mark the selected words (asks the kind)",
        _L,
        "Ctrl+Shift+M",
    ),
    _b(Cmd.NEXT_PERSONAL, "Personal data: caret to the next candidate", _L, "Ctrl+Shift+N"),
    _b(Cmd.FLAG_NOT_DEVICE_DIRECTED, "Flag: not device-directed", _L, "Ctrl+Shift+1"),
    _b(Cmd.FLAG_PERSONAL_DATA, "Flag: contains personal data", _L, "Ctrl+Shift+2"),
    _b(Cmd.FLAG_UNINTELLIGIBLE, "Flag: unintelligible", _L, "Ctrl+Shift+3"),
    _b(Cmd.FLAG_WRONG_LANGUAGE, "Flag: wrong language", _L, "Ctrl+Shift+4"),
    _b(Cmd.FLAG_DISTRESSING, "Flag: distressing content", _L, "Ctrl+Shift+5"),
    _b(Cmd.SUBMIT_NEXT, "Submit and go to the next item", _Q, ("Ctrl+Return", "Ctrl+Enter")),
    _b(Cmd.SKIP_ITEM, "Skip the item (asks a reason)", _Q, "Ctrl+Shift+Return"),
    _b(Cmd.PREV_ITEM, "Previous item", _Q, "Ctrl+PgUp"),
    _b(Cmd.NEXT_ITEM, "Next item", _Q, "Ctrl+PgDown"),
    _b(Cmd.UNDO, "Undo", _T, "Ctrl+Z"),
    _b(Cmd.REDO, "Redo", _T, ("Ctrl+Shift+Z", "Ctrl+Y")),
    _b(Cmd.CHEAT_SHEET, "Keyboard cheat sheet", _Q, "F1", "?"),
    _b(Cmd.KEY_PREFERENCES, "Keyboard preferences", _Q, "Ctrl+,"),
    _b(Cmd.SYNC_NOW, "Sync with the server now", _Q, "F5"),
    _b(Cmd.SIGN_OUT, "Sign out of the server", _Q, "Ctrl+Shift+F12"),
    _b(Cmd.LOCK, "Lock the window now", _Q, "Ctrl+Alt+L"),
    _b(Cmd.KEEP_MINE, "Conflict: keep my version", _Q, "Ctrl+Alt+Y"),
    _b(Cmd.TAKE_THEIRS, "Conflict: take the server's version", _Q, "Ctrl+Alt+N"),
    _b(Cmd.REJECT, "Review: reject with a reason and a comment", _Q, "Ctrl+Alt+R"),
    _b(Cmd.PLAY_REVIEW_SPAN, "Play the time range a reviewer's comment is about", _P, "Ctrl+Alt+P"),
    _b(Cmd.DASHBOARD, "Review: quality dashboard", _Q, "F9"),
    *(
        _b(c, f"Intent {k + 1} of the most used", _L, f"Ctrl+{k + 1}", str(k + 1))
        for k, c in enumerate(INTENT_CMDS)
    ),
    *(
        _b(c, f"Insert tag {k + 1} of the conventions", _T, f"Alt+{k + 1}")
        for k, c in enumerate(TAG_CMDS)
    ),
)

# oTranscribe habits: Esc play/pause, F1/F2 back/forward, F3/F4 slower/faster.
PRESETS: dict[str, dict[Cmd, dict[Scope, tuple[str, ...]]]] = {
    "default": {},
    "otranscribe": {
        Cmd.PLAY_PAUSE: {Scope.GLOBAL: ("Esc",), Scope.LISTEN: ("Space",)},
        Cmd.SKIP_BACK: {Scope.GLOBAL: ("F1",), Scope.LISTEN: ("Left",)},
        Cmd.SKIP_FORWARD: {Scope.GLOBAL: ("F2",), Scope.LISTEN: ("Right",)},
        Cmd.SLOWER: {Scope.GLOBAL: ("F3",), Scope.LISTEN: ("[",)},
        Cmd.FASTER: {Scope.GLOBAL: ("F4",), Scope.LISTEN: ("]",)},
        Cmd.CHEAT_SHEET: {Scope.GLOBAL: ("Shift+F1",), Scope.LISTEN: ("?",)},
    },
}

# Foot pedals (app/workstation/pedals.py): press runs the command; the centre pedal plays while
# held and pauses, with a short rewind, when released (Express Scribe's habit).
HOLD_TO_PLAY = "hold_to_play"
PEDALS: dict[str, Cmd | str] = {
    "left": Cmd.SKIP_BACK,
    "centre": HOLD_TO_PLAY,
    "right": Cmd.SKIP_FORWARD,
}

MODIFIERS = ("Ctrl+", "Alt+", "Meta+")
NON_TEXT_KEYS = {f"F{k}" for k in range(1, 25)} | {"Esc", "PgUp", "PgDown", "Return", "Enter"}


class KeymapError(ValueError):
    pass


class Keymap:
    """Defaults, then a preset, then the user's overrides."""

    def __init__(self, preset: str = "default", overrides: Mapping[Cmd, Keys] | None = None):
        if preset not in PRESETS:
            raise KeymapError(f"unknown key preset {preset!r}; known: {', '.join(PRESETS)}")
        self.preset = preset
        self.overrides: dict[Cmd, Keys] = dict(overrides or {})
        self._bindings = {b.cmd: b for b in DEFAULTS}

    def keys(self, cmd: Cmd, scope: Scope) -> tuple[str, ...]:
        for layer in (self.overrides, PRESETS[self.preset]):
            if cmd in layer and scope in layer[cmd]:
                return layer[cmd][scope]
        return self._bindings[cmd].keys.get(scope, ())

    def binding(self, cmd: Cmd) -> Binding:
        b = self._bindings[cmd]
        return Binding(cmd, b.title, b.group, {s: self.keys(cmd, s) for s in Scope})

    def bindings(self) -> list[Binding]:
        return [self.binding(b.cmd) for b in DEFAULTS]

    def clashes(self) -> list[str]:
        """Key sequences that two commands share where both are live (LISTEN sees GLOBAL too)."""
        out: list[str] = []
        live = {
            Scope.GLOBAL: (Scope.GLOBAL,),
            Scope.LISTEN: (Scope.GLOBAL, Scope.LISTEN),
            Scope.TYPING: (Scope.GLOBAL, Scope.TYPING),
        }
        for scope, layers in live.items():
            seen: dict[str, Cmd] = {}
            for b in self.bindings():
                for layer in layers:
                    for k in b.keys.get(layer, ()):
                        norm = k.lower()
                        if norm in seen and seen[norm] != b.cmd:
                            out.append(f"{k} in {scope}: {seen[norm]} and {b.cmd}")
                        seen[norm] = b.cmd
        return sorted(set(out))

    def typeable_global_keys(self) -> list[str]:
        """GLOBAL or TYPING keys that would eat a character typed in the transcript box."""
        return [
            f"{b.cmd}: {k}"
            for b in self.bindings()
            for scope in (Scope.GLOBAL, Scope.TYPING)
            for k in b.keys.get(scope, ())
            if not k.startswith(MODIFIERS) and k.removeprefix("Shift+") not in NON_TEXT_KEYS
        ]

    def with_override(self, cmd: Cmd, scope: Scope, keys: tuple[str, ...]) -> Keymap:
        over = {c: dict(v) for c, v in self.overrides.items()}
        over.setdefault(cmd, {})[scope] = keys
        km = Keymap(self.preset, over)
        problems = km.clashes() + km.typeable_global_keys()
        if problems:
            raise KeymapError("; ".join(problems))
        return km

    def overrides_json(self) -> str:
        return json.dumps(
            {c.value: {s.value: list(k) for s, k in v.items()} for c, v in self.overrides.items()},
            sort_keys=True,
        )

    @staticmethod
    def from_settings(preset: str, overrides_json: str) -> Keymap:
        raw = json.loads(overrides_json or "{}")
        over: dict[Cmd, Keys] = {}
        for c, v in raw.items():
            try:
                over[Cmd(c)] = {Scope(s): tuple(k) for s, k in v.items()}
            except ValueError:
                continue  # a command from another version; ignore it
        return Keymap(preset if preset in PRESETS else "default", over)
