"""Envelope encryption: what unlocks the data is itself locked under a master key that lives
neither in the data folder nor in the database, so a copy of either decrypts nothing.

Each recording's key, each user's TOTP secret and each project's pseudonym key is stored
wrapped: AES-256-GCM under the master key, with what it belongs to ("task:<id>", "totp:<id>",
"pseudonym:<project id>") as associated data, so a wrapped value cannot be moved to another
row. The master key comes from a `KeySource`: a key file now (32 random bytes, readable by the
server's user only, named by --key-file or EARMARK_SERVER_KEY_FILE); a KMS can implement the
same calls later. Rotation rewraps every value under a new key (`earmark-server keys rotate`,
with no server running), the old one still opening what it wrapped until then.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

WRAPPED = b"EMW1"
ENV = "EARMARK_SERVER_KEY_FILE"
KEY_BYTES = 32


class MasterKeyError(Exception):
    """The master key is missing, misplaced or wrong; str() says what to do."""


class KeySource(Protocol):
    key_id: bytes  # 8 bytes naming the key in what it wraps

    def wrap(self, plain: bytes, context: str) -> bytes: ...

    def unwrap(self, blob: bytes, context: str) -> bytes: ...

    def derive(self, purpose: str) -> bytes: ...


class FileKey:
    """The master key in a file outside the data folder."""

    def __init__(self, key: bytes, path: Path | None = None) -> None:
        if len(key) != KEY_BYTES:
            raise MasterKeyError(f"{path or 'the key'} does not hold a {KEY_BYTES}-byte key")
        self._key, self.path = key, path
        self.key_id = hashlib.sha256(b"earmark master key id" + key).digest()[:8]
        self._aes = AESGCM(key)

    @staticmethod
    def create(path: Path) -> FileKey:
        """A new random key, written readable by this user only (never over an existing one)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        key = AESGCM.generate_key(bit_length=256)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return FileKey(key, path)

    @staticmethod
    def load(path: Path, data_dir: Path | None = None) -> FileKey:
        refuse_inside(path, data_dir)
        try:
            key = path.read_bytes()
        except FileNotFoundError:
            raise MasterKeyError(
                f"no master key at {path}; `earmark-server init` creates one there, or name "
                f"the right one with --key-file or {ENV}"
            ) from None
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise MasterKeyError(
                f"the master key file {path} can be read by others; make it readable by the "
                f"server's user only (chmod 600 {path})"
            )
        return FileKey(key, path)

    def wrap(self, plain: bytes, context: str) -> bytes:
        nonce = os.urandom(12)
        return WRAPPED + self.key_id + nonce + self._aes.encrypt(nonce, plain, context.encode())

    def unwrap(self, blob: bytes, context: str) -> bytes:
        if not is_wrapped(blob):
            raise MasterKeyError(f"{context} is not wrapped")
        if blob[4:12] != self.key_id:
            raise MasterKeyError(f"{context} was wrapped under another master key")
        try:
            return self._aes.decrypt(blob[12:24], blob[24:], context.encode())
        except InvalidTag:
            raise MasterKeyError(f"{context}: the wrapped value is damaged") from None

    def derive(self, purpose: str) -> bytes:
        """A subkey for one purpose (the refresh tokens' successors)."""
        return hmac.new(self._key, b"earmark subkey|" + purpose.encode(), hashlib.sha256).digest()


class Keys:
    """The current master key, and earlier ones that still open what they wrapped."""

    def __init__(self, current: KeySource, earlier: Sequence[KeySource] = ()) -> None:
        self.current, self.earlier = current, list(earlier)

    def wrap(self, plain: bytes, context: str) -> bytes:
        return self.current.wrap(plain, context)

    def unwrap(self, blob: bytes, context: str) -> bytes:
        key_id = blob[4:12]
        for source in (self.current, *self.earlier):
            if source.key_id == key_id:
                return source.unwrap(blob, context)
        raise MasterKeyError(
            f"{context} was wrapped under a master key this server does not have; name the "
            f"right key file with --key-file or {ENV}"
        )

    def derive(self, purpose: str) -> bytes:
        return self.current.derive(purpose)

    # text columns (TOTP secrets) hold the wrapped bytes in base64
    def wrap_text(self, plain: str, context: str) -> str:
        return base64.b64encode(self.wrap(plain.encode(), context)).decode()

    def unwrap_text(self, text: str, context: str) -> str:
        return self.unwrap(base64.b64decode(text), context).decode()


def pseudonym_context(project_id: str) -> str:
    return f"pseudonym:{project_id}"


def pseudonym(key: bytes, customer_id: str) -> str:
    """A customer's pseudonym in a project: keyed, so a copy of the database alone cannot tell
    whose recordings these are by trying customer ids."""
    return hmac.new(key, b"customer:" + customer_id.encode(), hashlib.sha256).hexdigest()


def pseudonym_key(keys: Keys, project_id: str, stored: bytes) -> bytes:
    """A project's pseudonym key, unwrapped (it is never kept in plain)."""
    if not is_wrapped(stored):
        raise MasterKeyError(
            f"the pseudonym key of project {project_id} is not wrapped yet: run "
            "`earmark-server init` once to bring the store up to date"
        )
    return keys.unwrap(stored, pseudonym_context(project_id))


def is_wrapped(blob: bytes | None) -> bool:
    return blob is not None and blob[:4] == WRAPPED


def is_wrapped_text(text: str) -> bool:
    try:
        return is_wrapped(base64.b64decode(text, validate=True))
    except ValueError:
        return False


def key_file(explicit: Path | None) -> Path:
    """The master key file: named on the command line, in the environment, or the default
    place in this user's configuration (outside any data folder)."""
    if explicit is not None:
        return explicit
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return home / "earmark-server" / "master.key"


def load_keys(explicit: Path | None, data_dir: Path | None, create: bool = False) -> Keys:
    path = key_file(explicit)
    if create and not path.exists():
        refuse_inside(path, data_dir)
        return Keys(FileKey.create(path))
    return Keys(FileKey.load(path, data_dir))


def refuse_inside(path: Path, data_dir: Path | None) -> None:
    """MasterKeyError if a key file would lie inside the data folder."""
    if data_dir is not None and _inside(path, data_dir):
        raise MasterKeyError(
            f"the master key file {path} is inside the data folder {data_dir}: a copy of the "
            "folder would then carry its own key. Keep it elsewhere (for example "
            "/etc/earmark-server/master.key, readable by the server's user only)."
        )


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False
