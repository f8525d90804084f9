"""This computer's account password checked through PAM, for a local project's lock.

PAM service `earmark`: where the system has no file of that name (/etc/pam.d/earmark), PAM
uses its `other` service, which on Debian and Ubuntu is the system's usual password check
(pam_unix: /etc/shadow, through its setuid helper for an ordinary user). A site may install
its own file to check something else.
"""

from __future__ import annotations

import getpass

PAM_SERVICE = "earmark"


class AccountError(Exception):
    """str() is a sentence for the person at the keyboard."""


def user() -> str:
    return getpass.getuser()


def check_password(username: str, password: str) -> None:
    """Nothing when `password` is the account's; AccountError otherwise."""
    try:
        import pamela  # type: ignore[import-untyped]  # PAM through ctypes: Linux and macOS
    except (ImportError, OSError) as exc:
        raise AccountError(
            "This computer cannot check its account password (no PAM): a local project's"
            " lock works on Linux and macOS."
        ) from exc
    try:
        pamela.authenticate(username, password, service=PAM_SERVICE)
    except pamela.PAMError as exc:
        raise AccountError(f"Wrong password for {username}.") from exc
