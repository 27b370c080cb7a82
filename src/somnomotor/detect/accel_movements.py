"""Leg movements from a raw accelerometer worn on the ankle.

Method (what it follows, and where it is our own choice):

* Home leg-activity monitors score leg movements from ankle acceleration with the PSG
  duration rules (PAM-RL: Sforza E et al., Sleep Med 2005;6:407-413, validated against PSG
  PLMS, r = 0.87; SOMNOwatch: event sensitivity 86.7 %, specificity 92.3 % against PSG; see
  /work/shared/reference/scoring-rules.md section 7.3). Their firmware thresholds are not
  published, so the thresholds here are ours.
* A leg movement at the ankle is mostly a change of the foot's orientation against gravity
  (a dorsiflexion of a few degrees changes one axis by tens of mg) plus a short kick. We take
  the deviation of the 0.2-s smoothed acceleration vector from its resting value (the median
  of 1-s medians over a centred 31-s window, so a movement of up to ~15 s does not move it),
  ``deviation = |a_smoothed - a_rest|`` in g.
* Threshold: ``max(min_on_g, noise_factor x noise)`` where ``noise`` is the median absolute
  deviation of ``deviation`` in the analysed time (the time a still leg spends near zero); an
  LM starts when the deviation exceeds it and ends at the start of >= 0.5 s below half of it
  (the 0.5-s quiet rule of the EMG standards; WASM 2016, Ferri et al. Sleep Med 2016;26:86).
* Duration limits, periodicity and series are not decided here: the movements go to
  :func:`somnomotor.score.plm.score_plm` with the WASM 2016 rules (0.5 s minimum, 10 s
  candidate maximum, IMI 10-90 s, >= 4 in a series; a turn over lasting > 10 s is a
  non-candidate movement that breaks a series).
* Movements whose EMG burst barely moves the ankle are not seen; the index is therefore
  *not* the PSG PLMS index (see :mod:`somnomotor.score.accel_plm`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter, uniform_filter1d

from somnomotor._errors import ParameterError
from somnomotor.events import EventTable

TRIAL_TYPE = "accel_leg_movement"


@dataclass(frozen=True)
class AccelMovementParams:
    """Frozen parameters of :func:`detect_accel_movements` (our choices; see module doc).

    Parameters
    ----------
    smoothing_s : float
        Moving-average length before the deviation, s (0.2 s: shorter than any LM, longer than
        one step of sensor noise at 25-100 Hz).
    rest_window_s : int
        Centred window of the resting value, s (31 s: more than twice the longest candidate LM
        of 10 s, so the median stays at rest during a movement).
    min_on_g : float
        Lowest onset threshold, g (0.010 g: about 0.6 deg of tilt).
    noise_factor : float
        Onset threshold as a multiple of the deviation's median absolute deviation.
    off_fraction : float
        The offset threshold as a fraction of the onset threshold.
    quiet_s : float
        A movement ends at the start of this many s below the offset threshold (0.5 s, as the
        EMG standards end an LM).
    leg : {"left", "right", "unknown"}
        The ankle the sensor is on.
    """

    smoothing_s: float = 0.2
    rest_window_s: int = 31
    min_on_g: float = 0.010
    noise_factor: float = 5.0
    off_fraction: float = 0.5
    quiet_s: float = 0.5
    leg: str = "unknown"

    def __post_init__(self) -> None:
        if self.leg not in ("left", "right", "unknown"):
            raise ParameterError(f"leg must be left, right or unknown, received {self.leg!r}")
        for name in ("smoothing_s", "min_on_g", "noise_factor", "quiet_s"):
            if not getattr(self, name) > 0:
                raise ParameterError(f"{name} must be > 0, received {getattr(self, name)!r}")
        if not 0 < self.off_fraction <= 1:
            raise ParameterError(f"off_fraction must be in (0, 1], received {self.off_fraction!r}")
        if self.rest_window_s < 3:
            raise ParameterError(f"rest_window_s must be >= 3 s, received {self.rest_window_s!r}")


@dataclass(frozen=True)
class AccelMovementDetection:
    """Movements found (``events``: trial_type ``accel_leg_movement``, columns ``side`` and
    ``peak_deviation_g``), the onset threshold used (g) and the parameters."""

    events: EventTable
    on_threshold_g: float
    params: AccelMovementParams
    warnings: tuple[str, ...] = ()


def movement_deviation(xyz: np.ndarray, fs_hz: float, params: AccelMovementParams) -> np.ndarray:
    """Deviation of the smoothed acceleration from its resting value, g, per sample."""
    n = xyz.shape[0]
    per = max(1, int(round(fs_hz)))
    n_blocks = max(1, n // per)
    head = np.asarray(xyz[: n_blocks * per], dtype=np.float32)
    if head.shape[0] < per:
        head = np.asarray(xyz, dtype=np.float32)
        per = head.shape[0]
    block_median = np.median(head.reshape(n_blocks, per, 3), axis=1)
    rest_blocks = median_filter(block_median, size=(params.rest_window_s, 1), mode="nearest")
    centres = (np.arange(n_blocks) + 0.5) * per
    smooth = uniform_filter1d(np.asarray(xyz, dtype=np.float32),
                              size=max(1, int(round(params.smoothing_s * fs_hz))), axis=0)
    pos = np.arange(n)
    dev2 = np.zeros(n, dtype=np.float32)
    for k in range(3):
        rest = np.interp(pos, centres, rest_blocks[:, k]).astype(np.float32)
        dev2 += (smooth[:, k] - rest) ** 2
    return np.sqrt(dev2)


def _hysteresis(dev: np.ndarray, on: float, off: float, quiet_n: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end sample of runs above ``on``, each ending at >= quiet_n samples below ``off``."""
    above_off = dev >= off
    # runs of "active" = above the offset threshold, joined across gaps < quiet_n
    edges = np.flatnonzero(np.diff(np.r_[0, above_off.astype(np.int8), 0]))
    starts, ends = edges[::2], edges[1::2]
    if starts.size == 0:
        return starts, ends
    keep = np.ones(starts.size, dtype=bool)
    keep[1:] = (starts[1:] - ends[:-1]) >= quiet_n
    group = np.cumsum(keep) - 1
    g_start = starts[keep]
    g_end = np.zeros(g_start.size, dtype=np.int64)
    np.maximum.at(g_end, group, ends)
    # a run counts only if it reaches the onset threshold; it starts where it first does
    real_peak = np.array([dev[a:b].max() for a, b in zip(g_start, g_end)])
    hit = real_peak >= on
    out_s, out_e = [], []
    for a, b in zip(g_start[hit], g_end[hit]):
        first = a + int(np.argmax(dev[a:b] >= on))
        out_s.append(first)
        out_e.append(b)
    return np.asarray(out_s, dtype=np.int64), np.asarray(out_e, dtype=np.int64)


