"""Run by test_durability: the editor, the real store and the app's writer thread, editing fast.

Prints "SAVED task rev digest" each time the window would show "Saved", flushed, so the test
knows exactly what was acknowledged when it kills this process.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import random
import signal
import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer

from app.model import annotation as ops
from app.model.annotation import Annotation, Flag
from app.model.task import Task
from app.workstation.editor import Editor
from app.workstation.store.db import Saved, SessionState, Store
from app.workstation.tasks import QtRunner


def die_with_parent() -> None:
    """Killed when the test that started it goes (a suite stopped half way left two drivers
    editing for an hour): Linux's PR_SET_PDEATHSIG."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG


def digest(a: Annotation) -> str:
    return hashlib.sha256(json.dumps(a.to_json(), sort_keys=True).encode()).hexdigest()[:16]


class FakeAckBeforeCommitStore(Store):
    """Deliberately broken: acknowledges at once and commits a while later, in batches."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._later: list[tuple[str, int, Annotation, SessionState | None]] = []
        self._mutex = threading.Lock()
        threading.Thread(target=self._flusher, daemon=True).start()

    def save_annotation(
        self, task_id: str, rev: int, annotation: Annotation, session: SessionState | None = None
    ) -> Saved:
        with self._mutex:
            self._later.append((task_id, rev, annotation, session))
        return Saved(task_id, rev)

    def _flusher(self) -> None:
        while True:
            time.sleep(0.05)
            with self._mutex:
                batch, self._later = self._later, []
            for args in batch:
                super().save_annotation(*args)


def main() -> None:
    die_with_parent()
    db, seed, mode = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    app = QCoreApplication(sys.argv)
    store = FakeAckBeforeCommitStore(db) if mode == "broken" else Store(db)
    if not store.tasks():
        store.upsert_tasks(
            [
                Task(f"t{k}", f"/nowhere/{k}.wav", 4.0, 16000, 1, "play some jazz", None, (), k)
                for k in range(3)
            ]
        )
    runner = QtRunner()
    editor = Editor(store, runner)
    rng = random.Random(seed)
    shown: dict[str, int] = {}

    def on_save_state() -> None:
        task, a = editor.task, editor.annotation
        if task is None or a is None or not editor.is_saved or editor.saved_rev == 0:
            return  # rev 0 is an untouched item: nothing was edited, nothing to save
        if shown.get(task.id) != editor.saved_rev:
            shown[task.id] = editor.saved_rev
            print(f"SAVED {task.id} {editor.saved_rev} {digest(a)}", flush=True)

    editor.save_state_changed.append(on_save_state)
    editor.resume()
    words = ["play", "some", "jazz", "in", "the", "kitchen", "[noise]", "um", "please"]

    def edit() -> None:
        a = editor.annotation
        assert a is not None
        r = rng.random()
        if r < 0.6:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
            editor.apply("Typing", ops.set_text, editor.segment, text)
        elif r < 0.75:
            editor.apply("Flag", ops.toggle_flag, rng.choice(list(Flag)))
        elif r < 0.85:
            editor.apply("Intent", ops.set_intent, rng.choice(["play_music", "weather_query"]))
        elif r < 0.92 and len(a.segments) < 6:
            editor.apply("Split", ops.split_segment, rng.uniform(0.1, 3.9), None)
        elif r < 0.96:
            editor.open_task(rng.randrange(3))
        else:
            editor.undo()

    timer = QTimer()
    timer.timeout.connect(edit)
    timer.start(1)
    print("READY", flush=True)
    app.exec()


if __name__ == "__main__":
    main()
