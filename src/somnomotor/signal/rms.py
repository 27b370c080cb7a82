"""RMS envelopes, binned amplitudes and run-length helpers for EMG analysis.

Pure numpy/scipy, no state. Every amplitude is in the unit of the input (µV for EMG),
every length in seconds or samples as the name says.

These helpers serve the REM-sleep-without-atonia analysis (:mod:`somnomotor.detect.rswa`)
but know nothing about sleep stages.
"""

from __future__ import annotations

import numpy as np
from scipy import signal as sps
from scipy.ndimage import minimum_filter1d

from somnomotor._errors import ParameterError


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
    sos = sps.butter(order, [low_hz, high], btype="bandpass", fs=fs_hz, output="sos")
    data = np.asarray(x, dtype=np.float64)
    # sosfiltfilt needs a few samples more than its padding; shorter pieces stay unfiltered.
    if data.size <= 3 * (2 * len(sos) + 1):
        return data - data.mean() if data.size else data
    return np.asarray(sps.sosfiltfilt(sos, data))


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
    out = minimum_filter1d(filled, size=2 * half_width + 1, mode="constant", cval=np.inf)
    return np.where(np.isfinite(out), out, np.nan)


__all__ = [
    "bin_edges",
    "binned_max",
    "binned_mean",
    "binned_mean_cs",
    "cumsum0",
    "bridge_gaps",
    "emg_bandpass",
    "moving_rms",
    "rolling_mean_min",
    "rolling_min",
    "runs",
    "window_max",
]
