"""Foot pedals: decoding, and a reader that survives unplugging, with a fake HID device."""

from __future__ import annotations

import queue
import threading
import time

from app.workstation.pedals import Pedal, PedalEvent, PedalReader, decode


class FakePedalDevice:
    """Replays reports the test puts in; "unplug" raises as hidapi does when it is pulled out."""

    def __init__(self) -> None:
        self.reports: queue.Queue[list[int] | str] = queue.Queue()
        self.closed = False

    def read(self, size: int, timeout_ms: int) -> list[int]:
        try:
            item = self.reports.get(timeout=timeout_ms / 1000)
        except queue.Empty:
            return []
        if item == "unplug":
            raise OSError("read error")
        assert isinstance(item, list)
        return item

    def close(self) -> None:
        self.closed = True


def test_decode_presses_and_releases() -> None:
    mask, events = decode(0, [2, 0, 0, 0, 0, 0, 0, 0])
    assert mask == 2 and events == [PedalEvent(Pedal.CENTRE, True)]
    mask, events = decode(mask, [5])
    assert events == [
        PedalEvent(Pedal.LEFT, True),
        PedalEvent(Pedal.CENTRE, False),
        PedalEvent(Pedal.RIGHT, True),
    ]
    assert decode(mask, []) == (mask, [])
    assert decode(0, [0xF8]) == (0, [])  # unknown bits ignored


def wait_for(cond, timeout_s: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout_s
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def test_reader_survives_unplug_and_replug() -> None:
    first, second = FakePedalDevice(), FakePedalDevice()
    plugged: list[FakePedalDevice | None] = [first, None, second]
    events: list[PedalEvent] = []
    status: list[bool] = []
    lock = threading.Lock()

    def open_device() -> FakePedalDevice | None:
        with lock:
            return plugged.pop(0) if plugged else None

    reader = PedalReader(events.append, open_device, status.append)
    import app.workstation.pedals as pedals

    old = pedals.REOPEN_EVERY_S
    pedals.REOPEN_EVERY_S = 0.05
    try:
        reader.start()
        first.reports.put([2])  # centre down
        first.reports.put("unplug")  # pulled out while held
        wait_for(lambda: status == [True, False])
        assert events == [PedalEvent(Pedal.CENTRE, True), PedalEvent(Pedal.CENTRE, False)]
        assert first.closed
        wait_for(lambda: status == [True, False, True])
        second.reports.put([1])
        second.reports.put([0])
        wait_for(lambda: len(events) == 4)
        assert events[2:] == [PedalEvent(Pedal.LEFT, True), PedalEvent(Pedal.LEFT, False)]
    finally:
        reader.stop()
        pedals.REOPEN_EVERY_S = old
    assert second.closed
