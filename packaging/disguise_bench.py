"""What the McAdams voice disguise (app/audio/disguise.py) does to speech, figures D1-D4.

    .venv/bin/python packaging/disguise_bench.py            8 voices x 8 sentences (2-3 min)
    .venv/bin/python packaging/disguise_bench.py --short    2 voices x 2 sentences: checks it works

On recordings it makes with espeak-ng (16 kHz mono), each with its own alpha drawn from
--alpha with --seed: D1 PocketSphinx's word error rate before and after; D2 whether a
nearest-centroid speaker classifier on MFCC statistics still finds the voice; D3 how far F1, F2
and F0 moved, measured by Praat (parselmouth), not by our code; D4 the time to disguise a minute.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `app` from a checkout

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402
import parselmouth  # type: ignore[import-not-found]  # noqa: E402  # compiled, no stubs
import soundfile as sf  # noqa: E402
from scipy.signal import resample_poly  # noqa: E402

from app.audio.disguise import disguise  # noqa: E402
from app.audio.pauses import speech_spans  # noqa: E402
from app.audio.peaks import compute_pyramid  # noqa: E402
from app.audio.recognise import Recogniser  # noqa: E402
from app.server.quality import word_errors  # noqa: E402

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
RATE_HZ = 16000
VOICES = (  # voices that differ in timbre, not only in accent (en-us and en-gb do not)
    "en-us",
    "en-us+f2",
    "en-us+m3",
    "en+f4",
    "en-gb-x-rp+m7",
    "en-us+klatt",
    "en-gb-scotland+f3",
    "en-us+m5",
)
SENTENCES = (
    "set an alarm for seven in the morning",
    "what is the weather like in london today",
    "turn off the lights in the kitchen",
    "call my mother on her mobile phone",
    "play some music in the living room",
    "remind me to buy milk tomorrow",
    "how long does it take to drive to work",
    "what time is it in new york",
)
EDGE_S = 0.4  # quiet before and after each sentence, as in a recorded request
NOISE = 0.002  # a little noise under a 0.5 peak: espeak-ng's silence is digital zeros


@dataclass(frozen=True, slots=True)
class Take:
    """One voice saying one sentence, and its disguise."""

    voice: int
    sentence: int
    alpha: float
    original: F32
    disguised: F32


Row = tuple[str, str, str, str]
Segments = list[tuple[float, float, str]]
_recogniser: list[Recogniser] = []  # one per decoding process, made on its first recording


def row(did: str, what: str, figure: str, note: str = "") -> Row:
    return did, what, figure, note


def said(voice: str, text: str, wav: Path, seed: int) -> F32:
    """espeak-ng's recording at 16 kHz, quiet at both ends, peak 0.5, with a little noise."""
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True, timeout=60)
    x, rate = sf.read(str(wav), dtype="float64")
    g = math.gcd(RATE_HZ, rate)
    x = resample_poly(x, RATE_HZ // g, rate // g)
    edge = np.zeros(int(EDGE_S * RATE_HZ))
    x = np.concatenate((edge, 0.5 * x / np.abs(x).max(), edge))
    x += np.random.default_rng(seed).normal(0, NOISE, len(x))
    return x.astype(np.float32)


def make_takes(
    voices: Sequence[str], sentences: Sequence[str], alphas: tuple[float, float], seed: int
) -> list[Take]:
    rng = np.random.default_rng(seed)
    jobs = [(v, s) for v in range(len(voices)) for s in range(len(sentences))]
    alpha = rng.uniform(*alphas, size=len(jobs))
    with (
        tempfile.TemporaryDirectory(prefix="earmark-disguise-") as tmp,
        ThreadPoolExecutor(2) as ex,
    ):

        def one(job: tuple[int, int]) -> F32:
            v, s = job
            return said(
                voices[v], sentences[s], Path(tmp) / f"{v}-{s}.wav", seed * 1000 + v * 10 + s
            )

        xs = list(ex.map(one, jobs))
    return [
        Take(v, s, float(a), x, disguise(x, RATE_HZ, float(a)))
        for (v, s), a, x in zip(jobs, alpha, xs, strict=True)
    ]


def drafted(x: F32) -> Segments:
    """PocketSphinx's words (the project's draft), decoded in the speech spans that the
    waveform's peaks show: one segment per stretch of speech."""
    if not _recogniser:
        _recogniser.append(Recogniser())
    base = compute_pyramid(x).levels[0]
    spans = speech_spans(base.mins, base.maxs, base.block, RATE_HZ)
    draft = _recogniser[0].draft(lambda first, n: x[first : first + n], RATE_HZ, spans)
    return [(s.start_s, s.end_s, s.text) for s in draft or ()]


def start_drafts(takes: Sequence[Take], pool: ProcessPoolExecutor) -> list[Future[Segments]]:
    """One recording per voice and version (original, disguised): its sentences one after
    another, each between its own quiet edges, decoded as the project decodes a recording
    (the decoder learns the recording's level from its first stretch of speech)."""
    out = []
    for v in sorted({t.voice for t in takes}):
        mine = [t for t in takes if t.voice == v]
        for pick in (_original, _disguised):
            out.append(pool.submit(drafted, np.concatenate([pick(t) for t in mine])))
    return out


def _original(t: Take) -> F32:
    return t.original


def _disguised(t: Take) -> F32:
    return t.disguised


def heard_per_take(takes: Sequence[Take], drafts: list[Future[Segments]]) -> list[list[str]]:
    """What was heard in each take, [original, disguised]: each segment goes to the take that
    holds its middle."""
    out: list[list[str]] = [["", ""] for _ in takes]
    done = iter(drafts)
    for v in sorted({t.voice for t in takes}):
        mine = [k for k, t in enumerate(takes) if t.voice == v]
        ends = np.cumsum([len(takes[k].original) for k in mine]) / RATE_HZ
        for version in (0, 1):
            for a, b, text in next(done).result():
                k = mine[min(len(mine) - 1, int(np.searchsorted(ends, (a + b) / 2)))]
                out[k][version] = f"{out[k][version]} {text}".strip()
    return out


def bench_wer(
    takes: Sequence[Take],
    sentences: Sequence[str],
    heard: list[list[str]],
    alphas: tuple[float, float],
) -> list[Row]:
    errors = np.array(
        [
            [word_errors(sentences[t.sentence], h)[0] for h in hs]
            for t, hs in zip(takes, heard, strict=True)
        ]
    )
    words = np.array([len(sentences[t.sentence].split()) for t in takes])
    alpha = np.array([t.alpha for t in takes])
    rows = []
    for k, label in enumerate(("original", "disguised")):
        e, w = int(errors[:, k].sum()), int(words.sum())
        rows.append(
            row(
                "D1",
                f"PocketSphinx word error rate, {label}",
                _pct(e / w),
                f"{e} errors in {w} words",
            )
        )
    for label, sel in buckets(alpha, alphas):
        e, w = errors[sel].sum(axis=0), words[sel].sum()
        rows.append(
            row(
                "D1",
                f"word error rate, disguised, {label}",
                _pct(e[1] / w),
                f"original of the same: {_pct(e[0] / w)}",
            )
        )
    return rows


def buckets(alpha: F64, alphas: tuple[float, float]) -> list[tuple[str, npt.NDArray[np.bool_]]]:
    """The takes with the lower and with the higher half of the alphas drawn."""
    lo, hi = alphas
    mid = (lo + hi) / 2
    out = [(f"alpha {lo:.2f}-{mid:.2f}", alpha < mid), (f"alpha {mid:.2f}-{hi:.2f}", alpha >= mid)]
    return [(f"{label} (n={int(sel.sum())})", sel) for label, sel in out if sel.any()]


def _pct(share: float) -> str:
    return f"{100 * share:.1f} %"


def voiced_mask(sound: parselmouth.Sound, times: F64) -> npt.NDArray[np.bool_]:
    """Which of `times` Praat's pitch tracker finds voiced."""
    pitch = sound.to_pitch()
    f0 = pitch.selected_array["frequency"]
    return np.asarray(np.interp(times, pitch.xs(), (f0 > 0).astype(float)) > 0.5)


def mfcc_stats(x: F32) -> F64:
    """Mean and standard deviation of MFCC 1-12 over voiced frames: the voice, not the level."""
    sound = parselmouth.Sound(x.astype(np.float64), RATE_HZ)
    mfcc = sound.to_mfcc(number_of_coefficients=12)
    c = np.asarray(mfcc.to_array(), dtype=np.float64)[1:]  # c0 is loudness
    keep = voiced_mask(sound, np.asarray(mfcc.xs()))
    c = c[:, keep] if keep.sum() >= 10 else c
    return np.concatenate((c.mean(axis=1), c.std(axis=1)))


def identified(enrol: Sequence[tuple[int, F64]], test: Sequence[tuple[int, F64]]) -> float:
    """Share of `test` whose nearest voice centroid (features z-scored by the enrolment set's
    mean and deviation, Euclidean distance) is its own voice."""
    feats = np.stack([f for _, f in enrol])
    mean, std = feats.mean(axis=0), feats.std(axis=0) + 1e-9
    labels = np.array([v for v, _ in enrol])
    voices = sorted(set(labels.tolist()))
    centroids = np.stack([((feats[labels == v] - mean) / std).mean(axis=0) for v in voices])
    right = 0
    for v, f in test:
        d = np.linalg.norm(centroids - (f - mean) / std, axis=1)
        right += voices[int(np.argmin(d))] == v
    return right / len(test)


def bench_speaker(takes: Sequence[Take], n_voices: int, n_sentences: int) -> list[Row]:
    """Each voice enrolled on the first half of its sentences, tested on the rest."""
    half = (n_sentences + 1) // 2
    orig = {(t.voice, t.sentence): (t.voice, mfcc_stats(t.original)) for t in takes}
    dis = {(t.voice, t.sentence): (t.voice, mfcc_stats(t.disguised)) for t in takes}
    enrol = [k for k in orig if k[1] < half]
    test = [k for k in orig if k[1] >= half]
    note = f"{len(test)} tests, {len(enrol)} enrolments"
    cases = (
        ("original enrolment and test (baseline)", orig, orig),
        ("original enrolment, disguised test (ignorant)", orig, dis),
        ("disguised enrolment and test (lazy-informed)", dis, dis),
    )
    rows = [
        row(
            "D2",
            f"speaker identified, {what}",
            _pct(identified([e[k] for k in enrol], [t[k] for k in test])),
            note,
        )
        for what, e, t in cases
    ]
    return [
        *rows,
        row("D2", f"speaker identified by chance ({n_voices} voices)", _pct(1 / n_voices)),
    ]


def praat_medians(x: F32) -> tuple[float, float, float]:
    """Median F1, F2 and F0 over the frames Praat finds voiced."""
    sound = parselmouth.Sound(x.astype(np.float64), RATE_HZ)
    pitch = sound.to_pitch()
    f0 = pitch.selected_array["frequency"]
    times = np.asarray(pitch.xs())[f0 > 0]
    formant = sound.to_formant_burg(time_step=0.01, max_number_of_formants=5, maximum_formant=5500)
    f1 = np.array([formant.get_value_at_time(1, t) for t in times])
    f2 = np.array([formant.get_value_at_time(2, t) for t in times])
    return float(np.nanmedian(f1)), float(np.nanmedian(f2)), float(np.median(f0[f0 > 0]))


def predicted(f_hz: float, alpha: float) -> float:
    """Where the McAdams coefficient sends a resonance: its angle raised to alpha."""
    return float((2 * np.pi * f_hz / RATE_HZ) ** alpha * RATE_HZ / (2 * np.pi))


def bench_formants(takes: Sequence[Take], alphas: tuple[float, float]) -> list[Row]:
    """Praat's median F1, F2, F0 of each disguised take over its original's; beside it, the
    ratio that angle ** alpha predicts for the original's median formant."""
    ratios, expected = [], []
    for t in takes:
        before, after = praat_medians(t.original), praat_medians(t.disguised)
        ratios.append([a / b for a, b in zip(after, before, strict=True)])
        expected.append([predicted(f, t.alpha) / f for f in before[:2]] + [1.0])
    r, p = np.array(ratios), np.array(expected)
    alpha = np.array([t.alpha for t in takes])
    every = (f"alpha {alphas[0]:.2f}-{alphas[1]:.2f} (n={len(takes)})", np.ones(len(takes), bool))
    rows = []
    for label, sel in [every, *buckets(alpha, alphas)]:
        for k, name in enumerate(("F1", "F2", "F0")):
            rows.append(
                row(
                    "D3",
                    f"{name} disguised/original, {label}",
                    f"{np.median(r[sel, k]):.3f}",
                    f"angle**alpha predicts {np.median(p[sel, k]):.3f}",
                )
            )
    return rows


def bench_speed(takes: Sequence[Take], alpha: float, runs: int) -> list[Row]:
    """disguise() on one minute made of the recordings (repeated if they are shorter)."""
    minute = np.resize(np.concatenate([t.original for t in takes]), 60 * RATE_HZ)
    best = min(_timed(lambda: disguise(minute, RATE_HZ, alpha)) for _ in range(runs))
    what = f"time to disguise 1 min of 16 kHz audio (alpha {alpha:.2f}, best of {runs})"
    return [row("D4", what, f"{best:.2f} s", f"{best / 60:.3f}x real time")]


def _timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def alpha_range(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    try:
        lo, hi = float(low), float(high)
    except ValueError:
        lo = hi = -1.0
    if not 0 < lo <= hi:
        raise argparse.ArgumentTypeError(f"not LOW-HIGH with 0 < LOW <= HIGH: {text}")
    return lo, hi


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--short", action="store_true", help="2 voices x 2 sentences, timed once")
    ap.add_argument("--seed", type=int, default=1, help="alphas and noise (default 1)")
    ap.add_argument("--alpha", type=alpha_range, default=(0.5, 0.9), help="LOW-HIGH (0.5-0.9)")
    args = ap.parse_args()
    n = 2 if args.short else len(VOICES)
    voices, sentences = VOICES[:n], SENTENCES[:n]
    t0 = time.perf_counter()
    takes = make_takes(voices, sentences, args.alpha, args.seed)
    seconds = sum(len(t.original) for t in takes) / RATE_HZ
    print(
        f"{len(voices)} voices x {len(sentences)} sentences: {seconds:.0f} s at {RATE_HZ} Hz, "
        f"alpha {args.alpha[0]}-{args.alpha[1]}, seed {args.seed}",
        flush=True,
    )
    # PocketSphinx takes most of the time (it holds the GIL): two processes decode while this
    # one measures; forked where the platform allows, so they need not import everything again
    start = "fork" if sys.platform == "linux" else "spawn"
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context(start)) as pool:
        drafts = start_drafts(takes, pool)
        later = bench_speaker(takes, len(voices), len(sentences))
        later += bench_formants(takes, args.alpha)
        heard = heard_per_take(takes, drafts)
    rows = bench_wer(takes, sentences, heard, args.alpha) + later
    rows += bench_speed(takes, sum(args.alpha) / 2, 1 if args.short else 3)  # alone
    for did, what, figure, note in rows:
        print(f"{did:<4} {what:<66} {figure:>8}  {note}".rstrip())
    print(f"{len(rows)} figures in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
