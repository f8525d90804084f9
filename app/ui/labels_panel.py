"""Intent (type to filter, digits for the most used), flags; draws, emits intents."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from app.model.annotation import FLAG_TITLES, Annotation, Flag
from app.model.taxonomy import Taxonomy


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


class LabelsPanel(QWidget):
    intent_picked = Signal(object)  # str | None
    flag_toggled = Signal(object)  # Flag
    done_picking = Signal()

    def __init__(self, taxonomy: Taxonomy) -> None:
        super().__init__()
        self.taxonomy = taxonomy
        self.current = QLabel()
        self.current.setObjectName("intent")
        self.current.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.current.setWordWrap(True)
        self.filter = FilterLine()
        self.filter.setPlaceholderText("Type to filter intents (Ctrl+I)")
        self.filter.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.digits = QLabel()
        self.digits.setWordWrap(True)
        self.digits.setTextFormat(Qt.TextFormat.RichText)
        box = QGroupBox("Intent")
        bl = QVBoxLayout(box)
        bl.addWidget(self.current)
        bl.addWidget(self.digits)
        bl.addWidget(self.filter)
        bl.addWidget(self.list, 1)
        flags = QGroupBox("Flags")
        fl = QVBoxLayout(flags)
        self.flag_boxes: dict[Flag, QCheckBox] = {}
        for flag in Flag:
            cb = QCheckBox(FLAG_TITLES[flag])
            cb.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            cb.clicked.connect(lambda _c=False, f=flag: self.flag_toggled.emit(f))
            fl.addWidget(cb)
            self.flag_boxes[flag] = cb
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(box, 1)
        lay.addWidget(flags)
        self.filter.textChanged.connect(self._refilter)
        self.filter.moved.connect(self._move)
        self.filter.picked.connect(self._pick_current)
        self.filter.cancelled.connect(self._cancel)
        self.list.itemDoubleClicked.connect(lambda _i: self._pick_current())
        self._refilter("")

    def set_flag_keys(self, keys: dict[Flag, str]) -> None:
        for flag, key in keys.items():
            self.flag_boxes[flag].setText(
                f"{FLAG_TITLES[flag]}   ({key})" if key else FLAG_TITLES[flag]
            )

    def show_annotation(self, a: Annotation, most_used: list[str]) -> None:
        self.current.setText(a.intent or "— no intent yet —")
        self.digits.setText(
            "&nbsp; ".join(f"<b>{k + 1}</b>&nbsp;{name}" for k, name in enumerate(most_used))
        )
        for flag, cb in self.flag_boxes.items():
            cb.setChecked(flag in a.flags)

    def start_picking(self) -> None:
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def _refilter(self, text: str) -> None:
        self.list.clear()
        self.list.addItems(self.taxonomy.filter_intents(text))
        if self.list.count():
            self.list.setCurrentRow(0)

    def _move(self, step: int) -> None:
        if self.list.count():
            self.list.setCurrentRow(
                max(0, min(self.list.count() - 1, self.list.currentRow() + step))
            )

    def _pick_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.intent_picked.emit(item.text())
            self.filter.clear()
            self.done_picking.emit()

    def _cancel(self) -> None:
        self.filter.clear()
        self.done_picking.emit()
