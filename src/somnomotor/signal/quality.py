"""Signal-quality segments of a leg EMG channel: noise, saturation, flat, disconnected, pop.

Works on the per-block statistics of :func:`somnomotor.signal.filters.block_envelope` and
the resting baseline; every segment is a half-open block interval ``[start, end)`` with a
reason. The rules (documented with their numbers in docs/leg-movement-detection.md):

noise
    resting level above ``noise_limit_uV`` (15 µV, as MATPLM disables detection above a
    15-µV baseline, rlslabgit/MATPLM ``findIndices.m``) for at least 60 s: an 8-µV rise
    cannot be told from the noise. Shorter raised stretches are long leg movements (up to
    45 s, IRLSSG large-muscle-group movements), not noise.
flat / disconnected
    smoothed envelope below ``flat_limit_uV`` for at least ``flat_min_s``: no EMG at all
    (a living muscle with an electrode on it always shows some µV of noise); "disconnected"
    when the raw samples are exactly zero over most of it (lead-off or gap filled with 0).
saturation
    a blocked amplifier or rail contact that is not EMG (:mod:`somnomotor.signal.saturation`):
    a strong movement that clips at the rail is *not* an artefact.
pop
    an electrode pop: a raw jump between consecutive samples of at least ``pop_jump_uV``
    that is ``pop_ratio`` times larger than the mean envelope over the 0.5 s before and
    the 0.5 s after it, while no other jump within ±0.25 s reaches a third of it (EMG
    bursts have sample jumps of a few times their envelope, many of similar size; a pop is
    one step with little sustained band-limited activity after it). With a raw-sample
    reader (:func:`pop_is_step`), the signal must also stay displaced by the jump: on average
    over the 40 ms after it by at least half of it, in its direction. An electrode pop is a
    step of the electrode potential that decays over tens to hundreds of ms; EMG, spikes
    of a heavy-tailed carrier included, swings back within a few ms (10-100 Hz).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import njit

from somnomotor.signal.envelope import moving_average_below, segment_means, window_samples

REASONS: tuple[str, ...] = ("noise", "saturation", "flat", "disconnected", "pop")


@njit(cache=True, nogil=True)
def _runs(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - numba
    # Two passes (count, then fill): no full-length temporaries, unlike diff/flatnonzero.
    n = m.size
    k = 0
    prev = False
    for i in range(n):
        if m[i] and not prev:
            k += 1
        prev = m[i]
    starts = np.empty(k, dtype=np.int64)
    ends = np.empty(k, dtype=np.int64)
    j = 0
    prev = False
    for i in range(n):
        if m[i] and not prev:
            starts[j] = i
        elif prev and not m[i]:
            ends[j] = i
            j += 1
        prev = m[i]
    if prev:
        ends[j] = n
    return starts, ends


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the runs of True in a boolean array."""
    m = np.ascontiguousarray(mask, dtype=np.bool_)
    # most artefact masks are all False: np.any is a fast vectorised test
    if m.size == 0 or not m.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return _runs(m)


@njit(cache=True, nogil=True)
def _fill_runs(out: np.ndarray, starts: np.ndarray, ends: np.ndarray, before: int,
               after: int) -> None:  # pragma: no cover - numba
    n = out.size
    for k in range(starts.size):
        for i in range(max(0, starts[k] - before), min(n, ends[k] + after)):
            out[i] = True


def dilate(mask: np.ndarray, before: int, after: int) -> np.ndarray:
    """Extend every True run by ``before`` samples to the left and ``after`` to the right."""
    starts, ends = runs(mask)
    out = np.zeros(mask.size, dtype=bool)
    if starts.size:
        _fill_runs(out, starts, ends, int(before), int(after))
    return out


def saturation_mask(max_abs_uV: np.ndarray, *, min_blocks: int = 3) -> np.ndarray:
    """Blocks whose largest absolute sample equals the channel's largest, when at least
    ``min_blocks`` blocks share it (a clipped amplifier repeats its rail value; real EMG
    peaks do not repeat to the last bit). These blocks *touch* a rail; whether that is an
    artefact is decided by :mod:`somnomotor.signal.saturation`."""
    if max_abs_uV.size == 0:
        return np.zeros(0, dtype=bool)
    top = float(max_abs_uV.max())
    if top <= 0:
        return np.zeros(max_abs_uV.size, dtype=bool)
    hit = max_abs_uV >= np.float32(top * (1 - 1e-6))
    if int(hit.sum()) < min_blocks:
        return np.zeros(max_abs_uV.size, dtype=bool)
    return hit


