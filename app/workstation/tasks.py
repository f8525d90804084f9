"""QtRunner: the one way off the GUI thread (`background`: work that takes and returns plain
values and never touches a widget), and the single database writer (`write`, one thread, in
order); results come back on the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Bridge(QObject):
    """Lives on the GUI thread; a queued signal carries results back to it."""

    finished = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.finished.connect(self._deliver)

    @staticmethod
    def _deliver(call: Callable[[], None]) -> None:
        call()


class QtRunner:
    """Background work on a small pool; database writes on one writer thread, in order."""

    def __init__(self, workers: int = 2) -> None:
        self._bridge = _Bridge()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="earmark-bg")
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="earmark-db")
        self._closed = False

    def _submit(
        self,
        pool: ThreadPoolExecutor,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_fail: Callable[[BaseException], None],
    ) -> None:
        if self._closed:
            log.debug("runner closed; dropped late work")  # the window is gone
            return

        def finished(fut: Future[T]) -> None:
            exc = fut.exception()
            if exc is not None:
                self._bridge.finished.emit(lambda: self._unless_closed(on_fail, exc))
            else:
                result = fut.result()
                self._bridge.finished.emit(lambda: self._unless_closed(on_done, result))

        pool.submit(work).add_done_callback(finished)

    def _unless_closed(self, callback: Callable[[Any], None], value: Any) -> None:
        """A result that arrives after shutdown finds no window and no store: drop it."""
        if not self._closed:
            callback(value)

    def background(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_fail: Callable[[BaseException], None],
    ) -> None:
        """`work` takes and returns plain values and never touches widgets or the editor."""
        self._submit(self._pool, work, on_done, on_fail)

    def write(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_fail: Callable[[BaseException], None],
    ) -> None:
        self._submit(self._writer, work, on_done, on_fail)

    def after_writes(self, then: Callable[[], None]) -> None:
        """`then` on the GUI thread once every write handed to the writer before this call has
        committed (the writer takes them in order): what reads the store afterwards, such as a
        sync pass, finds them there."""
        self.write(lambda: None, lambda _none: then(), log_failure("waiting for the writer"))

    def drain(self) -> None:
        """Wait for queued writes (on quit), so nothing acknowledged is left behind."""
        if not self._closed:
            self._writer.submit(lambda: None).result()

    def shutdown(self) -> None:
        self._closed = True
        self._writer.shutdown(wait=True)
        self._pool.shutdown(wait=False, cancel_futures=True)


def log_failure(what: str) -> Callable[[BaseException], Any]:
    def fail(exc: BaseException) -> None:
        log.error("%s failed: %s", what, exc)

    return fail
