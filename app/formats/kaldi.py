"""Kaldi data directories: wav.scp, segments, text, utt2spk (the standard library reads them).

A wav.scp entry that is a command (`sox ... |`) is never run: a data file must not make Earmark
execute programs. Such recordings are said, with what to do, and their utterances still read.
"""

from __future__ import annotations

from pathlib import Path

from app.formats.record import WHOLE, FormatError, Item, Notes, Reading, Record, unheld
from app.formats.text import read_text
from app.model.annotation import Segment

READ = ("wav.scp", "segments", "text", "utt2spk")
DERIVED = (
    "spk2utt",
    "utt2dur",
    "reco2dur",
    "feats.scp",
    "cmvn.scp",
    "spk2gender",
    "frame_shift",
    "utt2num_frames",
)


def _table(folder: Path, name: str, notes: Notes) -> list[list[str]]:
    path = folder / name
    if not path.is_file():
        return []
    rows = []
    for n, line in enumerate(read_text(path).splitlines(), start=1):
        parts = line.split()
        if parts:
            rows.append(parts)
        if parts and len(parts) < 2 and name != "text":
            notes.problem(f"{name} line {n}: needs an id and a value")
    return rows


def is_data_dir(path: Path) -> bool:
    return path.is_dir() and (path / "wav.scp").is_file()


def read(folder: Path, notes: Notes) -> Reading:
    if not is_data_dir(folder):
        raise FormatError(f"{folder.name}: a Kaldi data directory needs a wav.scp.")
    wavs: dict[str, str] = {}
    commands: list[str] = []
    for parts in _table(folder, "wav.scp", notes):
        reco, rest = parts[0], " ".join(parts[1:])
        if rest.endswith("|"):
            commands.append(reco)
            wavs[reco] = ""
        else:
            wavs[reco] = str((folder / rest).resolve()) if "://" not in rest else rest
    if commands:
        notes.problem(
            f"wav.scp: {len(commands)} of {len(wavs)} recordings are commands (such as "
            f"{commands[0]}: ... |), which Earmark does not run; run them to write WAV files "
            "and list those files' paths instead"
        )
    text = {p[0]: " ".join(p[1:]) for p in _table(folder, "text", notes)}
    segments = _table(folder, "segments", notes)
    by_reco: dict[str, list[Segment]] = {r: [] for r in wavs}
    if segments:
        for n, parts in enumerate(segments, start=1):
            try:
                utt, reco, start, end = parts[0], parts[1], float(parts[2]), float(parts[3])
            except (IndexError, ValueError):
                notes.problem(f"segments line {n}: needs utterance, recording, start and end")
                continue
            if reco not in by_reco:
                notes.problem(f"segments line {n}: recording {reco} is not in wav.scp")
                continue
            by_reco[reco].append(Segment(start, end if end > 0 else WHOLE, text.pop(utt, "")))
    else:  # without segments, each recording is one utterance of the same id
        for reco in by_reco:
            by_reco[reco].append(Segment(0.0, WHOLE, text.pop(reco, "")))
    for utt in text:
        notes.problem(f"text: utterance {utt} has no segment or recording")
    if (folder / "utt2spk").is_file():
        notes.drop(folder.name, "speakers (utt2spk) not kept")
    for name in DERIVED:
        if (folder / name).is_file():
            notes.drop(folder.name, f"{name} not read (Earmark measures the recordings itself)")
    # a recording only a command names keeps its utterances, with no audio to queue
    records = [Record(audio=wavs[r], segments=tuple(s), key=r) for r, s in by_reco.items()]
    return Reading(records, notes)


def write(items: list[Item], folder: Path, notes: Notes) -> int:
    """wav.scp, segments, text and utt2spk (each recording its own speaker, as Kaldi's scripts
    expect when speakers are unknown), with spk2utt, all sorted as Kaldi's tools require."""
    folder.mkdir(parents=True, exist_ok=True)
    wav, seg, txt, spk = [], [], [], []
    for it in items:
        reco = it.key or it.id
        wav.append(f"{reco} {it.audio}")
        unheld(it, "kaldi", notes)
        for k, s in enumerate(it.annotation.segments):
            utt = f"{reco}-{k:04d}"
            seg.append(f"{utt} {reco} {s.start_s:.3f} {s.end_s:.3f}")
            txt.append(f"{utt} {' '.join(s.text.split())}".rstrip())
            spk.append(f"{utt} {reco}")
    utts: dict[str, list[str]] = {line.split()[1]: [] for line in spk}
    for line in spk:
        u, r = line.split()
        utts[r].append(u)
    for name, lines in (
        ("wav.scp", wav),
        ("segments", seg),
        ("text", txt),
        ("utt2spk", spk),
        ("spk2utt", [f"{r} {' '.join(u)}" for r, u in utts.items()]),
    ):
        (folder / name).write_text("".join(line + "\n" for line in sorted(lines)), encoding="utf-8")
    return len(seg)
