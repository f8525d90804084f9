"""PySide6 6.12.0 on Python 3.11 corrupts the refcount of None on every void-returning call (the
process aborts with `none_dealloc` after a few thousand): pyproject.toml keeps 6.11 or older on
Python 3.11, and this test catches a version that does it."""

import sys

from PySide6.QtCore import QObject


def test_void_qt_calls_do_not_eat_none_references() -> None:
    obj = QObject()
    before = sys.getrefcount(None)
    for _ in range(20_000):
        obj.setObjectName("x")  # returns void
    after = sys.getrefcount(None)
    assert after >= before - 100, f"None lost {before - after} references"
