"""Read a recording and refuse what soundfile would let through silently."""

from __future__ import annotations

import hashlib
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import soundfile as sf

from app.audio.quiet import c_stderr_to_log

# libsndfile's names; WAVEX is WAV with WAVE_FORMAT_EXTENSIBLE (24-bit, multichannel), as
# sox, Audition and field recorders write it. Every sample encoding libsndfile decodes is taken.
ALLOWED_FORMATS = {"WAV", "WAVEX", "FLAC", "OGG", "MP3", "AIFF", "W64", "RF64"}
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif", ".w64"}
MAX_CHANNELS = 8
MIN_RATE_HZ, MAX_RATE_HZ = 4_000, 192_000


class AudioError(Exception):
    """A recording that cannot be used; str() is a sentence for the person at the keyboard."""


class UnreadableAudio(AudioError):
    pass


class UnsupportedFormat(AudioError):
    pass


class EmptyAudio(AudioError):
    pass


class TruncatedAudio(AudioError):
    pass


class TooManyChannels(AudioError):
    pass


class BadSampleRate(AudioError):
    pass


class CorruptSamples(AudioError):
    pass


class ChecksumMismatch(AudioError):
    pass


@dataclass(frozen=True, slots=True)
class AudioInfo:
    path: Path
    sample_rate_hz: int
    channels: int
    frames: int
    format: str
    subtype: str

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate_hz


@dataclass(frozen=True, slots=True)
class Audio:
    info: AudioInfo
    samples: npt.NDArray[np.float32]  # shape (frames, channels)

    def mono(self) -> npt.NDArray[np.float32]:
        if self.samples.shape[1] == 1:
            return self.samples[:, 0]
        return np.asarray(self.samples.mean(axis=1, dtype=np.float32), dtype=np.float32)


def _rewound(stream: BinaryIO) -> BinaryIO:
    stream.seek(0)
    return stream


def probe(path: Path, stream: BinaryIO | None = None) -> AudioInfo:
    """Header checks that need no decoding; of `stream` when given (named by path)."""
    name = path.name
    if stream is None and not path.is_file():
        raise UnreadableAudio(f"{name}: the file does not exist or is not a file.")
    if (path.stat().st_size if stream is None else stream.seek(0, 2)) == 0:
        raise EmptyAudio(f"{name}: the file is empty (0 bytes).")
    try:
        with c_stderr_to_log(name):
            info = sf.info(str(path) if stream is None else _rewound(stream))
    except (sf.LibsndfileError, RuntimeError) as exc:
        # libsndfile says "file does not exist" for garbage; it does exist, so say what is true
        raise UnreadableAudio(
            f"{name}: not a recording Earmark can read: damaged, or not audio at all."
        ) from exc
    if info.format not in ALLOWED_FORMATS:
        raise UnsupportedFormat(
            f"{name}: {info.format_info or info.format} is not a format Earmark opens; "
            "convert it to WAV, FLAC, OGG or MP3."
        )
    if not 1 <= info.channels <= MAX_CHANNELS:
        raise TooManyChannels(
            f"{name}: {info.channels} channels; Earmark opens recordings of 1 to {MAX_CHANNELS}."
        )
    if not MIN_RATE_HZ <= info.samplerate <= MAX_RATE_HZ:
        raise BadSampleRate(
            f"{name}: sample rate {info.samplerate} Hz is outside "
            f"{MIN_RATE_HZ}-{MAX_RATE_HZ} Hz; the header is probably damaged."
        )
    if info.frames <= 0:
        raise EmptyAudio(f"{name}: the recording holds no audio.")
    family = "WAV" if info.format == "WAVEX" else info.format
    return AudioInfo(path, info.samplerate, info.channels, info.frames, family, info.subtype)


@dataclass(frozen=True, slots=True)
class WavData:
    offset: int  # byte offset of the first frame
    size: int  # bytes the data chunk declares
    block_align: int  # bytes per frame


def wav_data_chunk(path: Path, stream: BinaryIO | None = None) -> WavData | None:
    """Where a RIFF/WAVE file's samples are, read from its chunk headers."""
    if stream is not None:
        return _wav_data_chunk(_rewound(stream))
    with path.open("rb") as f:
        return _wav_data_chunk(f)


