"""Personal data said aloud, found in a transcript or a hypothesis: candidates for a person to
confirm, each with its kind and its word span.

Speech spells numbers as words ("five five five one two three four", "double seven", "oh"),
e-mail addresses as "john dot smith at example dot com", names letter by letter ("j o h n").
Text scanners look for digits and miss all of that; this reads both forms. Numbers are read
with text2num (compound numbers such as "twenty one" or "nineteen eighty seven"), phone shapes
are checked with phonenumbers, card shapes with the Luhn check.

The words a language uses live in one table per language (app/model/spoken_rules.py); the
rules here only read tables. A language without a table finds only written forms and names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.model.slots import word_spans


class Kind(StrEnum):
    PHONE = "phone"
    CARD = "card"
    NUMBER = "number"  # an account, customer or other identifying number
    EMAIL = "email"
    WEB = "web"
    SPELLED = "spelled"  # letters said one by one: a name, a code
    ADDRESS = "address"
    POSTCODE = "postcode"
    BIRTH_DATE = "birth_date"
    NAME = "name"

    @property
    def tag(self) -> str:
        """What stands for it in a redacted transcript."""
        return f"[{self.value}]"


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: Kind
    start_word: int
    end_word: int  # exclusive
    text: str  # the words, as written in the transcript


@dataclass(frozen=True, slots=True)
class Word:
    raw: str  # as written
    norm: str  # lower case, without the punctuation around it


_EDGE = re.compile(r"^[\"'“”‘’(\[{<,;:!?.]+|[\"'“”‘’)\]}>,;:!?.]+$")


def words_of(text: str) -> list[Word]:
    out = []
    for a, b in word_spans(text):
        raw = text[a:b]
        out.append(Word(raw, _EDGE.sub("", raw.lower())))
    return out


def find_candidates(text: str, language: str = "en", names: Iterable[str] = ()) -> list[Candidate]:
    """Every run of `text` that looks like personal data, in reading order; runs found by more
    than one rule are given to the first (e-mail and web before numbers, numbers before
    spelling)."""
    from app.model.spoken_rules import RULES, Rules  # tables built when first needed

    rules = RULES.get(language.split("-")[0].lower(), Rules.none())
    words = words_of(text)
    found: list[tuple[Kind, int, int]] = []
    from app.model import spoken_finders as f

    for finder in (f.written, f.emails_and_web, f.dates_of_birth, f.addresses, f.numbers):
        found += finder(words, rules)
    found += f.spelled(words, rules)
    found += f.names(words, names)
    return _resolve(found, words)


def _resolve(found: Sequence[tuple[Kind, int, int]], words: Sequence[Word]) -> list[Candidate]:
    """Overlaps resolved in the order the rules ran: a later rule's run that touches an earlier
    one's is dropped."""
    taken: list[tuple[Kind, int, int]] = []
    for kind, start, end in found:
        if end > start and all(end <= s or start >= e for _k, s, e in taken):
            taken.append((kind, start, end))
    return [
        Candidate(kind, s, e, " ".join(w.raw for w in words[s:e]))
        for kind, s, e in sorted(taken, key=lambda t: t[1])
    ]