def pop_is_step(read: Callable[[int, int], np.ndarray], blocks: np.ndarray, decimation: int,
                fs_hz: float, *, n_samples: int, window_s: float = 0.04,
                min_fraction: float = 0.5) -> np.ndarray:
    """Whether the largest raw jump of each block is a step the signal stays displaced by.

    For block ``c`` (samples ``c * decimation`` .. ``(c + 1) * decimation - 1``) the largest
    jump ``J = x[j + 1] - x[j]`` whose later sample lies in the block is taken; it is a step
    when the mean of the ``window_s`` after it minus the mean of the ``window_s`` before it
    (``x[j + 1 - m .. j]``) is at least ``min_fraction`` of ``J``, with the sign of ``J``.

    Parameters
    ----------
    read : callable
        ``read(start, stop)`` returns raw samples ``[start, stop)`` in µV.
    blocks : numpy.ndarray of int
        Candidate block indices.
    decimation : int
        Samples per block.
    fs_hz : float
        Sampling rate of the raw samples, Hz.
    n_samples : int
        Length of the channel in samples.
    window_s : float
        Length in s of the stretches compared before and after the jump (0.04 s).
    min_fraction : float
        Smallest displacement, as a fraction of the jump (0.5).

    Returns
    -------
    numpy.ndarray of bool
        One value per block.
    """
    m = max(1, round(window_s * fs_hz))
    out = np.zeros(len(blocks), dtype=bool)
    for k, c in enumerate(np.asarray(blocks, dtype=np.int64)):
        first = int(c) * decimation  # first sample of the block
        a = max(0, first - 1 - m)
        x = np.asarray(read(a, min(n_samples, first + decimation + m)), dtype=np.float64)
        lo = first - 1 - a  # index in x of the sample before the block
        hi = min(x.size - 1, lo + decimation)
        if lo < 0 or hi <= lo:
            continue
        d = np.diff(x[lo:hi + 1])
        i = int(np.argmax(np.abs(d)))
        jump = float(d[i])
        j = lo + i  # the jump is x[j] -> x[j + 1]
        if jump == 0.0 or j + 1 - m < 0:
            continue
        after = x[j + 1:j + 1 + m]
        before = x[j + 1 - m:j + 1]
        shift = float(after.mean() - before.mean())
        out[k] = shift * np.sign(jump) >= min_fraction * abs(jump)
    return out


