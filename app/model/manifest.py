"""JSONL manifests: one recording a line, with an optional ASR hypothesis and prediction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from app.model.slots import Slot, words_of


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    audio_path: Path
    asr_text: str = ""
    predicted_intent: str | None = None
    predicted_slots: tuple[Slot, ...] = ()


@dataclass(frozen=True, slots=True)
class ManifestProblem:
    line: int
    message: str


def _slot(raw: object, asr_words: list[str]) -> Slot:
    if not isinstance(raw, dict) or "type" not in raw:
        raise ValueError("each slot needs a 'type'")
    if "start_word" in raw:
        return Slot(str(raw["type"]), int(raw["start_word"]), int(raw["end_word"]))
    want = str(raw.get("text", "")).split()
    for k in range(len(asr_words) - len(want) + 1):
        if want and [w.lower() for w in asr_words[k : k + len(want)]] == [w.lower() for w in want]:
            return Slot(str(raw["type"]), k, k + len(want))
    raise ValueError(f"slot text {raw.get('text')!r} is not in the ASR hypothesis")


def parse_manifest(path: Path) -> tuple[list[ManifestEntry], list[ManifestProblem]]:
    """Entries in file order; audio paths are resolved against the manifest's folder."""
    entries: list[ManifestEntry] = []
    problems: list[ManifestProblem] = []
    base = path.parent
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row.get("audio"), str):
                raise ValueError('each line needs an "audio" path')
            asr = str(row.get("asr", "") or "")
            slots = tuple(_slot(s, words_of(asr)) for s in row.get("slots", []) or [])
            intent = row.get("intent")
            entries.append(
                ManifestEntry(
                    audio_path=(base / row["audio"]).resolve(),
                    asr_text=asr,
                    predicted_intent=str(intent) if intent else None,
                    predicted_slots=slots,
                )
            )
        except (ValueError, TypeError, KeyError) as exc:
            problems.append(ManifestProblem(n, str(exc)))
    return entries, problems
