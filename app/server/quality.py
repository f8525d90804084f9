"""Quality figures from reviewed work: WER and CER, intent accuracy and kappa, slot F1, flags, pace.

Plain functions over documents, no database: `figures` takes each reviewed submission with its
reference (the reviewer's corrected version, or the submission itself when accepted as it was)
and each annotator's submitted documents (for time per item), and returns the figures per
annotator and for the project.

Conventions where the textbooks leave a choice:
- WER and CER are corpus figures: all errors over all reference words (characters). With no
  reference words at all they are 0 when nothing was inserted, else undefined (None).
- Cohen's kappa is undefined (None) when chance agreement is 1: both sides used one label only.
- Slots (and personal-data spans, by kind) compare as (type, normalised words) multisets per
  item, so a slot on the right words counts even where the reviewer's edits moved word
  positions. With none claimed and none due, precision, recall and F1 are 1.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jiwer

from app.protocol import Confusion, DayFigure, Figures, Normalisation, QualityOut

TAG = re.compile(r"\[[^\]]*\]")
PUNCT = re.compile(r"[^\w\s'-]|(?<!\w)-(?!\w)")  # keeps "don't", "wh-" and "x-ray"
NO_INTENT = "(none)"


def normalise(text: str, norm: Normalisation) -> str:
    if norm.drop_tags:
        text = TAG.sub(" ", text)
    if norm.lowercase:
        text = text.lower()
    if norm.strip_punctuation:
        text = PUNCT.sub(" ", text)
    return " ".join(text.split())


def transcript(doc: dict[str, Any]) -> str:
    return " ".join(str(s.get("text", "")) for s in doc.get("segments", []))


def word_errors(ref: str, hyp: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference words) of normalised texts."""
    r, h = ref.split(), hyp.split()
    if not r or not h:
        return max(len(r), len(h)), len(r)
    out = jiwer.process_words(ref, hyp)
    return out.substitutions + out.deletions + out.insertions, len(r)


def char_errors(ref: str, hyp: str) -> tuple[int, int]:
    if not ref or not hyp:
        return max(len(ref), len(hyp)), len(ref)
    out = jiwer.process_characters(ref, hyp)
    return out.substitutions + out.deletions + out.insertions, len(ref)


def rate(errors: int, total: int) -> float | None:
    if total == 0:
        return 0.0 if errors == 0 else None
    return errors / total


def cohen_kappa(pairs: list[tuple[str, str]]) -> float | None:
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    left, right = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    chance = sum(left[k] * right[k] for k in left) / (n * n)
    if chance >= 1.0:
        return None
    return (observed - chance) / (1.0 - chance)


def slots_of(
    doc: dict[str, Any], norm: Normalisation, personal: bool = False
) -> Counter[tuple[str, str]]:
    """(type, normalised words) of each slot; with `personal`, (kind, words) of each
    personal-data span."""
    field, name = ("personal", "kind") if personal else ("slots", "type")
    out: Counter[tuple[str, str]] = Counter()
    for seg in doc.get("segments", []):
        words = str(seg.get("text", "")).split()
        for s in seg.get(field) or []:
            text = " ".join(words[int(s["start_word"]) : int(s["end_word"])])
            out[(str(s[name]), normalise(text, norm))] += 1
    return out


def flags_of(doc: dict[str, Any]) -> set[str]:
    return {str(f) for f in doc.get("flags", [])}


def intent_of(doc: dict[str, Any]) -> str:
    return str(doc.get("intent") or NO_INTENT)


@dataclass(frozen=True)
class Reviewed:
    annotator: str
    at: float  # when the review was made (seconds since the epoch)
    outcome: str  # accepted, fixed, rejected
    submitted: dict[str, Any]  # what the annotator submitted
    reference: dict[str, Any] | None  # what it should have been; None: a rejection without one


@dataclass
class _Tally:
    reviewed: int = 0
    outcomes: Counter[str] | None = None
    word_err: int = 0
    words: int = 0
    char_err: int = 0
    chars: int = 0
    intents: list[tuple[str, str]] | None = None
    slot_tp: int = 0
    slot_hyp: int = 0
    slot_ref: int = 0
    personal_tp: int = 0
    personal_hyp: int = 0
    personal_ref: int = 0
    flag_diff: int = 0
    flag_items: int = 0
    days: dict[str, tuple[int, int, int]] | None = None  # day -> (errors, words, items)

    def __post_init__(self) -> None:
        self.outcomes, self.intents, self.days = Counter(), [], {}


