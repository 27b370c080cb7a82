"""Suppression of ECG (cardiac) bleed in leg EMG envelopes.

QRS complexes picked up by tibialis electrodes are a classic source of false leg movements
(scoring-rules.md 1.1; rlslabgit/MATPLM ``removeEKG.m`` replaces each peak of a regular
train by neighbouring samples; the Stanford S-PLMAD cancels it adaptively, Moore et al.,
PLoS One 2014, https://doi.org/10.1371/journal.pone.0088079).

We work on the ~100-Hz block envelope (mean rectified 10-100 Hz EMG):

* R peaks come from the ECG channel when the recording has one (:func:`find_r_peaks`),
  otherwise from the leg envelope itself (:func:`find_bleed_peaks`: narrow peaks that stand
  out of their surroundings *and* form a regular train with heart-rate intervals);
* a peak is only blanked where the leg envelope shows bleed at the R peaks (the mean
  QRS-triggered contrast over a 60-s block exceeds ``min_contrast_uV``), so a clean leg
  channel is left untouched although the ECG channel gives beats;
* blanking replaces ±``half_width_s`` around each peak by a straight line between the mean
  levels just before and just after, so a beat inside a movement takes the movement's
  level and a beat at rest takes the resting level.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from numba import njit

from somnomotor._errors import ParameterError
from somnomotor.signal.envelope import (
    local_maxima,
    moving_average,
    segment_means,
    window_max_at,
    window_samples,
)


def find_r_peaks(ecg_envelope: np.ndarray, fs_hz: float, *, refractory_s: float = 0.25,
                 relative_height: float = 0.4) -> np.ndarray:
    """R-peak positions (sample indices) in a rectified band-passed ECG envelope.

    A peak is a local maximum over ±``refractory_s`` s (0.25 s: the shortest RR interval at
    240 beats/min) that reaches ``relative_height`` of the running maximum over 2.5 s.

    Parameters
    ----------
    ecg_envelope : numpy.ndarray
        Rectified band-passed ECG (µV) at ``fs_hz`` Hz.
    fs_hz : float
        Sampling rate in Hz.
    """
    env = np.asarray(ecg_envelope, dtype=np.float32)
    if env.size == 0:
        return np.zeros(0, dtype=np.int64)
    return _thin(_r_peak_candidates(env, fs_hz, refractory_s, relative_height),
                 window_samples(refractory_s, fs_hz))


def _r_peak_candidates(env: np.ndarray, fs_hz: float, refractory_s: float,
                       relative_height: float) -> np.ndarray:
    # local maxima first, then the 2.5-s maximum at those few samples only
    cand = local_maxima(env, window_samples(2 * refractory_s, fs_hz, odd=True) // 2)
    slow = window_max_at(env, cand, window_samples(2.5, fs_hz, odd=True) // 2)
    top = env[cand]
    return cand[(top >= relative_height * slow) & (top > 0)]


def find_r_peaks_parts(parts: Iterable[tuple[int, np.ndarray]], n: int, fs_hz: float, *,
                       refractory_s: float = 0.25, relative_height: float = 0.4
                       ) -> np.ndarray:
    """:func:`find_r_peaks` of an envelope of ``n`` samples given a part at a time.

    ``parts`` yields ``(first_sample, envelope_part)`` in order, adjoining and covering the
    ``n`` samples (:func:`somnomotor.signal.block_stream.block_envelope_parts`). The same
    peaks, bit for bit: a candidate depends only on the samples within its two windows
    (±``refractory_s`` and ±1.25 s), so each stretch is judged once the next part brings
    the samples after it; the stretch handed over starts at a multiple of the block
    lengths of :func:`~somnomotor.signal.envelope.local_maxima` and
    :func:`~somnomotor.signal.envelope.window_max_at`, so that their blocks fall where
    they fall on the whole envelope. Holds a part and the 1.25 s before it, not the night.
    """
    h_local = window_samples(2 * refractory_s, fs_hz, odd=True) // 2
    h_slow = window_samples(2.5, fs_hz, odd=True) // 2
    # block lengths of local_maxima (half + 1) and window_max_at (sqrt of the window)
    align = math.lcm(h_local + 1, max(1, int(np.sqrt(2 * h_slow + 1))))
    margin = max(h_local, h_slow, h_local + 1, align) + 1
    found: list[np.ndarray] = []
    held = np.zeros(0, dtype=np.float32)  # samples [held_start, held_start + held.size)
    held_start = 0
    done = 0  # candidates are known below this sample
    for first, part in parts:
        if first != held_start + held.size:
            raise ParameterError(f"envelope parts must adjoin: a part starts at {first}, "
                                 f"expected {held_start + held.size}")
        held = np.concatenate([held, np.asarray(part, dtype=np.float32)])
        end = held_start + held.size
        upto = n if end >= n else end - margin
        if upto <= done:
            continue
        cand = _r_peak_candidates(held, fs_hz, refractory_s, relative_height) + held_start
        found.append(cand[(cand >= done) & (cand < upto)])
        done = upto
        # keep what the next stretch's windows reach back to, from an aligned start
        keep_from = max(held_start, (max(0, done - margin) // align) * align)
        held = held[keep_from - held_start:].copy()
        held_start = keep_from
    if held_start + held.size != n:
        raise ParameterError(f"envelope parts cover {held_start + held.size} samples, "
                             f"expected {n}")
    if not found:
        return np.zeros(0, dtype=np.int64)
    return _thin(np.concatenate(found), window_samples(refractory_s, fs_hz))


@njit(cache=True, nogil=True)
def _thin_kernel(idx: np.ndarray, min_gap: int) -> np.ndarray:  # pragma: no cover - numba
    keep = np.ones(idx.size, dtype=np.bool_)
    last = idx[0]
    for k in range(1, idx.size):
        if idx[k] - last < min_gap:
            keep[k] = False
        else:
            last = idx[k]
    return keep


def _thin(idx: np.ndarray, min_gap: int) -> np.ndarray:
    """Drop indices closer than ``min_gap`` to the previous kept one (plateaus)."""
    idx = np.ascontiguousarray(idx, dtype=np.int64)
    if idx.size < 2:
        return idx
    return idx[_thin_kernel(idx, int(min_gap))]


def find_bleed_peaks(envelope: np.ndarray, fs_hz: float, *, min_rr_s: float = 0.3,
                     max_rr_s: float = 2.0, max_rr_change: float = 0.3,
                     min_prominence_uV: float = 1.0, min_train_beats: int | None = 10,
                     train_rr_s: tuple[float, float] = (0.4, 1.5),
                     train_rr_change: float = 0.15, block_s: float = 60.0) -> np.ndarray:
    """Regularly recurring narrow peaks in a leg envelope (likely QRS bleed), sample indices.

    Candidates are local maxima over ±0.2 s that exceed twice the mean level 0.2-0.4 s on
    either side plus ``min_prominence_uV`` µV (a QRS lasts about 0.1 s; a leg movement lasts
    >= 0.5 s and so does not stand out of its own surroundings). A candidate is kept when
    the interval to a neighbouring candidate lies in ``min_rr_s``-``max_rr_s`` s (30-200
    beats/min) and differs from the adjacent interval by at most ``max_rr_change``
    (fraction).

    EMG without bleed has such peaks too: the peaks of its own noise, some of them by
    chance at heart-rate intervals (measured on ECG-free hand-made EMG, 15-20 min: 121-200
    candidates kept by the pair rule, in runs of at most 4 regular intervals; on the
    simulator's spiky carrier, 2-h nights, chance runs of up to 10). A heart beats on:
    bleed is only accepted in the ``block_s`` (60-s) blocks that hold a *train* of at
    least ``min_train_beats`` (10) candidates in a row whose intervals lie in
    ``train_rr_s`` (0.4-1.5 s: 40-150 beats/min, sleep heart rates) and change by at most
    ``train_rr_change`` (15 %) from one to the next; only candidates in those blocks are
    returned. Measured on the simulator's 2-h nights, seeds 1-3, both legs (720 blocks
    per condition): with bleed (``ecg_bleed``) 698 blocks accepted; without bleed
    (``spiky``, ``subthreshold``, ``clean``) none (8 beats and 20 %: 18 and 4 chance
    blocks). ``min_train_beats=None``: no train needed (the old rule).
    """
    env = np.asarray(envelope, dtype=np.float32)
    n = env.size
    w = window_samples(0.2, fs_hz)
    if n < 4 * w + 1:
        return np.zeros(0, dtype=np.int64)
    cand = local_maxima(env, w)
    cand = cand[(cand >= 2 * w) & (cand < n - 2 * w)]
    if cand.size < 3:
        return np.zeros(0, dtype=np.int64)
    bg = 0.5 * (segment_means(env, cand - 2 * w, cand - w)
                + segment_means(env, cand + w + 1, cand + 2 * w + 1))
    cand = cand[env[cand] >= 2.0 * bg + min_prominence_uV]
    cand = _thin(cand, w)
    if cand.size < 3:
        return np.zeros(0, dtype=np.int64)
    rr = np.diff(cand) / fs_hz
    ok_rr = (rr >= min_rr_s) & (rr <= max_rr_s)
    ratio = rr[1:] / rr[:-1]
    ok_pair = ok_rr[1:] & ok_rr[:-1] & (np.abs(ratio - 1.0) <= max_rr_change)
    keep = np.zeros(cand.size, dtype=bool)
    keep[1:-1] |= ok_pair
    keep[:-2] |= ok_pair
    keep[2:] |= ok_pair
    if min_train_beats is not None:
        keep &= _in_train_blocks(cand, rr, fs_hz, min_beats=int(min_train_beats),
                                 rr_range_s=train_rr_s, max_change=train_rr_change,
                                 block=max(1, int(round(block_s * fs_hz))))
    return cand[keep]


def _in_train_blocks(cand: np.ndarray, rr_s: np.ndarray, fs_hz: float, *, min_beats: int,
                     rr_range_s: tuple[float, float], max_change: float,
                     block: int) -> np.ndarray:
    """Whether each candidate lies in a block (of ``block`` samples) that holds a regular
    train of at least ``min_beats`` candidates in a row (see :func:`find_bleed_peaks`)."""
    good = (rr_s >= rr_range_s[0]) & (rr_s <= rr_range_s[1])
    # link j joins candidates j and j+1; pair j (links j, j+1) is regular when both are
    # good and the second differs from the first by at most max_change
    regular = good[1:] & good[:-1] & (np.abs(rr_s[1:] / rr_s[:-1] - 1.0) <= max_change)
    in_train = np.zeros(cand.size, dtype=bool)
    if regular.size == 0:
        return in_train
    # a run of r regular pairs in a row spans r + 2 candidates
    padded = np.concatenate([[False], regular, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    for a, b in zip(edges[::2], edges[1::2]):
        if b - a + 2 >= min_beats:
            in_train[a:b + 2] = True
    blocks = cand // block
    bleeding = np.unique(blocks[in_train])
    return np.isin(blocks, bleeding)


def bleed_contrast(envelope: np.ndarray, peaks: np.ndarray, fs_hz: float, *,
                   block_s: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    """Mean QRS-triggered contrast of the envelope per block (µV).

    For each peak the mean envelope within ±30 ms minus the mean 0.2-0.3 s on either side;
    averaged over the peaks of each ``block_s``-s block. Returns ``(contrast_per_peak_block,
    block_index_per_peak)``.
    """
    env = np.asarray(envelope, dtype=np.float32)
    n = env.size
    c = max(1, int(round(0.03 * fs_hz)))
    a = window_samples(0.2, fs_hz)
    b = window_samples(0.3, fs_hz)
    pk = peaks[(peaks >= b) & (peaks < n - b - 1)]
    block = max(1, int(round(block_s * fs_hz)))
    n_blocks = max(1, -(-n // block))
    if pk.size == 0:
        return np.zeros(n_blocks), np.zeros(0, dtype=np.int64)
    centre = segment_means(env, pk - c, pk + c + 1)
    around = 0.5 * (segment_means(env, pk - b + 1, pk - a + 1) + segment_means(env, pk + a, pk + b))
    blk = pk // block
    sums = np.bincount(blk, weights=centre - around, minlength=n_blocks)
    counts = np.bincount(blk, minlength=n_blocks)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    return mean, blk


@njit(cache=True, nogil=True)
def _blank(env: np.ndarray, peaks: np.ndarray, hw: int, ctx: int) -> None:  # pragma: no cover
    n = env.size
    for p in peaks:
        lo = p - hw
        hi = p + hw + 1
        if lo - ctx < 0 or hi + ctx > n:
            continue
        left = 0.0
        right = 0.0
        for j in range(ctx):
            left += env[lo - ctx + j]
            right += env[hi + j]
        left /= ctx
        right /= ctx
        span = hi - lo + 1
        for j in range(lo, hi):
            f = (j - lo + 1) / span
            env[j] = left + (right - left) * f


def blank_intervals(envelope: np.ndarray, centres: np.ndarray, *, half_width: int,
                    context: int = 3) -> None:
    """In place: replace ``envelope[c - half_width : c + half_width + 1]`` for each centre by a
    straight line between the means of ``context`` samples on either side."""
    if centres.size == 0 or envelope.size == 0:
        return
    _blank(envelope, np.ascontiguousarray(centres, dtype=np.int64), int(half_width),
           max(1, int(context)))


def suppress_ecg(envelope: np.ndarray, fs_hz: float, *, r_peaks: np.ndarray | None = None,
                 half_width_s: float = 0.08, min_contrast_uV: float = 0.5,
                 min_train_beats: int | None = 10, scratch: np.ndarray | None = None) -> int:
    """Blank QRS bleed in a leg envelope in place; returns the number of beats blanked.

    Parameters
    ----------
    envelope : numpy.ndarray
        Leg block envelope (µV, float32) at ``fs_hz`` Hz; modified in place.
    fs_hz : float
        Sampling rate in Hz.
    r_peaks : numpy.ndarray or None
        R-peak indices on the envelope's time base (from the ECG channel); ``None`` finds
        bleed peaks in the envelope itself.
    half_width_s : float
        Half-width in s of the blanked stretch (80 ms: a QRS lasts 80-120 ms; MATPLM uses
        ±0.1 s).
    min_contrast_uV : float
        Mean QRS-triggered contrast in µV a 60-s block must show to be blanked.
    min_train_beats : int or None
        Without R peaks: the regular train of bleed peaks a 60-s block must hold
        (:func:`find_bleed_peaks`).
    scratch : numpy.ndarray, optional
        A float32 array of the envelope's size the caller no longer needs, overwritten
        with the lightly smoothed copy (memory: no new one is allocated).
    """
    peaks = (find_bleed_peaks(envelope, fs_hz, min_train_beats=min_train_beats)
             if r_peaks is None else np.asarray(r_peaks))
    if peaks.size == 0:
        return 0
    # Only beats whose 60-s block shows bleed are blanked (contrast measured on a lightly
    # smoothed copy so one noisy bin does not decide).
    smooth = moving_average(envelope, 3, out=scratch)
    contrast, blk = bleed_contrast(smooth, peaks, fs_hz)
    del smooth
    n = envelope.size
    b = window_samples(0.3, fs_hz)
    pk = peaks[(peaks >= b) & (peaks < n - b - 1)]
    chosen = pk[contrast[blk] >= min_contrast_uV]
    blank_intervals(envelope, chosen, half_width=window_samples(half_width_s, fs_hz),
                    context=max(2, window_samples(0.03, fs_hz)))
    return int(chosen.size)


__all__ = [
    "blank_intervals",
    "bleed_contrast",
    "find_bleed_peaks",
    "find_r_peaks",
    "find_r_peaks_parts",
    "suppress_ecg",
]
