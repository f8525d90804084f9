"""The personal-data detector's precision and recall on the project's table of transcripts
(tests/model/spoken_data_table.py): exact (kind and words) and by overlap (the words found,
whatever the kind or the exact edges), and each miss and false find by name.

    .venv/bin/python packaging/spoken_data_table.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.model.spoken_data import find_candidates  # noqa: E402
from tests.model.spoken_data_table import HARD, NAMES, TABLE  # noqa: E402

Case = tuple[str, list[tuple[str, str]]]


def score(cases: list[Case]) -> dict[str, float | list[str]]:
    tp = fp = fn = overlap_found = 0
    misses, false_finds = [], []
    for text, want in cases:
        got = [(c.kind.value, c.text) for c in find_candidates(text, "en", NAMES)]
        for g in got:
            if g in want:
                tp += 1
            else:
                fp += 1
                false_finds.append(f"{text!r}: {g}")
        for w in want:
            if w not in got:
                fn += 1
                misses.append(f"{text!r}: {w}")
            if any(set(g[1].split()) & set(w[1].split()) for g in got):
                overlap_found += 1
    wanted = sum(len(w) for _t, w in cases)
    return {
        "precision": tp / max(1, tp + fp),
        "recall": tp / max(1, tp + fn),
        "recall_overlap": overlap_found / max(1, wanted),
        "misses": misses,
        "false_finds": false_finds,
    }


def main() -> None:
    for label, cases in (("table", TABLE), ("table + hard cases", TABLE + HARD)):
        s = score(cases)
        print(
            f"{label}: {len(cases)} transcripts, precision {s['precision']:.2f}, "
            f"recall {s['recall']:.2f} (exact), {s['recall_overlap']:.2f} (by overlap)"
        )
        for line in s["misses"]:  # type: ignore[union-attr]
            print(f"  missed   {line}")
        for line in s["false_finds"]:  # type: ignore[union-attr]
            print(f"  not so   {line}")


if __name__ == "__main__":
    main()
