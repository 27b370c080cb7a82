"""Leg movements counted on a movement sensor (piezo, accelerometer): NOT the WASM index.

Cohorts such as MESA (one piezo limb sensor, 32 Hz), MrOS and CFS (piezo leg leads, 64 Hz)
have no tibialis EMG, so the WASM 2016 / AASM leg-movement and PLM indices cannot be
computed for them (:mod:`somnomotor.io.leg_sensors`). This module gives a different,
clearly separate figure: how many discrete leg movements the sensor shows.

It is **not** the WASM leg-movement index nor the PLMS index: those are defined on the
amplitude of the rectified tibialis EMG (+8 µV / +2 µV above rest), which a movement sensor
does not measure. The thresholds here are relative to the sensor's own resting noise (its
unit is arbitrary), the timing rule borrows only the WASM duration bounds (0.5-10 s), and
the result has been checked only on simulated piezo signals (tests/detect/test_leg_motion.py),
never on real cohort nights against EMG.

Method, per leg channel:

1. band-pass 0.5 Hz to min(10 Hz, 0.45 x fs) (zero-phase Butterworth): removes drift and
   offset, keeps the sensor's movement band (MESA's hardware low pass is 10 Hz);
2. envelope: rectified signal, moving average over 0.5 s;
3. resting level: the median envelope of each 10-s block, its 25th percentile over a running
   5-min window (movements fill a minority of any 5 min, so the level follows the noise);
4. a movement is a stretch above 2 x the resting level that reaches 4 x somewhere; stretches
   less than 0.5 s apart are joined;
5. movements of 0.5-10 s are counted; longer ones are counted apart (``leg_motion_long_count``);
   movements of the two sides that overlap count once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from somnomotor._errors import ParameterError
from somnomotor.events import EventTable
from somnomotor.hypnogram import SLEEP_STAGES
from somnomotor.recording import Recording
from somnomotor.results import AnalysisResult, Index

FAMILY = "leg_motion"
#: Says what the figures are not, on every index.
NOT_WASM = ("movement-sensor count by somnomotor; NOT the WASM 2016 / AASM leg-movement or "
            "PLMS index (those need tibialis EMG); checked on simulated piezo signals only")


@dataclass(frozen=True)
class LegMotionParams:
    """Parameters of the movement-sensor count (defaults chosen on simulated piezo nights).

    Attributes
    ----------
    band_low_hz, band_high_hz : float
        Band-pass edges (Hz); the upper edge is lowered to 0.45 x fs when needed.
    smoothing_s : float
        Moving-average window of the rectified signal (s).
    block_s, rest_window_s : float
        Block length for the resting level and the running window over blocks (s).
    rest_percentile : float
        Percentile of the block medians taken as the resting level.
    on_factor, off_factor : float
        A movement reaches ``on_factor`` x the resting level and lasts while above
        ``off_factor`` x it.
    join_gap_s : float
        Stretches closer than this are one movement (s).
    min_duration_s, max_duration_s : float
        Movements counted (s): the WASM LM duration bounds, borrowed.
    """

    band_low_hz: float = 0.5
    band_high_hz: float = 10.0
    smoothing_s: float = 0.5
    block_s: float = 10.0
    rest_window_s: float = 300.0
    rest_percentile: float = 25.0
    on_factor: float = 4.0
    off_factor: float = 2.0
    join_gap_s: float = 0.5
    min_duration_s: float = 0.5
    max_duration_s: float = 10.0

    def __post_init__(self) -> None:
        if not 0 < self.off_factor <= self.on_factor:
            raise ParameterError(
                f"off_factor must be > 0 and <= on_factor ({self.on_factor}), received "
                f"{self.off_factor}")
        if not 0 < self.min_duration_s < self.max_duration_s:
            raise ParameterError(
                f"need 0 < min_duration_s < max_duration_s, received {self.min_duration_s} "
                f"and {self.max_duration_s}")


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.diff(padded)
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def motion_intervals(x: np.ndarray, fs_hz: float, params: LegMotionParams | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Onsets and offsets (s) of the movements on one movement-sensor channel (any length)."""
    # scipy imported here: only a movement-sensor leg channel needs it
    from scipy.ndimage import percentile_filter
    from scipy.signal import sosfiltfilt

    from somnomotor.signal.iir_design import butterworth_sos

    p = params or LegMotionParams()
    if fs_hz < 4 * p.band_low_hz or x.size < fs_hz * p.block_s:
        return np.empty(0), np.empty(0)
    high = min(p.band_high_hz, 0.45 * fs_hz)
    sos = butterworth_sos(2, (p.band_low_hz, high), btype="bandpass", fs_hz=fs_hz)
    y = np.abs(sosfiltfilt(sos, np.asarray(x, dtype=np.float64)))
    w = max(1, int(round(p.smoothing_s * fs_hz)))
    env = np.convolve(y, np.ones(w) / w, mode="same")
    block = int(round(p.block_s * fs_hz))
    n_blocks = env.size // block
    medians = np.median(env[: n_blocks * block].reshape(n_blocks, block), axis=1)
    span = max(1, int(round(p.rest_window_s / p.block_s)))
    rest_blocks = percentile_filter(medians, p.rest_percentile, size=span, mode="nearest")
    rest = np.repeat(rest_blocks, block)
    rest = np.concatenate([rest, np.full(env.size - rest.size, rest_blocks[-1])])
    rest = np.maximum(rest, np.finfo(float).tiny)
    starts, ends = _runs(env > p.off_factor * rest)
    if starts.size == 0:
        return np.empty(0), np.empty(0)
    # join stretches closer than join_gap_s
    gap = int(round(p.join_gap_s * fs_hz))
    keep = np.concatenate(([True], starts[1:] - ends[:-1] >= gap))
    group = np.cumsum(keep) - 1
    j_starts = starts[keep]
    j_ends = np.zeros(j_starts.size, dtype=np.int64)
    np.maximum.at(j_ends, group, ends)
    strong = env > p.on_factor * rest
    cum = np.concatenate(([0], np.cumsum(strong)))
    reached = cum[j_ends] - cum[j_starts] > 0
    return j_starts[reached] / fs_hz, j_ends[reached] / fs_hz