def _wav_data_chunk(f: BinaryIO) -> WavData | None:
    head = f.read(12)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    block_align = 0
    while True:
        hdr = f.read(8)
        if len(hdr) < 8:
            return None
        cid, size = hdr[:4], int.from_bytes(hdr[4:], "little")
        if cid == b"fmt ":
            fmt = f.read(size + (size & 1))
            block_align = int.from_bytes(fmt[12:14], "little")
        elif cid == b"data":
            if not block_align or size == 0xFFFFFFFF:
                return None
            return WavData(f.tell(), size, block_align)
        else:
            f.seek(size + (size & 1), 1)


def _declared_pcm_frames(path: Path, info: AudioInfo, stream: BinaryIO | None = None) -> int | None:
    """Frames the WAV data chunk declares, read from the header itself.

    libsndfile trims a lying or truncated data chunk to what is there, so its frame count cannot
    reveal a truncated file; the chunk header can.
    """
    if info.format != "WAV":
        return None
    data = wav_data_chunk(path, stream)
    return None if data is None else data.size // data.block_align


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def decoder_quiet(info: AudioInfo) -> AbstractContextManager[None]:
    """Around decoding: libmpg123's diagnostics go to the log (other decoders are quiet)."""
    return c_stderr_to_log(info.path.name) if info.format == "MP3" else nullcontext()


INTEGER_PCM = {"PCM_16", "PCM_24", "PCM_32", "PCM_U8", "PCM_S8"}
CHECK_BLOCK_FRAMES = 1 << 16


def check(path: Path, stream: BinaryIO | None = None) -> AudioInfo:
    """Everything load() validates, in bounded memory: for queueing many or long files.

    Integer PCM in WAV cannot hold NaN, and its length is checked against the header without
    decoding; other formats are decoded block by block and counted. With `stream`, the
    recording is read from it (a decrypting reader) and `path` only names it.
    """
    info = probe(path, stream)
    name = path.name
    declared = _declared_pcm_frames(path, info, stream)
    if declared is not None and declared != info.frames:
        raise TruncatedAudio(
            f"{name}: the file is cut short: {info.frames} of {declared} frames "
            "are there. Copy it again from its source."
        )
    if info.format == "WAV" and info.subtype in INTEGER_PCM:
        return info
    frames = 0
    try:
        with decoder_quiet(info):
            for block in sf.blocks(
                str(path) if stream is None else _rewound(stream),
                blocksize=CHECK_BLOCK_FRAMES,
                dtype="float32",
                always_2d=True,
            ):
                if not np.isfinite(block).all():
                    raise CorruptSamples(
                        f"{name}: the audio contains invalid values (NaN or infinity)."
                    )
                frames += len(block)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise UnreadableAudio(f"{name}: decoding failed part-way ({exc}).") from None
    if frames == 0:
        raise EmptyAudio(f"{name}: the recording holds no audio.")
    if frames != info.frames:
        raise TruncatedAudio(
            f"{name}: the file is cut short: {frames} of {info.frames} frames decode. "
            "Copy it again from its source."
        )
    return info


def load(
    path: Path,
    expected_sha256: str | None = None,
    expected_duration_s: float | None = None,
) -> Audio:
    """Decode as float32 (frames, channels), refusing what soundfile lets through silently:
    a container or sample encoding not allowed, more than 8 channels, an impossible rate, fewer
    frames than declared, NaN or Inf samples, and a SHA-256 or duration other than the server's."""
    info = probe(path)
    name = path.name
    if expected_sha256 is not None and sha256_of(path) != expected_sha256.lower():
        raise ChecksumMismatch(
            f"{name}: the file differs from the one the server sent (checksum mismatch); "
            "download it again."
        )
    try:
        with decoder_quiet(info):
            data, _ = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise UnreadableAudio(f"{name}: decoding failed part-way ({exc}).") from None
    samples: npt.NDArray[np.float32] = np.ascontiguousarray(data)
    if samples.shape[0] == 0:
        raise EmptyAudio(f"{name}: the recording holds no audio.")
    declared = _declared_pcm_frames(path, info)
    if samples.shape[0] != info.frames or (declared is not None and declared != info.frames):
        want = declared if declared is not None else info.frames
        raise TruncatedAudio(
            f"{name}: the file is cut short: {samples.shape[0]} of {want} frames "
            "are there. Copy it again from its source."
        )
    if not np.isfinite(samples).all():
        raise CorruptSamples(f"{name}: the audio contains invalid values (NaN or infinity).")
    if expected_duration_s is not None and abs(info.duration_s - expected_duration_s) > 0.05:
        raise TruncatedAudio(
            f"{name}: {info.duration_s:.2f} s long, but {expected_duration_s:.2f} s expected."
        )
    return Audio(info, samples)
