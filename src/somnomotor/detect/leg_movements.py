"""Leg movements (LM) from raw tibialis anterior EMG, to WASM 2016 or AASM.

The detector finds every monolateral leg movement of at least 0.5 s on each leg channel
and the stretches that cannot be scored. Bilateral combination, candidate LMs, PLM series
and indices belong to the scoring stage (:mod:`somnomotor.score.plm`).

Pipeline per leg channel (see docs/leg-movement-detection.md for the numbers and sources):

1. zero-phase band-pass 10-100 Hz (+ mains notch when hum is found), full-wave
   rectification and 10-ms block means, in chunks (:func:`~somnomotor.signal.filters.block_envelope`);
2. artefact masks: flat, disconnected, saturation, electrode pops
   (:mod:`somnomotor.signal.quality`); pops are bridged in the envelope;
3. ECG bleed suppression (:mod:`somnomotor.signal.ecg`);
4. envelope smoothing (0.1 s) and the noise-adaptive resting baseline
   (:mod:`somnomotor.signal.baseline`); baseline above 15 µV is "noise";
5. onset at envelope >= baseline + 8 µV, offset at the start of >= 0.5 s with envelope
   <= baseline + 2 µV - a single brief spike of the resting EMG within it does not count
   (``offset_rest_spike_max_s``) - minimum duration 0.5 s (Ferri et al., Sleep Med 2016;26:86-95,
   https://doi.org/10.1016/j.sleep.2016.10.010; AASM Scoring Manual);
6. WASM computer-scoring morphology: the rectified EMG must have a 0.5-s running median
   >= baseline + 2 µV somewhere within the movement (Skeba et al., Sleep Breath
   2016;20:1293, https://doi.org/10.1007/s11325-016-1404-2).
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from somnomotor._errors import (
    ChannelNotFoundError,
    ParameterError,
    SignalQualityError,
    SomnomotorWarning,
)
from somnomotor.detect._cardiac import ecg_r_peak_times_s
from somnomotor.detect._leg_checks import (
    _check_blocks,
    _check_channel,
    _intervals_table,
    _scorable_median,
    _Unusable,
)
from somnomotor.detect.leg_movement_params import LegMovementDetectionParams
from somnomotor.events import EventTable
from somnomotor.io.edf_records import window_reader
from somnomotor.recording import Channel, Recording
from somnomotor.results import AnalysisResult, params_to_dict
from somnomotor.signal.baseline import baseline_from_upper, coarse_factor
from somnomotor.signal.block_stream import block_envelope_read, median_windows_above_read
from somnomotor.signal.ecg import suppress_ecg
from somnomotor.signal.envelope import (
    block_any,
    block_max,
    crossing_times,
    hysteresis_events,
    moving_average,
    running_max,
    segment_max_window_mean_above,
    segment_means,
    segment_peak_mean_above,
    window_samples,
)
from somnomotor.signal.filters import (
    design_bandpass,
    design_notch,
    mains_ratios,
)
from somnomotor.signal.quality import (
    blank_runs,
    noise_mask_coarse,
    pop_is_step,
    quality_segments,
)
from somnomotor.signal.saturation import (
    isolated_mask,
    measure_context,
    rail_contact,
    rail_levels_uV,
    rail_reach_uV,
    rails_from_range_uV,
)
from somnomotor.signal.stretches import mains_stretches

logger = logging.getLogger(__name__)

EVENT_COLUMNS: tuple[str, ...] = ("side", "peak_uV", "mean_uV")

@dataclass(frozen=True)
class LegMovementDetection:
    """Result of :func:`detect_leg_movements`; holds no signal.

    Attributes
    ----------
    events : EventTable
        One row per monolateral leg movement: ``trial_type`` ``"leg_movement"``,
        ``channel`` (label), ``onset_s`` and ``duration_s`` in s, ``side`` (``left``,
        ``right`` or ``bilateral`` for a combined channel), ``peak_uV`` (largest smoothed
        envelope above the resting baseline, µV) and ``mean_uV`` (mean envelope above the
        baseline over the movement, µV).
    unscorable : EventTable
        ``trial_type`` ``"unscorable"`` with ``reason`` in ``noise``, ``saturation``,
        ``flat``, ``disconnected``, ``pop``.
    unscorable_s : dict
        Unscorable time in s per channel label.
    params : LegMovementDetectionParams
    warnings : tuple of str
    baseline_uV : dict
        Median resting baseline in µV per channel label (scorable stretches).
    ecg_beats_blanked : dict
        Number of QRS complexes blanked per channel label.
    notch_hz : dict
        Mains notch applied per channel label (``None``: none).
    legs_scored : tuple of str
        Sides (``left``, ``right``, ``bilateral``) whose movements are in ``events``.
    legs_left_out : dict
        Side -> why that leg channel was left out (flat, saturated or unscorable all
        night ...); its movements and unscorable stretches are not reported.
    """

    events: EventTable
    unscorable: EventTable
    unscorable_s: dict[str, float]
    params: LegMovementDetectionParams
    warnings: tuple[str, ...] = ()
    baseline_uV: dict[str, float] = field(default_factory=dict)
    ecg_beats_blanked: dict[str, int] = field(default_factory=dict)
    notch_hz: dict[str, float | None] = field(default_factory=dict)
    legs_scored: tuple[str, ...] = ()
    legs_left_out: dict[str, str] = field(default_factory=dict)

    def to_analysis_result(self) -> AnalysisResult:
        """The detection as an :class:`~somnomotor.results.AnalysisResult` (no indices)."""
        return AnalysisResult(
            family="leg_movements", events=self.events, params=params_to_dict(self.params),
            unscorable=self.unscorable, warnings=self.warnings,
            extra={"unscorable_s": dict(self.unscorable_s), "baseline_uV": dict(self.baseline_uV),
                   "ecg_beats_blanked": dict(self.ecg_beats_blanked),
                   "notch_hz": dict(self.notch_hz), "legs_scored": list(self.legs_scored),
                   "legs_left_out": dict(self.legs_left_out)})


@dataclass(frozen=True)
class _ChannelOutput:
    label: str
    side: str
    events: EventTable
    unscorable: EventTable
    unscorable_s: float
    baseline_uV: float
    ecg_beats: int
    notch_hz: float | None
    warnings: tuple[str, ...]
    #: why the whole channel cannot be scored (None: it can)
    unusable: str | None = None
    #: nothing at all to score (no samples, NaN, constant), as opposed to mostly unscorable
    empty: bool = False


def _ecg_r_peaks(recording: Recording, params: LegMovementDetectionParams) -> np.ndarray | None:
    """R-peak times in s from the ECG channel, or None (also when suppression is off)."""
    if not params.ecg_suppression:
        return None
    return ecg_r_peak_times_s(recording, envelope_rate_hz=params.block_rate_hz,
                              chunk_s=params.chunk_s, pad_s=params.pad_s)


def _detect_channel(ch: Channel, side: str, params: LegMovementDetectionParams,
                    r_peaks_s: np.ndarray | None | Callable[[], np.ndarray | None]
                    ) -> _ChannelOutput:
    try:
        return _detect_usable_channel(ch, side, params, r_peaks_s)
    except _Unusable as exc:
        return _ChannelOutput(ch.label, side, EventTable.empty(EVENT_COLUMNS),
                              EventTable.empty(("reason",)), ch.duration_s, float("nan"), 0,
                              None, (), unusable=exc.reason, empty=True)


def _detect_usable_channel(ch: Channel, side: str, params: LegMovementDetectionParams,
                           r_peaks_s: np.ndarray | None | Callable[[], np.ndarray | None]
                           ) -> _ChannelOutput:
    # The raw samples are read a part at a time and never held whole (memory: the envelope
    # at ~100 Hz is what the rules need); the rail check and the morphology criterion read
    # again the stretches they look at.
    read = window_reader(ch)
    n = ch.n_samples
    _check_channel(ch, n)
    fs = ch.fs_hz
    notes: list[str] = []
    sos = design_bandpass(fs, low_hz=params.band_low_hz, high_hz=params.band_high_hz,
                          order=params.filter_order,
                          zero_phase_edges=params.band_edges_zero_phase)
    notch: float | None = params.notch_hz
    if notch is None and params.auto_notch:
        lines = (50.0, 60.0)
        for line, ratio in zip(lines, mains_ratios(mains_stretches(ch, read=read), fs, lines)):
            if ratio > params.auto_notch_ratio:
                notch = line
                break
    if notch is not None:
        sos = np.concatenate([sos, design_notch(fs, notch)])
        logger.info("channel %s: mains notch at %s Hz", ch.label, notch)
    q = max(1, int(fs // params.block_rate_hz))
    # With the physical range (EDF header) the rails are known before reading: of each
    # block's largest |sample| only whether it can touch a rail is kept (memory: 1 byte
    # per block instead of 4).
    physical = ch.physical_range if ch.unit == "uV" else None
    rails = rails_from_range_uV(physical)
    reach = None if rails is None else rail_reach_uV(rails)
    blocks = block_envelope_read(read, n, fs, sos=sos, decimation=q, chunk_s=params.chunk_s,
                                 pad_s=params.pad_s, max_abs_at_least_uV=reach)
    _check_blocks(ch, read, blocks)
    fs_env = blocks.fs_hz
    env = blocks.envelope_uV
    max_abs, max_jump, all_zero = blocks.max_abs_uV, blocks.max_jump_uV, blocks.all_zero
    reaches = blocks.max_abs_reaches
    # each block statistic is dropped as soon as its check is done (memory: 4 bytes per
    # block each, 12 MB per 8-h leg at 512 Hz)
    del blocks
    # Rail contact: a blocked amplifier is unscorable now; whether the other contact is
    # clipped EMG (scored) or an isolated rail (unscorable) needs the baseline, below.
    if rails is None:
        rails = rail_levels_uV(max_abs, physical)
    contact = rail_contact(read, max_abs, q, fs, rails, block_min_s=params.rail_block_min_s,
                           n_samples=n, reaches=reaches)
    del max_abs, reaches
    masks = quality_segments(
        envelope=env, saturation=contact.blocked, max_jump_uV=max_jump,
        all_zero=all_zero, fs_hz=fs_env, flat_limit_uV=params.flat_limit_uV,
        flat_min_s=params.flat_min_s, pop_jump_uV=params.pop_jump_uV, pop_ratio=params.pop_ratio,
        pop_is_step=None if params.pop_step_window_s is None else functools.partial(
            pop_is_step, read, decimation=q, fs_hz=fs, n_samples=n,
            window_s=params.pop_step_window_s, min_fraction=params.pop_step_fraction))
    # keep only the envelope (memory); the jumps' buffer, of the envelope's size and
    # float32, takes the smoothed copies below instead of new ones
    scratch = max_jump
    del max_jump, all_zero
    n_beats = 0
    if params.ecg_suppression:
        peaks = None
        if callable(r_peaks_s):  # computed in another thread: wait for it only now
            r_peaks_s = r_peaks_s()
        if r_peaks_s is not None:
            peaks = np.floor(r_peaks_s * fs_env).astype(np.int64)
            peaks = peaks[(peaks >= 0) & (peaks < env.size)]
        n_beats = suppress_ecg(env, fs_env, r_peaks=peaks, half_width_s=params.ecg_half_width_s,
                               min_contrast_uV=params.ecg_min_contrast_uV,
                               min_train_beats=params.ecg_self_min_train_beats,
                               scratch=scratch)
    # Pops are bridged so that their ringing neither starts a movement nor cuts one.
    blank_runs(env, masks["pop"], context=max(2, window_samples(0.05, fs_env)))
    contact = measure_context(contact, env, q, fs)
    smooth = moving_average(env, window_samples(params.envelope_window_s, fs_env, odd=True),
                            out=scratch)
    del env, scratch
    bad = masks["flat"] | masks["disconnected"] | masks["saturation"]
    # Resting baseline and upper envelope share the 0.5-s maxima on the 0.1-s grid.
    k = coarse_factor(fs_env)
    w_max = window_samples(params.baseline_max_window_s, fs_env / k)
    block_peaks = block_max(smooth, k)
    upper_c = running_max(block_peaks, w_max)
    # Artefact blocks must not pull the running minimum down (flat) or up (saturation):
    # +inf makes the minimum ignore them; a 60-s window entirely artefact stays +inf.
    if bad.any():
        block_peaks[block_any(bad, k)] = np.inf
    base_c = baseline_from_upper(running_max(block_peaks, w_max), fs_env / k,
                                 min_window_s=params.baseline_min_window_s,
                                 floor_uV=params.baseline_floor_uV,
                                 long_window_s=params.baseline_long_window_s,
                                 long_margin_uV=params.offset_above_baseline_uV)
    del block_peaks
    noise = noise_mask_coarse(upper_c, k, smooth.size, fs_env,
                              noise_limit_uV=params.noise_limit_uV, min_s=params.noise_min_s)
    if noise.any():  # full-length mask operations only when there is something to mask
        noise &= ~bad
        noise &= ~masks["pop"]
    masks["noise"] = noise
    del upper_c
    # Rail contact with no EMG-like activity around it (a step to the rail, a lone spike)
    isolated = isolated_mask(contact, smooth.size, base_c, k, fs_env,
                             above_baseline_uV=params.offset_above_baseline_uV)
    if isolated is not None:
        isolated &= ~(masks["flat"] | masks["disconnected"])
        masks["saturation"] |= isolated
        masks["pop"] &= ~isolated
        masks["noise"] &= ~isolated
        bad = bad | isolated
    unscorable_any = bad | masks["noise"]
    del bad, noise
    # thresholds on the 0.1-s grid of the baseline; no onset in unscorable stretches
    low = base_c + np.float32(params.offset_above_baseline_uV)
    high = base_c + np.float32(params.onset_above_baseline_uV)
    high[~np.isfinite(base_c)] = np.inf
    # The quiet period tolerates one brief, small spike of the rest (else, on a spiky rest,
    # the rest's own fluctuations postpone offsets); its length is counted like the
    # envelope's moving-average window (0.1 s: 11 samples at 100 Hz).
    spike_max_s = None if not params.offset_rest_spike_max_s else (
        window_samples(params.offset_rest_spike_max_s, fs_env, odd=True) / fs_env)
    starts, ends = hysteresis_events(
        smooth, low, high, fs_hz=fs_env, min_off_s=params.offset_min_s, step=k,
        no_onset=unscorable_any if unscorable_any.any() else None,
        rest_excursion_max_s=spike_max_s,
        rest_excursion_below=base_c + np.float32(params.offset_rest_spike_below_uV),
        rest_excursion_min_quiet_s=params.offset_rest_spike_min_quiet_s)
    # Times between envelope samples (block centres): the 0.5-s minimum is checked on them,
    # so no reported movement is shorter than the rule allows.
    on_s, off_s = crossing_times(smooth, starts, ends, low, high, fs_hz=fs_env, step=k,
                                 first_sample_s=(q - 1) / (2.0 * fs))
    keep = off_s - on_s >= params.min_duration_s - 1e-9
    starts, ends, on_s, off_s = starts[keep], ends[keep], on_s[keep], off_s[keep]
    if starts.size:
        # Drop LMs touching an unscorable stretch, also one that begins or ends right next
        # to it: no onset may start inside one, so an LM under way when the stretch ends
        # starts at its edge - its true onset (or offset) is hidden.
        clean = segment_means(unscorable_any.view(np.uint8), np.maximum(starts - 1, 0),
                              np.minimum(ends + 1, unscorable_any.size)) == 0
        starts, ends, on_s, off_s = starts[clean], ends[clean], on_s[clean], off_s[clean]
    if params.onset_level_window_s is not None and starts.size:
        # The onset rule's amplitude is the EMG level the LM sustains, not a 0.1-s
        # fluctuation: some 0.3-s stretch of it must average >= baseline + 8 µV (see
        # docs/leg-movement-detection.md, "Sustained onset level"). Timing stays with the
        # 0.1-s envelope's crossings.
        w = window_samples(params.onset_level_window_s, fs_env, odd=True)
        # windows centred anywhere in the LM: they may reach half a window beyond its edges
        sustained = segment_max_window_mean_above(
            smooth, base_c, np.maximum(starts - w // 2, 0),
            np.minimum(ends + w // 2, smooth.size), step=k, window=w)
        keep = sustained >= params.onset_above_baseline_uV
        starts, ends, on_s, off_s = starts[keep], ends[keep], on_s[keep], off_s[keep]
    keep = np.ones(starts.size, dtype=bool)
    if params.morphology_window_s is not None and starts.size:
        morph_w = window_samples(params.morphology_window_s, fs, odd=True)
        pad = max(1, int(round(min(params.pad_s, 1.0) * fs)))
        # offset threshold: its mean over the event (the baseline changes slowly)
        thresholds = segment_means(low, starts, ends, step=k)
        keep = median_windows_above_read(read, n, starts * q, np.minimum(n, ends * q),
                                         thresholds, sos=sos, pad=pad, window=morph_w)
    starts, ends = starts[keep], ends[keep]
    peaks_uV, means_uV = segment_peak_mean_above(smooth, base_c, starts, ends, step=k)
    del smooth  # memory: the tables and the baseline's median below need the masks only
    onsets = on_s[keep]
    durs = off_s[keep] - onsets
    if onsets.size:
        events = EventTable.from_arrays(onsets, durs, "leg_movement", ch.label, side=side,
                                        peak_uV=peaks_uV, mean_uV=means_uV)
    else:
        events = EventTable.empty(EVENT_COLUMNS)
    unscorable = _intervals_table(masks, fs_env, ch.label)
    n_unscorable = np.count_nonzero(unscorable_any | masks["pop"] if masks["pop"].any()
                                    else unscorable_any)
    del masks
    unscorable_s = float(n_unscorable) / fs_env
    baseline = _scorable_median(base_c, unscorable_any, k)
    del unscorable_any
    frac = unscorable_s / max(ch.duration_s, 1e-9)
    unusable = None
    if frac >= params.unusable_leg_fraction:
        reasons = sorted({str(r) for r in unscorable.frame["reason"]}) if len(unscorable) else []
        unusable = (f"unscorable for {100 * frac:.0f} % of the recording "
                    f"({', '.join(reasons) or 'artefact'})")
    if frac > 0.5:
        notes.append(f"leg channel {ch.label!r}: {100 * frac:.0f} % of the recording is "
                     "unscorable (noise, flat, saturation or pops); results cover the rest only")
    return _ChannelOutput(ch.label, side, events, unscorable, unscorable_s, baseline, n_beats,
                          notch, tuple(notes), unusable=unusable)


def detect_leg_movements(
    recording: Recording,
    params: LegMovementDetectionParams | None = None,
    *,
    progress: Callable[[float], None] | None = None,
) -> LegMovementDetection:
    """Detect monolateral leg movements on the tibialis channels of a recording.

    Parameters
    ----------
    recording : Recording
        Uses :meth:`Recording.leg_channels` (``left``/``right`` or one ``bilateral``
        channel), in µV, sampled at >= 50 Hz (200 Hz minimum, 500 Hz desirable per AASM).
        An ``ecg`` channel, when present, gives the R peaks for ECG suppression.
    params : LegMovementDetectionParams, optional
        Default :meth:`LegMovementDetectionParams.wasm_2016`.
    progress : callable, optional
        Called with the fraction done (0-1) after each channel.

    Returns
    -------
    LegMovementDetection
        Never ``None``; empty tables when nothing is found. See the class for the columns.

    Raises
    ------
    ChannelNotFoundError
        The recording has no leg channel.
    SignalQualityError
        No leg channel can be scored (each is empty, constant, all zero or NaN over the
        whole recording). One such leg next to a usable one is left out instead
        (``legs_left_out``), with a warning.

    References
    ----------
    Ferri R et al. World Association of Sleep Medicine (WASM) 2016 standards for recording
    and scoring leg movements in polysomnograms. Sleep Med 2016;26:86-95,
    https://doi.org/10.1016/j.sleep.2016.10.010
    """
    params = LegMovementDetectionParams.wasm_2016() if params is None else params
    if not isinstance(params, LegMovementDetectionParams):
        raise ParameterError("params must be a LegMovementDetectionParams, received "
                             f"{type(params).__name__}")
    legs = recording.leg_channels()
    if not legs:
        raise ChannelNotFoundError(
            "the recording has no tibialis (leg) EMG channel (roles 'leg_left', 'leg_right' or "
            f"'leg'); channels are {recording.labels}. Name them with --channel "
            "leg_left=LABEL --channel leg_right=LABEL")
    done = [0]
    total = len(legs) + 1
    items = list(legs.items())
    # The R peaks of the ECG channel (needed only at the ECG step of each leg) are found in a
    # thread of their own (the numba kernels release the GIL) while the first leg is
    # filtered. The legs run one after the other: each holds its envelope-rate arrays
    # (about 15 bytes per 10-ms block, 42 MB per 8-h leg), so side by side they would double
    # the memory of the step for a fraction of a second of wall time.
    with ThreadPoolExecutor(max_workers=1) as pool:
        r_peaks = pool.submit(_ecg_r_peaks, recording, params)

        def work(item: tuple[str, Channel]) -> _ChannelOutput:
            out = _detect_channel(item[1], item[0], params, r_peaks.result)
            done[0] += 1
            if progress is not None:
                progress(done[0] / total)
            return out

        outputs = [work(item) for item in items]
    hard = [o for o in outputs if o.empty]
    if len(hard) == len(outputs):  # nothing at all to score
        raise SignalQualityError(
            "no leg channel can be scored: " + "; ".join(
                f"{o.label!r} ({o.side}) is {o.unusable}" for o in hard)
            + ". Check the channels or assign others with --channel leg_left=LABEL / "
            "leg_right=LABEL")
    usable = [o for o in outputs if o.unusable is None]
    # A leg unusable all night is left out while another can be scored: otherwise its
    # unscorable time (the union over both legs in PLM scoring) would remove the whole
    # night from the other leg as well. When no leg is usable, all are kept as they are.
    left_out = {o.side: o for o in outputs if o.unusable is not None} if usable else {
        o.side: o for o in hard}
    notes: list[str] = []
    scored_sides = [o.side for o in outputs if o.side not in left_out]
    for o in left_out.values():
        notes.append(f"leg channel {o.label!r} ({o.side}) left out: {o.unusable}; leg "
                     f"movements are scored on {', '.join(scored_sides)} only")
    outputs = [o for o in outputs if o.side not in left_out]
    for out in outputs:
        notes.extend(out.warnings)
    for note in notes:
        warnings.warn(note, SomnomotorWarning, stacklevel=2)
    events = EventTable.concat([o.events for o in outputs])
    if not len(events):
        events = EventTable.empty(EVENT_COLUMNS)
    unscorable = EventTable.concat([o.unscorable for o in outputs])
    if not len(unscorable):
        unscorable = EventTable.empty(("reason",))
    if progress is not None:
        progress(1.0)
    return LegMovementDetection(
        events=events, unscorable=unscorable,
        unscorable_s={o.label: o.unscorable_s for o in outputs}, params=params,
        warnings=tuple(notes), baseline_uV={o.label: o.baseline_uV for o in outputs},
        ecg_beats_blanked={o.label: o.ecg_beats for o in outputs},
        notch_hz={o.label: o.notch_hz for o in outputs},
        legs_scored=tuple(o.side for o in outputs),
        legs_left_out={side: o.unusable or "" for side, o in left_out.items()})


__all__ = [
    "EVENT_COLUMNS",
    "LegMovementDetection",
    "LegMovementDetectionParams",
    "detect_leg_movements",
]
