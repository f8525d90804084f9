"""Files sealed in independently authenticated chunks (AES-256-GCM), read by ranges.

A sealed file is a header (magic, chunk size, plain size) and the plain bytes in chunks of
CHUNK, each with its own random nonce and its index, the header and a caller's context (the
recording's id on the server) as associated data: chunks can be read in any order but not
swapped, cut, moved to another file or edited unnoticed. Sealing streams from a file and
reading decrypts only the chunks a range touches, so memory never grows with a recording's
length. The workstation's audio cache (app/audio/vault.py) and the server's audio store
(app/server/storage.py) both keep recordings this way, each under its own keys.
"""

from __future__ import annotations

import hashlib
import os
import struct
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"EMK1"
CHUNK = 1 << 20
NONCE = 12
TAG = 16
HEADER = struct.Struct("<4sIQ")  # magic, chunk size, plain size


class SealedError(Exception):
    """Not a sealed file, a wrong key, or a damaged chunk."""


def is_sealed(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == MAGIC
    except OSError:
        return False


def _aad(header: bytes, context: bytes, index: int) -> bytes:
    return header + context + index.to_bytes(8, "little")


def seal_stream(source: BinaryIO, size: int, key: bytes, target: Path, context: bytes = b"") -> str:
    """Seal `size` bytes read from `source` into `target` (through a .part file, so a crash
    leaves nothing half) in bounded memory; returns the SHA-256 of the plain bytes."""
    aes = AESGCM(key)
    header = HEADER.pack(MAGIC, CHUNK, size)
    digest = hashlib.sha256()
    part = target.with_name(target.name + ".part")
    with part.open("wb") as out:
        out.write(header)
        done, index = 0, 0
        while done < size:
            block = source.read(min(CHUNK, size - done))
            if not block:
                raise SealedError(f"{target.name}: the source ended {size - done} bytes early")
            while len(block) < min(CHUNK, size - done):  # a short read mid-file
                more = source.read(min(CHUNK, size - done) - len(block))
                if not more:
                    raise SealedError(f"{target.name}: the source ended early")
                block += more
            digest.update(block)
            nonce = os.urandom(NONCE)
            out.write(nonce)
            out.write(aes.encrypt(nonce, block, _aad(header, context, index)))
            done, index = done + len(block), index + 1
        out.flush()
        os.fsync(out.fileno())
    part.replace(target)
    return digest.hexdigest()


def seal_bytes(data: bytes, key: bytes, target: Path, context: bytes = b"") -> str:
    import io

    return seal_stream(io.BytesIO(data), len(data), key, target, context)


def seal_file(path: Path, key: bytes, target: Path, context: bytes = b"") -> str:
    with path.open("rb") as f:
        return seal_stream(f, os.fstat(f.fileno()).st_size, key, target, context)


class Blob(Protocol):
    """Where a sealed file's bytes are read from: a local file, or an object in a store."""

    name: str

    def read_at(self, offset: int, n: int) -> bytes: ...

    def close(self) -> None: ...


class FileBlob:
    def __init__(self, path: Path) -> None:
        self.name = path.name
        self._file = path.open("rb")

    def read_at(self, offset: int, n: int) -> bytes:
        self._file.seek(offset)  # the reader holds its lock around this
        return self._file.read(n)

    def close(self) -> None:
        self._file.close()


class SealedReader:
    """The plain bytes of a sealed file by ranges; a few decrypted chunks are kept. It reads
    only the chunks a range touches, from a local file or any other `Blob`."""

    def __init__(
        self, source: Path | Blob, key: bytes, context: bytes = b"", keep_chunks: int = 4
    ) -> None:
        self._file = FileBlob(source) if isinstance(source, Path) else source
        self.name = self._file.name
        header = self._file.read_at(0, HEADER.size)
        try:
            magic, chunk, size = HEADER.unpack(header)
        except struct.error:
            magic, chunk, size = b"", 0, 0
        if magic != MAGIC or chunk <= 0:
            self._file.close()
            raise SealedError(f"{self.name}: not a sealed file")
        self._header, self._context, self._chunk = header, context, chunk
        self.size = size
        self._aes = AESGCM(key)
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self._keep = keep_chunks
        self._lock = threading.Lock()  # a player's thread and a peak worker may read at once
        if size:
            try:
                self.pread(0, 1)  # a wrong key is told now, not as garbage later
            except SealedError:
                self._file.close()
                raise

    def _plain_chunk(self, index: int) -> bytes:
        hit = self._cache.get(index)
        if hit is not None:
            self._cache.move_to_end(index)
            return hit
        length = min(self._chunk, self.size - index * self._chunk)
        at = HEADER.size + index * (self._chunk + NONCE + TAG)
        sealed = self._file.read_at(at, NONCE + length + TAG)
        try:
            plain = self._aes.decrypt(
                sealed[:NONCE], sealed[NONCE:], _aad(self._header, self._context, index)
            )
        except (InvalidTag, ValueError):
            raise SealedError(
                f"{self.name}: chunk {index} is damaged or was sealed with another key"
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

    def pieces(self, start: int, end: int, piece: int = 1 << 16) -> Iterator[bytes]:
        """Bytes start..end (inclusive) in pieces, for a streamed response."""
        at = start
        while at <= end:
            data = self.pread(at, min(piece, end + 1 - at))
            if not data:
                return
            yield data
            at += len(data)

    def close(self) -> None:
        self._file.close()
        self._cache.clear()
