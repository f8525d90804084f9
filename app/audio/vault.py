"""Recordings from a server, encrypted at rest in the workstation's cache.

A vault file is the server's audio file sealed in chunks of 1 MiB with AES-256-GCM, each chunk
with its own random nonce and its index and the header as associated data, so chunks can be
read in any order but not swapped, cut or edited unnoticed. The key is the workstation's, kept
in the OS keyring (app/store/secrets.py); without it the cache is noise.

`VaultReader` is a seekable read-only file for soundfile; `VaultFrames` gives WAV PCM frames by
slice, decrypting only the chunks a read touches, so an hours-long recording is never whole in
memory and never plain on disk.
"""

from __future__ import annotations

import io
import os
import struct
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.audio.load import AudioError

MAGIC = b"EMK1"
SUFFIX = ".emk"
CHUNK = 1 << 20
NONCE = 12
TAG = 16
_HEADER = struct.Struct("<4sIQ")  # magic, chunk size, plain size
KEY_BYTES = 32


class VaultError(AudioError):
    """A vault file cannot be opened; str() says what happened and what to do."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def is_vault(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == MAGIC
    except OSError:
        return False


def opens_with(path: Path, key: bytes) -> bool:
    """Whether a cached file exists and opens with this key (a reset keyring makes a new one)."""
    try:
        VaultReader(path, key).close()
        return True
    except (OSError, VaultError):
        return False


def _aad(header: bytes, index: int) -> bytes:
    return header + index.to_bytes(8, "little")


def seal(data: bytes, key: bytes, target: Path) -> None:
    """Write `data` sealed to target (through a .part file, so a crash leaves nothing half)."""
    aes = AESGCM(key)
    header = _HEADER.pack(MAGIC, CHUNK, len(data))
    part = target.with_name(target.name + ".part")
    with part.open("wb") as out:
        out.write(header)
        for index, start in enumerate(range(0, len(data), CHUNK)):
            nonce = os.urandom(NONCE)
            out.write(nonce)
            out.write(aes.encrypt(nonce, data[start : start + CHUNK], _aad(header, index)))
        out.flush()
        os.fsync(out.fileno())
    part.replace(target)


class VaultReader(io.RawIOBase):
    """The plain bytes of a vault file, decrypted chunk by chunk as they are read."""

    def __init__(self, path: Path, key: bytes, keep_chunks: int = 4) -> None:
        super().__init__()
        self.path = path
        self._file = path.open("rb")
        header = self._file.read(_HEADER.size)
        try:
            magic, chunk, size = _HEADER.unpack(header)
        except struct.error:
            magic, chunk, size = b"", 0, 0
        if magic != MAGIC or chunk <= 0:
            self._file.close()
            raise VaultError(f"{path.name}: not an Earmark cache file; sync again to fetch it.")
        self._header = header
        self._chunk = chunk
        self.size = size
        self._aes = AESGCM(key)
        self._pos = 0
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self._keep = keep_chunks
        self.failure: VaultError | None = None  # raised inside soundfile's callbacks, kept here
        self._lock = threading.Lock()  # the player's thread and the peak worker read at once
        if size:
            try:
                self.pread(0, 1)  # a wrong key is told now, not as garbage later
            except VaultError:
                self._file.close()
                raise

    def _plain_chunk(self, index: int) -> bytes:
        hit = self._cache.get(index)
        if hit is not None:
            self._cache.move_to_end(index)
            return hit
        self._file.seek(_HEADER.size + index * (self._chunk + NONCE + TAG))
        length = min(self._chunk, self.size - index * self._chunk)
        sealed = self._file.read(NONCE + length + TAG)
        try:
            plain = self._aes.decrypt(sealed[:NONCE], sealed[NONCE:], _aad(self._header, index))
        except (InvalidTag, ValueError):
            raise VaultError(
                f"{self.path.name}: the cached recording is damaged or was sealed with another "
                "key; delete the workstation's audio cache and sync again."
            ) from None
        self._cache[index] = plain
        if len(self._cache) > self._keep:
            self._cache.popitem(last=False)
        return plain

    def pread(self, offset: int, n: int) -> bytes:
        """n plain bytes from offset (fewer at the end)."""
        end = min(self.size, offset + max(0, n))
        parts = []
        with self._lock:
            while offset < end:
                index, within = divmod(offset, self._chunk)
                take = min(end - offset, self._chunk - within)
                parts.append(self._plain_chunk(index)[within : within + take])
                offset += take
        return b"".join(parts)

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
        self._file.close()
        self._cache.clear()
        super().close()


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