def _union(onsets: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if onsets.size == 0:
        return onsets, offsets
    order = np.argsort(onsets, kind="stable")
    on, off = onsets[order], offsets[order]
    out_on, out_off = [on[0]], [off[0]]
    for a, b in zip(on[1:], off[1:], strict=True):
        if a <= out_off[-1]:
            out_off[-1] = max(out_off[-1], b)
        else:
            out_on.append(a)
            out_off.append(b)
    return np.array(out_on), np.array(out_off)


def count_leg_motion(recording: Recording, channels: Sequence[str] | None = None,
                     params: LegMotionParams | None = None) -> AnalysisResult:
    """Count leg movements on the recording's movement-sensor leg channels.

    Parameters
    ----------
    recording : Recording
    channels : sequence of str, optional
        Labels of the movement-sensor channels; default the leg channels
        (:meth:`Recording.leg_channels`).
    params : LegMotionParams, optional

    Returns
    -------
    AnalysisResult
        Family ``"leg_motion"``; events ``leg_motion`` (both sides joined, channel
        ``"legs"`` or the one label) and ``leg_motion_long`` (> max_duration_s); indices
        ``leg_motion_count``, ``leg_motion_index`` (per hour of sleep with a hypnogram,
        else per hour of recording), ``leg_motion_long_count``. None of them is a WASM /
        AASM index (see the module notes).
    """
    p = params or LegMotionParams()
    labels = list(channels) if channels is not None else [
        ch.label for ch in recording.leg_channels().values()]
    if not labels:
        raise ParameterError("no leg channel to count movements on")
    on_all, off_all = [], []
    for label in labels:
        ch = recording.channel(label)
        on, off = motion_intervals(ch.data(), ch.fs_hz, p)
        on_all.append(on)
        off_all.append(off)
    onsets, offsets = _union(np.concatenate(on_all), np.concatenate(off_all))
    durations = offsets - onsets
    counted = (durations >= p.min_duration_s) & (durations <= p.max_duration_s)
    long_ = durations > p.max_duration_s
    where = labels[0] if len(labels) == 1 else "legs"
    events = EventTable.concat([
        EventTable.from_arrays(onsets[counted], durations[counted], "leg_motion", where),
        EventTable.from_arrays(onsets[long_], durations[long_], "leg_motion_long", where)])
    hyp = recording.hypnogram
    if hyp is not None and hyp.total_sleep_time_s > 0:
        in_sleep = np.isin(hyp.stage_at(onsets[counted]), SLEEP_STAGES) if counted.any() \
            else np.zeros(0, bool)
        n_index, hours, denominator = int(in_sleep.sum()), hyp.total_sleep_time_s / 3600.0, \
            "hours of sleep (TST)"
    else:
        n_index, hours, denominator = int(counted.sum()), recording.duration_s / 3600.0, \
            "hours of recording"
    indices = (
        Index("leg_motion_count", float(counted.sum()), "count",
              description="leg movements of 0.5-10 s on the movement sensor", standard=NOT_WASM),
        Index("leg_motion_index", n_index / hours if hours > 0 else None, "/h",
              denominator=denominator, denominator_value=hours, denominator_unit="h",
              description="leg movements on the movement sensor per hour", standard=NOT_WASM),
        Index("leg_motion_long_count", float(long_.sum()), "count",
              description="movements longer than 10 s on the movement sensor",
              standard=NOT_WASM),
    )
    return AnalysisResult(family=FAMILY, events=events, indices=indices,
                          params={**asdict(p), "channels": labels},
                          warnings=(f"{FAMILY}: {NOT_WASM}",))


__all__ = ["FAMILY", "NOT_WASM", "LegMotionParams", "count_leg_motion", "motion_intervals"]
