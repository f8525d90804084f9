"""C libraries that talk on standard error: libmpg123 (inside libsndfile) prints its notes and
errors about a damaged MP3 straight to file descriptor 2, past Python. While such a library works,
descriptor 2 goes to a temporary file; what it said is logged at debug level, and the person at
the terminal sees Earmark's one line about the file instead."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)
_lock = threading.RLock()  # descriptor 2 is one per process


@contextmanager
def c_stderr_to_log(name: str) -> Iterator[None]:
    with _lock, tempfile.TemporaryFile() as said:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(said.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            said.seek(0)
            text = said.read(4000).decode("utf-8", "replace").strip()
            if text:
                log.debug("%s: the decoder said: %s", name, " | ".join(text.splitlines()))
