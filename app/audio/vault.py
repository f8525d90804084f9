"""Recordings from a server, encrypted at rest in the workstation's cache.

A vault file is the server's audio file sealed in chunks of 1 MiB with AES-256-GCM (the format
of app/sealed.py: each chunk with its own nonce, its index and the header as associated data),
so chunks can be read in any order but not swapped, cut or edited unnoticed. The key is the
workstation's, kept in the OS keyring (app/workstation/store/secrets.py); without it the cache
is noise.

`VaultReader` is a seekable read-only file for soundfile; `VaultFrames` gives WAV PCM frames by
slice, decrypting only the chunks a read touches, so an hours-long recording is never whole in
memory and never plain on disk.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app import sealed
from app.audio.load import AudioError

SUFFIX = ".emk"
KEY_BYTES = 32
CHUNK = sealed.CHUNK


class VaultError(AudioError):
    """A vault file cannot be opened; str() says what happened and what to do."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def is_vault(path: Path) -> bool:
    return sealed.is_sealed(path)


def opens_with(path: Path, key: bytes) -> bool:
    """Whether a cached file exists and opens with this key (a reset keyring makes a new one)."""
    try:
        VaultReader(path, key).close()
        return True
    except (OSError, VaultError):
        return False


def seal(data: bytes, key: bytes, target: Path) -> None:
    """Write `data` sealed to target (through a .part file, so a crash leaves nothing half)."""
    sealed.seal_bytes(data, key, target)


class VaultReader(io.RawIOBase):
    """The plain bytes of a vault file, decrypted chunk by chunk as they are read."""

    def __init__(self, path: Path, key: bytes, keep_chunks: int = 4) -> None:
        super().__init__()
        self.path = path
        try:
            self._sealed = sealed.SealedReader(path, key, keep_chunks=keep_chunks)
        except sealed.SealedError as exc:
            raise _explained(path, exc) from None
        self.size = self._sealed.size
        self._pos = 0
        self.failure: VaultError | None = None  # raised inside soundfile's callbacks, kept here

    def pread(self, offset: int, n: int) -> bytes:
        """n plain bytes from offset (fewer at the end)."""
        try:
            return self._sealed.pread(offset, n)
        except sealed.SealedError as exc:
            raise _explained(self.path, exc) from None

    # -- io.RawIOBase ------------------------------------------------------------------------
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self.pread(self._pos, len(buffer))
        except VaultError as exc:  # soundfile calls this from C, which would swallow it
            self.failure = exc
            return 0
        memoryview(buffer)[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        self._sealed.close()
        super().close()


def _explained(path: Path, exc: sealed.SealedError) -> VaultError:
    if "not a sealed file" in str(exc):
        return VaultError(f"{path.name}: not an Earmark cache file; sync again to fetch it.")
    return VaultError(
        f"{path.name}: the cached recording is damaged or was sealed with another key; delete "
        "the workstation's audio cache and sync again."
    )


class VaultFrames:
    """PCM frames of a vault-sealed WAV as a read-only array: `frames[a:b]` decrypts a..b only."""

    def __init__(self, reader: VaultReader, offset: int, dtype: str, frames: int, channels: int):
        self._reader = reader
        self._offset = offset
        self._dtype = np.dtype(dtype)
        self.shape = (frames, channels)
        self._frame_bytes = self._dtype.itemsize * channels

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: slice) -> np.ndarray:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("vault frames are read by contiguous slices")
        start, stop, _ = key.indices(self.shape[0])
        stop = max(start, stop)
        raw = self._reader.pread(
            self._offset + start * self._frame_bytes, (stop - start) * self._frame_bytes
        )
        return np.frombuffer(raw, dtype=self._dtype).reshape(-1, self.shape[1])
