"""A project where annotators never hear a number: at import, the hypothesis's personal-data
candidates (app/model/spoken_data.py) are aligned to the recording (app/audio/align.py) and
covered by a soft tone in the copy that is served (app/audio/redact.py); the hypothesis and any
transcript a file brought carry the kind's tag in their place.

Nothing is guessed: where the words cannot be tied to the audio (no aligner, another language,
telephone audio, a recording longer than one alignment, or words the aligner cannot fit), that
recording is not muted and the import says so. The original stays sealed beside the copy and
is served to nobody (app/server/storage.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import soundfile as sf

from app.audio.align import MAX_SEGMENT_S, Aligner, unavailable
from app.audio.redact import Stretch, merged, span_stretch
from app.model.annotation import Segment
from app.model.conventions import Conventions
from app.model.personal import redact_segment
from app.model.slots import Slot
from app.model.spoken_data import find_candidates


@dataclass
class Muting:
    asr: str  # the hypothesis with each candidate's words as its kind's tag
    slots: tuple[Slot, ...]  # the hypothesis's slots, moved onto the tags
    stretches: list[Stretch] = field(default_factory=list)
    note: str = ""  # why nothing was muted although the hypothesis says personal data


def said_spans(seg: Segment, conv: Conventions) -> Segment:
    """The segment with the detector's candidates as its personal-data spans."""
    found = find_candidates(seg.text, conv.language, conv.personal_names)
    return replace(seg, personal=tuple(Slot(c.kind.value, c.start_word, c.end_word) for c in found))


def redacted_text(segments: tuple[Segment, ...], conv: Conventions) -> tuple[Segment, ...]:
    """Transcripts a file brought, with what the detector finds written as its tag."""
    return tuple(replace(redact_segment(said_spans(s, conv)), personal=()) for s in segments)


def mute(
    source: Path,
    duration_s: float,
    asr: str,
    slots: tuple[Slot, ...],
    conv: Conventions,
    aligner: Aligner,
) -> Muting:
    seg = said_spans(Segment(0.0, duration_s, asr, slots), conv)
    shown = redact_segment(seg)
    out = Muting(shown.text, shown.slots)
    if not seg.personal:
        return out
    why = unavailable(conv, "its words cannot be tied to the audio")  # no aligner, language
    if not why and duration_s > MAX_SEGMENT_S:
        why = f"it is {duration_s:.0f} s long, over the {MAX_SEGMENT_S:.0f} s one alignment takes"
    if why:
        out.note = why
        return out
    samples, rate = sf.read(str(source), dtype="float32", always_2d=True)
    words = aligner.align(samples.mean(axis=1), int(rate), 0.0, asr, conv)
    found = [
        span_stretch(words, s.start_word, s.end_word, s.type, (0.0, duration_s))
        for s in seg.personal
    ]
    if not all(s.timed for s in found):
        out.note = f"the hypothesis's words could not all be tied to the audio: {words.note}"
        return out
    out.stretches = merged(found)
    return out
