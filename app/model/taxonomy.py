"""Intents (scenario_action, as in SLURP and MASSIVE) and the slot types a project uses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Taxonomy:
    intents: tuple[str, ...]
    slot_types: tuple[str, ...]

    def filter_intents(self, query: str) -> list[str]:
        """Intents matching every word of the query, best (prefix) matches first."""
        words = query.lower().replace("_", " ").split()
        hits = [i for i in self.intents if all(w in i.replace("_", " ") for w in words)]
        q = query.lower().strip()
        return sorted(hits, key=lambda i: (not i.startswith(q), i))


def load_taxonomy(path: Path) -> Taxonomy:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    intents = tuple(str(i) for i in data["intents"])
    slot_types = tuple(str(s) for s in data["slot_types"])
    if len(set(intents)) != len(intents):
        raise ValueError(f"{path.name}: an intent is listed twice")
    return Taxonomy(intents, slot_types)


def most_used(counts: dict[str, int], taxonomy: Taxonomy, n: int = 9) -> list[str]:
    """The intents for the digit keys: most used first, then taxonomy order."""
    order = {name: k for k, name in enumerate(taxonomy.intents)}
    ranked = sorted(taxonomy.intents, key=lambda i: (-counts.get(i, 0), order[i]))
    return ranked[:n]
