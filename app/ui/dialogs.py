"""Small dialogs: pick from a filtered list, skip reason, cheat sheet, keyboard preferences."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.keymap import PRESETS, Cmd, Keymap, KeymapError, Scope
from app.ui.actions import NOT_HERE
from app.ui.filter_list import FilterList

SKIP_REASONS = (
    "No speech",
    "Audio too damaged to annotate",
    "Not the expected language",
    "Needs a specialist (medical, legal, ...)",
    "Other (say in the box)",
)


class PickDialog(QDialog):
    """Type to filter, Up/Down, Enter: for slot types and skip reasons."""

    def __init__(self, parent: QWidget, title: str, options: list[str], free_text: bool = False):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.free_text = free_text

        def matches(text: str) -> list[str]:
            q = text.lower().strip()
            return [o for o in options if q in o.lower()]

        hint = "Type to filter" + (", or type your own" if free_text else "")
        self.picker = FilterList(matches, hint)
        self.filter = self.picker.filter
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(title))
        lay.addWidget(self.picker)
        self.picker.picked.connect(lambda _choice: self.accept())
        self.picker.cancelled.connect(self.reject)
        self.filter.picked.connect(self._free_text_pick)
        self.resize(380, 360)

    def _free_text_pick(self) -> None:
        if self.picker.current() is None and self.choice():
            self.accept()

    def choice(self) -> str | None:
        current = self.picker.current()
        if current is not None:
            return current
        text = self.filter.text().strip()
        return text if self.free_text and text else None


class CheatSheetDialog(QDialog):
    def __init__(
        self, parent: QWidget, keymap: Keymap, available: Callable[[Cmd], bool] | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard cheat sheet")
        view = QTextBrowser()
        view.setHtml(cheat_sheet_html(keymap, available))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(view)
        lay.addWidget(buttons)
        self.resize(720, 640)


def cheat_sheet_html(keymap: Keymap, available: Callable[[Cmd], bool] | None = None) -> str:
    """Every command and its keys; those the current mode has no use for are greyed and
    marked (their keys do nothing here)."""
    groups: dict[str, list[str]] = {}
    for b in keymap.bindings():
        anywhere = ", ".join(b.keys.get(Scope.GLOBAL, ()))
        listen = ", ".join(b.keys.get(Scope.LISTEN, ()))
        typing = ", ".join(b.keys.get(Scope.TYPING, ()))
        here = available is None or available(b.cmd)
        title = html.escape(b.title) + ("" if here else f" <i>({NOT_HERE})</i>")
        style = "" if here else " style='color:#888888'"
        groups.setdefault(b.group, []).append(
            f"<tr{style}><td>{title}</td><td><b>{html.escape(anywhere)}</b></td>"
            f"<td>{html.escape(listen)}</td><td>{html.escape(typing)}</td></tr>"
        )
    parts = [
        f"<p>Preset: <b>{keymap.preset}</b>. <i>Anywhere</i> keys work even while typing; "
        "<i>waveform</i> keys are bare keys for when the waveform or queue has focus (F6); "
        "<i>transcript</i> keys work in the transcript box. Greyed commands are not "
        "available in this mode.</p>"
    ]
    for group, rows in groups.items():
        parts.append(
            f"<h3>{html.escape(group)}</h3><table cellspacing=4><tr><th align=left>Command</th>"
            "<th align=left>Anywhere</th><th align=left>Waveform</th>"
            "<th align=left>Transcript</th></tr>" + "".join(rows) + "</table>"
        )
    return "".join(parts)


class KeyPreferencesDialog(QDialog):
    """Preset choice and per-command rebinding, checked for clashes before it is kept."""

    def __init__(self, parent: QWidget, keymap: Keymap) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard preferences")
        self.keymap = keymap
        self.preset = QComboBox()
        self.preset.addItems(list(PRESETS))
        self.preset.setCurrentText(keymap.preset)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Command", "Anywhere", "Waveform"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.key_edit = QKeySequenceEdit()
        self.scope = QComboBox()
        self.scope.addItems(["Anywhere", "Waveform"])
        assign = QPushButton("Assign")
        assign.clicked.connect(self._assign)
        reset = QPushButton("Reset all to preset")
        reset.clicked.connect(self._reset)
        row = QHBoxLayout()
        row.addWidget(QLabel("New key:"))
        row.addWidget(self.key_edit, 1)
        row.addWidget(self.scope)
        row.addWidget(assign)
        row.addWidget(reset)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(QLabel("Preset:"))
        top.addWidget(self.preset, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        lay.addWidget(buttons)
        self.preset.currentTextChanged.connect(self._preset_changed)
        self._fill()
        self.resize(760, 620)

    def _fill(self) -> None:
        bindings = self.keymap.bindings()
        self.table.setRowCount(len(bindings))
        for r, b in enumerate(bindings):
            self.table.setItem(r, 0, QTableWidgetItem(b.title))
            self.table.setItem(r, 1, QTableWidgetItem(", ".join(b.keys.get(Scope.GLOBAL, ()))))
            self.table.setItem(r, 2, QTableWidgetItem(", ".join(b.keys.get(Scope.LISTEN, ()))))

    def _preset_changed(self, name: str) -> None:
        self.keymap = Keymap(name, self.keymap.overrides)
        self._fill()

    def _reset(self) -> None:
        self.keymap = Keymap(self.keymap.preset)
        self._fill()

    def _assign(self) -> None:
        row = self.table.currentRow()
        seq = self.key_edit.keySequence().toString()
        if row < 0 or not seq:
            return
        cmd = self.keymap.bindings()[row].cmd
        scope = Scope.GLOBAL if self.scope.currentIndex() == 0 else Scope.LISTEN
        try:
            self.keymap = self.keymap.with_override(cmd, scope, (seq,))
        except KeymapError as exc:
            QMessageBox.warning(self, "Key not assigned", f"{seq} cannot be used here: {exc}")
            return
        self._fill()
