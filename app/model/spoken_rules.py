"""The words each language uses for what app/model/spoken_data.py finds: one table a language.

Another language adds a `Rules` of its own to RULES (its number words as text2num reads them,
its words for "at" and "dot", its street words, months, ordinals, and the regions whose phone
numbering its speakers use); the finders stay as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Rules:
    text2num_language: str | None  # the language text2num reads compound numbers in
    digits: Mapping[str, int]  # words said for one digit ("oh" included)
    repeats: Mapping[str, int]  # "double five"
    compound: frozenset[str]  # words of a compound number: "twenty", "hundred"...
    scales: frozenset[str]  # "hundred", "thousand": a digit before them starts a compound
    joiners: frozenset[str]  # "and" inside "three hundred and twelve"
    fillers: frozenset[str]  # said between the digits of a number: "dash"
    at: frozenset[str]
    dot: frozenset[str]
    separators: Mapping[str, str]  # said inside an address: "underscore" -> "_"
    tlds: frozenset[str]
    street_words: frozenset[str]
    postcode_cues: frozenset[str]
    number_cues: frozenset[str]  # "account number": a number of that kind, not a phone
    birth_cues: frozenset[str]
    months: Mapping[str, int]
    ordinals: Mapping[str, int]
    date_fillers: frozenset[str]  # "the third of may"
    phone_regions: tuple[str, ...]
    letters_not_spelling: frozenset[str] = field(default_factory=frozenset)  # "a", "i"

    @staticmethod
    def none() -> Rules:
        """A language without a table: only written forms and the project's names are found."""
        empty: frozenset[str] = frozenset()
        return Rules(
            None, {}, {}, empty, empty, empty, empty, empty, empty, {}, empty, empty, empty,
            empty, empty, {}, {}, empty, (),
        )  # fmt: skip


def _words(text: str) -> list[str]:
    return text.split()


_UNITS = _words("zero one two three four five six seven eight nine")
_TEENS = _words("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen")
_TENS = _words("twenty thirty forty fifty sixty seventy eighty ninety")
_MONTHS = _words(
    "january february march april may june july august september october november december"
)
_ORDINALS = _words(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
)


def _english_ordinals() -> dict[str, int]:
    out = {w: k + 1 for k, w in enumerate(_ORDINALS)}
    out["thirtieth"] = 30
    for k, w in enumerate(_ORDINALS[:9]):
        out[f"twenty-{w}"] = 21 + k
    out["thirty-first"] = 31
    for n in range(1, 32):
        suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        out[f"{n}{suffix}"] = n
    return out


ENGLISH = Rules(
    text2num_language="en",
    digits={**{w: k for k, w in enumerate(_UNITS)}, "oh": 0, "o": 0, "nought": 0},
    repeats={"double": 2, "triple": 3},
    compound=frozenset(_UNITS + _TEENS + _TENS + ["hundred", "thousand", "million"]),
    scales=frozenset({"hundred", "thousand", "million"}),
    joiners=frozenset({"and"}),
    fillers=frozenset({"dash", "hyphen"}),
    at=frozenset({"at"}),
    dot=frozenset({"dot", "period", "point"}),
    separators={"underscore": "_", "dash": "-", "hyphen": "-"},
    tlds=frozenset(
        [
            "com",
            "org",
            "net",
            "edu",
            "gov",
            "io",
            "co",
            "uk",
            "us",
            "de",
            "fr",
            "es",
            "it",
            "nl",
            "eu",
            "info",
            "biz",
            "me",
            "ai",
            "app",
            "dev",
            "ca",
            "au",
            "in",
        ]
    ),
    street_words=frozenset(
        [
            "street",
            "st",
            "road",
            "rd",
            "avenue",
            "ave",
            "lane",
            "ln",
            "drive",
            "dr",
            "boulevard",
            "blvd",
            "way",
            "court",
            "ct",
            "place",
            "pl",
            "close",
            "crescent",
            "terrace",
            "square",
            "parkway",
            "highway",
            "hwy",
        ]
    ),
    postcode_cues=frozenset({"zip", "postcode", "postal", "post"}),
    number_cues=frozenset(
        [
            "account",
            "customer",
            "member",
            "membership",
            "reference",
            "order",
            "policy",
            "id",
            "pin",
            "passport",
            "licence",
            "license",
            "social",
            "security",
            "card",
        ]
    ),
    birth_cues=frozenset({"born", "birthday", "birth", "dob"}),
    months={m: k + 1 for k, m in enumerate(_MONTHS)},
    ordinals=_english_ordinals(),
    date_fillers=frozenset({"the", "of"}),
    phone_regions=("US", "GB"),
    letters_not_spelling=frozenset({"a", "i"}),
)

RULES: dict[str, Rules] = {"en": ENGLISH}
