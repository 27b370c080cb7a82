"""RMS envelopes, binned amplitudes and run-length helpers for EMG analysis.

Pure numpy with a few numba kernels (compiled on first use, cached on disk), no state. Every amplitude is in the unit of the input (µV for EMG),
every length in seconds or samples as the name says.

These helpers serve the REM-sleep-without-atonia analysis (:mod:`somnomotor.detect.rswa`)
but know nothing about sleep stages.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numba import njit

from somnomotor._errors import ParameterError
from somnomotor.signal.filters import design_bandpass
from somnomotor.signal.iir_design import sos_steady_state


def _upper_edge_hz(fs_hz: float, low_hz: float, high_hz: float) -> float:
    """The band-pass's upper edge (Hz), lowered to 0.45 fs at low rates; checks the edges."""
    if not 0 < low_hz < high_hz:
        raise ParameterError(
            f"band-pass edges must satisfy 0 < low_hz < high_hz, received {low_hz!r}, {high_hz!r} Hz"
        )
    high = min(high_hz, 0.45 * fs_hz)
    if high <= low_hz:
        raise ParameterError(
            f"sampling rate {fs_hz!r} Hz is too low for an EMG band-pass from {low_hz!r} Hz; "
            f"at least {low_hz / 0.45:.0f} Hz is needed"
        )
    return high


def emg_bandpass(
    x: np.ndarray, fs_hz: float, *, low_hz: float = 10.0, high_hz: float = 100.0, order: int = 2
) -> np.ndarray:
    """Zero-phase Butterworth band-pass of an EMG segment.

    Parameters
    ----------
    x : numpy.ndarray
        Samples (µV).
    fs_hz : float
        Sampling rate in Hz.
    low_hz, high_hz : float
        Pass band in Hz (10-100 Hz for chin EMG, as SOMAS and the AASM recommend). The upper
        edge is lowered to 0.45 x ``fs_hz`` when the sampling rate is too low for it.
    order : int
        Butterworth order of each of the low and high edges; applied forwards and backwards
        (``sosfiltfilt``), so the effective order doubles and the phase is zero, which keeps
        burst edges where they are.

    Returns
    -------
    numpy.ndarray
        Filtered samples (µV), float64, same length.
    """
    high = _upper_edge_hz(fs_hz, low_hz, high_hz)
    sos = design_bandpass(fs_hz, low_hz=low_hz, high_hz=high, order=order, zero_phase_edges=True)
    data = np.asarray(x, dtype=np.float64)
    # sosfiltfilt needs a few samples more than its padding; shorter pieces stay unfiltered.
    if data.size <= 3 * (2 * len(sos) + 1):
        return data - data.mean() if data.size else data
    # scipy.signal only here (the float64 reference; the analysis runs emg_bandpass32)
    from scipy.signal import sosfiltfilt

    return np.asarray(sosfiltfilt(sos, data))


def moving_rms(x: np.ndarray, window_samples: int) -> np.ndarray:
    """Centred moving RMS over ``window_samples`` samples (shorter at the two ends).

    Parameters
    ----------
    x : numpy.ndarray
        Samples (µV).
    window_samples : int
        Window length in samples (>= 1).

    Returns
    -------
    numpy.ndarray
        RMS (µV) per sample, float64, same length as ``x``.
    """
    if window_samples < 1:
        raise ParameterError(f"window_samples must be >= 1, received {window_samples!r}")
    n = x.size
    if n == 0:
        return np.zeros(0)
    csum = np.empty(n + 1)
    csum[0] = 0.0
    np.cumsum(np.square(x, dtype=np.float64), out=csum[1:])
    half = window_samples // 2
    power = np.empty(n)
    # window of sample i covers [i - half, i - half + window); slices instead of fancy
    # indexing keep this at a few passes over memory
    if n >= window_samples:
        power[half:half + n - window_samples + 1] = (csum[window_samples:] - csum[:n - window_samples + 1])
        power[half:half + n - window_samples + 1] /= window_samples
        head = np.arange(0, half)
        tail = np.arange(half + n - window_samples + 1, n)
    else:
        head = np.arange(0, n)
        tail = np.arange(0, 0)
    for idx in (head, tail):
        lo = np.clip(idx - half, 0, n)
        hi = np.clip(idx - half + window_samples, 0, n)
        power[idx] = (csum[hi] - csum[lo]) / np.maximum(hi - lo, 1)
    return np.sqrt(np.maximum(power, 0.0))


