"""The leg detector's computations from parts of the channel equal the whole-channel ones, at
the boundaries of the parts and at the recording's two ends."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sps

from somnomotor.recording import Channel
from somnomotor.signal.block_stream import (
    block_envelope_parts,
    block_envelope_read,
    median_windows_above_read,
    value_range_read,
)
from somnomotor.signal.ecg import find_r_peaks, find_r_peaks_parts
from somnomotor.signal.filters import (
    block_envelope,
    design_bandpass,
    design_notch,
    mains_ratios,
    median_windows_above,
)
from somnomotor.signal.saturation import rail_contact, rail_reach_uV, rail_runs
from somnomotor.signal.stretches import mains_stretches


def _leg(n: int, fs: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) * 3.0
    rest = x.copy()
    t = np.arange(n) / fs
    x += 20.0 * np.sin(2 * np.pi * 50.0 * t)  # hum, so the notch matters
    for start in rng.integers(0, max(1, n - 1000), 30):
        x[start:start + int(fs)] = 30.0 * rest[start:start + int(fs)]
    x[n // 3:n // 3 + 200] = 0.0  # a flat stretch
    return x.astype(np.float32)


class _Reads:
    """A reader that remembers the longest read."""

    def __init__(self, x: np.ndarray) -> None:
        self.x = x
        self.longest = 0

    def __call__(self, a: int, b: int) -> np.ndarray:
        self.longest = max(self.longest, b - a)
        return self.x[a:b].copy()


@pytest.mark.parametrize(("fs", "n", "q", "chunk_s", "part"), [
    (512.0, 512 * 900 + 3, 5, 60.0, 512 * 100),  # parts shorter than a chunk, odd tail
    (512.0, 512 * 1300, 5, 300.0, 2 * 1024 * 1024),
    (256.0, 256 * 611 + 1, 2, 30.0, 7_777),
    (200.0, 200 * 25, 2, 300.0, 1_000),  # one chunk, shorter than the filter chunk
])
def test_block_envelope_from_parts_equals_the_whole_channel(fs: float, n: int, q: int,
                                                            chunk_s: float, part: int) -> None:
    x = _leg(n, fs, seed=n)
    sos = np.concatenate([design_bandpass(fs, low_hz=10, high_hz=min(100, 0.45 * fs), order=2),
                          design_notch(fs, 50.0)])
    whole = block_envelope(x, fs, sos=sos, decimation=q, chunk_s=chunk_s, pad_s=2.0)
    reads = _Reads(x)
    parts = block_envelope_read(reads, n, fs, sos=sos, decimation=q, chunk_s=chunk_s,
                                pad_s=2.0, part_samples=part)
    for name in ("envelope_uV", "max_abs_uV", "max_jump_uV", "all_zero"):
        assert np.array_equal(getattr(parts, name), getattr(whole, name)), name
    bare = block_envelope_read(reads, n, fs, sos=sos, decimation=q, chunk_s=chunk_s,
                               pad_s=2.0, part_samples=part, statistics=False)
    assert np.array_equal(bare.envelope_uV, whole.envelope_uV)
    # the envelope handed out a part at a time: adjoining parts, the same values
    firsts, pieces = zip(*block_envelope_parts(reads, n, fs, sos=sos, decimation=q,
                                               chunk_s=chunk_s, pad_s=2.0,
                                               part_samples=part), strict=True)
    assert list(firsts) == np.cumsum([0] + [p.size for p in pieces[:-1]]).tolist()
    assert np.array_equal(np.concatenate(pieces), whole.envelope_uV)
    assert bare.max_abs_uV.size == bare.max_jump_uV.size == bare.all_zero.size == 0
    # the raw-sample statistics, computed plainly
    n_blocks = -(-n // q)
    padded = np.concatenate([x, np.full(n_blocks * q - n, np.nan, np.float32)])
    blocks = padded.reshape(n_blocks, q)
    assert np.array_equal(parts.max_abs_uV, np.nanmax(np.abs(blocks), axis=1))
    jumps = np.abs(np.diff(x, prepend=x[0]))
    jumps = np.concatenate([jumps, np.full(n_blocks * q - n, np.nan, np.float32)])
    assert np.array_equal(parts.max_jump_uV, np.nanmax(jumps.reshape(n_blocks, q), axis=1))
    assert np.array_equal(parts.all_zero, np.nansum(blocks != 0, axis=1) == 0)
    # and the envelope is that of the textbook zero-phase filter (odd-padded ends),
    # away from chunk edges only up to the padding's transient
    y = sps.sosfiltfilt(sos, x.astype(np.float64), padtype="odd",
                        padlen=min(int(2.0 * fs), n - 1))
    ref = np.nanmean(np.concatenate([np.abs(y), np.full(n_blocks * q - n, np.nan)]).reshape(
        n_blocks, q), axis=1)
    inner = slice(int(2.0 * fs / q), n_blocks - int(2.0 * fs / q))
    assert np.allclose(parts.envelope_uV[inner], ref[inner], rtol=1e-3, atol=0.05)
    if max(part, chunk_s * fs) < n // 2:  # whole filter chunks are read
        assert reads.longest < n


def _plain_median_above(x: np.ndarray, a: int, b: int, thr: float, sos: np.ndarray,
                        pad: int, w: int) -> tuple[bool, float]:
    """Odd-reflected padding, forward and backward zero-state passes, any running median of
    the rectified segment over min(w, length) samples >= thr. Also the best median."""
    n = x.size
    idx = np.arange(a - pad, b + pad)
    ext = np.empty(idx.size)
    for k, i in enumerate(idx):
        if i < 0:
            ext[k] = 2.0 * x[0] - x[min(-i, n - 1)]
        elif i >= n:
            ext[k] = 2.0 * x[n - 1] - x[max(2 * (n - 1) - i, 0)]
        else:
            ext[k] = x[i]
    y = sps.sosfilt(sos, sps.sosfilt(sos, ext)[::-1])[::-1][pad:pad + (b - a)]
    ww = min(w, b - a)
    meds = np.median(np.lib.stride_tricks.sliding_window_view(np.abs(y), ww), axis=1)
    return bool(meds.max() >= thr), float(meds.max())


def test_morphology_from_reread_stretches_equals_the_whole_channel() -> None:
    fs, n = 512.0, 512 * 600
    x = _leg(n, fs, seed=11)
    sos = design_bandpass(fs, low_hz=10, high_hz=100, order=2)
    pad, w = 512, 257
    part = 512 * 40
    # movements at both ends, across the read parts' edges, and short ones
    starts = np.array([0, 100, n - 3000, n - 300, part - 200, 2 * part - 600, 3 * part,
                       5000, 5600, 200_000], dtype=np.int64)
    stops = np.minimum(starts + np.array([600, 2000, 3000, 300, 400, 1200, 100, 500, 9000,
                                          40_000]), n)
    rng = np.random.default_rng(5)
    thresholds = rng.uniform(2.0, 60.0, starts.size).astype(np.float32)
    whole = median_windows_above(x, starts, stops, thresholds, sos=sos, pad=pad, window=w)
    reads = _Reads(x)
    got = median_windows_above_read(reads, n, starts, stops, thresholds, sos=sos, pad=pad,
                                    window=w, part_samples=part)
    assert np.array_equal(got, whole)
    assert reads.longest <= max(part, int(np.max(stops - starts)) + 2 * pad)
    checked = 0
    for k in range(starts.size):
        verdict, best = _plain_median_above(x, int(starts[k]), int(stops[k]),
                                            float(thresholds[k]), sos, pad, w)
        if abs(best - thresholds[k]) > 1e-3 * max(1.0, best):  # away from float ties
            assert got[k] == verdict, k
            checked += 1
    assert checked >= 6


def test_rail_runs_from_reads_equal_the_whole_channel() -> None:
    fs, n, q = 512.0, 512 * 120, 5
    rng = np.random.default_rng(4)
    x = (rng.standard_normal(n) * 20).astype(np.float32)
    rail = 500.0
    for a, length in [(0, 40), (1000, 3), (20_000, 400), (40_000, 700), (n - 50, 50)]:
        x[a:a + length] = rail if a % 2 == 0 else -rail
    x[30_000:30_010] = rail
    x[30_010:30_020] = -rail  # a switch from one rail to the other
    max_abs = np.abs(np.concatenate([x, np.zeros(-n % q, np.float32)])).reshape(-1, q).max(1)
    runs_whole = rail_runs(x, max_abs, q, (-rail, rail))
    reads = _Reads(x)
    runs_read = rail_runs(reads, max_abs, q, (-rail, rail), n_samples=n, max_read=2_000)
    assert all(np.array_equal(a, b) for a, b in zip(runs_whole, runs_read, strict=True))
    assert reads.longest < n
    # plain reference: maximal runs of samples at one rail (within 1 % of the range)
    side = np.where(x >= rail - 10.0, 1, np.where(x <= -rail + 10.0, -1, 0))
    change = np.flatnonzero(np.diff(side, prepend=0, append=0))
    plain = [(s, e) for s, e in zip(change[:-1], change[1:], strict=True) if side[s] != 0]
    assert list(zip(runs_read[0].tolist(), runs_read[1].tolist(), strict=True)) == plain
    c_whole = rail_contact(x, max_abs, q, fs, (-rail, rail))
    c_read = rail_contact(reads, max_abs, q, fs, (-rail, rail), n_samples=n)
    # only whether each block reaches the rail level, kept while reading (no max_abs)
    level = rail_reach_uV((-rail, rail))
    assert level == np.float32(rail - 10.0)  # 1 % of the 1000-µV range below the rail
    kept = block_envelope_read(reads, n, fs, sos=design_bandpass(fs, low_hz=10, high_hz=100,
                                                                 order=2),
                               decimation=q, part_samples=7_000, max_abs_at_least_uV=level)
    assert kept.max_abs_uV.size == 0
    assert np.array_equal(kept.max_abs_reaches, max_abs >= np.float32(rail - 10.0))
    c_kept = rail_contact(reads, np.zeros(0, np.float32), q, fs, (-rail, rail), n_samples=n,
                          reaches=kept.max_abs_reaches)
    for name in ("run_starts", "run_ends", "run_sides", "blocked"):
        assert np.array_equal(getattr(c_whole, name), getattr(c_read, name)), name
        assert np.array_equal(getattr(c_whole, name), getattr(c_kept, name)), name


@pytest.mark.parametrize("seconds", [2.5, 7.0, 30.0, 3600.0])
def test_mains_stretches_give_the_mains_ratios_of_the_whole_channel(seconds: float) -> None:
    fs = 256.0
    x = _leg(int(seconds * fs), fs, seed=int(seconds))
    ch = Channel.from_array("LAT", x, fs_hz=fs)
    stretches = mains_stretches(ch)
    assert stretches.size <= max(x.size if seconds < 10 else 0, int(60 * fs))
    assert mains_ratios(stretches, fs, (50.0, 60.0)) == mains_ratios(x, fs, (50.0, 60.0))


def test_value_range_from_parts() -> None:
    x = _leg(100_003, 512.0, seed=1)
    assert value_range_read(lambda a, b: x[a:b], x.size, part_samples=999) == (
        float(x.min()), float(x.max()))
    x[77_777] = np.nan
    lo, hi = value_range_read(lambda a, b: x[a:b], x.size, part_samples=999)
    assert np.isnan(lo) and np.isnan(hi)


def _spiky_envelope(n: int, fs: float, seed: int) -> np.ndarray:
    """Beats of varying height every 0.6-1.4 s on a noisy floor, a flat stretch, NaN."""
    rng = np.random.default_rng(seed)
    env = (rng.random(n) * 2).astype(np.float32)
    t = 0
    while t < n:
        env[t] = np.float32(rng.uniform(20, 40))  # each >= 0.4 x its neighbours
        t += int(rng.uniform(0.6, 1.4) * fs)
    env[n // 4:n // 4 + int(10 * fs)] = 0.0  # no beats, all equal: plateaus everywhere
    env[n // 2] = np.nan
    env[n // 2 + 500:n // 2 + 503] = 30.0  # a flat-topped peak
    return env


@pytest.mark.parametrize("part", [1, 50, 161, 997, 5_000, 100_000])
def test_r_peaks_from_envelope_parts_equal_the_whole_envelope(part: int) -> None:
    fs = 128.0
    env = _spiky_envelope(int(fs * 600) + 17, fs, seed=part)
    whole = find_r_peaks(env, fs)
    parts = [(a, env[a:a + part]) for a in range(0, env.size, part)]
    assert np.array_equal(find_r_peaks_parts(parts, env.size, fs), whole)
    # and the beats are where they were put (reference: the spikes above 4 µV, at least
    # 0.6 s apart, outside the flat stretch), whatever the parts
    spikes = np.flatnonzero(env > 4.0)
    assert np.array_equal(whole, spikes[np.isin(spikes, whole)])
    assert whole.size >= 0.95 * spikes.size


def test_r_peaks_from_parts_refuse_parts_that_leave_a_gap() -> None:
    env = _spiky_envelope(10_000, 128.0, seed=1)
    with pytest.raises(ValueError):
        find_r_peaks_parts([(0, env[:100]), (200, env[200:])], env.size, 128.0)
    with pytest.raises(ValueError):
        find_r_peaks_parts([(0, env[:100])], env.size, 128.0)
