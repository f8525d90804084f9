"""The transcript of the current segment, with tags, slots, changes and problems shown in it."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QKeySequence,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QLabel, QListView, QPlainTextEdit, QVBoxLayout, QWidget

from app.model.annotation import Annotation
from app.model.conventions import Conventions, check_transcript, tag_spans
from app.model.diff import Op, changed_word_indices, word_diff
from app.model.slots import Slot, word_spans
from app.model.spoken_data import Candidate
from app.model.words import Placed, SegmentWords
from app.ui import watermark
from app.ui.segments_model import SegmentsModel

SLOT_COLORS = [QColor(255, 170, 0), QColor(0, 150, 200), QColor(170, 60, 200), QColor(30, 160, 60)]
HEARD = QColor(255, 226, 90)  # the word being heard
NOT_PLACED = QColor(140, 140, 140)
PERSONAL = QColor(170, 0, 170)  # personal data: candidates dash-dotted, confirmed spans solid
PERSONAL_SPAN = QColor(248, 224, 248)


class TranscriptHighlighter(QSyntaxHighlighter):
    def __init__(self, doc: QTextDocument, conv: Conventions) -> None:
        super().__init__(doc)
        self.conv = conv
        self.slots: tuple[Slot, ...] = ()
        self.personal: tuple[Slot, ...] = ()
        self.candidates: Sequence[Candidate] = ()
        self.asr = ""
        self.compare_asr = False
        self.words: SegmentWords | None = None
        self.heard: int | None = None  # index of the word being heard

    def _merge(self, span: tuple[int, int], change: Callable[[QTextCharFormat], None]) -> None:
        """Change one property of the formats already set over `span`, keeping the others."""
        for i in range(*span):
            fmt = self.format(i)
            change(fmt)
            self.setFormat(i, 1, fmt)

    def _words(self, spans: list[tuple[int, int]]) -> None:
        if self.words is None:
            return
        for w in self.words.words:
            if w.index >= len(spans) or w.placed == Placed.SURE:
                continue
            style = (
                QTextCharFormat.UnderlineStyle.DotLine
                if w.placed == Placed.NOT_PLACED
                else QTextCharFormat.UnderlineStyle.DashUnderline
            )

            def mark(fmt: QTextCharFormat, style: QTextCharFormat.UnderlineStyle = style) -> None:
                fmt.setUnderlineStyle(style)
                fmt.setUnderlineColor(NOT_PLACED)

            self._merge(spans[w.index], mark)
        if self.heard is not None and self.heard < len(spans):
            self._merge(spans[self.heard], lambda fmt: fmt.setBackground(HEARD))

    def _personal(self, spans: list[tuple[int, int]]) -> None:
        """Drawn over what the other rules drew, keeping their colours: the underline is its
        own (a word not tied to the audio may be personal data too)."""
        confirmed = [(s.start_word, s.end_word, True) for s in self.personal]
        offered = [(c.start_word, c.end_word, False) for c in self.candidates]
        for start, end, sure in confirmed + offered:
            if end > len(spans):
                continue

            def mark(fmt: QTextCharFormat, sure: bool = sure) -> None:
                fmt.setUnderlineColor(PERSONAL)
                if not sure:
                    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DashDotLine)
                    return
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
                if fmt.background().color() != HEARD:
                    fmt.setBackground(PERSONAL_SPAN)

            self._merge((spans[start][0], spans[end - 1][1]), mark)

    def highlightBlock(self, text: str) -> None:  # noqa: N802
        spans = word_spans(text)
        if self.compare_asr:
            changed = QTextCharFormat()
            changed.setBackground(QColor(220, 240, 255))
            for k in changed_word_indices(self.asr, text):
                if k < len(spans):
                    a, b = spans[k]
                    self.setFormat(a, b - a, changed)
        for n, s in enumerate(self.slots):
            if s.end_word > len(spans):
                continue
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
            fmt.setUnderlineColor(SLOT_COLORS[n % len(SLOT_COLORS)])
            fmt.setFontUnderline(True)
            fmt.setBackground(SLOT_COLORS[n % len(SLOT_COLORS)].lighter(185))
            a, b = spans[s.start_word][0], spans[s.end_word - 1][1]
            self.setFormat(a, b - a, fmt)
        for a, b, known in tag_spans(text, self.conv):
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(0, 110, 60) if known else QColor(200, 0, 0))
            fmt.setFontWeight(QFont.Weight.Bold)
            self.setFormat(a, b - a, fmt)
        for p in check_transcript(text, self.conv):
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor(220, 0, 0))
            self.setFormat(p.start_char, max(1, p.end_char - p.start_char), fmt)
        self._words(spans)
        self._personal(spans)


class TranscriptEdit(QPlainTextEdit):
    """One line of text; leaves window-wide shortcuts (Ctrl+Z, Ctrl+Return...) to the window."""

    text_edited = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("transcript")
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        font = self.font()
        font.setPointSize(font.pointSize() + 3)
        self.setFont(font)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        self.window_keys: set[str] = set()
        self._setting = False
        self.textChanged.connect(self._changed)

    def set_text(self, text: str) -> None:
        if text == self.toPlainText():
            return
        self._setting = True
        caret = self.textCursor().position()
        self.setPlainText(text)
        c = self.textCursor()
        c.setPosition(min(caret, len(text)))
        self.setTextCursor(c)
        self._setting = False

    def _changed(self) -> None:
        if not self._setting:
            self.text_edited.emit(self.toPlainText())

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ShortcutOverride and isinstance(e, QKeyEvent):
            seq = QKeySequence(e.keyCombination()).toString(
                QKeySequence.SequenceFormat.PortableText
            )
            if seq in self.window_keys:
                e.ignore()  # let the window's action have it
                return False
        return super().event(e)

    def keyPressEvent(self, e: QKeyEvent) -> None:  # noqa: N802
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            e.ignore()  # never a newline: a transcript is one line
            return
        super().keyPressEvent(e)

    def set_caret(self, pos: int) -> None:
        c = self.textCursor()
        c.setPosition(max(0, min(pos, len(self.toPlainText()))))
        self.setTextCursor(c)

    def selection_chars(self) -> tuple[int, int]:
        c = self.textCursor()
        return c.selectionStart(), c.selectionEnd()

    def caret(self) -> int:
        return self.textCursor().position()


class TranscriptPanel(QWidget):
    segment_selected = Signal(int)
    text_edited = Signal(str)  # the person typed: the whole text of the selected segment

    def __init__(self, conv: Conventions) -> None:
        super().__init__()
        self.conv = conv
        self.mark_slot_key = ""  # as the keymap binds it (set by the controller)
        self.draft_key = ""
        self.personal_keys = ""
        self.model = SegmentsModel(conv)
        self.segments = QListView()
        self.segments.setObjectName("segments")
        self.segments.setModel(self.model)
        self.segments.setUniformItemSizes(True)  # 10,000 rows lay out without measuring each
        self.segments.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.edit = TranscriptEdit()
        self._plain_edit, self._plain_list = (
            watermark.plain(self.edit),
            watermark.plain(self.segments),
        )
        self.highlighter = TranscriptHighlighter(self.edit.document(), conv)
        self.asr_label = QLabel()
        self.asr_label.setWordWrap(True)
        self.asr_label.setTextFormat(Qt.TextFormat.RichText)
        self.slots_label = QLabel()
        self.slots_label.setWordWrap(True)
        self.personal_label = QLabel()
        self.personal_label.setObjectName("personal")
        self.personal_label.setWordWrap(True)
        self.personal_label.setStyleSheet("color: #8a008a;")
        self.words_label = QLabel()
        self.words_label.setObjectName("words")
        self.words_label.setWordWrap(True)
        self.words_label.setStyleSheet("color: #555555;")
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b00000;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        title = QLabel("<b>Transcript</b> of the selected segment")
        lay.addWidget(title)
        lay.addWidget(self.edit)
        lay.addWidget(self.words_label)
        lay.addWidget(self.asr_label)
        lay.addWidget(self.slots_label)
        lay.addWidget(self.personal_label)
        lay.addWidget(self.problems)
        lay.addWidget(QLabel("<b>Segments</b>"))
        lay.addWidget(self.segments, 1)
        self.segments.selectionModel().currentRowChanged.connect(self._row_changed)
        self.edit.text_edited.connect(self.text_edited)
        self._updating = False

    # -- what the workstation asks of the text box ---------------------------------------------
    def caret(self) -> int:
        return self.edit.caret()

    def selection(self) -> tuple[int, int]:
        """The selected characters (start, end); both the caret when nothing is selected."""
        return self.edit.selection_chars()

    def set_caret(self, pos: int) -> None:
        self.edit.set_caret(pos)

    def typing(self) -> bool:
        """Whether the text box has the keyboard."""
        return self.edit.hasFocus()

    def set_watermark(self, text: str | None) -> None:
        """`text` faintly beneath the segments and the transcript; None: none."""
        for widget, plain in ((self.edit, self._plain_edit), (self.segments, self._plain_list)):
            watermark.apply(widget, text, plain)

    def set_key_hints(
        self, window_keys: set[str], mark_slot: str, draft: str, personal: str = ""
    ) -> None:
        """The keys the box leaves to the window, and the ones its hints name."""
        self.edit.window_keys = window_keys
        self.mark_slot_key, self.draft_key, self.personal_keys = mark_slot, draft, personal

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._updating and current.isValid():
            self.segment_selected.emit(current.row())

    def show_annotation(
        self,
        a: Annotation,
        selected: int,
        asr: str,
        draft_by: str = "",
        candidates: Sequence[Candidate] = (),
    ) -> None:
        """`asr` is the hypothesis, or a local draft when `draft_by` names what made it;
        `candidates` are the segment's personal-data candidates still open."""
        self._updating = True
        try:
            self.model.set_segments(a.segments)
            current = self.model.index(selected)
            if self.segments.currentIndex() != current:
                self.segments.setCurrentIndex(current)
                self.segments.scrollTo(current)
            seg = a.segments[selected]
            self.highlighter.slots = seg.slots
            self.highlighter.personal = seg.personal
            self.highlighter.candidates = candidates
            self.highlighter.asr = asr
            self.highlighter.compare_asr = bool(asr) and len(a.segments) == 1
            self.edit.set_text(seg.text)
            self.highlighter.rehighlight()
            self._show_asr(asr, a.transcript, draft_by)
            words = seg.text.split()
            self.slots_label.setText(
                "Slots: "
                + (
                    ", ".join(
                        f"{s.type} = “{' '.join(words[s.start_word : s.end_word])}”"
                        for s in seg.slots
                    )
                    or f"none (select words, then {self.mark_slot_key or 'mark a slot'})"
                )
            )
            self._show_personal(words, seg.personal, candidates)
            probs = check_transcript(seg.text, self.conv)
            self.problems.setText("\n".join(p.message for p in probs))
        finally:
            self._updating = False

    def show_words(self, words: SegmentWords | None, status: str) -> None:
        """Which words of the segment shown are tied to the audio; redrawn only on a change."""
        self.words_label.setText(status)
        self.words_label.setVisible(bool(status))
        if words is not None and words.text != self.edit.toPlainText():
            words = None  # for other text: typing went on since
        if words != self.highlighter.words:
            self.highlighter.words = words
            self.highlighter.heard = None
            self.highlighter.rehighlight()

    def set_current_word(self, index: int | None) -> int:
        """Highlight word `index` as the one being heard; its first character, or -1."""
        h = self.highlighter
        if index != h.heard:
            h.heard = index
            h.rehighlight()
        spans = word_spans(self.edit.toPlainText())
        return spans[index][0] if index is not None and index < len(spans) else -1

    def _show_personal(
        self, words: list[str], spans: tuple[Slot, ...], candidates: Sequence[Candidate]
    ) -> None:
        said = [f"{s.type} “{' '.join(words[s.start_word : s.end_word])}”" for s in spans]
        open_ = [f"{c.kind.value} “{c.text}”?" for c in candidates]
        text = ""
        if said or open_:
            text = "Personal data: " + ", ".join(said + open_)
            if open_ and self.personal_keys:
                text += f" ({self.personal_keys})"
        self.personal_label.setText(text)
        self.personal_label.setVisible(bool(text))

    def _show_asr(self, asr: str, transcript: str, draft_by: str) -> None:
        if not asr:
            hint = f" {self.draft_key} drafts one here." if self.draft_key else ""
            self.asr_label.setText(f"<i>No ASR hypothesis for this recording.{hint}</i>")
            return
        if draft_by:
            by = html.escape(draft_by)
            self.asr_label.setText(f"Local draft ({by}) → yours: " + diff_html(asr, transcript))
            return
        self.asr_label.setText("ASR → yours: " + diff_html(asr, transcript))


def diff_html(old: str, new: str) -> str:
    """Words of `old` that went struck through in red, words `new` added in bold green."""
    parts = []
    for d in word_diff(old, new):
        w = html.escape(d.word)
        if d.op == Op.DELETED:
            parts.append(f"<s style='color:#b00000'>{w}</s>")
        elif d.op == Op.INSERTED:
            parts.append(f"<span style='color:#006e3c;font-weight:bold'>{w}</span>")
        else:
            parts.append(w)
    return " ".join(parts) or "<i>(empty)</i>"
