"""Quality figures against small examples worked by hand."""

from __future__ import annotations

from typing import Any

import pytest

from app.protocol import Normalisation
from app.server.quality import Reviewed, cohen_kappa, figures, normalise
from app.server.review import FLAGS

NORM = Normalisation()
DAY1, DAY2 = 1_790_000_000.0, 1_790_000_000.0 + 86_400


def doc(
    text: str,
    intent: str | None = "x",
    slots: list[tuple[str, int, int]] = (),  # type: ignore[assignment]
    flags: list[str] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    return {
        "segments": [
            {
                "start_s": 0,
                "end_s": 1,
                "text": text,
                "slots": [{"type": t, "start_word": a, "end_word": b} for t, a, b in slots],
            }
        ],
        "intent": intent,
        "flags": list(flags),
        "status": "submitted",
        "submissions": 1,
    }


def fixed(hyp: dict[str, Any], ref: dict[str, Any], who: str = "ann", at: float = DAY1) -> Reviewed:
    return Reviewed(who, at, "fixed", hyp, ref)


def test_normalisation_follows_the_project() -> None:
    assert normalise("Play some JAZZ, [noise] please!", NORM) == "play some jazz please"
    assert normalise("don't wh- x-ray - ok", NORM) == "don't wh- x-ray ok"
    keep = Normalisation(lowercase=False, strip_punctuation=False, drop_tags=False)
    assert normalise("Play  [noise]!", keep) == "Play [noise]!"


def test_wer_and_cer_over_the_corpus() -> None:
    reviewed = [
        # turn/turn, on->the, the->light, lights->on: 3 substitutions in 4 words
        fixed(doc("turn the light on"), doc("turn on the lights")),
        # an empty transcript: 3 deletions in 3 words
        fixed(doc(""), doc("set an alarm")),
        # tag-only on both sides: nothing left to compare, no words, no errors
        fixed(doc("[noise]"), doc("[noise]")),
        # differs only in case and punctuation: no errors after normalisation
        fixed(doc("Play some JAZZ!"), doc("play some jazz")),
    ]
    q = figures(reviewed, {}, NORM, FLAGS)
    assert q.project.wer == pytest.approx(6 / 10)  # (3 + 3 + 0 + 0) / (4 + 3 + 0 + 3)
    # characters: "lights" against the reference "light" is one insertion over 5 characters
    one = figures([fixed(doc("lights"), doc("light"))], {}, NORM, FLAGS)
    assert one.project.cer == pytest.approx(1 / 5)  # one insertion over "light"
    assert one.project.wer == pytest.approx(1.0)  # one substitution over one word


def test_tag_only_and_empty_references() -> None:
    assert figures([fixed(doc("[noise]"), doc("[noise]"))], {}, NORM, FLAGS).project.wer == 0.0
    # words where the reference has none: WER is undefined, not a number made up
    q = figures([fixed(doc("hello"), doc("[unintelligible]"))], {}, NORM, FLAGS)
    assert q.project.wer is None


def test_intent_accuracy_kappa_and_confusion() -> None:
    pairs = [("x", "x")] * 4 + [("x", "y")] + [("y", "x")] + [("y", "y")] * 4
    reviewed = [fixed(doc("a", intent=a), doc("a", intent=b)) for a, b in pairs]
    q = figures(reviewed, {}, NORM, FLAGS)
    assert q.project.intent_accuracy == pytest.approx(0.8)
    # p_o = 0.8, p_e = 0.5 * 0.5 + 0.5 * 0.5 = 0.5, kappa = (0.8 - 0.5) / (1 - 0.5)
    assert q.project.intent_kappa == pytest.approx(0.6)
    assert q.intent_confusion.labels == ["x", "y"]
    assert q.intent_confusion.counts == [[4, 1], [1, 4]]
    assert cohen_kappa([("a", "a"), ("a", "a")]) is None  # one label only: undefined


def test_slot_precision_recall_f1_on_words_not_positions() -> None:
    hyp = doc("wake me at seven am tomorrow", slots=[("time", 3, 5), ("date", 5, 6)])
    # the reviewer added a word in front: positions move, the time slot is the same words
    ref = doc("please wake me at seven am in the kitchen", slots=[("time", 4, 6), ("place", 8, 9)])
    q = figures([fixed(hyp, ref)], {}, NORM, FLAGS)
    assert q.project.slot_precision == pytest.approx(0.5)
    assert q.project.slot_recall == pytest.approx(0.5)
    assert q.project.slot_f1 == pytest.approx(0.5)
    none = figures([fixed(doc("hi"), doc("hi"))], {}, NORM, FLAGS)
    assert none.project.slot_f1 == 1.0  # no slots claimed, none missed


def test_flag_agreement_over_every_flag() -> None:
    reviewed = [
        fixed(doc("a", flags=["unintelligible"]), doc("a")),
        fixed(doc("b", flags=["personal_data"]), doc("b", flags=["personal_data"])),
    ]
    q = figures(reviewed, {}, NORM, FLAGS)
    assert q.project.flag_agreement == pytest.approx(1 - 1 / (2 * 5))


def test_per_annotator_outcomes_pace_and_days() -> None:
    reviewed = [
        Reviewed("ann_a", DAY1, "accepted", doc("a b"), doc("a b")),
        fixed(doc("a c"), doc("a b"), "ann_a", DAY2),
        Reviewed("ann_a", DAY2, "rejected", doc("a"), None),  # no corrected version
        Reviewed("ann_b", DAY1, "accepted", doc("z"), doc("z")),
    ]
    q = figures(reviewed, {"ann_a": [60_000, 120_000, 30_000], "ann_b": [45_000]}, NORM, FLAGS)
    a = q.annotators["ann_a"]
    assert (a.items_reviewed, a.accepted, a.fixed, a.rejected) == (3, 1, 1, 1)
    assert a.wer == pytest.approx(1 / 4)  # the rejection without a reference is not counted
    assert [(d.day, d.wer, d.items) for d in a.wer_by_day] == [
        ("2026-09-21", 0.0, 1),
        ("2026-09-22", 0.5, 1),
    ]
    assert a.seconds_per_item == pytest.approx(70.0)  # (60 + 120 + 30) / 3
    assert a.items_per_hour == pytest.approx(3 / (210 / 3600))
    assert q.annotators["ann_b"].wer == 0.0 and q.annotators["ann_b"].items_submitted == 1
    assert q.project.items_reviewed == 4 and q.project.items_submitted == 4


def test_personal_data_spans_agree_like_slots() -> None:
    said = "call five five five one two three four now"
    hyp = doc(said)
    ref = doc(said)
    ref["segments"][0]["personal"] = [{"kind": "phone", "start_word": 1, "end_word": 8}]
    missed = figures([fixed(hyp, ref)], {}, NORM, FLAGS)
    assert missed.project.personal_recall == 0.0 and missed.project.personal_f1 == 0.0
    hyp["segments"][0]["personal"] = [{"kind": "phone", "start_word": 1, "end_word": 8}]
    both = figures([fixed(hyp, ref)], {}, NORM, FLAGS)
    assert both.project.personal_f1 == 1.0
    hyp["segments"][0]["personal"] = [{"kind": "number", "start_word": 1, "end_word": 8}]
    kind = figures([fixed(hyp, ref)], {}, NORM, FLAGS)  # the right words, the wrong kind
    assert kind.project.personal_precision == 0.0
    assert figures([fixed(doc("hi"), doc("hi"))], {}, NORM, FLAGS).project.personal_f1 == 1.0