def bin_edges(start_sample: int, n_samples: int, fs_hz: float, bin_s: float, first_bin: int,
              n_bins: int) -> np.ndarray:
    """Sample edges (relative to ``start_sample``) of consecutive bins of ``bin_s`` s.

    Bin ``k`` covers ``[(first_bin + k) * bin_s, (first_bin + k + 1) * bin_s)`` seconds from
    the recording start; edges are clipped to ``[0, n_samples]``.
    """
    times = (first_bin + np.arange(n_bins + 1)) * bin_s
    edges = np.rint(times * fs_hz).astype(np.int64) - start_sample
    return np.clip(edges, 0, n_samples)


def binned_mean(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Mean of ``values`` in each bin ``[edges[k], edges[k+1])``; NaN for empty bins."""
    csum = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    counts = np.diff(edges)
    sums = csum[edges[1:]] - csum[edges[:-1]]
    out = np.full(counts.shape, np.nan)
    ok = counts > 0
    out[ok] = sums[ok] / counts[ok]
    return out


def cumsum0(values: np.ndarray) -> np.ndarray:
    """Cumulative sum (float64) with a leading 0, for repeated :func:`binned_mean_cs` calls."""
    out = np.empty(values.size + 1)
    out[0] = 0.0
    np.cumsum(values, dtype=np.float64, out=out[1:])
    return out


def binned_mean_cs(csum: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Like :func:`binned_mean`, from the output of :func:`cumsum0`."""
    counts = np.diff(edges)
    sums = csum[edges[1:]] - csum[edges[:-1]]
    out = np.full(counts.shape, np.nan)
    ok = counts > 0
    out[ok] = sums[ok] / counts[ok]
    return out


def binned_max(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Maximum of ``values`` in each bin; NaN for empty bins."""
    out = np.full(edges.size - 1, np.nan)
    ok = np.diff(edges) > 0
    if ok.any():
        # reduceat reduces each start up to the next start; the bins are contiguous, so the
        # next start is this bin's end once the values are cut at the last edge.
        out[ok] = np.maximum.reduceat(values[: edges[-1]], edges[:-1][ok])
    return out


def window_max(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Maximum of ``values[starts[k]:ends[k]]`` for non-overlapping, ordered, non-empty windows."""
    if not starts.size:
        return np.zeros(0, dtype=values.dtype)
    idx = np.ravel(np.column_stack([starts, ends]))
    padded = np.append(values, values[:1])  # lets the last end equal len(values)
    return np.maximum.reduceat(padded, idx)[::2]


def rolling_mean_min(values: np.ndarray, window: int) -> float:
    """Minimum over all windows of ``window`` consecutive finite values of their mean.

    Windows holding a NaN are skipped; returns NaN when no window is complete.
    """
    if window < 1 or values.size < window:
        return float("nan")
    finite = np.isfinite(values)
    v = np.where(finite, values, 0.0)
    csum = np.concatenate([[0.0], np.cumsum(v)])
    cnt = np.concatenate([[0], np.cumsum(finite)])
    sums = csum[window:] - csum[:-window]
    full = (cnt[window:] - cnt[:-window]) == window
    if not full.any():
        return float("nan")
    return float(np.min(sums[full]) / window)


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start (inclusive) and end (exclusive) indices of the runs of True in ``mask``."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    d = np.diff(m.astype(np.int8))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def bridge_gaps(starts: np.ndarray, ends: np.ndarray, max_gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Merge runs separated by fewer than ``max_gap`` samples."""
    if starts.size == 0 or max_gap <= 0:
        return starts, ends
    gaps = starts[1:] - ends[:-1]
    keep = np.concatenate([[True], gaps >= max_gap])
    new_starts = starts[keep]
    new_ends = np.concatenate([ends[:-1][keep[1:]], ends[-1:]])
    return new_starts, new_ends


def rolling_min(values: np.ndarray, half_width: int) -> np.ndarray:
    """Minimum of finite ``values`` within ``i - half_width .. i + half_width`` (truncated at ends).

    NaN where the window holds no finite value.
    """
    filled = np.where(np.isfinite(values), values, np.inf)
    if filled.size == 0:
        return filled
    half = max(0, int(half_width))
    padded = np.pad(filled, half, constant_values=np.inf)
    out = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1).min(axis=1)
    return np.where(np.isfinite(out), out, np.nan)


# -- fast paths (numba) ----------------------------------------------------------------------
# The RSWA analysis filters ~90 min of chin EMG per night at 256-1024 Hz; scipy's sosfiltfilt
# and numpy's many passes over memory cost more than the whole rest of the analysis, so the
# per-sample work below runs in single numba loops (float32 buffers, float64 accumulators).


@lru_cache(maxsize=32)
def _bandpass_design(fs_hz: float, low_hz: float, high_hz: float,
                     order: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Second-order sections, their steady-state initial conditions and scipy's pad length.

    The forward-backward filter is -3 dB at ``low_hz`` and ``high_hz``
    (:func:`somnomotor.signal.filters.zero_phase_corners`), as for every EMG band-pass.
    """
    sos = design_bandpass(fs_hz, low_hz=low_hz, high_hz=high_hz, order=order,
                          zero_phase_edges=True)
    return sos, sos_steady_state(sos), _pad_length(sos)


def _pad_length(sos: np.ndarray) -> int:
    """Samples of odd extension at each end, as ``scipy.signal.sosfiltfilt`` pads by default."""
    ntaps = 2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return 3 * ntaps


def sos_filtfilt32(x: np.ndarray, sos: np.ndarray) -> np.ndarray:
    """Second-order sections run forward and backward over ``x`` (zero phase), float32 out.

    Same odd-extension padding and initial conditions as ``scipy.signal.sosfiltfilt``, in
    one numba loop (float64 filter states, float32 samples between the passes: the same
    output up to float32 rounding). Used for the mains notch of the RSWA segments.

    Raises
    ------
    ParameterError
        ``x`` holds no more samples than the padding (as scipy's ``sosfiltfilt``).
    """
    sections = np.ascontiguousarray(sos, dtype=np.float64)
    edge = _pad_length(sections)
    data = np.asarray(x)
    if not np.issubdtype(data.dtype, np.floating):
        data = data.astype(np.float64)
    if data.size <= edge:
        raise ParameterError(f"need more than {edge} samples to filter forward and backward "
                             f"with {len(sections)} section(s), received {data.size}")
    return _filtfilt_kernel(data, sections, sos_steady_state(sections), edge)


def emg_bandpass32(
    x: np.ndarray, fs_hz: float, *, low_hz: float = 10.0, high_hz: float = 100.0, order: int = 2
) -> np.ndarray:
    """:func:`emg_bandpass` computed in one numba loop; returns float32.

    Same filter, odd-extension padding and initial conditions as ``scipy.signal.sosfiltfilt``
    (so the same output up to float32 rounding, ~1e-6 relative), about 5x faster.

    Parameters
    ----------
    x : numpy.ndarray
        Samples (µV), any real dtype.
    fs_hz : float
        Sampling rate in Hz.
    low_hz, high_hz : float
        Pass band in Hz (see :func:`emg_bandpass`).
    order : int
        Butterworth order per edge.

    Returns
    -------
    numpy.ndarray
        Filtered samples (µV), float32, same length.
    """
    high = _upper_edge_hz(fs_hz, low_hz, high_hz)
    sos, zi, edge = _bandpass_design(float(fs_hz), float(low_hz), float(high), int(order))
    data = np.asarray(x)
    if not np.issubdtype(data.dtype, np.floating):
        data = data.astype(np.float64)
    if data.size <= edge:  # as emg_bandpass: too short to pad, left unfiltered
        return (data - data.mean()).astype(np.float32) if data.size else data.astype(np.float32)
    return _filtfilt_kernel(data, sos, zi, edge)


@njit(cache=True, nogil=True)
def _filtfilt_kernel(x: np.ndarray, sos: np.ndarray, zi: np.ndarray,
                     edge: int) -> np.ndarray:  # pragma: no cover - numba
    n = x.size
    m = n + 2 * edge
    buf = np.empty(m, np.float32)
    x0 = float(x[0])
    xn = float(x[n - 1])
    for i in range(edge):  # odd extension, as scipy's odd_ext
        buf[i] = 2.0 * x0 - x[edge - i]
        buf[edge + n + i] = 2.0 * xn - x[n - 2 - i]
    for i in range(n):
        buf[edge + i] = x[i]
    if sos.shape[0] == 2:  # the usual order-2 band-pass: states kept in registers
        _sos2_pass(buf, sos, zi, True)
        _sos2_pass(buf, sos, zi, False)
    else:
        _sos_pass(buf, sos, zi, True)
        _sos_pass(buf, sos, zi, False)
    return buf[edge:edge + n]


@njit(cache=True, nogil=True)
def _sos_pass(buf: np.ndarray, sos: np.ndarray, zi: np.ndarray,
              forward: bool) -> None:  # pragma: no cover - numba
    """One direction of sosfilt in place (direct form II transposed, scipy's zi x first)."""
    m = buf.size
    ns = sos.shape[0]
    z0 = np.empty(ns)
    z1 = np.empty(ns)
    v = float(buf[0] if forward else buf[m - 1])
    for s in range(ns):
        z0[s] = zi[s, 0] * v
        z1[s] = zi[s, 1] * v
    for k in range(m):
        i = k if forward else m - 1 - k
        v = float(buf[i])
        for s in range(ns):
            y = sos[s, 0] * v + z0[s]
            z0[s] = sos[s, 1] * v - sos[s, 4] * y + z1[s]
            z1[s] = sos[s, 2] * v - sos[s, 5] * y
            v = y
        buf[i] = v


@njit(cache=True, nogil=True)
def _sos2_pass(buf: np.ndarray, sos: np.ndarray, zi: np.ndarray,
               forward: bool) -> None:  # pragma: no cover - numba
    """:func:`_sos_pass` unrolled for two sections."""
    m = buf.size
    b00, b01, b02, a01, a02 = sos[0, 0], sos[0, 1], sos[0, 2], sos[0, 4], sos[0, 5]
    b10, b11, b12, a11, a12 = sos[1, 0], sos[1, 1], sos[1, 2], sos[1, 4], sos[1, 5]
    v0 = float(buf[0] if forward else buf[m - 1])
    z00 = zi[0, 0] * v0
    z01 = zi[0, 1] * v0
    z10 = zi[1, 0] * v0
    z11 = zi[1, 1] * v0
    for k in range(m):
        i = k if forward else m - 1 - k
        v = float(buf[i])
        y = b00 * v + z00
        z00 = b01 * v - a01 * y + z01
        z01 = b02 * v - a02 * y
        v = y
        y = b10 * v + z10
        z10 = b11 * v - a11 * y + z11
        z11 = b12 * v - a12 * y
        buf[i] = y


def moving_rms_cs(x: np.ndarray, window_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`moving_rms` (as float32) together with :func:`cumsum0` of ``x**2`` (float64).

    One pass over the samples gives both the envelope and the running power sum used for
    binned RMS values.
    """
    if window_samples < 1:
        raise ParameterError(f"window_samples must be >= 1, received {window_samples!r}")
    return _rms_kernel(np.asarray(x), int(window_samples))


@njit(cache=True, nogil=True)
def _rms_kernel(x: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    n = x.size
    cs = np.empty(n + 1)
    cs[0] = 0.0
    acc = 0.0
    for i in range(n):
        v = np.float64(x[i])
        acc += v * v
        cs[i + 1] = acc
    env = np.empty(n, np.float32)
    half = w // 2
    for i in range(n):
        lo = i - half
        hi = lo + w
        lo = max(lo, 0)
        hi = min(hi, n)
        pw = (cs[hi] - cs[lo]) / max(hi - lo, 1)
        env[i] = np.sqrt(pw) if pw > 0.0 else 0.0
    return env, cs


def runs_above(env: np.ndarray, lo: int, hi: int, threshold: float, *, inclusive: bool,
               max_gap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of ``env[lo:hi]`` above ``threshold``, bridged across gaps < ``max_gap`` samples.

    Returns absolute start (inclusive) and end (exclusive) indices and each run's peak of
    ``env`` (same unit as ``env``). Equivalent to :func:`runs` of the threshold mask followed
    by :func:`bridge_gaps` and :func:`window_max`.
    """
    thr = float(threshold)
    if not inclusive:
        # v > thr  <=>  v >= the next float64 above thr (env values are exact in float64),
        # so the kernel needs a single comparison
        thr = float(np.nextafter(thr, np.inf))
    return _runs_above_kernel(env, int(lo), int(hi), thr, int(max_gap))


@njit(cache=True, nogil=True)
def _runs_above_kernel(env: np.ndarray, lo: int, hi: int, thr: float,
                       max_gap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    starts = []  # type: ignore[var-annotated]  # numba infers the list types
    ends = []  # type: ignore[var-annotated]
    peaks = []  # type: ignore[var-annotated]
    i = lo
    while i < hi:
        while i < hi and not env[i] >= thr:
            i += 1
        if i >= hi:
            break
        s = i
        pk = float(env[i])
        while i < hi:
            v = env[i]
            if not v >= thr:
                break
            if v > pk:
                pk = float(v)
            i += 1
        if len(ends) and max_gap > 0 and s - ends[-1] < max_gap:
            ends[-1] = i
            peaks[-1] = max(peaks[-1], pk)
        else:
            starts.append(s)
            ends.append(i)
            peaks.append(pk)
    n = len(starts)
    a = np.empty(n, np.int64)
    b = np.empty(n, np.int64)
    p = np.empty(n)
    for k in range(n):
        a[k] = starts[k]
        b[k] = ends[k]
        p[k] = peaks[k]
    return a, b, p


def binned_abs(x: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximum and mean of ``|x|`` in each bin ``[edges[k], edges[k+1])``; NaN for empty bins."""
    return _binned_abs_kernel(np.asarray(x), np.asarray(edges, dtype=np.int64))


@njit(cache=True, nogil=True)
def _binned_abs_kernel(x: np.ndarray, edges: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - numba
    nb = edges.size - 1
    mx = np.full(nb, np.nan)
    mean = np.full(nb, np.nan)
    for k in range(nb):
        a = edges[k]
        b = edges[k + 1]
        if b <= a:
            continue
        m = 0.0
        s = 0.0
        for i in range(a, b):
            v = abs(np.float64(x[i]))
            s += v
            m = max(m, v)
        mx[k] = m
        mean[k] = s / (b - a)
    return mx, mean


def stuck_runs(raw: np.ndarray, min_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Runs of >= ``min_len`` identical samples at the segment's maximum or minimum value.

    Returns start (inclusive) and end (exclusive) sample indices of the runs (saturation or
    clipping at the amplifier's or the file's range).
    """
    return _stuck_kernel(np.asarray(raw), max(2, int(min_len)))


@njit(cache=True, nogil=True)
def _stuck_kernel(raw: np.ndarray, min_len: int
                  ) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - numba
    n = raw.size
    starts = []
    ends = []
    if n >= 2:
        hi = raw[0]
        lo = raw[0]
        for i in range(n):
            hi = max(hi, raw[i])
            lo = min(lo, raw[i])
        i = 1
        while i < n:
            v = raw[i]
            if v == raw[i - 1] and (v == hi or v == lo):
                s = i - 1
                while i < n and raw[i] == v:
                    i += 1
                if i - s >= min_len:
                    starts.append(s)
                    ends.append(i)
            else:
                i += 1
    a = np.empty(len(starts), np.int64)
    b = np.empty(len(starts), np.int64)
    for k in range(len(starts)):
        a[k] = starts[k]
        b[k] = ends[k]
    return a, b


def diff_power(x: np.ndarray, starts: np.ndarray, length: int, *, stride: int = 1) -> np.ndarray:
    """Mean squared first difference in each window ``x[starts[k]:starts[k] + length]``.

    Uses the pairs ``(x[j], x[j + 1])`` for every ``stride``-th ``j`` of the window: a cheap
    high-pass power that ranks EMG windows by activity without filtering them (µV²).
    Windows reaching past the end are cut there; NaN for windows without a pair.
    """
    return _diff_power_kernel(np.asarray(x), np.asarray(starts, dtype=np.int64), int(length),
                              max(1, int(stride)))


@njit(cache=True, nogil=True)
def _diff_power_kernel(x: np.ndarray, starts: np.ndarray, length: int,
                       stride: int) -> np.ndarray:  # pragma: no cover - numba
    out = np.full(starts.size, np.nan)
    n = x.size
    for k in range(starts.size):
        a = max(starts[k], 0)
        b = min(starts[k] + length, n)
        acc = 0.0
        cnt = 0
        for j in range(a, b - 1, stride):
            d = np.float64(x[j + 1]) - np.float64(x[j])
            acc += d * d
            cnt += 1
        if cnt:
            out[k] = acc / cnt
    return out


def intervals_hit(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Whether each bin ``[edges[k], edges[k+1])`` overlaps any interval ``[starts, ends)``.

    The intervals must be sorted and not overlap each other.
    """
    lo, hi = edges[:-1], edges[1:]
    if not starts.size:
        return np.zeros(lo.size, bool)
    k = np.searchsorted(starts, hi, side="left")  # intervals starting before the bin end
    has = k > 0
    out = np.zeros(lo.size, bool)
    out[has] = (ends[k[has] - 1] > lo[has]) & (hi[has] > lo[has])
    return out


__all__ = [
    "bin_edges",
    "binned_abs",
    "binned_max",
    "binned_mean",
    "binned_mean_cs",
    "bridge_gaps",
    "cumsum0",
    "diff_power",
    "emg_bandpass",
    "emg_bandpass32",
    "intervals_hit",
    "moving_rms",
    "moving_rms_cs",
    "rolling_mean_min",
    "rolling_min",
    "runs",
    "runs_above",
    "sos_filtfilt32",
    "stuck_runs",
    "window_max",
]
