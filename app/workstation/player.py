"""Playback: one long-lived QAudioSink in pull mode per sample rate, fed by a QIODevice of ours.

Restarting a pull-mode sink stalls for up to seconds on PulseAudio, so the sink keeps running and
the source serves silence while paused: a key press changes what the next read returns. The
playhead is the device clock (processed frames) mapped back through the play markers; the GUI
polls it on a timer and nothing here emits signals from the audio path.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QIODevice, QObject, Signal
from PySide6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices, QtAudio

from app.audio.load import AudioError
from app.audio.source import MIX, AudioSource
from app.audio.stretch import MAX_SPEED, MIN_SPEED, WsolaStream

log = logging.getLogger(__name__)
F32 = npt.NDArray[np.float32]
BUFFER_S = 0.1  # device buffer
SPEED_STEPS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0)


@dataclass
class Marker:
    """Output frame `out0` is input frame `in0`; output advances input by `speed` per frame."""

    out0: int
    in0: int
    speed: float
    start: int
    end: int
    loop: bool
    out_end: int | None = None
    in_end: float | None = None


class SampleSource(QIODevice):
    """Serves int16 mono frames: the requested range at the requested speed, else silence."""

    def __init__(self, source: AudioSource, channel: int = MIX) -> None:
        super().__init__()
        self.source = source
        self.channel = channel
        self.rate = source.rate
        self.served_out = 0
        self.markers: list[Marker] = []
        self.tap: list[F32] | None = None  # tests record what went to the sink
        # measuring drift: (output frame, input frame playing there, advancing at the speed)
        self.trace: list[tuple[int, float]] | None = None
        self._stream_trace: list[tuple[int, int]] = []
        self._stream_out0 = 0
        self._lock = threading.Lock()
        self._pending: Marker | None = None
        self._current: Marker | None = None
        self._cursor = 0
        self._stream: WsolaStream | None = None
        self._stop_requested = False
        self.failure: str | None = None

    def traced(self) -> list[tuple[int, float]]:
        """The trace, with the time-stretcher's frames in device output frames."""
        at_1x = list(self.trace or [])
        stretched = [(self._stream_out0 + o, float(i)) for o, i in self._stream_trace]
        return sorted(at_1x + stretched)

    # -- requests from the GUI thread ---------------------------------------------------------
    def set_source(self, source: AudioSource, channel: int = MIX) -> None:
        """Another recording at the same rate: the running stream carries on with it."""
        with self._lock:
            self._pending = None
            self._finish()
            self.source, self.channel = source, channel
            self.markers.clear()

    def set_channel(self, channel: int) -> None:
        with self._lock:
            self.channel = channel

    @property
    def frames(self) -> int:
        return len(self.source)

    def _read(self, start: int, n: int) -> F32:
        try:
            return self.source.read(start, n, self.channel)
        except AudioError as exc:  # a damaged cached recording: silence, never a dead stream
            if self.failure is None:
                self.failure = str(exc)
                log.warning("playback: %s", exc)
            return np.zeros(max(0, min(n, self.frames - start)), dtype=np.float32)

    def request_play(self, start: int, end: int, loop: bool, speed: float) -> None:
        start, end = max(0, start), min(self.frames, end)
        with self._lock:
            self._pending = Marker(-1, start, speed, start, end, loop and end > start)
            self._stop_requested = False

    def request_stop(self) -> None:
        with self._lock:
            self._pending = None
            self._stop_requested = True

    @property
    def active(self) -> bool:
        """Playing, or about to: false from the moment a stop is asked for."""
        with self._lock:
            if self._stop_requested:
                return False
            return self._pending is not None or self._current is not None

    # -- the sink's side -----------------------------------------------------------------------
    def _begin(self, m: Marker) -> None:
        m.out0 = self.served_out
        self._cursor = m.in0
        self._stream = None if m.speed == 1.0 else self._new_stream(m, m.in0)
        if self._stream is not None and self.trace is not None:
            self._stream.frames_taken = self._stream_trace = []
            self._stream_out0 = m.out0
        self._current = m
        self.markers.append(m)
        del self.markers[:-8]

    def _new_stream(self, m: Marker, at: int) -> WsolaStream:
        def read(s: int, n: int) -> F32:
            s = max(m.start, s)
            return self._read(s, max(0, min(m.end, s + n) - s))

        return WsolaStream(read, self.rate, at, m.speed)

    def _input_reached(self) -> float:
        if self._stream is not None:
            return self._stream.source_position
        return float(self._cursor)

    def _finish(self) -> None:
        m = self._current
        if m is not None:
            m.out_end = self.served_out
            m.in_end = min(float(m.end), self._input_reached())
        self._current = None
        self._stream = None

    def _audio(self, n: int) -> tuple[F32, bool]:
        """Up to n frames of the current range, and whether the range is exhausted."""
        m = self._current
        assert m is not None
        if self._stream is None:
            chunk = self._read(self._cursor, max(0, min(m.end, self._cursor + n) - self._cursor))
            self._cursor += len(chunk)
            return chunk, self._cursor >= m.end
        left = int((m.end - self._stream.source_position) / m.speed)
        return self._stream.read(max(0, min(n, left))), left <= n

    def readData(self, maxlen: int) -> bytes:  # noqa: N802 - Qt's name
        want = maxlen // 2
        parts: list[F32] = []
        have = 0
        with self._lock:
            if self._stop_requested:
                self._finish()
                self._stop_requested = False
            if self._pending is not None:
                self._finish()
                self._begin(self._pending)
                self._pending = None
            while have < want and self._current is not None:
                m = self._current
                chunk, done = self._audio(want - have)
                parts.append(chunk)
                have += len(chunk)
                self.served_out += len(chunk)
                if done:
                    self._finish()
                    if m.loop:
                        self._begin(Marker(-1, m.start, m.speed, m.start, m.end, True))
            if self.trace is not None and self._current is not None and self._stream is None:
                self.trace.append((self.served_out, float(self._cursor)))
            if have < want:
                parts.append(np.zeros(want - have, dtype=np.float32))
                self.served_out += want - have
        out = np.concatenate(parts) if len(parts) > 1 else parts[0]
        if self.tap is not None:
            self.tap.append(out.copy())
        return (np.clip(out, -1.0, 1.0) * 32767).astype("<i2").tobytes()

    @property
    def has_pending(self) -> bool:
        with self._lock:
            return self._pending is not None

    def position_at(self, consumed_out: int) -> float | None:
        """Input frame heard at output frame `consumed_out`, from the newest range served."""
        with self._lock:
            for m in reversed(self.markers):
                if m.out0 > consumed_out and m is not self.markers[0]:
                    continue  # not reached the speaker yet; an older range is still heard
                if m.out0 > consumed_out:
                    return float(m.in0)
                if m.out_end is not None and consumed_out >= m.out_end:
                    return m.in_end
                return min(m.in0 + (consumed_out - m.out0) * m.speed, float(m.end))
        return None

    def writeData(  # noqa: N802 - Qt's name
        self, data: bytes | bytearray | memoryview, length: int = 0, /
    ) -> int:
        return -1

    def bytesAvailable(self) -> int:  # noqa: N802 - Qt's name
        return 1 << 16

    def isSequential(self) -> bool:  # noqa: N802 - Qt's name
        return True


