"""The annotation of one recording as an immutable value, and the edits on it."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from app.model.slots import Slot, reanchor_slots

MIN_SEGMENT_S = 0.05


class Flag(StrEnum):  # named on the wire by app.protocol.FlagName (tests/test_protocol.py)
    NOT_DEVICE_DIRECTED = "not_device_directed"
    PERSONAL_DATA = "personal_data"
    UNINTELLIGIBLE = "unintelligible"
    WRONG_LANGUAGE = "wrong_language"
    DISTRESSING = "distressing"


FLAG_TITLES: dict[Flag, str] = {
    Flag.NOT_DEVICE_DIRECTED: "Not device-directed",
    Flag.PERSONAL_DATA: "Contains personal data",
    Flag.UNINTELLIGIBLE: "Unintelligible",
    Flag.WRONG_LANGUAGE: "Wrong language",
    Flag.DISTRESSING: "Distressing content",
}


class Status(StrEnum):  # named on the wire by app.protocol.StatusName
    TODO = "todo"
    SUBMITTED = "submitted"
    SKIPPED = "skipped"


class EditError(ValueError):
    """An edit that cannot apply to the current value; the message is for the user."""


@dataclass(frozen=True, slots=True)
class Segment:
    start_s: float
    end_s: float
    text: str = ""
    slots: tuple[Slot, ...] = ()
    # personal data said aloud, confirmed by a person: word ranges like slots, whose `type` is
    # a kind of app.model.spoken_data.Kind (app/model/personal.py edits them)
    personal: tuple[Slot, ...] = ()

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class Annotation:
    segments: tuple[Segment, ...]
    intent: str | None = None
    flags: frozenset[Flag] = field(default_factory=frozenset)
    status: Status = Status.TODO
    skip_reason: str = ""
    active_ms: int = 0
    submissions: int = 0  # times submitted: a review of submission N is out of date at N + 1

    @property
    def transcript(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())

    def to_json(self) -> dict[str, Any]:
        return {
            "segments": segments_to_json(self.segments),
            "intent": self.intent,
            "flags": sorted(f.value for f in self.flags),
            "status": self.status.value,
            "skip_reason": self.skip_reason,
            "active_ms": self.active_ms,
            "submissions": self.submissions,
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> Annotation:
        return Annotation(
            segments=segments_from_json(data["segments"]),
            intent=data.get("intent"),
            flags=frozenset(Flag(f) for f in data.get("flags", [])),
            status=Status(data.get("status", "todo")),
            skip_reason=str(data.get("skip_reason", "")),
            active_ms=int(data.get("active_ms", 0)),
            submissions=int(data.get("submissions", 0)),
        )


def initial_annotation(
    duration_s: float,
    asr_text: str = "",
    predicted_intent: str | None = None,
    predicted_slots: tuple[Slot, ...] = (),
    prefill: tuple[Segment, ...] = (),
    prefill_flags: frozenset[Flag] = frozenset(),
) -> Annotation:
    """The segments a file brought, or one segment over the whole recording pre-filled from the
    ASR hypothesis; the predicted intent; flags a file brought."""
    return Annotation(
        segments=prefill or (Segment(0.0, duration_s, asr_text, predicted_slots),),
        intent=predicted_intent,
        flags=prefill_flags,
    )


def segments_to_json(segments: tuple[Segment, ...]) -> list[dict[str, Any]]:
    return [
        {
            "start_s": round(s.start_s, 6),
            "end_s": round(s.end_s, 6),
            "text": s.text,
            "slots": [
                {"type": x.type, "start_word": x.start_word, "end_word": x.end_word}
                for x in s.slots
            ],
            "personal": [
                {"kind": x.type, "start_word": x.start_word, "end_word": x.end_word}
                for x in s.personal
            ],
        }
        for s in segments
    ]


def segments_from_json(rows: list[dict[str, Any]]) -> tuple[Segment, ...]:
    return tuple(
        Segment(
            float(s["start_s"]),
            float(s["end_s"]),
            str(s.get("text", "")),
            tuple(
                Slot(str(x["type"]), int(x["start_word"]), int(x["end_word"]))
                for x in s.get("slots", [])
            ),
            tuple(
                Slot(str(x["kind"]), int(x["start_word"]), int(x["end_word"]))
                for x in s.get("personal") or []
            ),
        )
        for s in rows
    )


def fill_empty(segments: tuple[Segment, ...], draft: tuple[Segment, ...]) -> tuple[Segment, ...]:
    """Each segment without text given the draft's words whose middle falls inside it; a
    segment that holds text is never touched."""
    out = []
    for seg in segments:
        if seg.text.strip():
            out.append(seg)
            continue
        heard = [d.text for d in draft if seg.start_s <= (d.start_s + d.end_s) / 2 < seg.end_s]
        out.append(replace(seg, text=" ".join(heard)) if heard else seg)
    return tuple(out)


def fill_from_draft(a: Annotation, draft: tuple[Segment, ...]) -> Annotation:
    return replace(a, segments=fill_empty(a.segments, draft))


def segment_at(segments: tuple[Segment, ...], t_s: float) -> int | None:
    """The index of the segment holding time `t_s` (segments are in time order), if any."""
    k = bisect.bisect_right([s.start_s for s in segments], t_s) - 1
    if k >= 0 and t_s < segments[k].end_s:
        return k
    return None


def _check_index(a: Annotation, index: int) -> Segment:
    if not 0 <= index < len(a.segments):
        raise EditError("There is no such segment.")
    return a.segments[index]


def _with_segments(a: Annotation, segments: list[Segment]) -> Annotation:
    return replace(a, segments=tuple(segments))


def set_text(a: Annotation, index: int, text: str) -> Annotation:
    """New transcript for one segment; its slots and personal-data spans follow their words."""
    seg = _check_index(a, index)
    slots = reanchor_slots(seg.text, text, seg.slots)
    personal = reanchor_slots(seg.text, text, seg.personal)
    segs = list(a.segments)
    segs[index] = replace(seg, text=text, slots=slots, personal=personal)
    return _with_segments(a, segs)


def split_segment(a: Annotation, at_s: float, text_split_char: int | None = None) -> Annotation:
    """Split the segment under at_s; the text splits at text_split_char (Praat's Enter)."""
    inside = [
        k
        for k, s in enumerate(a.segments)
        if s.start_s + MIN_SEGMENT_S <= at_s <= s.end_s - MIN_SEGMENT_S
    ]
    if not inside:
        raise EditError("Put the playhead inside a segment, away from its edges, to split it.")
    i = inside[0]
    seg = a.segments[i]
    cut = len(seg.text) if text_split_char is None else max(0, min(text_split_char, len(seg.text)))
    left_text, right_text = seg.text[:cut].rstrip(), seg.text[cut:].lstrip()
    n_left = len(left_text.split())
    left = Segment(seg.start_s, at_s, left_text, *_split_spans(seg, n_left, left=True))
    right = Segment(at_s, seg.end_s, right_text, *_split_spans(seg, n_left, left=False))
    segs = list(a.segments)
    segs[i : i + 1] = [left, right]
    return _with_segments(a, segs)


def _shifted(spans: tuple[Slot, ...], by: int) -> tuple[Slot, ...]:
    return tuple(Slot(s.type, s.start_word + by, s.end_word + by) for s in spans)


def _split_spans(seg: Segment, n_left: int, left: bool) -> tuple[tuple[Slot, ...], ...]:
    """The slots and the personal-data spans of one side of a split at word `n_left`; a span
    across the cut is dropped (its words are no longer together)."""
    if left:
        return tuple(tuple(s for s in spans if s.end_word <= n_left) for spans in _both(seg))
    return tuple(
        _shifted(tuple(s for s in spans if s.start_word >= n_left), -n_left) for spans in _both(seg)
    )


def _both(seg: Segment) -> tuple[tuple[Slot, ...], tuple[Slot, ...]]:
    return seg.slots, seg.personal


def merge_with_next(a: Annotation, index: int) -> Annotation:
    seg = _check_index(a, index)
    if index + 1 >= len(a.segments):
        raise EditError("The last segment has no next segment to merge with.")
    nxt = a.segments[index + 1]
    n_left = len(seg.text.split())
    text = " ".join(t for t in (seg.text.strip(), nxt.text.strip()) if t)
    merged = Segment(
        seg.start_s,
        nxt.end_s,
        text,
        seg.slots + _shifted(nxt.slots, n_left),
        seg.personal + _shifted(nxt.personal, n_left),
    )
    segs = list(a.segments)
    segs[index : index + 2] = [merged]
    return _with_segments(a, segs)


def delete_segment(a: Annotation, index: int) -> Annotation:
    _check_index(a, index)
    if len(a.segments) == 1:
        raise EditError("A recording keeps at least one segment; clear its text instead.")
    segs = list(a.segments)
    del segs[index]
    return _with_segments(a, segs)


def move_boundary(
    a: Annotation, index: int, edge: str, to_s: float, duration_s: float
) -> Annotation:
    """Move a segment's start or end; neighbours are not overlapped."""
    seg = _check_index(a, index)
    segs = list(a.segments)
    if edge == "start":
        low = segs[index - 1].end_s if index > 0 else 0.0
        new = min(max(to_s, low), seg.end_s - MIN_SEGMENT_S)
        segs[index] = replace(seg, start_s=new)
    elif edge == "end":
        high = segs[index + 1].start_s if index + 1 < len(segs) else duration_s
        new = max(min(to_s, high), seg.start_s + MIN_SEGMENT_S)
        segs[index] = replace(seg, end_s=new)
    else:
        raise ValueError(f"edge must be 'start' or 'end', not {edge!r}")
    return _with_segments(a, segs)


def add_slot(a: Annotation, index: int, slot: Slot) -> Annotation:
    seg = _check_index(a, index)
    n_words = len(seg.text.split())
    if not 0 <= slot.start_word < slot.end_word <= n_words:
        raise EditError("Select one or more words of the transcript to mark a slot.")
    kept = tuple(
        s for s in seg.slots if s.end_word <= slot.start_word or s.start_word >= slot.end_word
    )
    slots = tuple(sorted(kept + (slot,), key=lambda s: s.start_word))
    segs = list(a.segments)
    segs[index] = replace(seg, slots=slots)
    return _with_segments(a, segs)


def remove_slots_at(a: Annotation, index: int, word: int) -> Annotation:
    seg = _check_index(a, index)
    slots = tuple(s for s in seg.slots if not s.start_word <= word < s.end_word)
    if slots == seg.slots:
        raise EditError("There is no slot on that word.")
    segs = list(a.segments)
    segs[index] = replace(seg, slots=slots)
    return _with_segments(a, segs)


def set_intent(a: Annotation, intent: str | None) -> Annotation:
    return replace(a, intent=intent)


def toggle_flag(a: Annotation, flag: Flag) -> Annotation:
    return replace(a, flags=a.flags ^ {flag})


def mark_submitted(a: Annotation) -> Annotation:
    return replace(a, status=Status.SUBMITTED, skip_reason="", submissions=a.submissions + 1)


def mark_skipped(a: Annotation, reason: str) -> Annotation:
    if not reason.strip():
        raise EditError("Give a reason for skipping.")
    return replace(a, status=Status.SKIPPED, skip_reason=reason.strip())


def add_active_ms(a: Annotation, ms: int) -> Annotation:
    return replace(a, active_ms=a.active_ms + max(0, ms))


def segments_from_spans(
    a: Annotation, spans: list[tuple[float, float]], start_s: float, end_s: float
) -> Annotation:
    """Proposed segments (speech between pauses) in [start_s, end_s]: segments there without
    text give way to them; a segment that holds text is never touched, and no proposal
    overlaps it. Segments outside the range stay as they are."""
    kept = [s for s in a.segments if s.text.strip() or s.end_s <= start_s or s.start_s >= end_s]
    proposed: list[Segment] = []
    for lo, hi in spans:
        pieces = [(max(lo, start_s), min(hi, end_s))]
        for k in kept:  # cut around every segment kept
            cut: list[tuple[float, float]] = []
            for p0, p1 in pieces:
                if k.start_s < p1 and k.end_s > p0:
                    cut += [(p0, k.start_s), (k.end_s, p1)]
                else:
                    cut.append((p0, p1))
            pieces = [(p0, p1) for p0, p1 in cut if p1 - p0 >= MIN_SEGMENT_S]
        proposed += [Segment(p0, p1) for p0, p1 in pieces if p1 - p0 >= MIN_SEGMENT_S]
    if not proposed:
        raise EditError("No speech was found between pauses there; lower the threshold.")
    return _with_segments(a, sorted(kept + proposed, key=lambda s: s.start_s))
