"""Defects seen in the window: the intent list highlights the item's own intent, and the first
window fits the screen it opens on."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from app.model import annotation as ops
from app.workstation.controller import Controller


def test_the_intent_list_highlights_the_items_intent_not_its_first_row(
    workstation: Controller,
) -> None:
    panel = workstation.window.labels
    e = workstation.editor
    assert e.annotation is not None
    intents = [panel.list.item(k).text() for k in range(panel.list.count())]
    chosen = intents[5]
    e.apply("Intent", ops.set_intent, chosen)
    assert panel.list.currentItem() is not None
    assert panel.list.currentItem().text() == chosen
    e.apply("Intent", ops.set_intent, None)
    assert panel.list.currentItem() is None  # nothing chosen, nothing highlighted
    # typing still highlights the best match, and Enter picks it
    panel.filter.setText(intents[2][:6])
    assert panel.list.currentItem() is not None
    assert panel.list.currentItem().text().startswith(intents[2][:6])


def test_the_window_fits_the_screen_it_opens_on(workstation: Controller) -> None:
    """The offscreen screen here is 800×800: smaller than a 1366×768 laptop's, so the first
    size (1360×820 before) must come from the screen, the height above all (the status bar
    and the last flag were off a laptop's screen)."""
    w = workstation.window
    screen = w.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry()

    def fits() -> None:
        frame = w.frameGeometry()
        assert frame.height() <= room.height(), (frame, room)
        narrowest = w.minimumSizeHint().width() + frame.width() - w.width()
        assert frame.width() <= max(room.width(), narrowest), (frame, room)
        assert room.contains(frame.topLeft())

    fits()
    # a size and place saved on a larger screen are brought back onto this one
    w.resize(room.width() + 600, room.height() + 400)
    w.move(room.right() + 200, room.bottom() + 200)
    w.fit_to_screen()
    fits()
