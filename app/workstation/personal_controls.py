"""Personal data said aloud, in the window: the detector's candidates in the segment shown,
confirmed, dismissed or marked by hand with keys (app/model/personal.py does the edits).

Confirming is one undo step and never changes the words. A dismissal holds for the recording
for as long as the workstation runs: the same words of the same kind are not offered again
there, wherever edits move them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.keymap import Cmd
from app.model import personal
from app.model.annotation import Segment
from app.model.conventions import Conventions
from app.model.slots import word_spans, words_in_chars
from app.model.spoken_data import Candidate, Kind
from app.ui.actions import Handler

if TYPE_CHECKING:
    from app.workstation.controller import Controller

KIND_TITLES: dict[Kind, str] = {
    Kind.PHONE: "phone number",
    Kind.CARD: "card number",
    Kind.NUMBER: "account or other number",
    Kind.EMAIL: "e-mail address",
    Kind.WEB: "web address",
    Kind.SPELLED: "spelled-out name or code",
    Kind.ADDRESS: "street address",
    Kind.POSTCODE: "postcode",
    Kind.BIRTH_DATE: "date of birth",
    Kind.NAME: "name",
}


class Spotter:
    """Candidates for the segment shown, without those a person dismissed."""

    def __init__(self) -> None:
        self._dismissed: dict[str, set[personal.Dismissal]] = {}

    def candidates(self, task_id: str, seg: Segment, conv: Conventions) -> list[Candidate]:
        return personal.open_candidates(
            seg, conv.language, conv.personal_names, self._dismissed.get(task_id, set())
        )

    def dismiss(self, task_id: str, c: Candidate) -> None:
        self._dismissed.setdefault(task_id, set()).add(personal.dismissal(c))


def personal_data(c: Controller) -> dict[Cmd, Handler]:
    """Confirm, dismiss, mark by hand, go to the next candidate."""
    e, w, spotter = c.editor, c.window, c.spotter

    def here() -> tuple[Segment, list[Candidate], int] | None:
        """The segment, its open candidates and the word at the caret (-1: none)."""
        seg, task = c.segment(), e.task
        if seg is None or task is None:
            return None
        caret = w.transcript.caret()
        span = words_in_chars(seg.text, caret, caret)
        cands = spotter.candidates(task.id, seg, c.project.conventions)
        return seg, cands, -1 if span is None else span[0]

    def confirm() -> None:
        found = here()
        cand = None if found is None else personal.candidate_at(found[1], found[2])
        if cand is None:
            w.say("Put the caret on an underlined candidate to confirm it.", error=True)
            return
        if c.apply("Confirm personal data", personal.confirm, e.segment, cand):
            w.say(f"Confirmed: {KIND_TITLES[cand.kind]} (the words stay as they are).")

    def dismiss() -> None:
        found = here()
        if found is None or e.task is None:
            return
        seg, cands, word = found
        cand = personal.candidate_at(cands, word)
        if cand is not None:
            spotter.dismiss(e.task.id, cand)
            c.refresh()
            w.say(f"Dismissed: “{cand.text}” is not offered again for this recording.")
            return
        if any(s.start_word <= word < s.end_word for s in seg.personal):
            c.apply("Remove personal data", personal.remove_at, e.segment, word)
            return
        w.say("Put the caret on a candidate or a personal-data span.", error=True)

    def mark() -> None:
        seg = c.segment()
        if seg is None:
            return
        lo, hi = w.transcript.selection()
        span = words_in_chars(seg.text, lo, hi)
        if span is None or lo == hi:
            w.say("Select the words that are personal data first.", error=True)
            return
        titles = {KIND_TITLES[k]: k for k in Kind}
        choice = w.ask_choice("Kind of personal data", list(titles))
        if choice in titles:
            c.apply("Mark personal data", personal.mark, e.segment, titles[choice], *span)

    def next_candidate() -> None:
        found = here()
        if found is None:
            return
        seg, cands, word = found
        after = [x for x in cands if x.start_word > word] or cands
        if not after:
            w.say("No candidate in this segment.")
            return
        w.transcript.set_caret(word_spans(seg.text)[after[0].start_word][0])
        w.say(f"Candidate: {KIND_TITLES[after[0].kind]} “{after[0].text}”.")

    return {
        Cmd.CONFIRM_PERSONAL: confirm,
        Cmd.DISMISS_PERSONAL: dismiss,
        Cmd.MARK_PERSONAL: mark,
        Cmd.NEXT_PERSONAL: next_candidate,
    }