def pop_mask(max_jump_uV: np.ndarray, envelope: np.ndarray, fs_hz: float, *,
             pop_jump_uV: float, pop_ratio: float,
             is_step: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """Blocks holding an electrode pop (see module docstring); ``is_step`` (given candidate
    block indices, whether each holds a step, e.g. :func:`pop_is_step` with a reader) is
    asked last, of the few blocks that pass the other tests."""
    n = envelope.size
    if n == 0:
        return np.zeros(0, dtype=bool)
    w = window_samples(0.5, fs_hz)
    cand = np.flatnonzero(max_jump_uV >= pop_jump_uV)
    out = np.zeros(n, dtype=bool)
    h = window_samples(0.25, fs_hz)
    if h >= 2 and cand.size:
        # Necessary part of the isolation test below, vectorised: the blocks two away lie
        # within ±0.25 s and must stay below a third of the jump. Inside EMG bursts nearly
        # every block is a candidate; this drops them before the window means.
        third = max_jump_uV[cand] / np.float32(3.0)
        left = np.where(cand >= 2, max_jump_uV[np.maximum(cand - 2, 0)], -np.inf)
        right = np.where(cand + 2 < n, max_jump_uV[np.minimum(cand + 2, n - 1)], -np.inf)
        cand = cand[(left < third) & (right < third)]
    if cand.size == 0:
        return out
    hi = np.minimum(n, cand + w)
    lo = np.maximum(0, cand - w)
    if cand.size * w < n:
        # window sums around the few candidates only (a full cumulative sum costs more)
        after = segment_means(envelope, cand, hi)
        before = segment_means(envelope, lo, cand)
    else:
        csum = np.concatenate([[0.0], np.cumsum(envelope, dtype=np.float64)])
        after = (csum[hi] - csum[cand]) / np.maximum(1, hi - cand)
        before = (csum[cand] - csum[lo]) / np.maximum(1, cand - lo)
    # Both sides: the last sample jump of a strong burst is large next to the rest after it,
    # but not next to the burst before it.
    level = np.maximum(after, before)
    cand = cand[max_jump_uV[cand] >= pop_ratio * level]
    # A pop is one step: the other sample jumps within ±0.25 s (the blocks next to it
    # excepted) stay below a third of it. A short strong EMG burst (0.15-0.35 s) can pass
    # the envelope test above, but its noise makes many jumps of similar size (measured on
    # the simulator's 0.3-s, 50-µV "too short" movements: the largest jump 146 µV, dozens
    # of others > 50 µV within 0.1 s).
    isolated = []
    for c in cand:
        a, b = max(0, c - h), min(n, c + h + 1)
        others = np.concatenate([max_jump_uV[a:max(a, c - 1)], max_jump_uV[min(b, c + 2):b]])
        if others.size == 0 or float(others.max()) < max_jump_uV[c] / 3.0:
            isolated.append(c)
    cand = np.asarray(isolated, dtype=np.int64)
    if is_step is not None and cand.size:
        # A spike of a heavy-tailed EMG carrier can be isolated and 15x its envelope; it
        # swings back within milliseconds, a pop leaves the signal displaced.
        cand = cand[np.asarray(is_step(cand), dtype=bool)]
    out[cand] = True
    return out


def quality_segments(
    *,
    envelope: np.ndarray,
    saturation: np.ndarray | None,
    max_jump_uV: np.ndarray,
    all_zero: np.ndarray,
    fs_hz: float,
    flat_limit_uV: float,
    flat_min_s: float,
    pop_jump_uV: float,
    pop_ratio: float,
    pop_before_s: float = 0.25,
    pop_after_s: float = 1.0,
    pop_is_step: Callable[[np.ndarray], np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Boolean block masks per artefact reason (``saturation``, ``flat``, ``disconnected``,
    ``pop``); a block has at most one reason, in the order flat/disconnected, saturation,
    pop. The ``noise`` reason needs the baseline: see :func:`noise_mask`.

    Parameters
    ----------
    envelope : numpy.ndarray
        Block envelope in µV (before smoothing) at ``fs_hz`` Hz.
    saturation : numpy.ndarray of bool or None
        Blocks of a blocked amplifier (:func:`somnomotor.signal.saturation.rail_contact`);
        None or an empty array: none.
    max_jump_uV, all_zero : numpy.ndarray
        Raw-sample statistics per block.
    fs_hz : float
        Block rate in Hz.
    flat_limit_uV : float
        Envelope limit in µV (see module docstring).
    flat_min_s : float
        Shortest flat stretch in s.
    pop_jump_uV, pop_ratio : float
        Pop criterion: raw jump in µV and ratio to the following envelope.
    pop_before_s, pop_after_s : float
        Stretch in s marked around a pop (the filter rings after the step).
    pop_is_step : callable or None
        Given candidate pop blocks, whether each holds a step of the raw signal
        (:func:`pop_is_step` with the channel's reader); None: not asked.
    """
    n = envelope.size
    flat_any = np.zeros(n, dtype=bool)
    disconnected = np.zeros(n, dtype=bool)
    # A moving average stays >= the limit where every sample does: the smoothing and the
    # run search are only needed when some block of the envelope is below the limit.
    if n and float(envelope.min()) < flat_limit_uV:
        low = moving_average_below(envelope, window_samples(0.2, fs_hz, odd=True),
                                   flat_limit_uV)
        min_len = window_samples(flat_min_s, fs_hz)
        for s, e in zip(*runs(low)):
            if e - s >= min_len:
                if all_zero[s:e].mean() >= 0.5:
                    disconnected[s:e] = True
                else:
                    flat_any[s:e] = True
    # full-length mask operations only when a mask is not empty (the usual night has none)
    any_flat = bool(flat_any.any() or disconnected.any())
    taken = flat_any | disconnected if any_flat else None
    sat = (np.zeros(n, dtype=bool) if saturation is None or not np.size(saturation)
           else np.array(saturation, dtype=bool, copy=True))
    if sat.any():
        if taken is not None:
            sat &= ~taken
            taken |= sat
        else:
            taken = sat.copy()
    pops = pop_mask(max_jump_uV, envelope, fs_hz, pop_jump_uV=pop_jump_uV, pop_ratio=pop_ratio,
                    is_step=pop_is_step)
    pops = dilate(pops, window_samples(pop_before_s, fs_hz), window_samples(pop_after_s, fs_hz))
    if taken is not None and pops.any():
        pops &= ~taken
    return {"saturation": sat, "flat": flat_any, "disconnected": disconnected,
            "pop": pops}


def blank_runs(envelope: np.ndarray, mask: np.ndarray, *, context: int = 3) -> None:
    """In place: bridge every True run of ``mask`` in ``envelope`` by a straight line between
    the mean of ``context`` samples before and after it (ends use the one side available)."""
    n = envelope.size
    for s, e in zip(*runs(mask)):
        left = envelope[max(0, s - context):s]
        right = envelope[e:min(n, e + context)]
        if left.size == 0 and right.size == 0:
            continue
        a = float(left.mean()) if left.size else float(right.mean())
        b = float(right.mean()) if right.size else a
        envelope[s:e] = np.linspace(a, b, e - s + 2, dtype=np.float32)[1:-1]


def noise_mask(upper_envelope: np.ndarray, fs_hz: float, *, noise_limit_uV: float,
               window_s: float = 10.0, min_s: float = 60.0) -> np.ndarray:
    """Blocks of a stretch whose resting level stays above ``noise_limit_uV`` µV.

    ``upper_envelope`` is the 0.5-s running maximum of the envelope (µV). Its running
    minimum over ``window_s`` s (10 s) is the resting level at short range: it stays above
    the limit for ``window_s`` less than the raised stretch lasts. A stretch raised for at
    least ``min_s`` s (60 s; a run of the minimum of ``min_s - window_s``) is noise; the
    run is widened by half the window on both sides, back to the raised stretch. The short
    window places the edges of a noisy stretch within seconds, where the 60-s baseline
    would lag by 30 s. ``min_s`` keeps long movements from being called noise: IRLSSG
    large-muscle-group movements last 3-45 s in adults (scoring-rules.md 5.5), so a leg
    active for 45 s is a movement; 60 s leaves 15 s for its slow rise and decay and for
    two movements in a row.
    """
    from somnomotor.signal.envelope import block_min

    k = max(1, int(round(fs_hz / 10.0)))  # 0.1-s blocks: the minimum needs no finer grid
    return noise_mask_coarse(block_min(upper_envelope, k), k, upper_envelope.size, fs_hz,
                             noise_limit_uV=noise_limit_uV, window_s=window_s, min_s=min_s)


def noise_mask_coarse(upper_coarse: np.ndarray, k: int, n: int, fs_hz: float, *,
                      noise_limit_uV: float, window_s: float = 10.0,
                      min_s: float = 60.0) -> np.ndarray:
    """:func:`noise_mask` from the upper envelope on a grid of ``k``-sample blocks (µV);
    returns the mask for ``n`` samples at ``fs_hz`` Hz."""
    from somnomotor.signal.envelope import running_min

    level = running_min(upper_coarse, window_samples(window_s, fs_hz / k, odd=True))
    high_c = np.isfinite(level) & (level > noise_limit_uV)
    out = np.zeros(n, dtype=bool)
    half = window_samples(window_s / 2, fs_hz)
    # the running minimum is above the limit for window_s less than the raised stretch
    min_len = window_samples(max(min_s - window_s, 0.1), fs_hz)
    for s, e in zip(*runs(high_c)):
        s, e = s * k, min(n, e * k)  # the run on the fine grid
        if e - s >= min_len:
            out[max(0, s - half):min(n, e + half)] = True
    return out


__all__ = [
    "REASONS",
    "blank_runs",
    "dilate",
    "noise_mask",
    "noise_mask_coarse",
    "pop_is_step",
    "pop_mask",
    "quality_segments",
    "runs",
    "saturation_mask",
]
