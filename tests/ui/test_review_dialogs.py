"""The reviewer's dialogs on their own: reasons by digit, the comment's time range."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.protocol import ReviewPolicy
from app.ui.review_panel import RejectDialog


def test_digits_pick_a_reason_and_the_range_can_be_typed(qtbot) -> None:
    reasons = ReviewPolicy().reasons
    d = RejectDialog(None, reasons, (0.4, 1.25), 3.2)
    qtbot.addWidget(d)
    d.show()
    d.activateWindow()
    qtbot.waitActive(d)
    qtbot.keyClick(d.list, Qt.Key.Key_3)
    assert d.reason() == reasons[2].code
    qtbot.waitUntil(d.comment.hasFocus)  # and on to the comment
    assert d.pinned() == (0.4, 1.25)  # the current segment's
    d.start.setValue(2.0)
    d.end.setValue(2.5)
    assert d.pinned() == (2.0, 2.5)
    d.end.setValue(2.0)
    assert d.pinned() is None  # an empty range pins nothing
    d.pin.setChecked(False)
    assert d.pinned() is None and not d.start.isEnabled()


def test_without_a_segment_nothing_is_pinned_until_asked(qtbot) -> None:
    d = RejectDialog(None, ReviewPolicy().reasons, None, 3.2)
    qtbot.addWidget(d)
    assert d.pinned() is None and not d.end.isEnabled()
    d.pin.setChecked(True)
    d.end.setValue(1.0)
    assert d.pinned() == (0.0, 1.0)
