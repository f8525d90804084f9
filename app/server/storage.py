"""Audio at rest: each recording sealed in independently authenticated chunks under its own key
(app/sealed.py, the recording's id as associated data), so a range decrypts only the chunks it
touches and serving an hours-long recording never holds it whole in memory. The recording's
key is kept wrapped under the master key (app/server/keys.py); deleting it makes the recording
unreadable even where a copy of the file survives.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app import sealed


class AudioStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, task_id: str) -> Path:
        return self.folder / f"{task_id}.bin"

    def put_file(self, task_id: str, source: Path) -> tuple[bytes, str]:
        """Seal a recording from its file, streaming: (its new key, SHA-256 of its bytes)."""
        key = AESGCM.generate_key(bit_length=256)
        digest = sealed.seal_file(source, key, self._path(task_id), task_id.encode())
        return key, digest

    def put(self, task_id: str, data: bytes) -> bytes:
        """Seal a recording held in memory (small ones: tests and tools); returns its key."""
        key = AESGCM.generate_key(bit_length=256)
        sealed.seal_bytes(data, key, self._path(task_id), task_id.encode())
        return key

    def reader(self, task_id: str, key: bytes) -> sealed.SealedReader:
        """The recording by ranges, decrypted chunk by chunk (close it when done)."""
        return sealed.SealedReader(self._path(task_id), key, task_id.encode())

    def get(self, task_id: str, key: bytes) -> bytes:
        """The whole recording (small ones; the API streams by ranges instead)."""
        r = self.reader(task_id, key)
        try:
            return r.pread(0, r.size)
        finally:
            r.close()

    def delete(self, task_id: str) -> None:
        self._path(task_id).unlink(missing_ok=True)
        self._original(task_id).unlink(missing_ok=True)

    # -- a project that mutes spoken personal data serves a muted copy --------------------------
    def _original(self, task_id: str) -> Path:
        return self.folder / f"{task_id}.original.bin"

    def put_original(self, task_id: str, source: Path) -> tuple[bytes, str]:
        """Seal a recording as the original of a muted one, beside where `put_served` stores the
        copy served, under the key returned (the copy takes the same key; each chunk has its own
        random nonce). Its own associated data binds it to its name: it can never pass for the
        copy served. No route reads it."""
        key = AESGCM.generate_key(bit_length=256)
        digest = sealed.seal_file(source, key, self._original(task_id), _original_context(task_id))
        return key, digest

    def put_served(self, task_id: str, source: Path, key: bytes) -> str:
        """The copy served of a recording whose original `put_original` sealed (disguised,
        muted), from its file; the SHA-256 of its bytes."""
        return sealed.seal_file(source, key, self._path(task_id), task_id.encode())

    def original(self, task_id: str, key: bytes) -> bytes | None:
        """The original of a muted recording (for a redacted export's own covering); None when
        the recording was not muted."""
        path = self._original(task_id)
        if not path.exists():
            return None
        r = sealed.SealedReader(path, key, _original_context(task_id))
        try:
            return r.pread(0, r.size)
        finally:
            r.close()

    # -- stores written before recordings were chunked (one nonce, one blob) ------------------
    def is_legacy(self, task_id: str) -> bool:
        path = self._path(task_id)
        return path.exists() and not sealed.is_sealed(path)

    def _resealed(self, task_id: str) -> Path:
        return self.folder / f"{task_id}.resealed"

    def reseal_legacy(self, task_id: str, key: bytes) -> bytes:
        """Seal a recording of the old single-blob format again, in chunks under a new key, into
        a file beside it (one recording in memory at a time, once); returns the new key. The
        caller stores the key, then `finish_reseal` puts the file in place: a crash between
        the two leaves both files, and `pending_reseal` says which one the key opens."""
        blob = self._path(task_id).read_bytes()
        plain = AESGCM(key).decrypt(blob[:12], blob[12:], task_id.encode())
        del blob
        new_key = AESGCM.generate_key(bit_length=256)
        sealed.seal_bytes(plain, new_key, self._resealed(task_id), task_id.encode())
        return new_key

    def pending_reseal(self, task_id: str) -> bool:
        return self._resealed(task_id).exists()

    def finish_reseal(self, task_id: str) -> None:
        self._resealed(task_id).replace(self._path(task_id))

    def drop_reseal(self, task_id: str) -> None:
        self._resealed(task_id).unlink(missing_ok=True)


def _original_context(task_id: str) -> bytes:
    return f"{task_id}:original".encode()
