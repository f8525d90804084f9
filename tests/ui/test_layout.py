"""The main window's panels are all on screen, inside the window, and do not overlap."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QWidget

from app.workstation.controller import Controller


def rect_in_window(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())


@pytest.mark.parametrize("size", [(1360, 820), (1024, 700)])
def test_panels_fit_without_overlap(
    qtbot: object, workstation: Controller, tmp_path: Path, size: tuple[int, int]
) -> None:
    w = workstation.window
    w.resize(*size)
    qtbot.wait(50)  # type: ignore[attr-defined]
    panels = {
        "queue": w.queue,
        "waveform": w.waveform,
        "transcript": w.transcript.edit,
        "segments": w.transcript.segments,
        "intent": w.labels.filter,
        "intent list": w.labels.list,
        "flags": w.labels.flag_boxes[next(iter(w.labels.flag_boxes))],
        "saved": w.saved,
    }
    rects = {}
    for name, widget in panels.items():
        assert widget.isVisible(), name
        r = rect_in_window(widget, w)
        assert r.width() >= 40 and r.height() >= 14, f"{name} squeezed to {r}"
        assert w.rect().contains(r), f"{name} {r} is cut off by the window {w.rect()}"
        rects[name] = r
    for a in ("queue", "waveform", "intent"):
        for b in ("queue", "waveform", "intent"):
            if a < b:
                assert not rects[a].intersects(rects[b]), f"{a} overlaps {b}"
    assert not rects["waveform"].intersects(rects["transcript"])
    assert w.transcript.edit.height() >= w.transcript.edit.fontMetrics().lineSpacing() * 2
    shot = tmp_path / f"main-{size[0]}x{size[1]}.png"
    assert w.grab().save(str(shot)) and shot.stat().st_size > 10_000
