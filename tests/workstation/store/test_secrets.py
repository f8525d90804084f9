"""The refresh token in the real Secret Service (gnome-keyring, started by packaging/test.sh)."""

from __future__ import annotations

import threading

import keyring
import keyring.backend
import pytest
from keyring.backends import fail, null

from app.workstation.store import secrets as s

SERVER = "https://earmark.example"


@pytest.fixture
def secret_service() -> None:
    try:
        s.check_backend()
    except s.KeyringError as exc:
        pytest.fail(f"a real Secret Service is needed (packaging/test.sh starts one): {exc}")


def test_round_trip_and_delete(secret_service: None) -> None:
    s.save_refresh_token(SERVER, "ann", "r-token-1")
    assert s.load_refresh_token(SERVER, "ann") == "r-token-1"
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.SecretService"
    s.save_refresh_token(SERVER, "ann", "r-token-2")  # rotation replaces it
    assert s.load_refresh_token(SERVER, "ann") == "r-token-2"
    s.delete_refresh_token(SERVER, "ann")
    assert s.load_refresh_token(SERVER, "ann") is None
    s.delete_refresh_token(SERVER, "ann")  # twice is fine


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_unsafe_backends_are_refused_with_what_to_install(
    backend: keyring.backend.KeyringBackend,
) -> None:
    with pytest.raises(s.KeyringError, match="gnome-keyring"):
        s.check_backend(backend)


def test_plaintext_backend_is_refused() -> None:
    class FakePlaintextKeyring(keyring.backend.KeyringBackend):
        """Stands in for keyrings.alt's plaintext file backend, which is not installed."""

        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return None

        def set_password(self, service: str, username: str, password: str) -> None:
            return None

        def delete_password(self, service: str, username: str) -> None:
            return None

    with pytest.raises(s.KeyringError):
        s.check_backend(FakePlaintextKeyring())


def test_a_keyring_that_hangs_is_a_message_not_a_freeze(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def fake_blocked_prompt(*_args: object) -> None:  # an unlock prompt nobody answers
        release.wait(5)

    monkeypatch.setattr(keyring, "get_password", fake_blocked_prompt)
    monkeypatch.setattr(s, "check_backend", lambda: None)
    with pytest.raises(s.KeyringError, match="unlock"):
        s.load_refresh_token(SERVER, "ann", timeout_s=0.2)
    release.set()


def test_a_keyring_that_drops_what_it_is_given_is_found_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(s, "check_backend", lambda: None)
    monkeypatch.setattr(keyring, "set_password", lambda *a: None)  # fake: forgets
    monkeypatch.setattr(keyring, "get_password", lambda *a: None)
    with pytest.raises(s.KeyringError, match="did not keep"):
        s.save_refresh_token(SERVER, "ann", "t")