def detect_accel_movements(
    xyz: np.ndarray,
    fs_hz: float,
    *,
    analysed: list[tuple[float, float]] | None = None,
    params: AccelMovementParams | None = None,
) -> AccelMovementDetection:
    """Find leg movements in calibrated ankle acceleration ``xyz`` (``(n, 3)``, g).

    Parameters
    ----------
    xyz : numpy.ndarray
        Calibrated acceleration, g.
    fs_hz : float
        Sampling rate, Hz.
    analysed : list of (start_s, end_s), optional
        Time in bed while the device was worn; the noise level is estimated there and only
        movements starting there are returned. ``None``: the whole recording.
    params : AccelMovementParams, optional

    Returns
    -------
    AccelMovementDetection
        Never None; no copy of the signal is kept.
    """
    params = params or AccelMovementParams()
    xyz = np.asarray(xyz)
    if xyz.ndim != 2 or xyz.shape[1] != 3:
        raise ParameterError(f"xyz must be (n_samples, 3) acceleration in g, received {xyz.shape}")
    if not fs_hz > 0:
        raise ParameterError(f"fs_hz must be > 0 Hz, received {fs_hz!r}")
    n = xyz.shape[0]
    empty = EventTable.from_arrays([], [], TRIAL_TYPE, side=[], peak_deviation_g=[])
    if n < 2 * fs_hz:
        return AccelMovementDetection(empty, float("nan"), params,
                                      ("recording shorter than 2 s: no movement detection",))
    dev = movement_deviation(xyz, fs_hz, params)
    mask = np.zeros(n, dtype=bool)
    for a, b in analysed if analysed is not None else [(0.0, n / fs_hz)]:
        mask[max(0, int(a * fs_hz)): min(n, int(np.ceil(b * fs_hz)))] = True
    if not mask.any():
        return AccelMovementDetection(empty, float("nan"), params,
                                      ("no time in bed with the device worn",))
    sel = dev[mask]
    noise = float(np.median(np.abs(sel - np.median(sel)))) + float(np.median(sel))
    on = max(params.min_on_g, params.noise_factor * noise)
    off = on * params.off_fraction
    s, e = _hysteresis(dev, on, off, max(1, int(round(params.quiet_s * fs_hz))))
    keep = mask[s] if s.size else np.zeros(0, dtype=bool)
    s, e = s[keep], e[keep]
    peaks = [float(dev[a:b].max()) for a, b in zip(s, e)]
    events = EventTable.from_arrays(s / fs_hz, (e - s) / fs_hz, TRIAL_TYPE, "ankle",
                                    side=params.leg, peak_deviation_g=peaks)
    return AccelMovementDetection(events, on, params)


__all__ = ["TRIAL_TYPE", "AccelMovementDetection", "AccelMovementParams",
           "detect_accel_movements", "movement_deviation"]
