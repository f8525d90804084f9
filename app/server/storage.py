"""Audio at rest: each recording encrypted with its own key (AES-256-GCM); deleting the key
makes the recording unreadable even where a copy of the file survives."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class AudioStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, task_id: str) -> Path:
        return self.folder / f"{task_id}.bin"

    def put(self, task_id: str, data: bytes) -> bytes:
        """Store encrypted; returns the recording's key (kept in the database)."""
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        blob = nonce + AESGCM(key).encrypt(nonce, data, task_id.encode())
        tmp = self._path(task_id).with_suffix(".part")
        tmp.write_bytes(blob)
        tmp.replace(self._path(task_id))
        return key

    def get(self, task_id: str, key: bytes) -> bytes:
        blob = self._path(task_id).read_bytes()
        return AESGCM(key).decrypt(blob[:12], blob[12:], task_id.encode())

    def delete(self, task_id: str) -> None:
        self._path(task_id).unlink(missing_ok=True)
