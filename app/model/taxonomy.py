"""Intents (scenario_action, as in SLURP and MASSIVE) and the slot types a project uses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


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


def taxonomy_from(data: object) -> Taxonomy:
    """A taxonomy document, from a project's file or from a server alike: the one reading of
    it; ValueError says what is wrong."""
    if not isinstance(data, dict):
        raise ValueError('a taxonomy is a JSON object with "intents" and "slot_types"')
    for key in ("intents", "slot_types"):  # either missing: none (older servers stored such)
        if not isinstance(data.get(key, []), list):
            raise ValueError(f'a taxonomy\'s "{key}" must be a list of names')
    intents = tuple(str(i) for i in data.get("intents", []))
    slot_types = tuple(str(s) for s in data.get("slot_types", []))
    twice = sorted({i for i in intents if intents.count(i) > 1})
    if twice:
        raise ValueError(f"an intent is listed twice: {', '.join(twice)}")
    return Taxonomy(intents, slot_types)


def load_taxonomy(path: Path) -> Taxonomy:
    try:
        return taxonomy_from(json.loads(path.read_text(encoding="utf-8")))
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from exc


def most_used(counts: dict[str, int], taxonomy: Taxonomy, n: int = 9) -> list[str]:
    """The intents for the digit keys: most used first, then taxonomy order."""
    order = {name: k for k, name in enumerate(taxonomy.intents)}
    ranked = sorted(taxonomy.intents, key=lambda i: (-counts.get(i, 0), order[i]))
    return ranked[:n]
