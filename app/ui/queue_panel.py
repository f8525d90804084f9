"""The work queue: every item with its status; Enter opens one."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from app.model.annotation import Status
from app.model.task import Task

MARKS = {Status.TODO: "○", Status.SUBMITTED: "✔", Status.SKIPPED: "⤼"}
COLORS = {
    Status.TODO: QColor(60, 60, 60),
    Status.SUBMITTED: QColor(0, 120, 60),
    Status.SKIPPED: QColor(150, 110, 0),
}

# a reviewer's queue marks each decided item by its outcome, not with one tick for all
OUTCOMES = {
    "accepted": ("✔", QColor(0, 120, 60), "Accepted"),
    "fixed": ("✎", QColor(0, 80, 160), "Fixed and accepted"),
    "rejected": ("✘", QColor(176, 0, 0), "Rejected: sent back to the annotator"),
}


class QueuePanel(QWidget):
    open_requested = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.returned: set[str] = set()  # items a reviewer sent back
        self.outcomes: dict[str, str] = {}  # review mode: item -> the decision taken on it
        self.list = QListWidget()
        self.list.setObjectName("queue")
        self.summary = QLabel()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("<b>Queue</b>"))
        lay.addWidget(self.list, 1)
        lay.addWidget(self.summary)
        self.list.itemActivated.connect(lambda item: self.open_requested.emit(self.list.row(item)))
        self.list.itemClicked.connect(lambda item: self.open_requested.emit(self.list.row(item)))

    def set_marks(
        self, returned: set[str] | None = None, outcomes: dict[str, str] | None = None
    ) -> None:
        """Items a reviewer sent back; in review mode, each decided item's outcome. Drawn at
        the next show_queue."""
        if returned is not None:
            self.returned = set(returned)
        if outcomes is not None:
            self.outcomes = dict(outcomes)

    def show_queue(self, tasks: list[Task], statuses: dict[str, Status], current: int) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for t in tasks:
            st = statuses.get(t.id, Status.TODO)
            back = t.id in self.returned and st == Status.TODO
            mark, color, tip = "↩", QColor(176, 0, 0), "Sent back by a reviewer: open it to see why"
            if not back:
                mark, color, tip = MARKS[st], COLORS[st], t.name
                if st != Status.TODO and t.id in self.outcomes:
                    mark, color, word = OUTCOMES[self.outcomes[t.id]]
                    tip = f"{t.name}: {word}"
            item = QListWidgetItem(f"{mark}  {t.name}  ({t.duration_s:.1f} s)")
            item.setForeground(color)
            item.setToolTip(tip)
            self.list.addItem(item)
        if 0 <= current < self.list.count():
            self.list.setCurrentRow(current)
            self.list.scrollToItem(self.list.currentItem())
        self.list.blockSignals(False)
        done = sum(1 for t in tasks if statuses.get(t.id, Status.TODO) != Status.TODO)
        self.summary.setText(f"{done} of {len(tasks)} done")
        self.list.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
