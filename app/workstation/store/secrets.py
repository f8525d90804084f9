"""The refresh token and the audio cache's key, and nothing else, in the OS keyring.

Only real OS keyrings are used (Secret Service, macOS Keychain, Windows Credential Locker,
KWallet); keyring's fail, null and plaintext backends are refused with what to install instead,
never a silent file. Every call runs on a helper thread with a timeout, because a locked keyring
may wait for the user at an unlock prompt.
"""

from __future__ import annotations

import base64
import contextlib
import os
import threading
from collections.abc import Callable
from typing import TypeVar

import keyring
import keyring.backend
import keyring.errors

SERVICE = "earmark"
TIMEOUT_S = 20.0
T = TypeVar("T")

ACCEPTED = {
    "keyring.backends.SecretService",
    "keyring.backends.macOS",
    "keyring.backends.Windows",
    "keyring.backends.kwallet",
    "keyring.backends.libsecret",
}
HOW_TO_INSTALL = (
    "Earmark keeps your sign-in in the system keyring, and none is available. On Linux install "
    "and start GNOME Keyring or KWallet (sudo apt-get install gnome-keyring), then sign in again."
)


class KeyringError(Exception):
    """The keyring cannot be used; str() says what happened and what to do."""


def _backends(kr: keyring.backend.KeyringBackend) -> list[keyring.backend.KeyringBackend]:
    inner = getattr(kr, "backends", None)  # a chainer holds several
    return list(inner) if inner else [kr]


def check_backend(kr: keyring.backend.KeyringBackend | None = None) -> None:
    kr = kr or keyring.get_keyring()
    modules = {type(b).__module__ for b in _backends(kr)}
    if not modules & ACCEPTED:
        names = ", ".join(sorted(type(b).__name__ for b in _backends(kr)))
        raise KeyringError(f"{HOW_TO_INSTALL} (found: {names})")


def _with_timeout(fn: Callable[[], T], what: str, timeout_s: float) -> T:
    box: dict[str, BaseException | T] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - carried to the caller's thread
            box["error"] = exc

    t = threading.Thread(target=run, name="earmark-keyring", daemon=True)
    t.start()
    t.join(timeout_s)
    if t.is_alive():
        raise KeyringError(
            f"The system keyring did not answer while {what}: it may be locked and waiting for "
            "you to unlock it. Unlock it and try again."
        )
    if "error" in box:
        exc = box["error"]
        assert isinstance(exc, BaseException)
        if isinstance(exc, KeyringError):
            raise exc
        if isinstance(exc, keyring.errors.KeyringLocked):
            raise KeyringError("The system keyring is locked: unlock it and try again.") from exc
        if isinstance(exc, keyring.errors.KeyringError):
            raise KeyringError(f"The system keyring refused while {what}: {exc}") from exc
        raise KeyringError(f"The system keyring failed while {what}: {exc}") from exc
    return box.get("value")  # type: ignore[return-value]


def _account(server: str, username: str) -> str:
    return f"{username}@{server}"


def save_refresh_token(
    server: str, username: str, token: str, timeout_s: float = TIMEOUT_S
) -> None:
    """Write, then read back: a keyring that drops what it is given is found out now."""

    def work() -> None:
        check_backend()
        keyring.set_password(SERVICE, _account(server, username), token)
        if keyring.get_password(SERVICE, _account(server, username)) != token:
            raise KeyringError("The system keyring did not keep your sign-in; sign in again.")

    _with_timeout(work, "saving your sign-in", timeout_s)


def load_refresh_token(server: str, username: str, timeout_s: float = TIMEOUT_S) -> str | None:
    def work() -> str | None:
        check_backend()
        return keyring.get_password(SERVICE, _account(server, username))

    return _with_timeout(work, "reading your sign-in", timeout_s)


def delete_refresh_token(server: str, username: str, timeout_s: float = TIMEOUT_S) -> None:
    def work() -> None:
        check_backend()
        with contextlib.suppress(keyring.errors.PasswordDeleteError):  # none: signed out
            keyring.delete_password(SERVICE, _account(server, username))

    _with_timeout(work, "removing your sign-in", timeout_s)


def _cache_account(server: str, username: str) -> str:
    return f"audio-cache-key:{_account(server, username)}"


def cache_key(server: str, username: str, timeout_s: float = TIMEOUT_S) -> bytes:
    """The key of this account's audio cache: made on first use, kept only in the keyring."""

    def work() -> bytes:
        check_backend()
        account = _cache_account(server, username)
        raw = keyring.get_password(SERVICE, account)
        if raw:
            return base64.b64decode(raw)
        key = os.urandom(32)
        keyring.set_password(SERVICE, account, base64.b64encode(key).decode())
        if keyring.get_password(SERVICE, account) != base64.b64encode(key).decode():
            raise KeyringError("The system keyring did not keep the cache key; sign in again.")
        return key

    return _with_timeout(work, "reading the audio cache's key", timeout_s)


def delete_cache_key(server: str, username: str, timeout_s: float = TIMEOUT_S) -> None:
    """Forget the cache's key: whatever stays in the cache can no longer be read."""

    def work() -> None:
        check_backend()
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(SERVICE, _cache_account(server, username))

    _with_timeout(work, "removing the audio cache's key", timeout_s)