def _add(t: _Tally, r: Reviewed, norm: Normalisation) -> None:
    assert t.outcomes is not None and t.intents is not None and t.days is not None
    t.reviewed += 1
    t.outcomes[r.outcome] += 1
    if r.reference is None:
        return
    ref, hyp = normalise(transcript(r.reference), norm), normalise(transcript(r.submitted), norm)
    we, wn = word_errors(ref, hyp)
    ce, cn = char_errors(ref, hyp)
    t.word_err, t.words, t.char_err, t.chars = (
        t.word_err + we,
        t.words + wn,
        t.char_err + ce,
        t.chars + cn,
    )
    day = datetime.fromtimestamp(r.at, UTC).strftime("%Y-%m-%d")
    e0, w0, i0 = t.days.get(day, (0, 0, 0))
    t.days[day] = (e0 + we, w0 + wn, i0 + 1)
    t.intents.append((intent_of(r.submitted), intent_of(r.reference)))
    hs, rs = slots_of(r.submitted, norm), slots_of(r.reference, norm)
    t.slot_tp += sum((hs & rs).values())
    t.slot_hyp += sum(hs.values())
    t.slot_ref += sum(rs.values())
    hp, rp = slots_of(r.submitted, norm, True), slots_of(r.reference, norm, True)
    t.personal_tp += sum((hp & rp).values())
    t.personal_hyp += sum(hp.values())
    t.personal_ref += sum(rp.values())
    t.flag_diff += len(flags_of(r.submitted) ^ flags_of(r.reference))
    t.flag_items += 1


def _figures(t: _Tally, pace: list[int], n_flags: int) -> Figures:
    assert t.outcomes is not None and t.intents is not None and t.days is not None
    f = Figures(
        items_submitted=len(pace),
        items_reviewed=t.reviewed,
        accepted=t.outcomes["accepted"],
        fixed=t.outcomes["fixed"],
        rejected=t.outcomes["rejected"],
    )
    if t.flag_items:
        f.wer = rate(t.word_err, t.words)
        f.cer = rate(t.char_err, t.chars)
        f.intent_accuracy = sum(a == b for a, b in t.intents) / len(t.intents)
        f.intent_kappa = cohen_kappa(t.intents)
        f.slot_precision, f.slot_recall, f.slot_f1 = _f1(t.slot_tp, t.slot_hyp, t.slot_ref)
        f.personal_precision, f.personal_recall, f.personal_f1 = _f1(
            t.personal_tp, t.personal_hyp, t.personal_ref
        )
        f.flag_agreement = _flag_agreement(t, n_flags)
    f.wer_by_day = [
        DayFigure(day=d, wer=rate(e, w), items=n) for d, (e, w, n) in sorted(t.days.items())
    ]
    if pace:
        f.seconds_per_item = sum(pace) / len(pace) / 1000.0
        f.items_per_hour = len(pace) / (sum(pace) / 3_600_000) if sum(pace) else None
    return f


def _f1(tp: int, hyp: int, ref: int) -> tuple[float | None, float | None, float]:
    """Precision, recall and F1 of spans claimed (`hyp`) against spans due (`ref`)."""
    if hyp == 0 and ref == 0:
        return 1.0, 1.0, 1.0  # nothing to find, none claimed
    precision = tp / hyp if hyp else None
    recall = tp / ref if ref else None
    if precision is None or recall is None:
        return precision, recall, 0.0
    total = precision + recall
    return precision, recall, 2 * precision * recall / total if total else 0.0


def _flag_agreement(t: _Tally, n_flags: int) -> float:
    """Share of (item, flag) decisions both sides made alike, over the flags an item can carry."""
    return 1.0 - t.flag_diff / (t.flag_items * max(1, n_flags))


def figures(
    reviewed: Iterable[Reviewed],
    active_ms: dict[str, list[int]],
    norm: Normalisation,
    flag_names: Iterable[str],
) -> QualityOut:
    """Figures per annotator and for the project.

    `active_ms` holds each annotator's time on every item they submitted (idle gaps are
    already left out by the workstation); `flag_names` is the set of flags an item can carry.
    """
    n_flags = len(set(flag_names))
    everyone = _Tally()
    per: dict[str, _Tally] = defaultdict(_Tally)
    for r in reviewed:
        _add(everyone, r, norm)
        _add(per[r.annotator], r, norm)
    for who in active_ms:
        per.setdefault(who, _Tally())
    labels = sorted({x for pair in everyone.intents or [] for x in pair})
    index = {label: k for k, label in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for a, b in everyone.intents or []:
        counts[index[a]][index[b]] += 1
    return QualityOut(
        project=_figures(everyone, [ms for v in active_ms.values() for ms in v], n_flags),
        annotators={
            who: _figures(t, active_ms.get(who, []), n_flags) for who, t in sorted(per.items())
        },
        intent_confusion=Confusion(labels=labels, counts=counts),
    )
