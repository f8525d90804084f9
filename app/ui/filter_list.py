"""Type to filter, Up/Down to move, Enter to pick: the picker used for intents, slots, reasons."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QListWidget, QVBoxLayout, QWidget


class FilterLine(QLineEdit):
    """Up/Down move in the list below; Enter picks; Esc gives up."""

    moved = Signal(int)
    picked = Signal()
    cancelled = Signal()

    def keyPressEvent(self, e: QKeyEvent) -> None:  # noqa: N802
        if e.key() == Qt.Key.Key_Down:
            self.moved.emit(1)
        elif e.key() == Qt.Key.Key_Up:
            self.moved.emit(-1)
        elif e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not e.modifiers():
            self.picked.emit()
        elif e.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
        else:
            super().keyPressEvent(e)


class FilterList(QWidget):
    """A filter line over a list of matches; `picked` carries the chosen text."""

    picked = Signal(str)
    cancelled = Signal()

    def __init__(self, matches: Callable[[str], list[str]], placeholder: str) -> None:
        super().__init__()
        self.matches = matches
        self.filter = FilterLine()
        self.filter.setPlaceholderText(placeholder)
        self.filter.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.filter)
        lay.addWidget(self.list, 1)
        self.filter.textChanged.connect(self._refilter)
        self.filter.moved.connect(self._move)
        self.filter.picked.connect(self._pick)
        self.filter.cancelled.connect(self.cancelled)
        self.list.itemDoubleClicked.connect(lambda _item: self._pick())
        self._preferred: str | None = None
        self._prefers = False  # a picker of a value already set (the intent) once prefer() is used
        self._refilter("")

    def current(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else item.text()

    def prefer(self, value: str | None) -> None:
        """The value already chosen: highlighted while nothing is typed (nothing is, when none
        is chosen); typing highlights the best match instead."""
        self._preferred, self._prefers = value, True
        if not self.filter.text():
            self._refilter("")

    def _refilter(self, text: str) -> None:
        self.list.clear()
        found = self.matches(text)
        self.list.addItems(found)
        if text or not self._prefers:
            self.list.setCurrentRow(0 if found else -1)
        else:
            self.list.setCurrentRow(
                found.index(self._preferred) if self._preferred in found else -1
            )
        if self.list.currentItem() is not None:
            self.list.scrollToItem(self.list.currentItem())

    def _move(self, step: int) -> None:
        if self.list.count():
            row = self.list.currentRow() + step
            self.list.setCurrentRow(max(0, min(self.list.count() - 1, row)))

    def _pick(self) -> None:
        choice = self.current()
        if choice is not None:
            self.picked.emit(choice)
