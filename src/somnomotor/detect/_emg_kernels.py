"""Per-sample numba kernels behind :mod:`somnomotor.detect._bursts` (EMG band-pass and power).

An 8-h night of five EMG channels at 512 Hz is 74 million samples, so every nanosecond per
sample costs 0.07 s. The kernels here are written for that budget:

* :func:`filtfilt2` runs the zero-phase two-section band-pass in sixteen *lanes*: each group
  of samples is cut into 16 chunks laid side by side (rows x lanes), and one loop walks the
  rows with the lanes as SIMD vector elements. One biquad cascade is a chain of dependent
  multiply-adds (the CPU waits for each result); sixteen independent chains in vector
  registers keep its arithmetic units busy, about 2x faster per night than four scalar
  chains (0.05 s instead of 0.10 s per 8-h 512-Hz channel on the development machine). Each
  lane starts ``warm`` samples before its chunk with a zero state; the filter's transient
  has decayed below float32 rounding by then (pole radius ``r``: ``r**warm < 1e-15``), so
  the output is the same as one pass over the whole signal (tested against scipy).
* :func:`decimated_mean_square` sums each window directly (no running sum, no modulo per
  sample; a running sum over the natural layout measured no faster).
  :func:`filtfilt2_power` computes the power inside the band-pass's lane layout instead,
  with running sums that are SIMD across the lanes: band-pass plus power 0.07 s per 8-h
  512-Hz channel instead of 0.11 s.
* :func:`centered_mean` and :func:`hysteresis_runs` avoid an integer or float division per
  sample in the interior of the signal.

All kernels release the GIL (``nogil``), so channels can be processed in threads.
"""

from __future__ import annotations

import math

import numba
import numpy as np

#: Number of lanes (independent chunks) filtered side by side: 16 float32 samples are one
#: 64-byte cache line and four AVX2 / one AVX-512 register of float64 after conversion.
N_LANES = 16

#: Rows (samples per lane) of one group: 16 x (8011 + 2 x warm-up) float32 is about 0.6 MB,
#: so a group stays in the L2 cache through both passes. Not a power of two: lanes a
#: power-of-two distance apart in memory compete for the same cache sets (measured 6x
#: slower write-back at 8192).
ROWS_PER_GROUP = 8011


def warm_up_samples(sos: np.ndarray, *, decay: float = 1e-15) -> int:
    """Samples after which the filter's zero-state transient has decayed by ``decay``.

    From the largest pole radius ``r`` of the second-order sections: ``r**n < decay``.
    For the 10-100 Hz order-2 Butterworth band-pass this is about 0.55 s at any rate.
    """
    radius = 0.0
    for sec in np.asarray(sos, dtype=np.float64):
        radius = max(radius, float(np.abs(np.roots(sec[3:])).max()))
    if radius <= 0.0:
        return 1
    if radius >= 1.0:  # unstable or marginal (never for a Butterworth design): no lanes
        return -1
    return math.ceil(math.log(decay) / math.log(radius)) + 1


@numba.njit(cache=True, nogil=True, fastmath={"contract"})
def _cascade_rows(buf: np.ndarray, n_rows: int, s: np.ndarray,
                  z: np.ndarray) -> None:  # pragma: no cover - numba
    """Two biquads down the rows of ``buf`` (rows x lanes, float32), in place, zero state.

    The inner loop runs across the lanes of one row: contiguous, independent, so LLVM turns
    it into SIMD instructions. It always walks the rows upwards: the same loop walking them
    downwards measured 3x slower, so the backward pass runs on a row-flipped copy instead.
    """
    b0, b1, b2, a1, a2 = s[0], s[1], s[2], s[3], s[4]
    c0, c1, c2, d1, d2 = s[5], s[6], s[7], s[8], s[9]
    n_lanes = buf.shape[1]
    z[:] = 0.0
    p = z[0]
    q = z[1]
    r = z[2]
    u = z[3]
    for k in range(n_rows):
        row = buf[k]
        for lane in range(n_lanes):
            v = np.float64(row[lane])
            y0 = b0 * v + p[lane]
            p[lane] = b1 * v - a1 * y0 + q[lane]
            q[lane] = b2 * v - a2 * y0
            y1 = c0 * y0 + r[lane]
            r[lane] = c1 * y0 - d1 * y1 + u[lane]
            u[lane] = c2 * y0 - d2 * y1
            row[lane] = np.float32(y1)


