"""A rough English pronunciation for a word the aligner's dictionary lacks (names, brands).

Only good enough to give the aligner something to match, so that the words around a name are
placed where they were said; a word placed this way is marked as guessed, never as certain.
"""

from __future__ import annotations

# Longest spellings first; each maps to CMU/ARPAbet phones as PocketSphinx's en-us model has them.
_RULES: tuple[tuple[str, str], ...] = (
    ("tion", "SH AH N"),
    ("sion", "ZH AH N"),
    ("ough", "AO"),
    ("augh", "AO"),
    ("igh", "AY"),
    ("tch", "CH"),
    ("sch", "S K"),
    ("ch", "CH"),
    ("sh", "SH"),
    ("th", "TH"),
    ("ph", "F"),
    ("wh", "W"),
    ("ng", "NG"),
    ("ck", "K"),
    ("qu", "K W"),
    ("kn", "N"),
    ("wr", "R"),
    ("ee", "IY"),
    ("ea", "IY"),
    ("oo", "UW"),
    ("ou", "AW"),
    ("ow", "OW"),
    ("oa", "OW"),
    ("oi", "OY"),
    ("oy", "OY"),
    ("ai", "EY"),
    ("ay", "EY"),
    ("ey", "EY"),
    ("ie", "IY"),
    ("au", "AO"),
    ("aw", "AO"),
    ("er", "ER"),
    ("ir", "ER"),
    ("ur", "ER"),
    ("ar", "AA R"),
    ("or", "AO R"),
    ("a", "AE"),
    ("b", "B"),
    ("c", "K"),
    ("d", "D"),
    ("e", "EH"),
    ("f", "F"),
    ("g", "G"),
    ("h", "HH"),
    ("i", "IH"),
    ("j", "JH"),
    ("k", "K"),
    ("l", "L"),
    ("m", "M"),
    ("n", "N"),
    ("o", "AA"),
    ("p", "P"),
    ("q", "K"),
    ("r", "R"),
    ("s", "S"),
    ("t", "T"),
    ("u", "AH"),
    ("v", "V"),
    ("w", "W"),
    ("x", "K S"),
    ("y", "IY"),
    ("z", "Z"),
)
_SOFT = frozenset("eiy")  # c and g before these are usually soft


def guess_phones(word: str) -> str:
    """Phones for the letters of `word` (a-z only; anything else is skipped); "" if none."""
    w = "".join(ch for ch in word.lower() if "a" <= ch <= "z")
    if len(w) > 2 and w.endswith("e") and w[-2] not in "aeiouy":
        w = w[:-1]  # a silent final e: "blaze"
    phones: list[str] = []
    i = 0
    while i < len(w):
        nxt = w[i + 1] if i + 1 < len(w) else ""
        if w[i] == "c" and nxt in _SOFT:
            phones.append("S")
            i += 1
            continue
        if w[i] == "y" and i == 0:
            phones.append("Y")
            i += 1
            continue
        for spelling, sound in _RULES:
            if w.startswith(spelling, i):
                if not phones or phones[-1] != sound:  # doubled letters are one sound
                    phones.append(sound)
                i += len(spelling)
                break
    return " ".join(phones)
