"""Helpers of the RSWA detector: REM periods, mini-epoch grid, artefacts, background level.

Kept apart from :mod:`somnomotor.detect.rswa` so each module stays short. Nothing here holds
signal data beyond the call that received it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from somnomotor.events import EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.signal.rms import binned_mean_cs, runs, stuck_runs

#: Reasons a mini-epoch is left out, in the order they are checked (first one wins).
EXCLUSION_REASONS: tuple[str, ...] = (
    "flat", "saturation", "pop", "no_background", "arousal", "respiratory"
)


@dataclass(frozen=True)
class Grid:
    """Epochs and mini-epochs laid over the REM periods of one night.

    All times in s from the recording start. ``mini_epoch_of[k]`` is the index of the epoch
    holding mini-epoch ``k``; ``epoch_period[i]`` the REM period holding epoch ``i``.
    """

    periods: tuple[tuple[float, float], ...]
    epoch_start: np.ndarray
    epoch_period: np.ndarray
    mini_start: np.ndarray
    mini_epoch_of: np.ndarray
    epoch_s: float
    mini_epoch_s: float

    @property
    def n_mini_per_epoch(self) -> int:
        """Mini-epochs in one epoch."""
        return int(round(self.epoch_s / self.mini_epoch_s))


def stage_periods(
    hypnogram: Hypnogram, stages: tuple[str, ...], *, end_s: float
) -> list[tuple[float, float]]:
    """Contiguous runs of the given stages as ``(start_s, end_s)``, clipped to ``[0, end_s]``.

    Epochs that do not lie wholly inside the signal are dropped, so every period is covered
    by samples.
    """
    codes = np.isin(hypnogram.effective_stages, stages)
    starts_idx, ends_idx = runs(codes)
    out: list[tuple[float, float]] = []
    e = hypnogram.epoch_s
    for a, b in zip(starts_idx, ends_idx, strict=True):
        t0 = hypnogram.onset_s + a * e
        t1 = hypnogram.onset_s + b * e
        # whole epochs inside the signal only
        if t0 < 0:
            t0 = t0 + np.ceil(-t0 / e) * e
        if t1 > end_s:
            t1 = t1 - np.ceil((t1 - end_s) / e - 1e-9) * e
        if t1 - t0 >= e - 1e-9:
            out.append((float(t0), float(t1)))
    return out


def build_grid(
    periods: list[tuple[float, float]], *, epoch_s: float, mini_epoch_s: float
) -> Grid:
    """Lay whole epochs from the start of each REM period, and mini-epochs inside them.

    A last part of a period shorter than one epoch (possible when ``epoch_s`` differs from
    the 30-s staging epoch, e.g. 20-s Montreal epochs) is not analysed.
    """
    n_mini = int(round(epoch_s / mini_epoch_s))
    e_start: list[float] = []
    e_period: list[int] = []
    for p, (a, b) in enumerate(periods):
        n_ep = int(np.floor((b - a) / epoch_s + 1e-9))
        e_start.extend(a + np.arange(n_ep) * epoch_s)
        e_period.extend([p] * n_ep)
    epoch_start = np.asarray(e_start, dtype=float)
    mini_start = (epoch_start[:, None] + np.arange(n_mini)[None, :] * mini_epoch_s).ravel()
    mini_epoch_of = np.repeat(np.arange(epoch_start.size), n_mini)
    return Grid(
        periods=tuple(periods),
        epoch_start=epoch_start,
        epoch_period=np.asarray(e_period, dtype=np.int64),
        mini_start=mini_start,
        mini_epoch_of=mini_epoch_of,
        epoch_s=epoch_s,
        mini_epoch_s=mini_epoch_s,
    )


def overlaps(starts: np.ndarray, length_s: float, events: EventTable) -> np.ndarray:
    """Whether each window ``[start, start + length_s)`` overlaps any of ``events``.

    An event of zero duration overlaps the window that holds its onset.
    """
    out = np.zeros(starts.size, dtype=bool)
    if not len(events) or not starts.size:
        return out
    on = events.onset_s
    off = np.maximum(events.offset_s, on + 1e-9)
    order = np.argsort(on)
    on, off = on[order], off[order]
    # the running maximum of offsets lets one binary search find any overlapping event
    max_off = np.maximum.accumulate(off)
    ends = starts + length_s
    # events starting before the window end ...
    k = np.searchsorted(on, ends, side="left")
    has = k > 0
    # ... and of those, one ending after the window start
    out[has] = max_off[k[has] - 1] > starts[has]
    return out


def saturation_mask(raw: np.ndarray, *, fs_hz: float, saturation_min_s: float) -> np.ndarray:
    """Samples stuck at the segment's extreme value for at least ``saturation_min_s`` s.

    Returns a float64 array of 0/1 (ready for :func:`binned_max`).
    """
    out = np.zeros(np.asarray(raw).size)
    for a, b in zip(*stuck_runs(raw, int(round(saturation_min_s * fs_hz))), strict=True):
        out[a:b] = 1.0
    return out


def artefact_reasons(
    power_csum: np.ndarray,
    peak_abs: np.ndarray,
    saturated: np.ndarray,
    edges: np.ndarray,
    *,
    flat_rms_uv: float,
    artefact_max_uv: float,
) -> np.ndarray:
    """Artefact reason per window (``""`` when clean): ``flat``, ``saturation`` or ``pop``.

    Parameters
    ----------
    power_csum : numpy.ndarray
        :func:`~somnomotor.signal.rms.cumsum0` of the squared band-passed samples (µV²).
    peak_abs : numpy.ndarray
        Peak |band-passed EMG| per window (µV), e.g. from
        :func:`~somnomotor.signal.rms.binned_abs`.
    saturated : numpy.ndarray
        Per window, whether it holds saturated samples (bool).
    edges : numpy.ndarray
        Sample edges of the windows within the segment.
    flat_rms_uv : float
        Band-passed RMS (µV) below which a window is flat (disconnected electrode).
    artefact_max_uv : float
        Band-passed peak |EMG| (µV) above which a window holds a pop or a gross artefact.
    """
    n = edges.size - 1
    reasons = np.full(n, "", dtype=object)
    rms = np.sqrt(binned_mean_cs(power_csum, edges))
    peak = np.asarray(peak_abs, dtype=np.float64)
    reasons[np.isfinite(peak) & (peak > artefact_max_uv)] = "pop"
    reasons[np.asarray(saturated, dtype=bool)] = "saturation"
    reasons[~np.isfinite(rms) | (rms < flat_rms_uv)] = "flat"
    return reasons


def count_in_bins(mask: np.ndarray, lo: np.ndarray,
                  hi: np.ndarray | None = None) -> np.ndarray:
    """Number of True samples of ``mask`` in ``[lo[i], hi[i])``; with ``hi`` omitted, between
    consecutive sample edges ``lo``."""
    cs = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
    if hi is None:
        return cs[lo[1:]] - cs[lo[:-1]]
    return cs[hi] - cs[lo]


def background_power(
    power_1s: np.ndarray, *, percentile: float, quiet_ratio: float, min_quiet_s: float
) -> float:
    """Background EMG power (µV²) of one REM period: the mean power of its quiet seconds.

    A REM period of an RBD patient may never fall quiet for 30 s in a row (bursts every
    10-20 s), so the quietest 30-s stretch (RBDtector, Röthenbacher et al. 2022,
    doi:10.1038/s41598-022-25163-9) still holds bursts and overstates the background (on
    such periods 1.4-2x). Here the quiet seconds are found one by one: the ``percentile``-th
    percentile of the clean 1-s RMS values is a first, low estimate ``r``; every second whose
    RMS is at most ``quiet_ratio x r`` counts as quiet, and the background is the mean power of
    those seconds. On EMG noise alone nearly all seconds are quiet (1-s RMS varies by ~5 %), so
    the estimate is the plain RMS, without the downward bias of a low percentile or a minimum;
    seconds holding activity at >= 2x background are left out as long as at least
    ``percentile`` % of the period's seconds are quiet.

    Parameters
    ----------
    power_1s : numpy.ndarray
        Mean power (µV²) per 1-s bin of the REM period, NaN where the bin is excluded.
    percentile : float
        Percentile (0-100) of the 1-s RMS values giving the first estimate.
    quiet_ratio : float
        A second is quiet when its RMS is at most this multiple of the first estimate.
    min_quiet_s : float
        Fewer clean seconds than this (s) give no background (NaN).
    """
    p = np.asarray(power_1s, dtype=np.float64)
    p = p[np.isfinite(p)]
    if p.size < max(1, int(np.ceil(min_quiet_s - 1e-9))):
        return float("nan")
    first = float(np.percentile(p, percentile))
    quiet = p[p <= first * quiet_ratio * quiet_ratio]
    if quiet.size < max(1, int(np.ceil(min_quiet_s - 1e-9))):
        quiet = np.sort(p)[: max(1, int(np.ceil(min_quiet_s - 1e-9)))]
    return float(quiet.mean())


__all__ = [
    "EXCLUSION_REASONS",
    "Grid",
    "artefact_reasons",
    "background_power",
    "build_grid",
    "count_in_bins",
    "overlaps",
    "saturation_mask",
    "stage_periods",
]