@numba.njit(cache=True, nogil=True)
def _gather_lanes(x: np.ndarray, buf: np.ndarray, n_rows: int, first: int,
                  chunk: int) -> None:  # pragma: no cover - numba
    """``buf[t, lane] = x[first + lane * chunk + t]``, zero outside the signal."""
    n = x.size
    n_lanes = buf.shape[1]
    if first >= 0 and first + (n_lanes - 1) * chunk + n_rows <= n:
        for t in range(n_rows):
            row = buf[t]
            i = first + t
            for lane in range(n_lanes):
                row[lane] = x[i + lane * chunk]
        return
    for t in range(n_rows):
        row = buf[t]
        for lane in range(n_lanes):
            i = first + lane * chunk + t
            row[lane] = x[i] if 0 <= i < n else np.float32(0.0)


@numba.njit(cache=True, nogil=True)
def _flip_rows(src: np.ndarray, dst: np.ndarray, n_rows: int,
               first: int, chunk: int, n: int) -> None:  # pragma: no cover - numba
    """``dst`` = ``src`` with its first ``n_rows`` rows in reverse order.

    Samples at or past the signal's end (index ``first + lane * chunk + t >= n``) become 0:
    the backward pass starts from silence at the end, as a single pass does.
    """
    n_lanes = src.shape[1]
    for k in range(n_rows):
        t = n_rows - 1 - k
        a = src[t]
        b = dst[k]
        if first + (n_lanes - 1) * chunk + t < n:
            for lane in range(n_lanes):
                b[lane] = a[lane]
        else:
            for lane in range(n_lanes):
                b[lane] = a[lane] if first + lane * chunk + t < n else np.float32(0.0)


@numba.njit(cache=True, nogil=True)
def _scatter_flipped(buf: np.ndarray, y: np.ndarray, n_rows: int, warm: int, g0: int,
                     chunk: int, g_end: int) -> None:  # pragma: no cover - numba
    """Write the lanes' own chunks (row-flipped ``buf``) back to ``y[g0:g_end]``."""
    n_lanes = buf.shape[1]
    whole = g0 + n_lanes * chunk <= g_end
    for t in range(chunk):
        row = buf[n_rows - 1 - warm - t]
        i = g0 + t
        if whole:
            for lane in range(n_lanes):
                y[i + lane * chunk] = row[lane]
        else:
            for lane in range(n_lanes):
                j = i + lane * chunk
                if j < g_end:
                    y[j] = row[lane]


@numba.njit(cache=True, nogil=True)
def _pack_sos(sos: np.ndarray) -> np.ndarray:  # pragma: no cover - numba
    """b0 b1 b2 a1 a2 of both sections in one flat array (a0 is 1 for a Butterworth design)."""
    s = np.empty(10)
    s[0], s[1], s[2], s[3], s[4] = sos[0, 0], sos[0, 1], sos[0, 2], sos[0, 4], sos[0, 5]
    s[5], s[6], s[7], s[8], s[9] = sos[1, 0], sos[1, 1], sos[1, 2], sos[1, 4], sos[1, 5]
    return s


@numba.njit(cache=True, nogil=True)
def _filter_group(x: np.ndarray, y: np.ndarray, fwd: np.ndarray, bwd: np.ndarray,
                  z: np.ndarray, s: np.ndarray, g0: int, g_end: int, chunk: int,
                  warm: int) -> int:  # pragma: no cover - numba
    """Filter ``x[g0:g_end]`` forward and backward in lanes of ``chunk`` samples into ``y``.

    Leaves the row-flipped result in ``bwd`` and returns its number of rows.
    """
    n_rows = chunk + 2 * warm
    first = g0 - warm
    _gather_lanes(x, fwd, n_rows, first, chunk)
    _cascade_rows(fwd, n_rows, s, z)
    _flip_rows(fwd, bwd, n_rows, first, chunk, x.size)
    _cascade_rows(bwd, n_rows, s, z)
    _scatter_flipped(bwd, y, n_rows, warm, g0, chunk, g_end)
    return n_rows


