"""The block envelope of a channel, read in parts.

The zero-phase band-pass filters the channel in chunks of a few minutes with their own
padding, so each chunk's output depends only on the samples of that chunk and its padding.
:func:`block_envelope_read` runs these chunks on samples read a part of the night at a time
(:func:`somnomotor.io.edf.read_window`), so the raw channel (59 MB per 8-h 512-Hz channel as
float32, 177 MB for 24 h) is never held whole; a channel already in memory goes through the
same code (:func:`somnomotor.signal.filters.block_envelope` slices it), so the values do not
depend on how the samples arrive (the odd reflection at the recording's two ends included).

:func:`value_range_read` gives the lowest and highest sample of a channel the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from numba import njit

from somnomotor._errors import ParameterError
from somnomotor.signal.filters import BlockEnvelope, _section_x4

#: Reads samples ``[start, stop)`` of a channel as float32.
Reader = Callable[[int, int], np.ndarray]

#: Raw samples read per part (about 8 MB of float32); whole filter chunks are read, so a
#: part may be longer when one chunk is.
PART_SAMPLES = 512 * 1024


@njit(cache=True, nogil=True)
def _fill_padded_part(xp: np.ndarray, x_base: int, n: int, a: int, b: int, pad: int,
                      buf: np.ndarray) -> int:  # pragma: no cover - numba
    """``filters._fill_padded`` on a part of x: ``xp[i - x_base]`` is sample ``i`` of a
    signal of ``n`` samples (the part must hold every sample read, reflections included)."""
    m = (b - a) + 2 * pad
    lo = max(0, pad - a)
    hi = min(m, n - a + pad)
    if hi > lo:
        buf[lo:hi] = xp[a - pad + lo - x_base:a - pad + hi - x_base]
    else:
        lo = hi = m
    if lo > 0 or hi < m:
        x0 = xp[0 - x_base] if x_base == 0 else xp[0]
        xn = xp[n - 1 - x_base] if n - x_base <= xp.size else xp[xp.size - 1]
        for j in range(lo):
            i = a - pad + j
            r = min(-i, n - 1)
            buf[j] = 2.0 * x0 - xp[r - x_base]
        for j in range(hi, m):
            i = a - pad + j
            if i < 0:
                r = min(-i, n - 1)
                buf[j] = 2.0 * x0 - xp[r - x_base]
                continue
            r = max(2 * (n - 1) - i, 0)
            buf[j] = 2.0 * xn - xp[r - x_base]
    return m


@njit(cache=True, nogil=True)
def _envelope_blocks_part(
    xp: np.ndarray, x_base: int, n: int, sos: np.ndarray, q: int, chunk_blocks: int,
    pad: int, g_lo: int, g_hi: int, n_blocks: int, e_base: int, env: np.ndarray,
    maxabs: np.ndarray, maxjump: np.ndarray, allzero: np.ndarray, stats: bool,
) -> None:  # pragma: no cover - numba
    """The filtered, rectified block means (and raw-sample statistics) of the chunks that
    start at blocks ``[g_lo, g_hi)`` (``g_lo`` a chunk start; each chunk cut into four
    streams filtered side by side, ``filters._section_x4``) of a signal of ``n_blocks`` blocks, from a part of x (see
    :func:`_fill_padded_part`); block ``blk`` is written at ``env[blk - e_base]`` (and the
    statistics likewise); without ``stats`` only the envelope."""
    per = max(1, -(-chunk_blocks // 4))
    buf = np.empty(4 * (per * q + 2 * pad), dtype=np.float32)
    ns = sos.shape[0]
    firsts = np.empty(4, dtype=np.int64)
    for g0 in range(g_lo, min(g_hi, n_blocks), 4 * per):
        rem = min(n_blocks - g0, 4 * per)
        sb = -(-rem // 4)
        length = sb * q + 2 * pad
        for s in range(4):
            first = max(0, min(g0 + s * sb, n_blocks - sb))
            firsts[s] = first
            a = first * q
            _fill_padded_part(xp, x_base, n, a, a + sb * q, pad,
                              buf[s * length:(s + 1) * length])
        for k in range(ns):
            _section_x4(buf, length, sos, k, False)
        for k in range(ns):
            _section_x4(buf, length, sos, k, True)
        for s in range(4):
            first = firsts[s]
            base = s * length + pad - first * q
            prev = xp[max(0, first * q - 1) - x_base]
            for blk in range(first, first + sb):
                s0 = blk * q
                s1 = min(n, s0 + q)
                acc = 0.0
                mx = np.float32(0.0)
                mj = np.float32(0.0)
                nz = 0
                for i in range(s0, s1):
                    acc += abs(buf[base + i])
                    xi = xp[i - x_base]
                    mx = max(mx, abs(xi))
                    mj = max(mj, abs(xi - prev))
                    prev = xi
                    nz += xi != 0.0
                env[blk - e_base] = acc / (s1 - s0)
                if stats:
                    maxabs[blk - e_base] = mx
                    maxjump[blk - e_base] = mj
                    allzero[blk - e_base] = nz == 0


def _parts(read: Reader, n: int, fs_hz: float, *, decimation: int, chunk_s: float,
           pad_s: float, part_samples: int):
    """The parts of :func:`block_envelope_read`: yields ``(g_lo, g_hi, x_base, xp, args)``,
    blocks ``[g_lo, g_hi)`` to compute from the samples ``xp`` read from ``x_base`` on, with
    ``args`` the kernel's chunk layout ``(chunk_blocks, pad)``."""
    q = int(decimation)
    n_blocks = -(-n // q) if n else 0
    if not n_blocks:
        return
    chunk_blocks = max(1, int(round(chunk_s * fs_hz / q)))
    pad = max(1, min(int(round(pad_s * fs_hz)), max(1, n - 1)))
    per = max(1, -(-chunk_blocks // 4))
    step = 4 * per  # blocks per filter chunk
    chunks_per_part = max(1, part_samples // (step * q))
    # the reflection at the end reaches back up to a block and the padding
    margin = pad + 2 * q + 2
    for g_lo in range(0, n_blocks, step * chunks_per_part):
        g_hi = min(n_blocks, g_lo + step * chunks_per_part)
        x_base = max(0, g_lo * q - margin)
        x_stop = min(n, g_hi * q + margin)
        if x_stop >= n - margin:  # the last part: all the way to the end
            x_stop = n
        yield g_lo, g_hi, x_base, np.ascontiguousarray(read(x_base, x_stop),
                                                      dtype=np.float32), (chunk_blocks, pad)


def block_envelope_read(
    read: Reader,
    n: int,
    fs_hz: float,
    *,
    sos: np.ndarray,
    decimation: int,
    chunk_s: float = 300.0,
    pad_s: float = 2.0,
    part_samples: int = PART_SAMPLES,
    statistics: bool = True,
    max_abs_at_least_uV: float | None = None,
) -> BlockEnvelope:
    """:func:`somnomotor.signal.filters.block_envelope` of a channel of ``n`` samples that
    ``read(start, stop)`` returns a part at a time (same values, bit for bit).

    Holds one part of raw samples (``part_samples``, rounded up to whole filter chunks,
    with the padding) besides the per-block results. Without ``statistics`` the raw-sample
    statistics (``max_abs_uV``, ``max_jump_uV``, ``all_zero``) are empty arrays: 9 bytes
    per block less for a caller that needs the envelope only. With
    ``max_abs_at_least_uV`` (and ``statistics``) only whether each block's largest
    absolute sample reaches that level is kept (``max_abs_reaches``; ``max_abs_uV`` is
    empty): 3 bytes per block less for a caller that needs no more of it (the rail check
    when the rails are known before reading).
    """
    if decimation < 1:
        raise ParameterError(f"decimation must be >= 1 sample, received {decimation!r}")
    q = int(decimation)
    n_blocks = -(-n // q) if n else 0
    env = np.zeros(n_blocks, dtype=np.float32)
    n_stats = n_blocks if statistics else 0
    reduce_max_abs = statistics and max_abs_at_least_uV is not None
    maxabs = np.zeros(0 if reduce_max_abs else n_stats, dtype=np.float32)
    maxjump = np.zeros(n_stats, dtype=np.float32)
    allzero = np.zeros(n_stats, dtype=np.bool_)
    reaches = np.zeros(n_stats, dtype=np.bool_) if reduce_max_abs else None
    sos64 = np.ascontiguousarray(sos, dtype=np.float64)
    for g_lo, g_hi, x_base, xp, (chunk_blocks, pad) in _parts(
            read, n, fs_hz, decimation=q, chunk_s=chunk_s, pad_s=pad_s,
            part_samples=part_samples):
        if reaches is None:
            _envelope_blocks_part(xp, x_base, n, sos64, q, chunk_blocks, pad, g_lo, g_hi,
                                  n_blocks, 0, env, maxabs, maxjump, allzero,
                                  bool(statistics))
        else:
            # the part's block maxima only, reduced to the comparison at once
            part_max = np.zeros(g_hi - g_lo, dtype=np.float32)
            _envelope_blocks_part(xp, x_base, n, sos64, q, chunk_blocks, pad, g_lo, g_hi,
                                  n_blocks, g_lo, env[g_lo:g_hi], part_max,
                                  maxjump[g_lo:g_hi], allzero[g_lo:g_hi], True)
            np.greater_equal(part_max, max_abs_at_least_uV, out=reaches[g_lo:g_hi])
            del part_max
        # before the next read: else two parts are held while it is decoded
        del xp
    return BlockEnvelope(env, maxabs, maxjump, allzero, fs_hz / q, q, max_abs_reaches=reaches)


def block_envelope_parts(
    read: Reader,
    n: int,
    fs_hz: float,
    *,
    sos: np.ndarray,
    decimation: int,
    chunk_s: float = 300.0,
    pad_s: float = 2.0,
    part_samples: int = PART_SAMPLES,
) -> Iterator[tuple[int, np.ndarray]]:
    """The envelope of :func:`block_envelope_read` a part at a time: yields ``(first_block,
    envelope_uV)`` in order, the parts adjoining and covering the ``ceil(n / decimation)``
    blocks (same values, bit for bit), so that a caller that needs only a local view of
    the envelope (the ECG's R peaks) never holds the night's."""
    if decimation < 1:
        raise ParameterError(f"decimation must be >= 1 sample, received {decimation!r}")
    q = int(decimation)
    n_blocks = -(-n // q) if n else 0
    sos64 = np.ascontiguousarray(sos, dtype=np.float64)
    none = np.zeros(0, dtype=np.float32)
    for g_lo, g_hi, x_base, xp, (chunk_blocks, pad) in _parts(
            read, n, fs_hz, decimation=q, chunk_s=chunk_s, pad_s=pad_s,
            part_samples=part_samples):
        env = np.zeros(g_hi - g_lo, dtype=np.float32)
        _envelope_blocks_part(xp, x_base, n, sos64, q, chunk_blocks, pad, g_lo, g_hi,
                              n_blocks, g_lo, env, none, none, np.zeros(0, dtype=np.bool_),
                              False)
        del xp
        yield g_lo, env


def value_range_read(read: Reader, n: int, *, part_samples: int = PART_SAMPLES
                     ) -> tuple[float, float]:
    """Lowest and highest of the ``n`` samples (NaN if any sample is NaN), a part at a time."""
    lo, hi = np.inf, -np.inf
    for a in range(0, n, part_samples):
        xp = read(a, min(n, a + part_samples))
        if xp.size:
            part_lo, part_hi = float(np.min(xp)), float(np.max(xp))
            if np.isnan(part_lo) or np.isnan(part_hi):  # as np.ptp: NaN in, NaN out
                return float("nan"), float("nan")
            lo, hi = min(lo, part_lo), max(hi, part_hi)
    return lo, hi





def median_windows_above_read(read: Reader, n: int, starts: np.ndarray, stops: np.ndarray,
                              thresholds: np.ndarray, *, sos: np.ndarray, pad: int,
                              window: int, max_gap: int | None = None,
                              part_samples: int = PART_SAMPLES) -> np.ndarray:
    """:func:`somnomotor.signal.filters.median_windows_above` on a channel of ``n`` samples
    read through ``read``: each segment with its padding is read (neighbouring segments,
    less than ``max_gap`` samples apart, in one read), never the whole channel.

    The same result: each segment is filtered from the same samples, with the same odd
    reflection at the recording's ends (a read that reaches an end is made to hold it).
    """
    from somnomotor.signal.filters import median_windows_above

    a = np.clip(np.asarray(starts, dtype=np.int64), 0, n)
    b = np.clip(np.asarray(stops, dtype=np.int64), 0, n)
    thr = np.asarray(thresholds, dtype=np.float32)
    if a.shape != b.shape or thr.shape != a.shape:
        raise ParameterError("starts, stops and thresholds must have the same shape, received "
                             f"{a.shape}, {b.shape} and {thr.shape}")
    out = np.zeros(a.size, dtype=np.bool_)
    if not a.size:
        return out
    if np.any(b <= a):
        raise ParameterError("every segment must hold at least one sample (stops > starts)")
    pad = max(1, min(int(pad), max(1, n - 1)))  # as median_windows_above clamps it
    gap = 4 * pad if max_gap is None else int(max_gap)
    order = np.argsort(a, kind="stable")
    i = 0
    while i < order.size:
        lo = max(0, int(a[order[i]]) - pad)
        hi = min(n, int(b[order[i]]) + pad)
        j = i + 1
        while j < order.size:
            nxt_lo = max(0, int(a[order[j]]) - pad)
            nxt_hi = min(n, int(b[order[j]]) + pad)
            if nxt_lo - hi > gap or max(hi, nxt_hi) - lo > part_samples:
                break
            hi = max(hi, nxt_hi)
            j += 1
        # a read within a padding of an end is taken to that end, so that the odd
        # reflection there sees the recording's own first or last sample
        if lo <= pad + 1:
            lo = 0
        if hi >= n - pad - 1:
            hi = n
        idx = order[i:j]
        xp = np.ascontiguousarray(read(lo, hi), dtype=np.float32)
        out[idx] = median_windows_above(xp, a[idx] - lo, b[idx] - lo, thr[idx], sos=sos,
                                        pad=pad, window=window)
        i = j
    return out

__all__ = ["PART_SAMPLES", "block_envelope_parts", "block_envelope_read", "median_windows_above_read", "value_range_read"]
