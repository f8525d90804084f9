"""A recording ready to show and play: a mapped source and its peak pyramids."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from app.audio.peaks import PeakCache, Pyramid, PyramidBuilder, build_pyramids
from app.audio.source import MIX, AudioSource, open_source

SMALL_FRAMES = 16000 * 120  # up to about two minutes, pyramids are built before showing


@dataclass
class Clip:
    path: str
    source: AudioSource
    pyramids: dict[int, Pyramid] = field(default_factory=dict)  # complete ones
    builders: dict[int, PyramidBuilder] = field(default_factory=dict)  # while building

    @property
    def sample_rate_hz(self) -> int:
        return self.source.rate

    @property
    def channels(self) -> int:
        return self.source.channels

    @property
    def duration_s(self) -> float:
        return len(self.source) / self.source.rate

    @property
    def complete(self) -> bool:
        return not self.builders

    def pyramid(self, channel: int = MIX) -> Pyramid:
        """The whole pyramid, or what is built so far."""
        if channel in self.pyramids:
            return self.pyramids[channel]
        if channel in self.builders:
            return self.builders[channel].snapshot()
        return self.pyramid(MIX)

    def finish(self) -> None:
        """The builders are done: keep their pyramids."""
        self.pyramids.update({ch: b.snapshot() for ch, b in self.builders.items()})
        self.builders = {}

    def build(self, cache: PeakCache) -> bool:
        done = build_pyramids(
            Path(self.path), len(self.source), self.source.read_all_channels, self.builders, cache
        )
        if done:
            self.finish()
        return done


def prepare_clip(
    path: str, peak_cache: PeakCache, decode_cache: Path, key: bytes | None = None
) -> Clip:
    """Open (mapped or decoded once) and find or start the pyramids: runs off the GUI thread.

    A short recording comes back complete; a long one comes back with builders that
    `Clip.build` fills, so the waveform can be drawn while they fill.
    """
    source = open_source(Path(path), decode_cache, key=key)
    clip = Clip(path, source)
    cached = peak_cache.lookup(Path(path))
    if cached is not None and MIX in cached:
        clip.pyramids = cached
        return clip
    channels = [MIX] + (list(range(source.channels)) if source.channels > 1 else [])
    clip.builders = {ch: PyramidBuilder(len(source)) for ch in channels}
    if len(source) <= SMALL_FRAMES:
        clip.build(peak_cache)
    return clip


class ClipCache:
    """The few most recent clips, so the next item is ready when the annotator submits."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._clips: OrderedDict[str, Clip] = OrderedDict()

    def values(self) -> list[Clip]:
        return list(self._clips.values())

    def get(self, path: str) -> Clip | None:
        clip = self._clips.get(path)
        if clip is not None:
            self._clips.move_to_end(path)
        return clip

    def put(self, clip: Clip) -> None:
        self._clips[clip.path] = clip
        self._clips.move_to_end(clip.path)
        while len(self._clips) > self.size:
            self._clips.popitem(last=False)
