"""Noise-adaptive resting baseline of a rectified EMG envelope.

The AASM and WASM rules measure leg-movement thresholds from the *resting* EMG level
(onset 8 µV above it, offset 2 µV above it). WASM 2016 computer scoring lets that level
follow the noise floor through the night (Ferri et al., Sleep Med 2016;26:86-95,
https://doi.org/10.1016/j.sleep.2016.10.010). We follow the reference implementation of
the Johns Hopkins RLS group (rlslabgit/MATPLM ``dt_rev1.m``: a 0.5-s look-back maximum then
a 60-s look-back minimum of the smoothed rectified EMG), with centred windows:

1. ``m = running_max(envelope, 0.5 s)`` (on 0.1-s block maxima) - the upper edge of the resting fluctuations; a
   quiet 0.5-s stretch gives its own peak level, a movement raises ``m`` for its length;
2. ``baseline = max(min(m over the 30 s before), min(m over the 30 s after))`` - the
   quietest 0.5 s on each side, and of the two sides the higher. Movements (0.5-30 s,
   separated by rest) do not lift it, since each 30-s side holds rest. A movement of
   30-45 s (IRLSSG: up to 45 s) fills one 30-s side near its start and end and would
   become its own baseline there (a 44-s burst was cut in two, measured 2026-12-03): where
   this baseline is more than ``long_margin_uV`` (2 µV) above the same measure with 60-s
   sides, the 30-s side lies inside a long movement and the 60-s value is used; slow changes of the
   electrode noise are followed. Taking the higher side instead of one centred 60-s minimum
   (MATPLM) makes a *step* of the resting level (electrode, posture) take effect at the
   step itself: with a centred minimum, the lower level reaches 30 s across the step, so a
   step of more than 2 µV kept the envelope above the offset threshold and a movement
   near it ran on until the step (measured on the simulator's ``drift`` condition, whose
   steps are 1-3 µV). A side that is cut by the recording's edge or lies wholly in
   artefact (+inf) is ignored;
3. ``baseline = max(baseline, floor)`` - MATPLM raises baselines below 0.5 µV (an
   amplifier that reports almost nothing) so that noise-free stretches do not make
   thresholds of a few tenths of a µV.

Because the baseline is the *upper* edge of the resting envelope, the resting envelope sits
at or below it nearly all the time, which is what the offset rule (<= baseline + 2 µV for
0.5 s) needs.
"""

from __future__ import annotations

import numpy as np

from somnomotor.signal.envelope import block_max, running_max, running_min, window_samples


def resting_baseline(
    envelope: np.ndarray,
    fs_hz: float,
    *,
    max_window_s: float = 0.5,
    min_window_s: float = 60.0,
    floor_uV: float = 0.5,
) -> np.ndarray:
    """Running resting-EMG level in µV (float32, same length as ``envelope``).

    Parameters
    ----------
    envelope : numpy.ndarray
        Smoothed rectified EMG in µV sampled at ``fs_hz`` Hz.
    fs_hz : float
        Sampling rate of ``envelope`` in Hz.
    max_window_s : float
        Length in s of the running maximum (0.5 s, MATPLM).
    min_window_s : float
        Length in s of the two one-sided running minima together (60 s, as MATPLM's one
        centred 60-s minimum); 120 s inside long movements (see the module docstring).
    floor_uV : float
        Lowest baseline in µV.

    Returns
    -------
    numpy.ndarray
    """
    # Both running filters run on a 0.1-s grid (block maxima of the ~100-Hz envelope): the
    # rules need no finer resolution, and it is ten times less work and memory. The 0.5-s
    # maximum then spans 5 blocks (0.5 s, edges rounded to 0.1 s).
    k = coarse_factor(fs_hz)
    coarse = running_max(block_max(envelope, k), window_samples(max_window_s, fs_hz / k))
    base_c = baseline_from_upper(coarse, fs_hz / k, min_window_s=min_window_s,
                                 floor_uV=floor_uV)
    return np.repeat(base_c, k)[:envelope.size]


def coarse_factor(fs_hz: float) -> int:
    """Samples of a ``fs_hz``-Hz envelope per 0.1-s block of the coarse grid (at least 1)."""
    return max(1, int(round(fs_hz / 10.0)))


def baseline_from_upper(upper: np.ndarray, fs_hz: float, *, min_window_s: float = 60.0,
                        floor_uV: float = 0.5, long_window_s: float | None = 120.0,
                        long_margin_uV: float = 2.0) -> np.ndarray:
    """Steps 2-3 of :func:`resting_baseline` on an upper envelope already computed (µV,
    float32, sampled at ``fs_hz`` Hz, usually the 10-Hz coarse grid; +inf marks artefact
    blocks). Returns the baseline in µV on the same grid. ``long_window_s`` (both sides
    together; None: off): where the ``min_window_s`` baseline is more than
    ``long_margin_uV`` above the one over ``long_window_s``, the latter is used (a long
    movement, see the module docstring)."""
    x = np.ascontiguousarray(upper, dtype=np.float32)
    base = _two_sided_min(x, window_samples(min_window_s / 2.0, fs_hz))
    if long_window_s is not None and long_window_s > min_window_s:
        wide = _two_sided_min(x, window_samples(long_window_s / 2.0, fs_hz))
        inside = base > wide + np.float32(long_margin_uV)
        base[inside] = wide[inside]
    np.maximum(base, np.float32(floor_uV), out=base)
    return base


def _two_sided_min(x: np.ndarray, h: int) -> np.ndarray:
    """max(min of x[i-h..i], min of x[i..i+h]), ignoring a side cut by an edge or all +inf."""
    n = x.size
    w = h + 1
    if n <= w:
        return np.full(n, x.min() if n else 0.0, dtype=np.float32)
    cm = running_min(x, w)  # cm[c] = min of x[c - w//2 : c - w//2 + w]
    idx = np.arange(n)
    trail = cm[np.clip(idx - h + w // 2, 0, n - 1)]
    lead = cm[np.clip(idx + w // 2, 0, n - 1)]
    trail[idx < h] = np.inf  # window reaches before the start
    lead[idx > n - 1 - h] = np.inf  # window reaches past the end
    both = np.maximum(trail, lead)
    one = np.minimum(trail, lead)  # the only finite side, if one is +inf
    out = np.where(np.isinf(trail) | np.isinf(lead), one, both).astype(np.float32)
    return out


def upper_envelope(envelope: np.ndarray, fs_hz: float, *, max_window_s: float = 0.5
                   ) -> np.ndarray:
    """Running maximum of ``envelope`` over ``max_window_s`` s on a 0.1-s grid, repeated
    back to the envelope's length (float32, µV)."""
    k = max(1, int(round(fs_hz / 10.0)))
    coarse = running_max(block_max(envelope, k), window_samples(max_window_s, fs_hz / k))
    return np.repeat(coarse, k)[:envelope.size]


__all__ = ["baseline_from_upper", "coarse_factor", "resting_baseline", "upper_envelope"]
