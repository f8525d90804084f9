"""USB transcription foot pedals of the VEC/Infinity IN-USB kind, read as HID devices.

They are not keyboards: each report is one byte, a bitmask of the pedals held (left 1, centre 2,
right 4). A worker thread reads reports, turns changes into press/release events, and survives
the pedal being unplugged and plugged back in. No Qt here: the caller moves events to its GUI.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntFlag
from typing import Any, Protocol

log = logging.getLogger(__name__)

KNOWN_PEDALS = ((0x05F3, 0x00FF),)  # VEC/Infinity IN-USB-1/2/3
REPORT_SIZE = 8
READ_TIMEOUT_MS = 200
REOPEN_EVERY_S = 1.0


class Pedal(IntFlag):
    LEFT = 1
    CENTRE = 2
    RIGHT = 4


@dataclass(frozen=True, slots=True)
class PedalEvent:
    pedal: Pedal
    pressed: bool


def decode(previous: int, report: bytes | list[int]) -> tuple[int, list[PedalEvent]]:
    """The new mask and the presses and releases since the previous one, in pedal order."""
    if not report:
        return previous, []
    mask = report[0] & (Pedal.LEFT | Pedal.CENTRE | Pedal.RIGHT)
    changed = previous ^ mask
    events = [
        PedalEvent(p, bool(mask & p))
        for p in (Pedal.LEFT, Pedal.CENTRE, Pedal.RIGHT)
        if changed & p
    ]
    return mask, events


class PedalDevice(Protocol):
    def read(self, size: int, timeout_ms: int) -> list[int]: ...

    def close(self) -> None: ...


class _HidDevice:
    def __init__(self, dev: Any) -> None:
        self._dev = dev

    def read(self, size: int, timeout_ms: int) -> list[int]:
        return list(self._dev.read(size, timeout_ms))

    def close(self) -> None:
        self._dev.close()


def open_hid_pedal() -> PedalDevice | None:
    """The first known pedal through hidapi, or None (none plugged in, no access, no hidapi)."""
    try:
        import hid  # hidapi
    except ImportError:
        return None
    for vendor, product in KNOWN_PEDALS:
        try:
            dev = hid.device()
            dev.open(vendor, product)
        except (OSError, ValueError):
            continue
        return _HidDevice(dev)
    return None


class PedalReader:
    """Reads on its own thread; `on_event` is called from that thread."""

    def __init__(
        self,
        on_event: Callable[[PedalEvent], None],
        open_device: Callable[[], PedalDevice | None] = open_hid_pedal,
        on_status: Callable[[bool], None] | None = None,
    ) -> None:
        self.on_event = on_event
        self.open_device = open_device
        self.on_status = on_status or (lambda _connected: None)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="earmark-pedal", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _set_connected(self, value: bool) -> None:
        if value != self.connected:
            self.connected = value
            self.on_status(value)

    def _run(self) -> None:
        dev: PedalDevice | None = None
        mask = 0
        while not self._stop.is_set():
            if dev is None:
                dev = self.open_device()
                if dev is None:
                    self._stop.wait(REOPEN_EVERY_S)
                    continue
                mask = 0
                self._set_connected(True)
            try:
                report = dev.read(REPORT_SIZE, READ_TIMEOUT_MS)
            except (OSError, ValueError) as exc:
                log.info("foot pedal gone (%s); waiting for it to come back", exc)
                # released whatever was held, so no playback is left running
                for p in Pedal:
                    if mask & p:
                        self.on_event(PedalEvent(p, False))
                dev.close()
                dev, mask = None, 0
                self._set_connected(False)
                continue
            mask, events = decode(mask, report)
            for e in events:
                self.on_event(e)
        if dev is not None:
            dev.close()