@numba.njit(cache=True, nogil=True, fastmath={"contract"})
def _lane_power(buf: np.ndarray, n_rows: int, warm: int, g0: int, chunk: int, win: int,
                step: int, out: np.ndarray, acc: np.ndarray) -> None:  # pragma: no cover
    """Mean square over ``win`` samples at every ``step``-th sample, inside each lane's chunk.

    ``buf`` is the row-flipped, filtered group (sample ``g0 + lane * chunk + t`` in row
    ``n_rows - 1 - warm - t``); ``g0`` and ``chunk`` are multiples of ``step``, so every lane
    has its outputs at the same ``t``. A running sum per lane slides down the rows (SIMD
    across the lanes). Outputs whose window reaches outside the chunk are left to
    :func:`_power_direct`.
    """
    n_lanes = buf.shape[1]
    h = win // 2
    t = ((h + step - 1) // step) * step
    t_last = chunk - 1 - h
    if t > t_last:
        return
    acc[:] = 0.0
    top = n_rows - 1 - warm
    for u in range(t - h, t + h + 1):
        row = buf[top - u]
        for lane in range(n_lanes):
            v = np.float64(row[lane])
            acc[lane] += v * v
    inv = 1.0 / win
    per_lane = chunk // step
    while True:
        j = (g0 + t) // step
        for lane in range(n_lanes):
            out[j + lane * per_lane] = np.float32(acc[lane] * inv)
        if t + step > t_last:
            break
        for k in range(step):
            ra = buf[top - (t + h + 1 + k)]
            rs = buf[top - (t - h + k)]
            for lane in range(n_lanes):
                a = np.float64(ra[lane])
                b = np.float64(rs[lane])
                acc[lane] += a * a - b * b
        t += step


@numba.njit(cache=True, nogil=True)
def _power_direct(y: np.ndarray, out: np.ndarray, j_lo: int, j_hi: int, win: int,
                  step: int) -> None:  # pragma: no cover
    """``out[j]`` for ``j_lo <= j < j_hi``: mean of ``y**2`` over the (clipped) window."""
    n = y.size
    h = win // 2
    for j in range(max(0, j_lo), min(out.size, j_hi)):
        c = j * step
        lo = max(0, c - h)
        hi = min(n, c + h + 1)
        acc = 0.0
        for i in range(lo, hi):
            v = np.float64(y[i])
            acc += v * v
        out[j] = np.float32(acc / (hi - lo))


@numba.njit(cache=True, nogil=True)
def filtfilt2_power(x: np.ndarray, sos: np.ndarray, warm: int, n_lanes: int, win: int,
                    step: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """:func:`filtfilt2` and :func:`decimated_mean_square` of its output in one pass.

    The power is computed while each group is still in the cache, by running sums across
    the lanes (:func:`_lane_power`); the few outputs whose window crosses a lane's edge, and
    the whole last (partial) group, are summed directly afterwards. Same values as the two
    calls one after the other, up to float64 rounding of the running sums (relative 1e-9
    for EMG; a burst 1e4 times the resting level leaves well under 1e-6).
    """
    n = x.size
    y = np.empty(n, np.float32)
    m = (n + step - 1) // step
    power = np.empty(m, np.float32)
    if n == 0:
        return y, power
    s = _pack_sos(sos)
    h = win // 2
    # whole groups start at multiples of ``step`` so that every lane has its outputs in the
    # same rows
    rows = ((ROWS_PER_GROUP + step - 1) // step) * step
    group = n_lanes * rows
    rows_max = min(rows, (n + n_lanes - 1) // n_lanes) + 2 * warm
    fwd = np.empty((rows_max, n_lanes), np.float32)
    bwd = np.empty((rows_max, n_lanes), np.float32)
    z = np.zeros((4, n_lanes))
    acc = np.zeros(n_lanes)
    full_end = 0
    for g0 in range(0, n, group):
        g_end = min(n, g0 + group)
        chunk = (g_end - g0 + n_lanes - 1) // n_lanes
        n_rows = _filter_group(x, y, fwd, bwd, z, s, g0, g_end, chunk, warm)
        if g_end - g0 == group:
            _lane_power(bwd, n_rows, warm, g0, chunk, win, step, power, acc)
            full_end = g_end
    # windows that cross a lane edge (every lane start, and the end of the whole groups),
    # then everything after the whole groups
    for g0 in range(0, full_end, group):
        for lane in range(n_lanes):
            edge = g0 + lane * rows
            _power_direct(y, power, (edge - h) // step, (edge + h) // step + 1, win, step)
    _power_direct(y, power, (full_end - h) // step, m, win, step)
    return y, power


def power_group_rows(step: int) -> int:
    """Rows per lane of one group in :func:`filtfilt2_power` (a multiple of ``step``)."""
    return ((ROWS_PER_GROUP + step - 1) // step) * step


@numba.njit(cache=True, nogil=True)
def _power_direct_at(y_part: np.ndarray, y_base: int, n: int, out: np.ndarray, j_lo: int,
                     j_hi: int, win: int, step: int) -> None:  # pragma: no cover
    """:func:`_power_direct` on a part of the signal: ``y_part[i - y_base]`` is sample ``i``
    of a signal of ``n`` samples (the windows must lie inside the part)."""
    h = win // 2
    for j in range(max(0, j_lo), min(out.size, j_hi)):
        c = j * step
        lo = max(0, c - h)
        hi = min(n, c + h + 1)
        acc = 0.0
        for i in range(lo, hi):
            v = np.float64(y_part[i - y_base])
            acc += v * v
        out[j] = np.float32(acc / (hi - lo))


@numba.njit(cache=True, nogil=True)
def filter_groups_part(x_part: np.ndarray, x_base: int, n: int, sos: np.ndarray, warm: int,
                       n_lanes: int, rows: int, g_lo: int, g_hi: int, y_part: np.ndarray,
                       y_base: int, win: int, step: int,
                       power: np.ndarray) -> None:  # pragma: no cover - numba
    """The groups of :func:`filtfilt2_power` that start in ``[g_lo, g_hi)``, from a part of x.

    The whole signal has ``n`` samples; ``x_part[i - x_base]`` is its sample ``i`` and must
    hold every sample the groups read (``warm`` before ``g_lo`` to ``warm`` after the last
    group's end, clipped to the signal). The filtered samples of the groups go to
    ``y_part[i - y_base]``; when ``power`` has entries, the power of the whole groups is
    written into it (global indices; the windows across lane edges are left to
    :func:`_power_direct_at`). The group layout and the arithmetic are those of
    :func:`filtfilt2_power`, so the values are the same bit for bit.
    """
    s = _pack_sos(sos)
    group = n_lanes * rows
    rows_max = min(rows, (n + n_lanes - 1) // n_lanes) + 2 * warm
    fwd = np.empty((rows_max, n_lanes), np.float32)
    bwd = np.empty((rows_max, n_lanes), np.float32)
    z = np.zeros((4, n_lanes))
    acc = np.zeros(n_lanes)
    n_part = n - x_base  # samples from x_base to the signal's end
    for g0 in range(g_lo, min(g_hi, n), group):
        g_end = min(n, g0 + group)
        chunk = (g_end - g0 + n_lanes - 1) // n_lanes
        n_rows = chunk + 2 * warm
        first = g0 - warm - x_base
        _gather_lanes(x_part, fwd, n_rows, first, chunk)
        _cascade_rows(fwd, n_rows, s, z)
        _flip_rows(fwd, bwd, n_rows, first, chunk, n_part)
        _cascade_rows(bwd, n_rows, s, z)
        _scatter_flipped(bwd, y_part, n_rows, warm, g0 - y_base, chunk, g_end - y_base)
        if power.size and g_end - g0 == group:
            _lane_power(bwd, n_rows, warm, g0, chunk, win, step, power, acc)


@numba.njit(cache=True, nogil=True)
def filtfilt2(x: np.ndarray, sos: np.ndarray, warm: int,
              n_lanes: int) -> np.ndarray:  # pragma: no cover
    """Forward then backward pass of two second-order sections, zero initial state.

    Returns float32. The signal is processed in groups of :data:`N_LANES` x
    :data:`ROWS_PER_GROUP` samples; within a group each of the lanes filters its own chunk,
    starting ``warm`` samples before it (forward) and ending ``warm`` samples after it
    (backward), so every output sample is the same as one pass over the whole signal up to
    the filter's transient below 1e-15. The lane at the signal's start and the one at its
    end see zeros beyond the signal, exactly as a single pass starting there with a zero
    state does.
    """
    n = x.size
    y = np.empty(n, np.float32)
    if n == 0:
        return y
    s = _pack_sos(sos)
    group = n_lanes * ROWS_PER_GROUP
    rows_max = min(ROWS_PER_GROUP, (n + n_lanes - 1) // n_lanes) + 2 * warm
    fwd = np.empty((rows_max, n_lanes), np.float32)
    bwd = np.empty((rows_max, n_lanes), np.float32)
    z = np.zeros((4, n_lanes))
    for g0 in range(0, n, group):
        g_end = min(n, g0 + group)
        chunk = (g_end - g0 + n_lanes - 1) // n_lanes
        _filter_group(x, y, fwd, bwd, z, s, g0, g_end, chunk, warm)
    return y


@numba.njit(cache=True, nogil=True)
def decimated_mean_square(y: np.ndarray, win: int, step: int) -> np.ndarray:  # pragma: no cover
    """Centred mean of y**2 over ``win`` (odd) samples at every ``step``-th sample.

    Each window is summed directly (float64), shorter at the signal's ends.
    """
    m = (y.size + step - 1) // step
    out = np.empty(m, np.float32)
    _power_direct(y, out, 0, m, win, step)
    return out


@numba.njit(cache=True, nogil=True)
def centered_mean(y: np.ndarray, win: int) -> np.ndarray:  # pragma: no cover
    """Centred moving mean of y over ``win`` (odd) samples (shorter at the edges), float32."""
    n = y.size
    out = np.empty(n, dtype=np.float32)
    h = win // 2
    if n == 0:
        return out
    acc = 0.0
    for j in range(min(n, h + 1)):
        acc += y[j]
    # the same running sum as a single loop, split where the window is whole so that the
    # interior needs neither bounds tests nor a varying count
    i0 = min(h, n)  # first index whose window starts inside the signal
    i1 = max(i0, n - h - 1)  # first index whose window reaches past the end
    for i in range(i0):
        out[i] = np.float32(acc / (min(n, i + h + 1) - max(0, i - h)))
        nxt = i + h + 1
        if nxt < n:
            acc += y[nxt]
        if i - h >= 0:
            acc -= y[i - h]
    fw = float(win)
    for i in range(i0, i1):
        out[i] = np.float32(acc / fw)
        acc += y[i + h + 1]
        acc -= y[i - h]
    for i in range(i1, n):
        out[i] = np.float32(acc / (min(n, i + h + 1) - max(0, i - h)))
        nxt = i + h + 1
        if nxt < n:
            acc += y[nxt]
        if i - h >= 0:
            acc -= y[i - h]
    return out


@numba.njit(cache=True, nogil=True)
def hysteresis_runs(
    p: np.ndarray, on_thr: np.ndarray, off_thr: np.ndarray, block: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    """Runs that start above ``on_thr`` and end below ``off_thr`` (thresholds per block).

    Samples beyond the last block use the last block's thresholds.
    """
    n = p.size
    cap = 1024
    starts = np.empty(cap, dtype=np.int64)
    ends = np.empty(cap, dtype=np.int64)
    peaks = np.empty(cap, dtype=np.float32)
    count = 0
    inside = False
    start = 0
    peak = np.float32(0.0)
    nb = on_thr.size
    for b in range(nb):
        lo = b * block
        hi = n if b == nb - 1 else min(n, lo + block)
        on = on_thr[b]
        off = off_thr[b]
        for i in range(lo, hi):
            v = p[i]
            if not inside:
                if v > on:
                    inside = True
                    start = i
                    peak = v
            else:
                peak = max(peak, v)
                if v < off:
                    if count == cap:
                        cap *= 2
                        starts = np.concatenate((starts, np.empty(cap - count, np.int64)))
                        ends = np.concatenate((ends, np.empty(cap - count, np.int64)))
                        peaks = np.concatenate((peaks, np.empty(cap - count, np.float32)))
                    starts[count] = start
                    ends[count] = i
                    peaks[count] = peak
                    count += 1
                    inside = False
    if inside:
        if count == cap:
            starts = np.concatenate((starts, np.empty(1, np.int64)))
            ends = np.concatenate((ends, np.empty(1, np.int64)))
            peaks = np.concatenate((peaks, np.empty(1, np.float32)))
        starts[count] = start
        ends[count] = n
        peaks[count] = peak
        count += 1
    return starts[:count], ends[:count], peaks[:count]


@numba.njit(cache=True, nogil=True)
def _run_around(env_s: np.ndarray, lo: int, hi: int, thr: float, k: int,
                bridge: int) -> tuple[int, int]:  # pragma: no cover
    """First and last index in [lo, hi) of the run of ``env_s >= thr`` holding ``k``.

    Gaps shorter than ``bridge`` samples are closed.
    """
    left = k
    gap = 0
    j = k - 1
    while j >= lo:
        if env_s[j] >= thr:
            left = j
            gap = 0
        else:
            gap += 1
            if gap >= bridge:
                break
        j -= 1
    right = k
    gap = 0
    j = k + 1
    while j < hi:
        if env_s[j] >= thr:
            right = j
            gap = 0
        else:
            gap += 1
            if gap >= bridge:
                break
        j += 1
    return left, right


@numba.njit(cache=True, nogil=True)
def measure_on_envelope(
    env: np.ndarray, offsets: np.ndarray, first: np.ndarray, last: np.ndarray, sm: int,
    bridge: int, fraction: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    """Amplitude and extent of each potential on its analytic envelope (two rounds).

    ``env`` holds the envelopes of all stretches one after the other, stretch ``i`` at
    ``offsets[i]:offsets[i + 1]``; ``first``/``last`` are the potential's first and last
    sample within its stretch. Each round: amplitude = RMS of the envelope over the central
    half of the current extent; extent = run around the maximum of the envelope smoothed
    over ``sm`` samples (centred, as ``numpy.convolve(..., mode="same")``) where it stays at
    or above ``fraction`` x amplitude, gaps < ``bridge`` closed. Returns first, last (within
    the stretch) and the amplitude.
    """
    m = first.size
    out_l = np.empty(m, np.int64)
    out_r = np.empty(m, np.int64)
    out_a = np.empty(m, np.float64)
    for i in range(m):
        o0 = offsets[i]
        nseg = offsets[i + 1] - o0
        e = env[o0:o0 + nseg]
        es = np.empty(nseg)
        if sm > 1:
            c = (sm - 1) // 2
            inv = 1.0 / sm
            for t in range(nseg):
                acc = 0.0
                for q in range(sm):
                    j = t + c - q
                    if 0 <= j < nseg:
                        acc += e[j] * inv
                es[t] = acc
        else:
            es[:] = e
        left = first[i]
        right = last[i]
        amp = 0.0
        for _ in range(2):
            q = max(1, (right + 1 - left) // 4)
            if right + 1 - left > 2 * q:
                c0, c1 = left + q, right + 1 - q
            else:
                c0, c1 = left, right + 1
            if c1 <= c0:
                c0 = (left + right) // 2
                c1 = c0 + 1
            acc = 0.0
            for t in range(c0, c1):
                acc += e[t] * e[t]
            amp = np.sqrt(acc / (c1 - c0))
            k = left
            for t in range(left, right + 1):
                if es[t] > es[k]:
                    k = t
            left, right = _run_around(es, 0, nseg, fraction * amp, k, bridge)
        out_l[i] = left
        out_r[i] = right
        out_a[i] = amp
    return out_l, out_r, out_a


__all__ = ["N_LANES", "centered_mean", "decimated_mean_square", "filter_groups_part", "filtfilt2",
           "filtfilt2_power", "hysteresis_runs", "measure_on_envelope", "power_group_rows",
           "warm_up_samples"]
