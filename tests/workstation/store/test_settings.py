"""Preferences survive a restart as what they were, through QSettings' ini file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from app.workstation.store.settings import Preferences, Settings


def test_preferences_read_back_after_a_restart_as_saved(tmp_path: Path) -> None:
    ini = str(tmp_path / "earmark.ini")
    saved = Preferences(spectrogram_shown=False, caret_follows_playhead=True, skip_s=1.5)
    Settings(QSettings(ini, QSettings.Format.IniFormat)).save(saved)
    # a new QSettings on the same file is what the next start sees: values come back as text
    assert Settings(QSettings(ini, QSettings.Format.IniFormat)).load() == saved
    off = Preferences(spectrogram_shown=True, caret_follows_playhead=False)
    Settings(QSettings(ini, QSettings.Format.IniFormat)).save(off)
    assert Settings(QSettings(ini, QSettings.Format.IniFormat)).load() == off
