"""WebVTT and SRT through pysubs2.

pysubs2 reads a WebVTT cue's identifier and any NOTE, STYLE or REGION block that follows a cue as
more lines of that cue's text. Before it parses, those blocks are taken out here (WebVTT says a
cue's text ends at a blank line or at the next timing line); timings, tags and entities are
pysubs2's.

A file that is not UTF-8 is read in the legacy encoding it is in, when that can be told (see
app/formats/text.py), and said. NUL characters become U+FFFD, as WebVTT's parser makes them.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pysubs2

from app.formats.record import FormatError, Item, Notes, Record, unheld
from app.formats.text import read_text
from app.formats.tiers import one_line
from app.model.annotation import Segment

SUFFIXES = {".vtt": "vtt", ".srt": "srt"}
_TAG = re.compile(r"<[^>]*>")
MARKUP = "cue markup (voices, classes, styles, word timings) not kept"
_RUBY_TEXT = re.compile(r"<rt>.*?</rt>", re.S)


def _cues_only(text: str) -> tuple[str, int]:
    """The WebVTT file with its header, cues' timing lines and text only; and how many blocks
    (NOTE, STYLE, REGION) were left out."""
    out = ["WEBVTT", ""]
    dropped = 0
    cue: list[str] = []
    in_cue = skipping = False
    for line in text.splitlines()[1:]:
        if "-->" in line:
            if cue:
                out += [*cue, ""]
            cue, in_cue, skipping = [line], True, False
        elif not line.strip():
            in_cue = skipping = False
        elif in_cue:
            cue.append(line)
        elif not skipping and line.split(" ", 1)[0] in ("NOTE", "STYLE", "REGION"):
            dropped, skipping = dropped + 1, True
        # else: a cue identifier, a header line, or the rest of a skipped block
    if cue:
        out += [*cue, ""]
    return "\n".join(out) + "\n", dropped


def read(path: Path, audio: str, notes: Notes, tier: str | None = None) -> Record:
    fmt = SUFFIXES[path.suffix.lower()]
    where = path.name
    text = read_text(path, notes).lstrip("\ufeff")
    nuls = text.count("\0")
    if nuls:  # SRT has no rules of its own here; a NUL is never meant as text in either
        text = text.replace("\0", "\ufffd")
        notes.drop(where, "NUL characters replaced by U+FFFD", nuls)
    if fmt == "vtt":
        if not text.startswith("WEBVTT"):
            raise FormatError(f"{where}: not a WebVTT file (it must begin with WEBVTT).")
        text, dropped = _cues_only(text)
        if dropped:
            notes.drop(where, "NOTE, STYLE and REGION blocks not kept", dropped)
        # pysubs2 drops voice, class and timestamp tags without a word: count them here
        marked = sum(1 for line in text.splitlines() if "-->" not in line and _TAG.search(line))
        if marked:
            notes.drop(where, MARKUP, marked)
    try:
        subs = pysubs2.SSAFile.from_string(text, format_=fmt)
    except Exception as exc:  # pysubs2 raises its own and ValueErrors on bad timings
        raise FormatError(f"{where}: not a {fmt.upper()} file, or damaged ({exc}).") from None
    timings = sum(1 for line in text.splitlines() if "-->" in line)
    body = text.removeprefix("WEBVTT")
    if not subs.events and body.strip():  # pysubs2 passes over what it cannot parse, silently
        example = "00:00:01,000 --> 00:00:02,500".replace(",", "." if fmt == "vtt" else ",")
        raise FormatError(f"{where}: no cue could be read (a timing line reads {example}).")
    if len(subs.events) < timings:
        notes.problem(
            f"{where}: {timings - len(subs.events)} of {timings} cues not read "
            "(their timing lines are damaged)"
        )
    segments = []
    for ev in subs.events:
        if ev.is_comment:
            continue
        untagged = _TAG.sub("", _RUBY_TEXT.sub("", ev.plaintext))
        if fmt == "srt" and untagged != ev.plaintext:
            notes.drop(where, MARKUP)
        plain = html.unescape(untagged)
        segments.append(Segment(ev.start / 1000, ev.end / 1000, one_line(plain, where, notes)))
    return Record(audio=audio, segments=tuple(segments))


def write(item: Item, folder: Path, notes: Notes, fmt: str) -> Path:
    a = item.annotation
    subs = pysubs2.SSAFile()
    for s in a.segments:
        subs.append(
            pysubs2.SSAEvent(start=round(s.start_s * 1000), end=round(s.end_s * 1000), text=s.text)
        )
    unheld(item, fmt, notes)
    target = folder / f"{item.stem}.{fmt}"
    subs.save(str(target), format_=fmt, encoding="utf-8")
    return target
