"""Recordings with personal data taken out, on the server: each span's words aligned to the
audio (PocketSphinx, app/audio/align.py) and covered there, padded (app/audio/redact.py).

`export --redact --audio DIR` writes them for the spans annotators confirmed; a span whose
words the aligner could not place is covered by its whole segment, and named.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soundfile as sf

from app.audio.align import Aligner, unavailable
from app.audio.redact import Stretch, cover, merged, span_stretch, wav_subtype
from app.model.annotation import Annotation, Segment
from app.model.conventions import Conventions
from app.server import models as m
from app.server.keys import Keys
from app.server.storage import AudioStore

F32 = npt.NDArray[np.float32]


@dataclass
class Covered:
    stretches: list[Stretch] = field(default_factory=list)
    untimed: list[str] = field(default_factory=list)  # spans covered by their whole segment


def read_recording(store: AudioStore, keys: Keys, task: m.Task) -> tuple[F32, int, str]:
    """The recording decoded (frames x channels), its rate and its WAV sample format: the
    original, where a muting project serves a muted copy."""
    key = keys.unwrap(task.audio_key or b"", f"task:{task.id}")
    data = store.original(task.id, key) or store.get(task.id, key)  # a muted one's original
    info = sf.info(io.BytesIO(data))
    samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return samples, int(rate), wav_subtype(info.subtype)


def span_stretches(
    aligner: Aligner, mono: F32, rate_hz: int, segments: tuple[Segment, ...], conv: Conventions
) -> Covered:
    """Where each segment's personal-data spans are said."""
    out = Covered()
    why_not = unavailable(conv, "Not aligned")
    for seg in segments:
        if not seg.personal:
            continue
        a, b = int(seg.start_s * rate_hz), int(np.ceil(seg.end_s * rate_hz))
        words = None
        if not why_not:
            words = aligner.align(mono[a:b], rate_hz, seg.start_s, seg.text, conv)
        for span in seg.personal:
            s = span_stretch(
                words, span.start_word, span.end_word, span.type, (seg.start_s, seg.end_s)
            )
            out.stretches.append(s)
            if not s.timed:
                note = why_not or (words.note if words is not None and words.note else "")
                out.untimed.append(
                    f"{span.type} span: no word times ({note or 'not placed'}); its segment"
                    f" {seg.start_s:.2f}-{seg.end_s:.2f} s is covered"
                )
    return out


def write_redacted_recordings(
    store: AudioStore,
    keys: Keys,
    tasks: dict[str, m.Task],
    records: list[dict[str, Any]],
    conv: Conventions,
    folder: Path,
    tone: bool,
    say: Callable[[str], None],
) -> int:
    """One WAV per record, `item-N.wav`, with its confirmed spans covered; how many written."""
    folder.mkdir(parents=True, exist_ok=True)
    aligner = Aligner()
    n = 0
    for record in records:
        task = tasks[record["task_id"]]
        samples, rate, subtype = read_recording(store, keys, task)
        segments = Annotation.from_json(record).segments
        found = span_stretches(aligner, samples.mean(axis=1), rate, segments, conv)
        for line in found.untimed:
            say(f"item {record['item']}: {line}")
        out = cover(samples, rate, merged(found.stretches), tone)
        sf.write(str(folder / f"item-{record['item']}.wav"), out, rate, subtype=subtype)
        n += 1
    return n
