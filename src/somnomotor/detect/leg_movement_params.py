"""Parameters of leg-movement detection from tibialis EMG (frozen, with WASM 2016 and AASM presets).

Every field cites the standard or the measurement behind it; the detector is
:func:`somnomotor.detect.leg_movements.detect_leg_movements`.
"""

from __future__ import annotations

from dataclasses import dataclass

from somnomotor._errors import ParameterError
from somnomotor._validation import check_non_negative, check_positive

_WASM_REF = "Ferri et al., Sleep Med 2016;26:86-95, https://doi.org/10.1016/j.sleep.2016.10.010"


@dataclass(frozen=True)
class LegMovementDetectionParams:
    """Parameters of leg-movement detection from tibialis EMG.

    Use the presets :meth:`wasm_2016` (default) or :meth:`aasm`; change single fields with
    :func:`dataclasses.replace`.

    Attributes
    ----------
    rule_set : str
        ``"wasm_2016"`` or ``"aasm"`` (recorded in the output).
    band_low_hz, band_high_hz : float
        EMG band-pass edges, 10 and 100 Hz (AASM EMG filter settings; SOMAS default 10-100 Hz
        zero-phase Butterworth, macesari/SOMAS ``get_signal.m``). ``band_high_hz`` is lowered
        to 0.45 x fs at low sampling rates.
    filter_order : int
        Butterworth order per edge (2), run forward and backward: zero phase, 4th-order
        roll-off at each edge (psgscoring uses 4th order zero phase).
    band_edges_zero_phase : bool
        Place the band edges where the forward-backward filter is -3 dB (True, default), as
        the 10-100 Hz band of the recording standard means, rather than at the design
        corners of the one-way filter (where forward-backward is -6 dB, so the band that
        is kept is about 12.5-80 Hz). See
        :func:`somnomotor.signal.filters.zero_phase_corners`.
    notch_hz : float or None
        Mains notch in Hz applied always (``None``: only if :attr:`auto_notch` finds hum).
    auto_notch : bool
        Look for 50- and 60-Hz hum and notch it (IIR, Q = 30 as SOMAS) when the line stands
        out of the EMG band by more than :attr:`auto_notch_ratio`.
    auto_notch_ratio : float
        Dimensionless ratio of line power density to the median 10-100 Hz density (10).
    block_rate_hz : float
        Target rate in Hz of the rectified block envelope (100 Hz; the rules work at 0.1 s).
    envelope_window_s : float
        Centred moving average of the rectified EMG in s (0.1 s) - smooths the envelope
        so that the 8-µV and 2-µV thresholds apply to the EMG level, not to single cycles.
    baseline_max_window_s, baseline_min_window_s : float
        Resting baseline = running minimum of the 0.5-s running maximum of the envelope
        (rlslabgit/MATPLM ``dt_rev1.m``: 0.5 s and 60 s), in s; here the higher of the
        minima over ``baseline_min_window_s / 2`` before and after (60 s: 30 s on each
        side; :mod:`somnomotor.signal.baseline`).
    baseline_long_window_s : float or None
        Where the baseline is more than the offset threshold (2 µV) above the same measure
        with this window (120 s: 60 s on each side, longer than the longest leg movement,
        45 s), a 30-s side lies inside a long movement and the 120-s value is used, so that
        a 30-45-s movement does not become its own baseline and is not cut in two.
        Implementation choice; ``None``: off.
    baseline_floor_uV : float
        Lowest resting baseline in µV (0.5 µV, MATPLM).
    onset_above_baseline_uV : float
        Onset when the envelope rises this much above the resting baseline: 8 µV (AASM and
        WASM 2016; Zucconi et al., Sleep Med 2006;7:175, https://doi.org/10.1016/j.sleep.2006.01.001).
    offset_above_baseline_uV : float
        Offset threshold: 2 µV above the resting baseline (AASM and WASM 2016).
    onset_level_window_s : float or None
        The onset amplitude is the EMG level the LM sustains: the envelope averaged over
        this window (0.3 s) must reach the onset threshold somewhere in the LM; the onset
        time is still the 0.1-s envelope's first crossing. Without it a 0.1-s fluctuation
        of a spiky carrier makes a 5-µV burst cross +8 µV; 0.5 s (the shortest LM) lost
        short near-threshold movements (measured in docs/leg-movement-detection.md,
        "Sustained onset level"). Implementation choice; ``None``: off.
    offset_min_s : float
        The offset is the start of a period of at least 0.5 s below the offset threshold.
    offset_rest_spike_max_s : float or None
        How "stays <= 2 µV above resting for 0.5 s" is read on a noisy envelope: one spike
        of the resting EMG inside that period does not postpone the offset (a scorer
        reading the EMG would not let it). A spike lasts no longer than a moving-average
        window of this length (0.1 s, the envelope's own: 11 samples at 100 Hz, the span
        over which one brief transient lifts the 0.1-s average), stays below
        :attr:`offset_rest_spike_below_uV` and begins :attr:`offset_rest_spike_min_quiet_s`
        or later after the envelope fell to the threshold; the offset stays where it fell.
        Without it, on a spiky 2.7-µV rest, 0.25-0.3-s twitches became LMs and offsets came
        up to 1.35 s late (docs/leg-movement-detection.md, "Spiky resting EMG").
        Implementation choice (AASM and WASM 2016 give no tolerance); ``None``: the
        literal rule, every sample above the threshold breaks the period.
    offset_rest_spike_below_uV : float
        ... below 5 µV above the resting baseline: midway between the offset (2 µV) and
        onset (8 µV) thresholds, closer to rest than to a movement (the spiky rest's
        excursions reach 4.8 µV at most; measured). Implementation choice.
    offset_rest_spike_min_quiet_s : float
        ... and it begins >= 0.1 s (one envelope window) after the envelope fell to the
        threshold: a return sooner is the movement's own decay crossing the threshold
        again, and the period starts after it. Implementation choice.
    min_duration_s : float
        Shortest leg movement, 0.5 s (AASM and WASM 2016). There is no maximum here: under
        WASM 2016 an LM > 10 s is still an LM (not a candidate); under AASM it is not an
        LM - both are decided by the scoring stage from ``duration_s``.
    morphology_window_s : float or None
        WASM 2016 computer-scoring criterion: a window of 0.5 s inside the LM whose running
        median of the rectified EMG reaches the offset threshold (Skeba et al., Sleep Breath
        2016;20:1293, https://doi.org/10.1007/s11325-016-1404-2). ``None`` under AASM (no
        such rule).
    rail_block_min_s : float
        A continuous run of samples at (within 1 % of the range of) a rail at least this
        long (0.5 s) is a blocked amplifier: unscorable "saturation". Shorter rail contact
        is clipped EMG of a strong movement and is scored, unless it touches one rail only
        with the EMG at rest around it (:mod:`somnomotor.signal.saturation`). The rail is
        the channel's ``physical_range`` (EDF header) or, without it, a repeated largest
        absolute value. Implementation choice (the rules' own 0.5-s time scale).
    noise_limit_uV : float
        Resting baseline above this (15 µV) makes a stretch unscorable ("noise"); MATPLM
        disables detection above 15 µV. WASM 2016 gives no number (scoring-rules.md 1.2).
    noise_min_s : float
        ... but only when the level stays above it for at least 60 s: a leg active for up to
        45 s is a long movement (IRLSSG large-muscle-group movements last 3-45 s,
        scoring-rules.md 5.5), not noise. Implementation choice.
    flat_limit_uV, flat_min_s : float
        A smoothed envelope below 0.1 µV for at least 2 s is "flat" (or "disconnected" when
        the raw samples are exactly 0): no muscle signal. Implementation choice.
    pop_jump_uV, pop_ratio : float
        Electrode pop: a jump of at least 50 µV between consecutive raw samples that is at
        least 15 times the mean envelope over the next 0.5 s. Implementation choice.
    pop_step_window_s, pop_step_fraction : float
        ... and a step: the raw signal stays displaced, in the jump's direction, by at
        least half the jump on average over the 40 ms after it (an electrode pop is a
        step of the electrode potential that decays over tens to hundreds of ms; a spike
        of the EMG swings back within a few ms). ``pop_step_window_s=None`` does not ask.
        Implementation choice. The fastest decay it keeps is a time constant of about
        25 ms, so on a channel stored after a high-pass of about 6 Hz or more (time
        constant under 25 ms) a pop is no longer marked; its short transient is still
        shorter than the 0.5-s minimum of a leg movement.
    unusable_leg_fraction : float
        A leg channel unscorable for at least this fraction of the recording (0.9) while
        another leg channel is not is *left out*: its movements and its unscorable
        stretches are not reported, so the other leg is scored over the whole night (an
        unscorable stretch of either leg is unscorable time for both in PLM scoring). A
        channel with no samples, NaN/inf or constant all night is left out the same way.
        When every leg is unusable, :class:`SignalQualityError` is raised. Implementation
        choice (docs/leg-movement-detection.md, "One unusable leg").
    ecg_suppression : bool
        Blank ECG (QRS) bleed before detection.
    ecg_half_width_s : float
        Half-width of the blanked stretch around each R peak, 0.08 s (MATPLM ``removeEKG.m``
        replaces ±0.1 s).
    ecg_min_contrast_uV : float
        Mean QRS-triggered envelope contrast in µV over 60 s that counts as bleed (0.5 µV).
    ecg_self_min_train_beats : int or None
        Without an ECG channel the leg's own envelope is searched for bleed peaks; a 60-s
        block counts only when it holds a regular train of at least this many peaks in a
        row (10; intervals 0.4-1.5 s, changing <= 15 % beat to beat): EMG without bleed
        has chance peaks at heart-rate intervals, but not a heartbeat's regularity
        (:func:`somnomotor.signal.ecg.find_bleed_peaks`). ``None``: no train needed.
        Implementation choice.
    chunk_s, pad_s : float
        Processing chunk and filter padding in s (300 s, 2 s): memory, not results.
    """

    rule_set: str = "wasm_2016"
    band_low_hz: float = 10.0
    band_high_hz: float = 100.0
    filter_order: int = 2
    band_edges_zero_phase: bool = True
    notch_hz: float | None = None
    auto_notch: bool = True
    auto_notch_ratio: float = 10.0
    block_rate_hz: float = 100.0
    envelope_window_s: float = 0.1
    baseline_max_window_s: float = 0.5
    baseline_min_window_s: float = 60.0
    baseline_long_window_s: float | None = 120.0
    baseline_floor_uV: float = 0.5
    onset_above_baseline_uV: float = 8.0
    offset_above_baseline_uV: float = 2.0
    onset_level_window_s: float | None = 0.3
    offset_min_s: float = 0.5
    offset_rest_spike_max_s: float | None = 0.1
    offset_rest_spike_below_uV: float = 5.0
    offset_rest_spike_min_quiet_s: float = 0.1
    min_duration_s: float = 0.5
    morphology_window_s: float | None = 0.5
    noise_limit_uV: float = 15.0
    noise_min_s: float = 60.0
    flat_limit_uV: float = 0.1
    flat_min_s: float = 2.0
    rail_block_min_s: float = 0.5
    pop_jump_uV: float = 50.0
    pop_ratio: float = 15.0
    pop_step_window_s: float | None = 0.04
    pop_step_fraction: float = 0.5
    unusable_leg_fraction: float = 0.9
    ecg_suppression: bool = True
    ecg_half_width_s: float = 0.08
    ecg_min_contrast_uV: float = 0.5
    ecg_self_min_train_beats: int | None = 10
    chunk_s: float = 300.0
    pad_s: float = 2.0

    def __post_init__(self) -> None:
        if self.rule_set not in ("wasm_2016", "aasm"):
            raise ParameterError(
                f"rule_set must be 'wasm_2016' or 'aasm', received {self.rule_set!r}")
        positive = ("band_low_hz", "band_high_hz", "block_rate_hz", "envelope_window_s",
                    "baseline_max_window_s", "baseline_min_window_s", "onset_above_baseline_uV",
                    "offset_min_s", "min_duration_s", "noise_limit_uV", "noise_min_s",
                    "flat_min_s",
                    "rail_block_min_s",
                    "pop_jump_uV", "pop_ratio", "ecg_half_width_s", "chunk_s", "pad_s",
                    "auto_notch_ratio")
        for name in positive:
            check_positive(name, getattr(self, name))
        for name in ("baseline_floor_uV", "offset_above_baseline_uV", "flat_limit_uV",
                     "ecg_min_contrast_uV"):
            check_non_negative(name, getattr(self, name))
        if self.offset_above_baseline_uV >= self.onset_above_baseline_uV:
            raise ParameterError(
                "offset_above_baseline_uV must be below onset_above_baseline_uV; received "
                f"{self.offset_above_baseline_uV} µV and {self.onset_above_baseline_uV} µV")
        if self.band_low_hz >= self.band_high_hz:
            raise ParameterError(
                f"band_low_hz must be below band_high_hz; received {self.band_low_hz} Hz and "
                f"{self.band_high_hz} Hz")
        if not (isinstance(self.filter_order, int) and 1 <= self.filter_order <= 8):
            raise ParameterError(f"filter_order must be an integer 1..8, received "
                                 f"{self.filter_order!r}")
        if self.morphology_window_s is not None and not self.morphology_window_s > 0:
            raise ParameterError("morphology_window_s must be > 0 s or None, received "
                                 f"{self.morphology_window_s!r}")
        if self.pop_step_window_s is not None and not self.pop_step_window_s > 0:
            raise ParameterError("pop_step_window_s must be > 0 s or None, received "
                                 f"{self.pop_step_window_s!r}")
        if not 0.0 < self.pop_step_fraction <= 1.0:
            raise ParameterError("pop_step_fraction must be in (0, 1], received "
                                 f"{self.pop_step_fraction!r}")
        if not 0.0 < self.unusable_leg_fraction <= 1.0:
            raise ParameterError("unusable_leg_fraction must be in (0, 1], received "
                                 f"{self.unusable_leg_fraction!r}")
        if self.baseline_long_window_s is not None and not self.baseline_long_window_s > 0:
            raise ParameterError("baseline_long_window_s must be > 0 s or None, received "
                                 f"{self.baseline_long_window_s!r}")
        if self.onset_level_window_s is not None and not self.onset_level_window_s > 0:
            raise ParameterError("onset_level_window_s must be > 0 s or None, received "
                                 f"{self.onset_level_window_s!r}")
        if not (self.offset_rest_spike_max_s is None or self.offset_rest_spike_max_s >= 0) or (
                not self.offset_rest_spike_min_quiet_s >= 0):
            raise ParameterError(
                "offset_rest_spike_max_s must be >= 0 s or None and offset_rest_spike_min_quiet_s "
                f">= 0 s, received {self.offset_rest_spike_max_s!r} and "
                f"{self.offset_rest_spike_min_quiet_s!r}")
        if not (self.offset_above_baseline_uV < self.offset_rest_spike_below_uV
                <= self.onset_above_baseline_uV):
            raise ParameterError(
                "offset_rest_spike_below_uV must be above offset_above_baseline_uV and at most "
                f"onset_above_baseline_uV, received {self.offset_rest_spike_below_uV!r} µV")
        if self.ecg_self_min_train_beats is not None and not (
                isinstance(self.ecg_self_min_train_beats, int)
                and self.ecg_self_min_train_beats >= 3):
            raise ParameterError("ecg_self_min_train_beats must be an integer >= 3 or None, "
                                 f"received {self.ecg_self_min_train_beats!r}")
        if self.notch_hz is not None and not self.notch_hz > 0:
            raise ParameterError(f"notch_hz must be > 0 Hz or None, received {self.notch_hz!r}")

    @classmethod
    def wasm_2016(cls) -> LegMovementDetectionParams:
        """WASM/IRLSSG 2016 computer scoring (Ferri et al. 2016), the default (with the
        rest-spike reading of the offset period, :attr:`offset_rest_spike_max_s`)."""
        return cls()

    @classmethod
    def aasm(cls) -> LegMovementDetectionParams:
        """AASM Scoring Manual v2.x: same amplitude and timing rules (and the same reading of
        the offset period, :attr:`offset_rest_spike_max_s`), no morphology criterion."""
        return cls(rule_set="aasm", morphology_window_s=None)


__all__ = ["LegMovementDetectionParams"]
