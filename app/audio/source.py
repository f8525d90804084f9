"""Recordings of any length without loading them whole.

WAV PCM is memory-mapped; other formats are decoded block by block, once, into a raw float32
file in the cache and memory-mapped from there. `read` returns float32 frames of one channel or
the mix, whatever the length of the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
import numpy.typing as npt
import soundfile as sf

from app.audio.load import (
    AudioError,
    AudioInfo,
    UnreadableAudio,
    check,
    decoder_quiet,
    wav_data_chunk,
)
from app.audio.vault import VaultError, VaultFrames, VaultReader, is_vault

F32 = npt.NDArray[np.float32]
MIX = -1
DECODE_BLOCK_FRAMES = 1 << 16

# subtype -> (numpy dtype of one sample, scale to [-1, 1], offset)
_MAPPABLE: dict[str, tuple[str, float, float]] = {
    "PCM_16": ("<i2", 1 / 32768, 0.0),
    "PCM_32": ("<i4", 1 / 2147483648, 0.0),
    "PCM_U8": ("u1", 1 / 128, -128.0),
    "FLOAT": ("<f4", 1.0, 0.0),
    "DOUBLE": ("<f8", 1.0, 0.0),
}


@dataclass(frozen=True, slots=True)
class SourceInfo:
    path: Path
    sample_rate_hz: int
    channels: int
    frames: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate_hz


class AudioSource:
    """Frames from a memory map of shape (frames, channels); nothing is read until asked."""

    def __init__(self, info: SourceInfo, frames: np.ndarray, scale: float, offset: float) -> None:
        self.info = info
        self._frames = frames
        self._scale = scale
        self._offset = offset

    @property
    def rate(self) -> int:
        return self.info.sample_rate_hz

    @property
    def channels(self) -> int:
        return self.info.channels

    def __len__(self) -> int:
        return self.info.frames

    def read(self, start: int, n: int, channel: int = MIX) -> F32:
        """Frames [start, start + n) clipped to the file, as float32 of one channel or the mix."""
        start = max(0, min(start, self.info.frames))
        stop = max(start, min(self.info.frames, start + max(0, n)))
        block = self._frames[start:stop]
        if channel == MIX and self.channels > 1:
            out = block.astype(np.float32).mean(axis=1, dtype=np.float32)
        else:
            out = block[:, 0 if channel == MIX else channel].astype(np.float32)
        if self._offset:
            out += np.float32(self._offset)
        if self._scale != 1.0:
            out *= np.float32(self._scale)
        return np.asarray(out, dtype=np.float32)

    def read_all_channels(self, start: int, n: int) -> F32:
        start = max(0, min(start, self.info.frames))
        stop = max(start, min(self.info.frames, start + max(0, n)))
        out = self._frames[start:stop].astype(np.float32)
        if self._offset:
            out += np.float32(self._offset)
        if self._scale != 1.0:
            out *= np.float32(self._scale)
        return out


def memory_source(samples: F32, rate: int, path: Path | None = None) -> AudioSource:
    """A source over samples already in memory (tests, generated audio)."""
    frames = samples if samples.ndim == 2 else samples[:, None]
    info = SourceInfo(path or Path("<memory>"), rate, frames.shape[1], frames.shape[0])
    return AudioSource(info, frames, 1.0, 0.0)


def _mapped_wav(path: Path, info: AudioInfo) -> AudioSource | None:
    if info.format != "WAV" or info.subtype not in _MAPPABLE:
        return None
    data = wav_data_chunk(path)
    if data is None:
        return None
    dtype, scale, offset = _MAPPABLE[info.subtype]
    frames = min(info.frames, data.size // data.block_align)
    if np.dtype(dtype).itemsize * info.channels != data.block_align:
        return None
    mm = np.memmap(path, dtype=dtype, mode="r", offset=data.offset, shape=(frames, info.channels))
    return AudioSource(
        SourceInfo(path, info.sample_rate_hz, info.channels, frames), mm, scale, offset
    )


def decode_key(path: Path) -> str:
    st = path.stat()
    raw = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()
    return hashlib.sha256(raw).hexdigest()[:24]


def _decode_to_cache(
    path: Path, info: AudioInfo, cache: Path, progress: Callable[[int], None] | None
) -> AudioSource:
    """Decode once, block by block (bounded memory), into cache/<key>.f32; map that."""
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / f"{decode_key(path)}.{info.channels}ch.f32"
    if not target.exists():
        part = target.with_suffix(".part")
        done = 0
        try:
            with part.open("wb") as out, decoder_quiet(info):
                for block in sf.blocks(
                    str(path), blocksize=DECODE_BLOCK_FRAMES, dtype="float32", always_2d=True
                ):
                    out.write(np.ascontiguousarray(block, dtype="<f4").tobytes())
                    done += len(block)
                    if progress is not None:
                        progress(done)
        except (sf.LibsndfileError, RuntimeError) as exc:
            part.unlink(missing_ok=True)
            raise UnreadableAudio(f"{path.name}: decoding failed part-way ({exc}).") from None
        part.replace(target)
    frames = target.stat().st_size // (4 * info.channels)
    mm = np.memmap(target, dtype="<f4", mode="r", shape=(frames, info.channels))
    return AudioSource(SourceInfo(path, info.sample_rate_hz, info.channels, frames), mm, 1.0, 0.0)


def _vault_source(path: Path, key: bytes) -> AudioSource:
    """A sealed recording: WAV PCM read by slices through the decrypting reader, anything else
    decoded into memory (never into a plain file)."""
    reader = VaultReader(path, key)
    stream = cast(BinaryIO, reader)
    try:
        info = check(path, stream)
    except AudioError as exc:
        reader.close()
        raise (reader.failure or exc) from None
    data = wav_data_chunk(path, stream) if info.format == "WAV" else None
    if data is not None and info.subtype in _MAPPABLE:
        dtype, scale, offset = _MAPPABLE[info.subtype]
        frames = min(info.frames, data.size // data.block_align)
        if np.dtype(dtype).itemsize * info.channels == data.block_align:
            view = VaultFrames(reader, data.offset, dtype, frames, info.channels)
            src = SourceInfo(path, info.sample_rate_hz, info.channels, frames)
            return AudioSource(src, cast(np.ndarray, view), scale, offset)
    try:
        with decoder_quiet(info):
            samples, _ = sf.read(_rewind(stream), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise reader.failure or UnreadableAudio(
            f"{path.name}: decoding failed part-way ({exc})."
        ) from None
    finally:
        reader.close()
    if reader.failure is not None:
        raise reader.failure
    return memory_source(np.ascontiguousarray(samples), info.sample_rate_hz, path)


def _rewind(stream: BinaryIO) -> BinaryIO:
    stream.seek(0)
    return stream


def open_source(
    path: Path,
    decode_cache: Path,
    progress: Callable[[int], None] | None = None,
    key: bytes | None = None,
) -> AudioSource:
    """Validated, then mapped (WAV) or decoded into the cache (everything else).

    A recording sealed in the vault (from a server) needs the workstation's key.
    """
    if is_vault(path):
        if key is None:
            raise VaultError(
                f"{path.name}: this recording is encrypted with the workstation's key; "
                "open it through `earmark connect`."
            )
        return _vault_source(path, key)
    info = check(path)
    mapped = _mapped_wav(path, info)
    if mapped is not None:
        return mapped
    try:
        return _decode_to_cache(path, info, decode_cache, progress)
    except OSError as exc:
        reason = f"cannot be decoded into the cache ({exc.strerror})"
        raise AudioError(f"{path.name}: {reason}.") from exc
