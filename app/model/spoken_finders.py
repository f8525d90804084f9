"""The rules of app/model/spoken_data.py, one function a kind of run: each takes the words and
the language's table and gives (kind, first word, end word) triples."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import phonenumbers
from text_to_num import text2num

from app.model.spoken_data import Kind, Word
from app.model.spoken_rules import Rules

Found = list[tuple[Kind, int, int]]
_DIGITS = re.compile(r"^\+?[\d()./-]*\d[\d()./-]*$")
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_WEB = re.compile(r"^(https?://\S+|www\.\S+|[\w-]+(\.[\w-]+)*\.[a-z]{2,}(/\S*)?)$")
_UK_POSTCODE = re.compile(r"^[a-z]{1,2}\d[a-z\d]?$"), re.compile(r"^\d[a-z]{2}$")
_SPELLED_TOKEN = re.compile(r"^[a-z](?:[-.][a-z]){2,}\.?$")
_DATE_TOKEN = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}$")
MIN_DIGITS = 4  # a run of this many digits or more may identify someone
MANY_DIGITS = 7  # said as one or two groups ("555 1234"), still a number of someone's


# -- numbers -------------------------------------------------------------------------------
@dataclass
class Run:
    start: int
    end: int
    groups: list[str]  # each number said or written, as digits
    compound_words: bool  # one number said as words ("two thousand and five"): a quantity


def _compound(words: Sequence[Word], i: int, rules: Rules) -> tuple[int, int] | None:
    """The longest compound number said from word i (its value, its end), if text2num reads it."""
    if rules.text2num_language is None:
        return None
    end = i
    while end < len(words) and (
        words[end].norm in rules.compound
        or (words[end].norm in rules.joiners and end > i and end + 1 < len(words))
    ):
        end += 1
    for j in range(end, i, -1):
        if words[j - 1].norm in rules.joiners:
            continue
        try:
            return int(text2num(" ".join(w.norm for w in words[i:j]), rules.text2num_language)), j
        except ValueError:
            continue
    return None


def number_runs(words: Sequence[Word], rules: Rules) -> list[Run]:
    """Every stretch of numbers said or written in a row (with "dash" and the like between)."""
    runs: list[Run] = []
    i, current = 0, None
    while i < len(words):
        w, step, groups = words[i], 1, []
        nxt = words[i + 1].norm if i + 1 < len(words) else ""
        if _DIGITS.match(w.norm) and not _DATE_TOKEN.match(w.norm):
            groups = ["".join(c for c in w.norm if c.isdigit())]
        elif w.norm in rules.repeats and nxt in rules.digits:
            groups, step = [str(rules.digits[nxt])] * rules.repeats[w.norm], 2
        elif w.norm in rules.digits and nxt not in rules.scales:
            groups = [str(rules.digits[w.norm])]
        elif w.norm in rules.compound:
            parsed = _compound(words, i, rules)
            if parsed is not None:
                groups, step = [str(parsed[0])], parsed[1] - i
        if groups:
            if current is None:
                current = Run(i, i, [], True)
                runs.append(current)
            words_only = not _DIGITS.match(w.norm)
            current.compound_words = (
                current.compound_words and not current.groups and step > 1 and words_only
            )
            current.groups += groups
            current.end = i + step
        elif not (current is not None and w.norm in rules.fillers):
            current = None
        i += step
    return runs


def luhn(digits: str) -> bool:
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if k % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def is_phone(digits: str, regions: Iterable[str]) -> bool:
    for region in regions:
        try:
            number = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return True
    return False


def numbers(words: Sequence[Word], rules: Rules) -> Found:
    """Runs of four or more digits said one by one or in groups, or seven or more in any way
    but as one quantity ("two million"): a card (Luhn), a phone number, or another number."""
    found: Found = []
    for run in number_runs(words, rules):
        digits = "".join(run.groups)
        one_quantity = len(run.groups) == 1 and run.compound_words
        if one_quantity or len(digits) < MIN_DIGITS:
            continue
        if len(digits) < MANY_DIGITS and len(run.groups) < 3:
            continue  # "ten thirty five", "nineteen eighty", "2005": times, years, amounts
        before = {w.norm for w in words[max(0, run.start - 4) : run.start]}
        if before & rules.postcode_cues:
            kind = Kind.POSTCODE
        elif 13 <= len(digits) <= 19 and luhn(digits):
            kind = Kind.CARD
        elif before & rules.number_cues:
            kind = Kind.NUMBER
        elif len(digits) >= MANY_DIGITS and is_phone(digits, rules.phone_regions):
            kind = Kind.PHONE
        else:
            kind = Kind.NUMBER
        found.append((kind, run.start, run.end))
    return found


# -- e-mail and web addresses ----------------------------------------------------------------
def written(words: Sequence[Word], rules: Rules) -> Found:
    """E-mail and web addresses and UK postcodes as written."""
    found: Found = []
    for k, w in enumerate(words):
        if _EMAIL.match(w.norm):
            found.append((Kind.EMAIL, k, k + 1))
        elif _WEB.match(w.norm) and not _DIGITS.match(w.norm) and "." in w.norm:
            found.append((Kind.WEB, k, k + 1))
        elif (
            k + 1 < len(words)
            and _UK_POSTCODE[0].match(w.norm)
            and _UK_POSTCODE[1].match(words[k + 1].norm)
            and any(c.isdigit() for c in w.norm)
            and any(c.isalpha() for c in w.norm)
        ):
            found.append((Kind.POSTCODE, k, k + 2))
    return found


def _dotted(words: Sequence[Word], start: int, rules: Rules, forward: bool) -> int:
    """From `start`, over name ("dot" name)*: the index past the last name (or before the
    first, going back); `start` itself when there is no name there."""
    k = start
    step = 1 if forward else -1
    if not (0 <= k < len(words)) or not words[k].norm.isalnum():
        return start
    while True:
        sep, name = k + step, k + 2 * step
        if not (0 <= name < len(words)):
            break
        joins = words[sep].norm in rules.dot or words[sep].norm in rules.separators
        if not (joins and words[name].norm.isalnum()):
            break
        k = name
    return k + 1 if forward else k


def emails_and_web(words: Sequence[Word], rules: Rules) -> Found:
    """ "john dot smith at example dot com", "example dot co dot uk", "www dot example dot com"."""
    found: Found = []
    for k, w in enumerate(words):
        if w.norm in rules.at and 0 < k < len(words) - 1:
            end = _dotted(words, k + 1, rules, forward=True)
            if end - (k + 1) >= 3 and words[end - 1].norm in rules.tlds:
                found.append((Kind.EMAIL, _dotted(words, k - 1, rules, forward=False), end))
    k = 0
    while k < len(words):
        end = _dotted(words, k, rules, forward=True)
        after_at = k > 0 and words[k - 1].norm in rules.at
        if end - k >= 3 and words[end - 1].norm in rules.tlds and not after_at:
            found.append((Kind.WEB, k, end))
            k = end
        else:
            k += 1
    return found


# -- letters spelled, addresses, dates of birth, names ----------------------------------------
def spelled(words: Sequence[Word], rules: Rules) -> Found:
    """Three letters or more said one by one ("j o h n", "J-O-H-N"); with digits among them
    ("s w one a one a a") a code, a postcode when one was asked for."""
    found: Found = []
    k = 0
    while k < len(words):
        if _SPELLED_TOKEN.match(words[k].norm):
            found.append((Kind.SPELLED, k, k + 1))
            k += 1
            continue
        end, letters, digits = k, 0, 0
        while end < len(words):
            n = words[end].norm
            if len(n) == 1 and n.isalpha():
                letters += n not in rules.letters_not_spelling
            elif n in rules.digits or (len(n) == 1 and n.isdigit()):
                digits += 1
            else:
                break
            end += 1
        if letters >= 3 or (letters >= 2 and digits >= 2):
            before = {w.norm for w in words[max(0, k - 3) : k]}
            code = digits and before & rules.postcode_cues
            found.append((Kind.POSTCODE if code else Kind.SPELLED, k, end))
            k = end
        else:
            k = max(end, k + 1)
    return found


def addresses(words: Sequence[Word], rules: Rules) -> Found:
    """A house number, up to four words of a street name, and a street word."""
    found: Found = []
    runs = number_runs(words, rules)
    for k, w in enumerate(words):
        if w.norm not in rules.street_words or k == 0:
            continue
        number = next((r for r in reversed(runs) if r.end <= k and k - r.end <= 4), None)
        if number is None or k == number.end:
            continue
        between = words[number.end : k]
        if all(x.norm.isalpha() for x in between):
            found.append((Kind.ADDRESS, number.start, k + 1))
    return found


def _year_end(words: Sequence[Word], k: int, rules: Rules) -> int | None:
    """Where a year said or written from word k ends ("1987", "nineteen eighty seven",
    "two thousand and five"), or None."""
    for run in number_runs(words[k : k + 6], rules):
        if run.start != 0:
            return None
        digits = "".join(run.groups)
        year = digits if len(run.groups) <= 2 else ""
        if len(year) == 4 and 1900 <= int(year) <= 2099:
            return k + run.end
        return None
    return None


def dates_of_birth(words: Sequence[Word], rules: Rules) -> Found:
    """A date with a year, said or written, within a few words after "born" or "birthday"."""
    found: Found = []
    for k, w in enumerate(words):
        if w.norm not in rules.birth_cues:
            continue
        for start in range(k + 1, min(len(words), k + 6)):
            n = words[start].norm
            if _DATE_TOKEN.match(n):
                found.append((Kind.BIRTH_DATE, start, start + 1))
                break
            if n not in rules.months and n not in rules.ordinals:
                continue
            end = start
            while end < len(words) and (
                words[end].norm in rules.months
                or words[end].norm in rules.ordinals
                or words[end].norm in rules.date_fillers
            ):
                end += 1
            year = _year_end(words, end, rules)
            if year is not None:
                found.append((Kind.BIRTH_DATE, start, year))
            break
    return found


def names(words: Sequence[Word], listed: Iterable[str]) -> Found:
    """The project's names (one word or several), whatever their case."""
    found: Found = []
    norms = [w.norm for w in words]
    for name in listed:
        parts = name.lower().split()
        n = len(parts)
        if not n:
            continue
        for k in range(len(norms) - n + 1):
            if norms[k : k + n] == parts:
                found.append((Kind.NAME, k, k + n))
    return found
