"""Raw acceleration as the field prepares it: calibration against gravity, non-wear, rest period.

* :func:`autocalibrate`: van Hees VT et al. Autocalibration of accelerometer data for
  free-living physical activity assessment using local gravity and temperature. J Appl
  Physiol 2014;117:738-744. doi:10.1152/japplphysiol.00421.2014. Still 10-s windows (SD
  < 13 mg on every axis) should lie on the unit sphere; per-axis offset and scale are fitted
  by iterated closest-point least squares (GGIR ``g.calibrate`` does the same without the
  temperature term, which we leave out).
* :func:`detect_nonwear`: van Hees VT et al. PLoS ONE 2011;6:e22922 and 2013;8:e61691: a 60-min
  window (15-min step) is non-wear when at least 2 of the 3 axes have an SD < 13 mg. We also
  require a value range < 50 mg on at least 2 axes (the 2013 paper's second criterion,
  combined with *and* rather than *or*): an ankle in quiet sleep can stay under 13 mg SD for an
  hour, and the range criterion keeps an hour with a few leg movements worn.
* :func:`detect_rest_period`: van Hees VT et al. Estimating sleep parameters using an
  accelerometer without sleep diary. Sci Rep 2018;8:12975. doi:10.1038/s41598-018-31266-z
  (HDCZA): 5-s median z-angle, absolute change, 5-min rolling median, threshold 15 x its 10th
  percentile (at least 0.13 deg), blocks > 30 min, gaps < 60 min joined, the longest block.
  Worn at the ankle rather than the wrist (the method was developed at the wrist).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter

from somnomotor._errors import ParameterError


@dataclass(frozen=True)
class Calibration:
    """Result of :func:`autocalibrate`: ``calibrated = (raw + offset_g) * scale``."""

    offset_g: tuple[float, float, float]
    scale: tuple[float, float, float]
    error_before_mg: float | None
    error_after_mg: float | None
    n_still_windows: int
    applied: bool
    reason: str = ""

    def apply(self, xyz: np.ndarray) -> np.ndarray:
        """Calibrated copy of ``(n, 3)`` acceleration in g (float32)."""
        if not self.applied:
            return np.asarray(xyz, dtype=np.float32)
        return ((np.asarray(xyz, dtype=np.float64) + np.asarray(self.offset_g))
                * np.asarray(self.scale)).astype(np.float32)


def _block_stats(xyz: np.ndarray, fs_hz: float, block_s: float) -> tuple[np.ndarray, ...]:
    """Per block of ``block_s`` s: mean, SD, min, max per axis (incomplete tail dropped)."""
    n_per = int(round(block_s * fs_hz))
    n_blocks = xyz.shape[0] // n_per
    if n_blocks == 0:
        empty = np.zeros((0, 3))
        return empty, empty, empty, empty
    b = np.asarray(xyz[: n_blocks * n_per], dtype=np.float64).reshape(n_blocks, n_per, 3)
    return b.mean(axis=1), b.std(axis=1), b.min(axis=1), b.max(axis=1)


def autocalibrate(xyz: np.ndarray, fs_hz: float, *, window_s: float = 10.0,
                  still_sd_g: float = 0.013, max_iter: int = 1000) -> Calibration:
    """Fit per-axis offset and scale so that still periods read 1 g (van Hees 2014).

    Needs still windows spread around the sphere: on each axis some window mean above
    +0.3 g and some below -0.3 g (GGIR's sphere criterion). Otherwise nothing is applied and
    ``reason`` says why (a short night lying still rarely meets it).
    """
    mean, sd, _, _ = _block_stats(xyz, fs_hz, window_s)
    still = (sd < still_sd_g).all(axis=1) & (np.abs(np.linalg.norm(mean, axis=1) - 1.0) < 0.5)
    pts = mean[still]
    if pts.shape[0] < 10:
        return Calibration((0.0, 0.0, 0.0), (1.0, 1.0, 1.0), None, None, int(pts.shape[0]), False,
                           f"only {pts.shape[0]} still 10-s windows (10 are needed)")
    spread = (pts.max(axis=0) > 0.3) & (pts.min(axis=0) < -0.3)
    err0 = float(np.mean(np.abs(np.linalg.norm(pts, axis=1) - 1.0)) * 1000.0)
    if not spread.all():
        return Calibration((0.0, 0.0, 0.0), (1.0, 1.0, 1.0), err0, err0, int(pts.shape[0]), False,
                           "still periods do not cover the sphere (each axis needs means above "
                           "+0.3 g and below -0.3 g)")
    offset = np.zeros(3)
    scale = np.ones(3)
    for _ in range(max_iter):
        cal = (pts + offset) * scale
        target = cal / np.linalg.norm(cal, axis=1, keepdims=True)
        new_off = np.zeros(3)
        new_scale = np.ones(3)
        for k in range(3):
            # target_k = (raw_k + off_k) * scale_k = a + b * raw_k
            b, a = np.polyfit(pts[:, k], target[:, k], 1)
            new_scale[k] = b
            new_off[k] = a / b
        done = np.max(np.abs(new_off - offset)) < 1e-9 and np.max(np.abs(new_scale - scale)) < 1e-9
        offset, scale = new_off, new_scale
        if done:
            break
    err1 = float(np.mean(np.abs(np.linalg.norm((pts + offset) * scale, axis=1) - 1.0)) * 1000.0)
    if err1 >= err0:
        return Calibration((0.0, 0.0, 0.0), (1.0, 1.0, 1.0), err0, err0, int(pts.shape[0]), False,
                           "the fit did not reduce the calibration error")
    return Calibration(tuple(offset.tolist()), tuple(scale.tolist()), err0, err1,  # type: ignore[arg-type]
                       int(pts.shape[0]), True)


def detect_nonwear(xyz: np.ndarray, fs_hz: float, *, window_s: float = 3600.0,
                   step_s: float = 900.0, sd_max_g: float = 0.013,
                   range_max_g: float = 0.050, min_axes: int = 2) -> list[tuple[float, float]]:
    """Non-wear intervals ``[(start_s, end_s), ...]`` (van Hees 2011/2013, see module doc).

    A recording shorter than ``window_s`` is judged as one window when it lasts at least
    half of it, and not judged otherwise.
    """
    if window_s <= 0 or step_s <= 0:
        raise ParameterError(f"window_s and step_s must be > 0 s, received {window_s}, {step_s}")
    duration = xyz.shape[0] / fs_hz
    if duration < window_s:
        if duration < window_s / 2:
            return []
        window_s = float(int(duration))
    # 1-s block statistics, then windows from cumulative sums and running min/max
    mean, sd, lo, hi = _block_stats(xyz, fs_hz, 1.0)
    n_per = int(round(fs_hz))
    s1 = mean * n_per
    s2 = (sd**2 + mean**2) * n_per
    w = int(window_s)
    step = max(1, int(step_s))
    c1 = np.vstack([np.zeros((1, 3)), np.cumsum(s1, axis=0)])
    c2 = np.vstack([np.zeros((1, 3)), np.cumsum(s2, axis=0)])
    starts = np.arange(0, mean.shape[0] - w + 1, step)
    if starts.size == 0:
        return []
    n = w * n_per
    tot1 = c1[starts + w] - c1[starts]
    tot2 = c2[starts + w] - c2[starts]
    var = np.maximum(tot2 / n - (tot1 / n) ** 2, 0.0)
    win_sd = np.sqrt(var)
    rng = np.array([hi[s:s + w].max(axis=0) - lo[s:s + w].min(axis=0) for s in starts])
    off = ((win_sd < sd_max_g).sum(axis=1) >= min_axes) & ((rng < range_max_g).sum(axis=1) >= min_axes)
    intervals: list[tuple[float, float]] = []
    for s in starts[off]:
        a, b = float(s), float(s + w)
        if intervals and a <= intervals[-1][1]:
            intervals[-1] = (intervals[-1][0], b)
        else:
            intervals.append((a, b))
    return intervals


def detect_rest_period(xyz: np.ndarray, fs_hz: float,
                       nonwear: list[tuple[float, float]] = ()) -> tuple[float, float] | None:  # type: ignore[assignment]
    """Longest rest block ``(start_s, end_s)`` by HDCZA (van Hees 2018), or None.

    Non-wear intervals (s) are never rest: a device on a table is as still as a sleeper.
    """
    mean, _, _, _ = _block_stats(xyz, fs_hz, 5.0)
    if mean.shape[0] < 12 * 30:  # < 30 min
        return None
    angle = np.degrees(np.arctan2(mean[:, 2], np.hypot(mean[:, 0], mean[:, 1])))
    change = np.abs(np.diff(angle, prepend=angle[0]))
    rolled = median_filter(change, size=60, mode="nearest")  # 5 min of 5-s values
    threshold = max(float(np.percentile(rolled, 10)) * 15.0, 0.13)
    rest = rolled < threshold
    for a, b in nonwear:
        rest[int(a // 5): int(np.ceil(b / 5))] = False
    # runs of rest; join gaps < 60 min; keep blocks > 30 min
    idx = np.flatnonzero(np.diff(np.r_[0, rest.astype(np.int8), 0]))
    runs = [(int(a), int(b)) for a, b in zip(idx[::2], idx[1::2]) if (b - a) * 5 > 30 * 60]
    if not runs:
        return None
    joined = [runs[0]]
    for a, b in runs[1:]:
        if (a - joined[-1][1]) * 5 < 60 * 60:
            joined[-1] = (joined[-1][0], b)
        else:
            joined.append((a, b))
    a, b = max(joined, key=lambda r: r[1] - r[0])
    return a * 5.0, b * 5.0


__all__ = ["Calibration", "autocalibrate", "detect_nonwear", "detect_rest_period"]
