"""Preferences, declared once with their defaults; window layout is kept apart (ui_state)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from PySide6.QtCore import QByteArray, QSettings


@dataclass(frozen=True, slots=True)
class Preferences:
    key_preset: str = "default"
    key_overrides: str = "{}"
    replay_s: float = 3.0
    skip_s: float = 2.0
    rewind_on_pause_s: float = 0.0  # 0 = off; Express Scribe's "rewind on pause"
    rewind_when_on_s: float = 1.0
    nudge_replay_s: float = 0.4
    pedal_rewind_s: float = 1.0  # rewind when the centre pedal is released
    spectrogram_shown: bool = False
    spectrogram_range_db: int = 70
    caret_follows_playhead: bool = False  # the caret goes to the word being heard


class Settings:
    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings or QSettings("earmark", "earmark")

    def load(self) -> Preferences:
        values: dict[str, Any] = {}
        for f in fields(Preferences):
            default: Any = f.default
            raw = self.q.value(f"prefs/{f.name}", default)
            try:
                if isinstance(default, bool) and isinstance(raw, str):
                    values[f.name] = raw.lower() == "true"  # QSettings' ini files hold text
                else:
                    values[f.name] = type(default)(raw) if raw is not None else default
            except (TypeError, ValueError):
                values[f.name] = default
        return Preferences(**values)

    def save(self, prefs: Preferences) -> None:
        for f in fields(Preferences):
            self.q.setValue(f"prefs/{f.name}", getattr(prefs, f.name))
        self.q.sync()

    def ui_state(self, key: str) -> bytes | None:
        v = self.q.value(f"ui/{key}")
        return bytes(v.data()) if isinstance(v, QByteArray) else None

    def set_ui_state(self, key: str, value: bytes) -> None:
        self.q.setValue(f"ui/{key}", QByteArray(value))
