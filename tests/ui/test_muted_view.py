"""The stretches a muting project covered by a tone, drawn on the waveform with their kind."""

from __future__ import annotations

from app.ui.waveform_view import WaveformView


def test_muted_stretches_are_drawn_and_cleared(qtbot) -> None:
    view = WaveformView()
    qtbot.addWidget(view)
    view.set_clip(None, 5.0)
    view.set_muted(((0.5, 1.5, "phone"), (3.0, 3.4, "email")))
    xs, _ys = view.muted.getData()
    assert list(xs) == [0.5, 1.5, 3.0, 3.4]
    assert [label.toPlainText() for label in view.muted_labels] == [
        "muted [phone]",
        "muted [email]",
    ]
    view.set_muted(())
    xs, _ys = view.muted.getData()
    assert xs is None or len(xs) == 0
    assert view.muted_labels == []
