"""Envelope smoothing, running extrema and the two-threshold (hysteresis) state machine.

All functions work on 1-D float arrays sampled at a rate ``fs_hz`` (usually the ~100-Hz block
envelope of :func:`somnomotor.signal.filters.block_envelope`) and are O(n) whatever the
window: running max/min use the monotonic-deque algorithm, the moving average a cumulative
sum in float64.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from somnomotor._errors import ParameterError


def window_samples(seconds: float, fs_hz: float, *, odd: bool = False) -> int:
    """Number of samples in ``seconds`` s at ``fs_hz`` Hz (at least 1; odd if asked)."""
    if seconds < 0:
        raise ParameterError(f"a window length must be >= 0 s, received {seconds!r}")
    n = max(1, int(round(seconds * fs_hz)))
    if odd and n % 2 == 0:
        n += 1
    return n


def samples_at_least(seconds: float, fs_hz: float) -> int:
    """Smallest number of samples whose duration is >= ``seconds`` s (at least 1)."""
    return max(1, int(math.ceil(seconds * fs_hz - 1e-9)))


@njit(cache=True, nogil=True)
def _moving_average(x: np.ndarray, w: int, out: np.ndarray) -> None:  # pragma: no cover
    # Sliding float64 sum (no cumulative-sum array: saves 8 bytes per sample); the window
    # of sample i is [i - w//2, i - w//2 + w) cut to [0, n).
    n = x.size
    half = w // 2
    acc = 0.0
    for j in range(min(n, w - half - 1)):
        acc += x[j]
    for i in range(n):
        h = i - half + w  # exclusive end
        if h <= n:
            acc += x[h - 1]
        lo = i - half
        if lo > 0:
            acc -= x[lo - 1]
        out[i] = acc / (min(n, h) - max(0, lo))


def moving_average(x: np.ndarray, window: int, *, out: np.ndarray | None = None) -> np.ndarray:
    """Centred moving average over ``window`` samples (shrinking at the ends), float32.

    ``out``: a float32 array of ``x``'s size to write it into (a buffer the caller no
    longer needs, so that no new one is allocated), not sharing memory with ``x``.
    """
    if window < 1:
        raise ParameterError(f"window must be >= 1 sample, received {window!r}")
    if out is None:
        out = np.empty(x.size, dtype=np.float32)
    elif (out.dtype != np.float32 or out.shape != (x.size,) or not out.flags.c_contiguous
          or not out.flags.writeable or np.may_share_memory(out, x)):
        raise ParameterError(
            f"out must be a writeable contiguous float32 array of {x.size} samples apart from "
            f"x, received {out.dtype} of shape {out.shape}")
    if x.size:
        _moving_average(np.ascontiguousarray(x, dtype=np.float32), int(window), out)
    return out


@njit(cache=True, nogil=True)
def _moving_average_below(x: np.ndarray, w: int, limit: np.float32,
                          out: np.ndarray) -> None:  # pragma: no cover - numba
    # _moving_average's loop, the same sums, each mean rounded to float32 as it would be
    # stored, compared with the float32 limit instead of kept
    n = x.size
    half = w // 2
    acc = 0.0
    for j in range(min(n, w - half - 1)):
        acc += x[j]
    for i in range(n):
        h = i - half + w  # exclusive end
        if h <= n:
            acc += x[h - 1]
        lo = i - half
        if lo > 0:
            acc -= x[lo - 1]
        out[i] = np.float32(acc / (min(n, h) - max(0, lo))) < limit


def moving_average_below(x: np.ndarray, window: int, limit: float) -> np.ndarray:
    """``moving_average(x, window) < limit`` (bool; the comparison in float32, as numpy
    makes it) without the float32 average of the whole signal: 1 byte per sample instead
    of 5 (memory on a whole night's envelope)."""
    if window < 1:
        raise ParameterError(f"window must be >= 1 sample, received {window!r}")
    out = np.empty(x.size, dtype=np.bool_)
    if x.size:
        _moving_average_below(np.ascontiguousarray(x, dtype=np.float32), int(window),
                              np.float32(limit), out)
    return out


@njit(cache=True, nogil=True)
def _segment_means(x: np.ndarray, starts: np.ndarray, ends: np.ndarray, step: int,
                   out: np.ndarray) -> None:  # pragma: no cover - numba
    for k in range(starts.size):
        acc = 0.0
        for i in range(starts[k], ends[k]):
            acc += x[i // step]
        out[k] = acc / max(1, ends[k] - starts[k])


def segment_means(x: np.ndarray, starts: np.ndarray, ends: np.ndarray, *,
                  step: int = 1) -> np.ndarray:
    """Mean of ``x[starts[k]:ends[k]]`` for each k (float64; 0 for an empty segment).

    Sums only the segments asked for: cheaper than a cumulative sum of the whole signal
    when the segments cover a small part of it. With ``step`` > 1, ``x`` holds one value
    per ``step`` samples and the indices count samples (the mean of ``np.repeat(x, step)``).
    """
    if step < 1:
        raise ParameterError(f"step must be >= 1 sample, received {step!r}")
    s = np.ascontiguousarray(starts, dtype=np.int64)
    e = np.ascontiguousarray(ends, dtype=np.int64)
    if s.shape != e.shape:
        raise ParameterError(f"starts and ends must have the same shape, received {s.shape} "
                             f"and {e.shape}")
    out = np.zeros(s.size, dtype=np.float64)
    if s.size:
        if int(s.min()) < 0 or int(e.max()) > x.size * step:
            raise ParameterError(f"segments must lie within 0..{x.size * step}, received "
                                 f"{int(s.min())}..{int(e.max())}")
        _segment_means(np.ascontiguousarray(x), s, e, int(step), out)
    return out


@njit(cache=True, nogil=True)
def _peak_mean_above(x: np.ndarray, ref: np.ndarray, step: int, starts: np.ndarray,
                     ends: np.ndarray, peak: np.ndarray,
                     mean: np.ndarray) -> None:  # pragma: no cover - numba
    for k in range(starts.size):
        best = -np.inf
        acc = 0.0
        for i in range(starts[k], ends[k]):
            d = x[i] - ref[i // step]
            best = max(best, d)
            acc += d
        peak[k] = best
        mean[k] = acc / max(1, ends[k] - starts[k])


def segment_peak_mean_above(x: np.ndarray, ref: np.ndarray, starts: np.ndarray,
                            ends: np.ndarray, *, step: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Largest and mean value of ``x - ref`` over each segment ``[starts[k], ends[k])``
    (same unit as ``x``, float64); segments must be non-empty. With ``step`` > 1, ``ref``
    holds one value per ``step`` samples of ``x``."""
    s = np.ascontiguousarray(starts, dtype=np.int64)
    e = np.ascontiguousarray(ends, dtype=np.int64)
    if step < 1:
        raise ParameterError(f"step must be >= 1 sample, received {step!r}")
    if ref.size != -(-x.size // step) or s.shape != e.shape:
        raise ParameterError(f"x and ref, starts and ends must have equal shapes, received "
                             f"{x.shape}, {ref.shape}, {s.shape}, {e.shape}")
    peak = np.zeros(s.size, dtype=np.float64)
    mean = np.zeros(s.size, dtype=np.float64)
    if s.size:
        if int(s.min()) < 0 or int(e.max()) > x.size or np.any(e <= s):
            raise ParameterError(f"segments must be non-empty and lie within 0..{x.size}")
        _peak_mean_above(np.ascontiguousarray(x), np.ascontiguousarray(ref), int(step), s, e,
                         peak, mean)
    return peak, mean


@njit(cache=True, nogil=True)
def _max_window_mean_above(x: np.ndarray, ref: np.ndarray, step: int, starts: np.ndarray,
                           ends: np.ndarray, w: int, out: np.ndarray) -> None:  # pragma: no cover
    for k in range(starts.size):
        a = starts[k]
        b = ends[k]
        ww = min(w, b - a)
        acc = 0.0
        for i in range(a, a + ww):
            acc += x[i] - ref[i // step]
        best = acc
        for i in range(a + ww, b):
            acc += (x[i] - ref[i // step]) - (x[i - ww] - ref[(i - ww) // step])
            best = max(best, acc)
        out[k] = best / ww


def segment_max_window_mean_above(x: np.ndarray, ref: np.ndarray, starts: np.ndarray,
                                  ends: np.ndarray, *, window: int, step: int = 1
                                  ) -> np.ndarray:
    """Largest mean of ``x - ref`` over a window of ``window`` samples inside each segment
    ``[starts[k], ends[k])`` (the whole segment when it is shorter), float64, same unit as
    ``x``. With ``step`` > 1, ``ref`` holds one value per ``step`` samples of ``x``.

    This is the level an envelope *sustains* for ``window`` samples somewhere in a segment:
    ``max(moving_average(x - ref, window)[windows inside the segment])``, summed over the
    segments only.
    """
    s = np.ascontiguousarray(starts, dtype=np.int64)
    e = np.ascontiguousarray(ends, dtype=np.int64)
    if step < 1 or window < 1:
        raise ParameterError(f"step and window must be >= 1 sample, received {step!r} and "
                             f"{window!r}")
    if ref.size != -(-x.size // step) or s.shape != e.shape:
        raise ParameterError(f"x and ref, starts and ends must have equal shapes, received "
                             f"{x.shape}, {ref.shape}, {s.shape}, {e.shape}")
    out = np.zeros(s.size, dtype=np.float64)
    if s.size:
        if int(s.min()) < 0 or int(e.max()) > x.size or np.any(e <= s):
            raise ParameterError(f"segments must be non-empty and lie within 0..{x.size}")
        _max_window_mean_above(np.ascontiguousarray(x), np.ascontiguousarray(ref), int(step),
                               s, e, int(window), out)
    return out


@njit(cache=True, nogil=True)
def _running_extreme(x: np.ndarray, w: int, want_max: bool, out: np.ndarray) -> None:  # pragma: no cover
    # Monotonic deque over the centred window [i - w//2, i - w//2 + w), kept in a ring
    # buffer whose power-of-two size lets a bit mask replace the modulo.
    n = x.size
    half = w // 2
    cap = 1
    while cap < w + 1:
        cap *= 2
    mask = cap - 1
    dq = np.empty(cap, dtype=np.int64)
    head = 0
    size = 0
    nxt = 0
    for i in range(n):
        hi = min(n, i - half + w)
        while nxt < hi:
            v = x[nxt]
            if want_max:
                while size > 0 and x[dq[(head + size - 1) & mask]] <= v:
                    size -= 1
            else:
                while size > 0 and x[dq[(head + size - 1) & mask]] >= v:
                    size -= 1
            dq[(head + size) & mask] = nxt
            size += 1
            nxt += 1
        lo = i - half
        while dq[head] < lo:
            head = (head + 1) & mask
            size -= 1
        out[i] = x[dq[head]]


@njit(cache=True, nogil=True)
def _block_extreme(x: np.ndarray, k: int, want_max: bool, out: np.ndarray) -> None:  # pragma: no cover
    n = x.size
    for b in range(out.size):
        s0 = b * k
        s1 = min(n, s0 + k)
        m = x[s0]
        for i in range(s0 + 1, s1):
            v = x[i]
            if (v > m) if want_max else (v < m):
                m = v
        out[b] = m


def _block_reduce(x: np.ndarray, k: int, want_max: bool, dtype: type) -> np.ndarray:
    if k < 1:
        raise ParameterError(f"block length must be >= 1 sample, received {k!r}")
    data: np.ndarray = np.ascontiguousarray(x, dtype=dtype)
    out: np.ndarray = np.empty(-(-data.size // k), dtype=dtype)
    if out.size:
        _block_extreme(data, int(k), want_max, out)
    return out


def block_max(x: np.ndarray, k: int) -> np.ndarray:
    """Maximum over consecutive blocks of ``k`` samples (the last block may be shorter),
    float32; NaN samples are ignored unless a block starts with one."""
    return _block_reduce(x, k, True, np.float32)


def block_min(x: np.ndarray, k: int) -> np.ndarray:
    """Minimum over consecutive blocks of ``k`` samples (the last block may be shorter),
    float32; NaN samples are ignored unless a block starts with one."""
    return _block_reduce(x, k, False, np.float32)


def block_any(mask: np.ndarray, k: int) -> np.ndarray:
    """Whether any sample is True in each block of ``k`` samples (the last may be shorter)."""
    return _block_reduce(np.asarray(mask, dtype=np.bool_).view(np.uint8), k, True,
                         np.uint8).astype(np.bool_)


@njit(cache=True, nogil=True)
def _local_maxima(x: np.ndarray, half: int) -> np.ndarray:  # pragma: no cover - numba
    # A sample that is the maximum of [i - half, i + half] is also the maximum of the block
    # of half + 1 samples holding it (that block lies inside its window): only the block
    # maxima need the full window test, about 3 passes instead of a running maximum.
    n = x.size
    b = half + 1
    out = np.empty(n // b + n % b + 1 if b > 1 else n, dtype=np.int64)
    k = 0
    for s0 in range(0, n, b):
        s1 = min(n, s0 + b)
        m = x[s0]
        for i in range(s0 + 1, s1):
            if x[i] > m:
                m = x[i]
        for i in range(s0, s1):
            if x[i] == m:
                lo = max(0, i - half)
                hi = min(n, i + half + 1)
                ok = True
                for j in range(lo, hi):
                    if x[j] > m:
                        ok = False
                        break
                if ok:
                    if k == out.size:
                        grown = np.empty(2 * out.size + 1, dtype=np.int64)
                        grown[:k] = out[:k]
                        out = grown
                    out[k] = i
                    k += 1
    return out[:k].copy()


def local_maxima(x: np.ndarray, half: int) -> np.ndarray:
    """Indices ``i`` where ``x[i]`` equals the maximum of ``x[i - half : i + half + 1]`` (cut
    at the ends); the same as ``np.flatnonzero(x == running_max(x, 2 * half + 1))`` for
    NaN-free ``x``, without the running maximum."""
    if half < 0:
        raise ParameterError(f"half must be >= 0 samples, received {half!r}")
    data = np.ascontiguousarray(x, dtype=np.float32)
    if data.size == 0:
        return np.zeros(0, dtype=np.int64)
    return _local_maxima(data, int(half))


@njit(cache=True, nogil=True)
def _window_max_at(x: np.ndarray, idx: np.ndarray, half: int, b: int, bmax: np.ndarray,
                   out: np.ndarray) -> None:  # pragma: no cover - numba
    n = x.size
    for k in range(idx.size):
        lo = max(0, idx[k] - half)
        hi = min(n, idx[k] + half + 1)
        m = x[lo]
        first_full = -(-lo // b)
        last_full = hi // b  # blocks [first_full, last_full) lie inside [lo, hi)
        if first_full < last_full:
            for i in range(lo, first_full * b):
                m = max(m, x[i])
            for j in range(first_full, last_full):
                m = max(m, bmax[j])
            for i in range(last_full * b, hi):
                m = max(m, x[i])
        else:
            for i in range(lo, hi):
                m = max(m, x[i])
        out[k] = m


def window_max_at(x: np.ndarray, idx: np.ndarray, half: int) -> np.ndarray:
    """``running_max(x, 2 * half + 1)[idx]`` computed at ``idx`` only (float32), from block
    maxima: cheaper when ``idx`` is sparse."""
    data = np.ascontiguousarray(x, dtype=np.float32)
    ii = np.ascontiguousarray(idx, dtype=np.int64)
    out = np.empty(ii.size, dtype=np.float32)
    if ii.size:
        if half < 0 or int(ii.min()) < 0 or int(ii.max()) >= data.size:
            raise ParameterError(f"indices must lie within 0..{data.size - 1} and half >= 0")
        b = max(1, int(np.sqrt(2 * half + 1)))
        _window_max_at(data, ii, int(half), b, block_max(data, b), out)
    return out


def _running(x: np.ndarray, window: int, maximum: bool) -> np.ndarray:
    if window < 1:
        raise ParameterError(f"window must be >= 1 sample, received {window!r}")
    out = np.empty(x.size, dtype=np.float32)
    if x.size:
        _running_extreme(np.ascontiguousarray(x, dtype=np.float32), int(window), maximum, out)
    return out


def running_max(x: np.ndarray, window: int) -> np.ndarray:
    """Centred running maximum over ``window`` samples, float32, O(n)."""
    return _running(x, window, True)


def running_min(x: np.ndarray, window: int) -> np.ndarray:
    """Centred running minimum over ``window`` samples, float32, O(n)."""
    return _running(x, window, False)


@njit(cache=True, nogil=True)
def _hysteresis(
    env: np.ndarray, low: np.ndarray, high: np.ndarray, cap: np.ndarray, step: int,
    blocked: np.ndarray, min_off: int, max_excursion: int, min_quiet_before: int
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - numba
    # low/high/cap hold one threshold per ``step`` samples; blocked (empty or one per
    # sample) forbids onsets. A quiet run starts at a sample <= low. Inside it, an
    # excursion above low of at most ``max_excursion`` samples that stays below cap and
    # begins after at least ``min_quiet_before`` quiet samples does not break it (with
    # max_excursion = 0 every sample above low does: the plain rule). The run ends the
    # event once it spans min_off samples on a sample <= low, so an excursion still going
    # on at that point is judged whole.
    n = env.size
    use_blocked = blocked.size > 0
    # Successive onsets are at least min_off + 1 samples apart (an event holds a sample
    # and its quiet run min_off), so this many events at most: 0.4 MB at 8 h and 100 Hz
    # with the 0.5-s run, not two arrays of half the envelope's length.
    most = n // (max(1, min_off) + 1) + 1
    starts = np.empty(most, dtype=np.int64)
    ends = np.empty(most, dtype=np.int64)
    k = 0
    inside = False
    in_run = False
    start = 0
    run_start = 0
    excursion = 0
    for i in range(n):
        v = env[i]
        b = i // step
        if not inside:
            if v >= high[b] and not (use_blocked and blocked[i]):
                inside = True
                start = i
                in_run = False
        elif v <= low[b]:
            if not in_run:
                in_run = True
                run_start = i
            excursion = 0
            if i - run_start + 1 >= min_off:
                starts[k] = start
                ends[k] = run_start
                k += 1
                inside = False
                in_run = False
        elif in_run:
            if excursion == 0 and i - run_start < min_quiet_before:
                in_run = False  # the envelope came back too soon: still the movement
            else:
                excursion += 1
                if excursion > max_excursion or v >= cap[b]:
                    in_run = False
    if inside:
        starts[k] = start
        ends[k] = run_start if in_run and excursion == 0 else n
        k += 1
    return starts[:k].copy(), ends[:k].copy()


def crossing_times(envelope: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                   low: np.ndarray | float, high: np.ndarray | float, *, fs_hz: float,
                   step: int = 1, first_sample_s: float = 0.0
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Onset and offset times in s of :func:`hysteresis_events` events, between samples.

    The detector decides on whole envelope samples (about 10 ms each); the times it reports
    should not carry that grid. The onset is where the envelope, linearly interpolated
    between the last sample below ``high`` and the first at or above it, reaches ``high``;
    the offset likewise where it falls to ``low`` between the last sample of the event and
    the first of the quiet run. An event at the start of the signal begins at its first
    sample, one still open at the end ends at the signal's end.

    Parameters
    ----------
    envelope : numpy.ndarray
        Envelope in µV the events were found on, sampled at ``fs_hz`` Hz.
    starts, ends : numpy.ndarray
        Event sample indices from :func:`hysteresis_events` (``[start, end)``).
    low, high : numpy.ndarray or float
        The offset and onset thresholds in µV used (one value per ``step`` samples).
    fs_hz : float
        Sampling rate of ``envelope`` in Hz.
    step : int
        Samples of ``envelope`` per threshold value.
    first_sample_s : float
        Time in s that envelope sample 0 stands for (e.g. the centre of its first block).

    Returns
    -------
    onsets_s, offsets_s : numpy.ndarray
        float64 times in s.
    """
    # Only the samples next to each crossing are taken to float64 (the same values as
    # converting the whole envelope, without a float64 copy of the night: memory).
    env = np.asarray(envelope)
    s = np.asarray(starts, dtype=np.int64)
    e = np.asarray(ends, dtype=np.int64)
    n_steps = max(1, -(-env.size // step))
    lo = np.broadcast_to(np.asarray(low), (n_steps,))
    hi = np.broadcast_to(np.asarray(high), (n_steps,))

    def at(th: np.ndarray, i: np.ndarray) -> np.ndarray:
        return th[np.minimum(i // step, th.size - 1)].astype(np.float64)

    def value(i: np.ndarray) -> np.ndarray:
        return env[i].astype(np.float64)

    def frac(v0: np.ndarray, v1: np.ndarray, level: np.ndarray) -> np.ndarray:
        span = v1 - v0
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(span != 0, (level - v0) / np.where(span != 0, span, 1.0), 1.0)
        return np.clip(f, 0.0, 1.0)

    on = s.astype(np.float64)
    inner = s > 0
    i = s[inner]
    on[inner] = i - 1 + frac(value(i - 1), value(i), at(hi, i))
    off = e.astype(np.float64)
    inner = (e > 0) & (e < env.size)
    i = e[inner]
    off[inner] = i - 1 + frac(value(i - 1), value(i), at(lo, i))
    # an event at either end of the signal keeps the signal's edge
    on[~(s > 0)] = s[~(s > 0)] - 0.5
    off[e >= env.size] = e[e >= env.size] - 0.5
    return (np.maximum(first_sample_s + on / fs_hz, 0.0),
            np.maximum(first_sample_s + off / fs_hz, 0.0))


def hysteresis_events(
    envelope: np.ndarray,
    low: np.ndarray | float,
    high: np.ndarray | float,
    *,
    fs_hz: float,
    min_off_s: float = 0.5,
    step: int = 1,
    no_onset: np.ndarray | None = None,
    rest_excursion_max_s: float | None = None,
    rest_excursion_below: np.ndarray | float | None = None,
    rest_excursion_min_quiet_s: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Events of a two-threshold detector (the AASM/WASM leg-movement onset/offset rule).

    An event starts at the first sample with ``envelope >= high`` (the "8 µV above resting
    EMG" rule) and ends at the first sample of a run of at least ``min_off_s`` s in which
    ``envelope <= low`` throughout (the "start of a period >= 0.5 s during which EMG stays
    <= 2 µV above resting" rule); Ferri et al., Sleep Med 2016;26:86-95,
    https://doi.org/10.1016/j.sleep.2016.10.010. Dips shorter than ``min_off_s`` do not end
    an event. An event still open at the end of the signal ends there.

    With ``rest_excursion_max_s``, "throughout" is judged as a scorer reading a noisy
    resting EMG would: a brief excursion above ``low`` inside the quiet run - lasting at
    most ``rest_excursion_max_s`` s, staying below ``rest_excursion_below`` and beginning
    at least ``rest_excursion_min_quiet_s`` s after the run began - is a spike of the rest,
    not EMG activity, and does not break the run. Any other sample above ``low`` breaks it
    as in the plain rule. The run still starts at a sample ``<= low``, so the event never
    ends before the envelope first falls to ``low``; it must span ``min_off_s`` s and end
    on a sample ``<= low`` (an excursion still going on when ``min_off_s`` is reached is
    judged whole).

    Parameters
    ----------
    envelope : numpy.ndarray
        Envelope in µV sampled at ``fs_hz`` Hz.
    low, high : numpy.ndarray or float
        Offset and onset thresholds in µV (per sample or constant); ``inf`` disables onsets.
    fs_hz : float
        Sampling rate of ``envelope`` in Hz.
    min_off_s : float
        Length in s of the quiet run that ends an event (0.5 s).
    step : int
        ``low`` and ``high`` hold one value per ``step`` samples of ``envelope`` (e.g. a
        baseline on a 0.1-s grid), so that no full-rate threshold arrays are needed.
    no_onset : numpy.ndarray of bool, optional
        Samples where no event may start (unscorable stretches); an event already running
        goes on.
    rest_excursion_max_s : float or None
        Longest excursion above ``low`` in s (whole samples: at most
        ``floor(rest_excursion_max_s * fs_hz)`` of them) that does not break a quiet run;
        ``None`` (default) or 0: every sample above ``low`` breaks it.
    rest_excursion_below : numpy.ndarray or float or None
        A tolerated excursion stays below this envelope level in µV (like ``low``, per
        ``step`` samples or constant); ``None``: ``high``.
    rest_excursion_min_quiet_s : float
        An excursion beginning less than this many s after the quiet run began (whole
        samples, rounded up) breaks the run: the envelope is still crossing ``low`` on its
        way down.

    Returns
    -------
    starts, ends : numpy.ndarray
        Sample indices (int64); an event covers ``[start, end)``.
    """
    if step < 1:
        raise ParameterError(f"step must be >= 1 sample, received {step!r}")
    env = np.ascontiguousarray(envelope, dtype=np.float32)
    shape = (-(-env.size // step),)
    lo = np.broadcast_to(np.asarray(low, dtype=np.float32), shape)
    hi = np.broadcast_to(np.asarray(high, dtype=np.float32), shape)
    if env.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    blocked = np.zeros(0, dtype=np.bool_)
    if no_onset is not None:
        if np.shape(no_onset) != env.shape:
            raise ParameterError(f"no_onset must have the envelope's shape {env.shape}, "
                                 f"received {np.shape(no_onset)}")
        blocked = np.ascontiguousarray(no_onset, dtype=np.bool_)
    min_off = samples_at_least(min_off_s, fs_hz)
    if rest_excursion_max_s is not None and not rest_excursion_max_s >= 0:
        raise ParameterError("rest_excursion_max_s must be >= 0 s or None, received "
                             f"{rest_excursion_max_s!r}")
    if not rest_excursion_min_quiet_s >= 0:
        raise ParameterError("rest_excursion_min_quiet_s must be >= 0 s, received "
                             f"{rest_excursion_min_quiet_s!r}")
    # "at most t s" in whole samples of 1/fs s each (1e-9: 0.1 s at 100 Hz is 10 samples)
    max_exc = int(math.floor((rest_excursion_max_s or 0.0) * fs_hz + 1e-9))
    min_quiet = (samples_at_least(rest_excursion_min_quiet_s, fs_hz)
                 if rest_excursion_min_quiet_s > 0 else 0)
    below = hi if rest_excursion_below is None else np.broadcast_to(
        np.asarray(rest_excursion_below, dtype=np.float32), shape)
    return _hysteresis(env, np.ascontiguousarray(lo), np.ascontiguousarray(hi),
                       np.ascontiguousarray(below), int(step), blocked, min_off, max_exc,
                       min_quiet)


@njit(cache=True, nogil=True)
def _max_window_count(above: np.ndarray, w: int) -> int:  # pragma: no cover - numba
    n = above.size
    if n < w:
        return -1
    c = 0
    for i in range(w):
        c += above[i]
    best = c
    for i in range(w, n):
        c += above[i] - above[i - w]
        if c > best:
            best = c
    return best


def has_median_window_above(rectified: np.ndarray, threshold: float, window: int) -> bool:
    """Whether some window of ``window`` samples has a median >= ``threshold``.

    The median of an odd window of ``w`` samples is >= t exactly when at least
    ``(w + 1) // 2`` of them are >= t, so a sliding count replaces the running median (O(n)).
    This is the WASM 2016 computer-scoring morphology criterion with a 0.5-s window
    (Skeba et al., Sleep Breath 2016;20:1293, https://doi.org/10.1007/s11325-016-1404-2).
    """
    if window < 1:
        raise ParameterError(f"window must be >= 1 sample, received {window!r}")
    above = (np.asarray(rectified) >= threshold).astype(np.int32)
    best = _max_window_count(above, int(window))
    return best >= (window + 1) // 2


__all__ = [
    "block_any",
    "block_max",
    "block_min",
    "crossing_times",
    "has_median_window_above",
    "hysteresis_events",
    "local_maxima",
    "moving_average",
    "moving_average_below",
    "running_max",
    "running_min",
    "samples_at_least",
    "segment_max_window_mean_above",
    "segment_means",
    "segment_peak_mean_above",
    "window_max_at",
    "window_samples",
]