class Player(QObject):
    state_changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.devices = QMediaDevices()
        self._sink: QAudioSink | None = None
        self._source: SampleSource | None = None
        self._rest_s = 0.0  # where the playhead rests while nothing plays
        self._range_s = (0.0, 0.0)
        self.speed = 1.0
        self.loop = False
        self.rewind_on_pause_s = 0.0
        self.error = ""
        self._settled: Marker | None = None

    @property
    def available(self) -> bool:
        return not self.devices.defaultAudioOutput().isNull()

    @staticmethod
    def unavailable_reason() -> str:
        return (
            "No sound output device: Earmark cannot play audio. Annotation still works; "
            "connect headphones or start the sound server (PulseAudio or PipeWire)."
        )

    @property
    def source(self) -> SampleSource | None:
        return self._source

    @property
    def duration_s(self) -> float:
        return 0.0 if self._source is None else self._source.frames / self._source.rate

    def set_audio(self, source: AudioSource, channel: int = MIX) -> None:
        """New recording. The stream is kept when the rate is the same: a new one starts late."""
        if self._source is not None and self._source.rate == source.rate:
            self._source.set_source(source, channel)
        else:
            self._release_sink()
            self._source = SampleSource(source, channel)
            if self.available:
                self._start_sink()
        self._rest_s = 0.0
        self._settled = None
        self.state_changed.emit()

    def _start_sink(self) -> None:
        src = self._source
        assert src is not None
        fmt = QAudioFormat()
        fmt.setSampleRate(src.rate)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        sink = QAudioSink(self.devices.defaultAudioOutput(), fmt, self)
        sink.setBufferSize(int(src.rate * 2 * BUFFER_S))
        src.open(QIODevice.OpenModeFlag.ReadOnly | QIODevice.OpenModeFlag.Unbuffered)
        sink.start(src)
        if sink.error() != QtAudio.Error.NoError:
            self.error = f"The sound device refused to start ({sink.error().name})."
            log.warning(self.error)
        self._sink = sink

    @property
    def flowing(self) -> bool:
        """The device is consuming the stream (a fresh stream can take a moment to start)."""
        return self.consumed_frames() > 0.06 * (self._source.rate if self._source else 1)

    def _release_sink(self) -> None:
        if self._sink is not None:
            sink, self._sink = self._sink, None
            sink.stop()
            sink.deleteLater()
        if self._source is not None and self._source.isOpen():
            self._source.close()

    def shutdown(self) -> None:
        self._release_sink()

    @property
    def playing(self) -> bool:
        return self._source is not None and self._source.active

    def play(self, start_s: float, end_s: float | None = None) -> bool:
        """Play from start_s to end_s (or the end); False with `error` set if it cannot."""
        src = self._source
        if src is None:
            return False
        if self._sink is None:
            self.error = self.unavailable_reason()
            self.state_changed.emit()
            return False
        start_s = max(0.0, min(start_s, self.duration_s))
        stop_s = self.duration_s if end_s is None else min(end_s, self.duration_s)
        self._range_s = (start_s, stop_s)
        self._rest_s = start_s
        src.request_play(
            int(start_s * src.rate),
            int(stop_s * src.rate),
            self.loop and end_s is not None,
            self.speed,
        )
        self.error = ""
        self.state_changed.emit()
        return True

    def consumed_frames(self) -> int:
        """Output frames the device has played: the audio clock."""
        if self._sink is None or self._source is None:
            return 0
        return int(self._sink.processedUSecs() * self._source.rate / 1_000_000)

    def position_s(self) -> float:
        """The playhead: while playing, the device clock mapped to the recording."""
        return self.clock()[1]

    def clock(self) -> tuple[int, float]:
        """The device clock (frames played) and the playhead it gives, from one reading."""
        consumed = self.consumed_frames()
        return consumed, self._position_at(consumed)

    def _position_at(self, consumed: int) -> float:
        src = self._source
        if src is None:
            return 0.0
        if src.active:
            if src.has_pending:
                return self._rest_s
            pos = src.position_at(consumed)
            return self._rest_s if pos is None else pos / src.rate
        m = src.markers[-1] if src.markers else None
        if m is not None and m is not self._settled and m.in_end is not None:
            self._settled = m
            if not m.loop and m.in_end >= m.end - 1:
                self._rest_s = m.end / src.rate  # played to the end of its range
        return self._rest_s

    def pause(self) -> None:
        src = self._source
        if src is None or not src.active:
            return
        at = self.position_s()
        self._rest_s = max(0.0, at - self.rewind_on_pause_s)
        src.request_stop()
        self.state_changed.emit()

    def seek(self, t_s: float) -> None:
        t_s = max(0.0, min(t_s, self.duration_s))
        if self.playing:
            self.play(t_s)
        else:
            self._rest_s = t_s
            self.state_changed.emit()

    def set_channel(self, channel: int) -> None:
        """Listen to one channel (0, 1, ...) or the mix (MIX); playback carries on."""
        if self._source is not None:
            self._source.set_channel(channel)
        self.state_changed.emit()

    @property
    def channel(self) -> int:
        return MIX if self._source is None else self._source.channel

    def set_speed(self, speed: float) -> None:
        self.speed = float(min(MAX_SPEED, max(MIN_SPEED, speed)))
        if self.playing:
            self.play(self.position_s(), self._range_s[1] if self.loop else None)
        self.state_changed.emit()

    def step_speed(self, direction: int) -> None:
        k = min(range(len(SPEED_STEPS)), key=lambda i: abs(SPEED_STEPS[i] - self.speed))
        self.set_speed(SPEED_STEPS[max(0, min(len(SPEED_STEPS) - 1, k + direction))])

    def stop(self) -> None:
        if self._source is not None:
            self._source.request_stop()
        self.state_changed.emit()
