"""The segment list as a model: a keystroke updates one row, not ten thousand."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.model.annotation import Segment
from app.model.conventions import Conventions, check_transcript

Index = QModelIndex | QPersistentModelIndex


class SegmentsModel(QAbstractListModel):
    def __init__(self, conv: Conventions) -> None:
        super().__init__()
        self.conv = conv
        self.segments: tuple[Segment, ...] = ()

    def set_segments(self, segments: tuple[Segment, ...]) -> None:
        old = self.segments
        if len(old) != len(segments):
            self.beginResetModel()
            self.segments = segments
            self.endResetModel()
            return
        changed = [
            k for k, (a, b) in enumerate(zip(old, segments, strict=True)) if a is not b and a != b
        ]
        self.segments = segments
        if changed:
            self.dataChanged.emit(self.index(changed[0]), self.index(changed[-1]))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.segments)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self.segments):
            return None
        s = self.segments[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{index.row() + 1:>4}  {s.start_s:8.2f}–{s.end_s:8.2f} s   {s.text or '…'}"
        if role == Qt.ItemDataRole.ForegroundRole and check_transcript(s.text, self.conv):
            return QColor(180, 0, 0)
        return None
