"""Noise-adaptive resting baseline of a rectified EMG envelope.

The AASM and WASM rules measure leg-movement thresholds from the *resting* EMG level
(onset 8 µV above it, offset 2 µV above it). WASM 2016 computer scoring lets that level
follow the noise floor through the night (Ferri et al., Sleep Med 2016;26:86-95,
https://doi.org/10.1016/j.sleep.2016.10.010). We follow the reference implementation of
the Johns Hopkins RLS group (rlslabgit/MATPLM ``dt_rev1.m``: a 0.5-s look-back maximum then
a 60-s look-back minimum of the smoothed rectified EMG), with centred windows:

1. ``m = running_max(envelope, 0.5 s)`` (on 0.1-s block maxima) - the upper edge of the resting fluctuations; a
   quiet 0.5-s stretch gives its own peak level, a movement raises ``m`` for its length;
2. ``baseline = running_min(m, 60 s)`` - the quietest 0.5 s within ±30 s, so movements
   (which last 0.5-15 s and are separated by rest) do not lift the baseline, while slow
   changes of electrode noise (drift of the resting level over minutes) are followed;
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
        Length in s of the running minimum (60 s, MATPLM).
    floor_uV : float
        Lowest baseline in µV.

    Returns
    -------
    numpy.ndarray
    """
    # Both running filters run on a 0.1-s grid (block maxima of the ~100-Hz envelope): the
    # rules need no finer resolution, and it is ten times less work and memory. The 0.5-s
    # maximum then spans 5 blocks (0.5 s, edges rounded to 0.1 s).
    k = max(1, int(round(fs_hz / 10.0)))
    coarse = running_max(block_max(envelope, k), window_samples(max_window_s, fs_hz / k))
    base_c = running_min(coarse, window_samples(min_window_s, fs_hz / k, odd=True))
    np.maximum(base_c, np.float32(floor_uV), out=base_c)
    return np.repeat(base_c, k)[:envelope.size]


def upper_envelope(envelope: np.ndarray, fs_hz: float, *, max_window_s: float = 0.5
                   ) -> np.ndarray:
    """Running maximum of ``envelope`` over ``max_window_s`` s on a 0.1-s grid, repeated
    back to the envelope's length (float32, µV)."""
    k = max(1, int(round(fs_hz / 10.0)))
    coarse = running_max(block_max(envelope, k), window_samples(max_window_s, fs_hz / k))
    return np.repeat(coarse, k)[:envelope.size]


__all__ = ["resting_baseline", "upper_envelope"]
