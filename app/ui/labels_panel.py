"""Intent (type to filter, digits for the most used), flags; draws, emits intents."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QGroupBox, QLabel, QVBoxLayout, QWidget

from app.keymap import Cmd
from app.model.annotation import FLAG_TITLES, Annotation, Flag
from app.model.taxonomy import Taxonomy
from app.ui.filter_list import FilterList

FLAG_CMDS = {
    Cmd.FLAG_NOT_DEVICE_DIRECTED: Flag.NOT_DEVICE_DIRECTED,
    Cmd.FLAG_PERSONAL_DATA: Flag.PERSONAL_DATA,
    Cmd.FLAG_UNINTELLIGIBLE: Flag.UNINTELLIGIBLE,
    Cmd.FLAG_WRONG_LANGUAGE: Flag.WRONG_LANGUAGE,
    Cmd.FLAG_DISTRESSING: Flag.DISTRESSING,
}


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
        self.picker = FilterList(taxonomy.filter_intents, "Type to filter intents")
        self.filter, self.list = self.picker.filter, self.picker.list
        self.digits = QLabel()
        self.digits.setWordWrap(True)
        self.digits.setTextFormat(Qt.TextFormat.RichText)
        box = QGroupBox("Intent")
        bl = QVBoxLayout(box)
        bl.addWidget(self.current)
        bl.addWidget(self.digits)
        bl.addWidget(self.picker, 1)
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
        self.picker.picked.connect(self._picked)
        self.picker.cancelled.connect(self._cancel)

    def set_key_hints(self, hint: Callable[[Cmd], str]) -> None:
        """The keys as the keymap binds them now (they change with a rebinding)."""
        for cmd, flag in FLAG_CMDS.items():
            key = hint(cmd)
            self.flag_boxes[flag].setText(
                f"{FLAG_TITLES[flag]}   ({key})" if key else FLAG_TITLES[flag]
            )
        key = hint(Cmd.PICK_INTENT)
        self.filter.setPlaceholderText(
            f"Type to filter intents ({key})" if key else "Type to filter intents"
        )

    def show_annotation(self, a: Annotation, most_used: list[str]) -> None:
        self.current.setText(a.intent or "— no intent yet —")
        self.picker.prefer(a.intent)
        self.digits.setText(
            "&nbsp; ".join(f"<b>{k + 1}</b>&nbsp;{name}" for k, name in enumerate(most_used))
        )
        for flag, cb in self.flag_boxes.items():
            cb.setChecked(flag in a.flags)

    def start_picking(self) -> None:
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def _picked(self, intent: str) -> None:
        self.intent_picked.emit(intent)
        self.filter.clear()
        self.done_picking.emit()

    def _cancel(self) -> None:
        self.filter.clear()
        self.done_picking.emit()
