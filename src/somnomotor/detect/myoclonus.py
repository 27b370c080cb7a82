"""Fragmentary myoclonus (FM) and the AASM criterion for excessive fragmentary myoclonus (EFM).

FM potentials are very brief (75-150 ms), scattered EMG potentials of more than 50 µV in any
muscle. They are found here on the raw EMG band-passed to 10-100 Hz with a 20-ms power
window, never on the 0.5-s leg-movement envelope (which would smooth them away).

Counting unit (an open choice, decided here)
--------------------------------------------
* **Primary FM index: single potentials per hour** of a stage, pooled over all analysed EMG
  channels (a potential in two channels at once counts twice: FM is multifocal and the AASM
  EFM rule counts "EMG potentials"). This unit is unambiguous and is what the AASM EFM rule
  counts per minute.
* **Secondary: 3-s mini-epochs with at least one potential per hour of sleep**
  (``fm_mini_epoch_index_sleep``). The Innsbruck group is *recalled* ([R], not confirmed)
  to count mini-epochs; the index says so.

Only potentials that stand alone count (decided)
-----------------------------------------------
A potential inside, or within 0.5 s of, activity longer than 150 ms on its own channel (a
leg, arm or chin movement ...) or of a sleep start in that muscle is a fragment of that
movement, not FM. The margin is the AASM/WASM 0.5-s movement rule applied to FM; it is
decided on each channel's signal (:mod:`somnomotor.detect._activity`), so it holds
whichever other analyses run. See docs/motor-events.md.

EFM (AASM optional rule [C])
----------------------------
The analysis period is cut into 60-s bins from the start of the hypnogram; a bin counts when
every epoch in it is NREM (N1, N2, N3). A bin with at least 5 potentials (all channels) is
an *EFM minute*. The criterion is met with at least 20 EFM minutes. This is reported as a
finding, never a diagnosis.

References
----------
Lins O, et al. / Frauscher B, et al. Fragmentary myoclonus in healthy sleepers (Innsbruck),
Sleep 2014 (FM potentials 75-150 ms, > 50 µV; FM index per stage), PubMed 24744455.
Trimmel K, et al. Clin Neurophysiol 2019 (FMI25 with a 25 µV cut-off).
AASM Manual for the Scoring of Sleep and Associated Events (optional EFM rule: >= 20 min of
NREM sleep with >= 5 potentials per minute, bursts usually <= 150 ms).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from somnomotor._errors import ParameterError
from somnomotor.detect import _bursts as B
from somnomotor.detect import _cardiac as C
from somnomotor.detect._activity import remeasure_lumpy, stands_alone
from somnomotor.events import EventTable
from somnomotor.hypnogram import NREM_STAGES, SLEEP_STAGES, Hypnogram
from somnomotor.recording import Recording
from somnomotor.results import AnalysisResult, Index, params_to_dict

logger = logging.getLogger(__name__)

FAMILY = "fragmentary_myoclonus"
TRIAL_TYPE = "fragmentary_myoclonus"
STAGE_LABELS: tuple[str, ...] = ("W", "N1", "N2", "N3", "R")
STANDARD_FM = "Frauscher et al. 2014 / Lins (FM potentials 75-150 ms, > 50 µV), PubMed 24744455"
STANDARD_EFM = "AASM Scoring Manual, optional EFM rule (>= 20 min NREM with >= 5 potentials/min)"


@dataclass(frozen=True)
class MyoclonusParams:
    """Parameters of the fragmentary myoclonus detector.

    Confidence tags as in the project's scoring-rules reference: [C] confirmed, [W] weak
    source, [R] recalled only; [design] is our own choice.

    Parameters
    ----------
    amplitude_uv : float
        Minimum amplitude of a potential in µV (sine-equivalent amplitude of the 10-100 Hz
        band-passed EMG, sqrt(2) x RMS over the potential's plateau). 50 µV [C] (Lins;
        Frauscher 2014); 25 µV in the FMI25 variant [C] (Trimmel 2019).
    duration_s : (float, float)
        Allowed potential duration in s, inclusive: 0.075-0.150 s [C] (Lins). The AASM gives
        150 ms as the usual maximum [C].
    band_hz : (float, float)
        EMG pass band in Hz: 10-100 Hz [R] (AASM EMG filter settings, recalled).
    window_s : float
        Power window in s: 0.02 s [design] (resolves 75-ms potentials).
    edge_fraction : float
        Fraction of a potential's plateau power at which its edges are placed: 0.45
        [design], calibrated on simulated potentials (see :func:`_bursts.find_potentials`).
    alone_margin_s : float
        A potential counts only when it stands alone on its channel: no activity longer than
        the FM maximum (``duration_s[1]``) inside it or within this many seconds of its edges
        on the same channel: 0.5 s. The AASM and WASM 2016 give no FM-specific margin; 0.5 s
        is the AASM/WASM leg-movement rule [C] applied to FM [design]: a movement only ends
        after 0.5 s at resting level, and bursts less than 0.5 s apart are one movement (the
        bilateral and arousal-association rules use the same 0.5 s), so a potential closer
        than that to a longer burst belongs to that movement. Frauscher et al. 2014 counted
        FM potentials outside movements [R: method recalled, no margin stated].
    activity_k_background : float
        EMG activity is a sine-equivalent amplitude at least this many times the channel's
        resting amplitude: 2 [W] (the ">= 2 x background" activity level of the AASM
        bruxism and SINBAR "any" activity rules) ...
    activity_min_uv : float
        ... and at least this many µV: 10 µV [design] (about the AASM 8-µV leg-movement
        onset above a 3-µV rest, in sine-equivalent terms).
    activity_near_ratio : float
        Within ``near_zone_s`` of a potential, activity must also reach this fraction of the
        potential's own amplitude: 0.1 [design]. Below that, what surrounds a large
        potential cannot be told from the band-pass filter's ringing of the potential itself.
    near_zone_s : float
        Extent in s of that zone on each side of a potential: 0.1 s [design].
    attached_max_s : float
        Activity joined to the potential (no gap at the activity level) may extend its
        extent by at most this many seconds in all before the potential counts as part of a
        longer burst: 0.05 s [design] (the 20-ms power window and the filter's smear of the
        edges of a 50-500 µV potential).
    exclude_sleep_starts : bool
        Potentials within ``alone_margin_s`` of a sleep start found by
        :func:`somnomotor.detect.sleep_starts.detect_sleep_starts` in one of its muscles are
        bursts of that jerk, not FM (True) [design]. Needs a hypnogram.
    roles : tuple of str
        EMG roles analysed: legs, chin, arms, axial ("any EMG channel" [C]).
    mini_epoch_s : float
        Mini-epoch length in s for the secondary index: 3 s [R] (Innsbruck, recalled).
    efm_bin_s : float
        EFM bin length in s: 60 s [C] ("per minute").
    efm_potentials_per_bin : int
        Potentials needed in a bin: 5 [C].
    efm_minutes : int
        EFM bins needed for the criterion: 20 (minutes of NREM sleep) [C].
    max_coincident_channels : int
        Most channels a potential may share its time with (itself included) and still count
        as FM: 2 [design]. FM is asynchronous (Lins [C]); a potential overlapping potentials
        in two or more other channels is part of a generalised jerk (or of cardiac bleed in
        several leads) and is excluded. With 20 potentials per minute in each of five
        channels, chance overlap removes about 2 % of true potentials at this setting.
    ecg_rejection : bool
        Reject potentials time-locked to the R peaks of the ECG channel in stretches where a
        channel shows cardiac bleed (True) [design]; see :mod:`somnomotor.detect._cardiac`.
    ecg_window_s : float
        Largest distance in s between a potential's centre and an R peak for the potential
        to be time-locked: 0.1 s [design].
    ecg_min_locked_fraction : float
        Fraction of a 60-s block's heartbeats that must carry a locked potential (and at
        least 3x the fraction halfway between beats) for the block to show bleed: 0.3
        [design].
    """

    amplitude_uv: float = 50.0
    duration_s: tuple[float, float] = (0.075, 0.150)
    band_hz: tuple[float, float] = (10.0, 100.0)
    window_s: float = 0.02
    edge_fraction: float = 0.45
    alone_margin_s: float = 0.5
    activity_k_background: float = 2.0
    activity_min_uv: float = 10.0
    activity_near_ratio: float = 0.1
    near_zone_s: float = 0.1
    attached_max_s: float = 0.1
    exclude_sleep_starts: bool = True
    roles: tuple[str, ...] = ("leg_left", "leg_right", "leg", "chin", "arm_left", "arm_right",
                              "axial")
    mini_epoch_s: float = 3.0
    efm_bin_s: float = 60.0
    efm_potentials_per_bin: int = 5
    efm_minutes: int = 20
    max_coincident_channels: int = 2
    ecg_rejection: bool = True
    ecg_window_s: float = 0.1
    ecg_min_locked_fraction: float = 0.3

    def __post_init__(self) -> None:
        B.check_positive("amplitude_uv", self.amplitude_uv)
        B.check_range("duration_s", self.duration_s)
        B.check_range("band_hz", self.band_hz)
        B.check_positive("window_s", self.window_s)
        if not 0.05 <= self.edge_fraction <= 0.95:
            raise ParameterError(
                f"edge_fraction must be between 0.05 and 0.95, received {self.edge_fraction!r}"
            )
        if self.window_s >= self.duration_s[0] and self.duration_s[0] > 0:
            raise ParameterError(
                f"window_s ({self.window_s} s) must be shorter than the shortest potential "
                f"({self.duration_s[0]} s)"
            )
        B.check_non_negative("alone_margin_s", self.alone_margin_s)
        B.check_positive("activity_k_background", self.activity_k_background)
        B.check_non_negative("activity_min_uv", self.activity_min_uv)
        if not 0.0 <= self.activity_near_ratio < 1.0:
            raise ParameterError(
                "activity_near_ratio must be in [0, 1), received "
                f"{self.activity_near_ratio!r}")
        B.check_non_negative("near_zone_s", self.near_zone_s)
        B.check_non_negative("attached_max_s", self.attached_max_s)
        B.check_roles("roles", self.roles)
        B.check_positive("mini_epoch_s", self.mini_epoch_s)
        B.check_positive("efm_bin_s", self.efm_bin_s)
        B.check_positive("ecg_window_s", self.ecg_window_s)
        if not 0.0 < self.ecg_min_locked_fraction <= 1.0:
            raise ParameterError(
                "ecg_min_locked_fraction must be in (0, 1], received "
                f"{self.ecg_min_locked_fraction!r}")
        for name in ("efm_potentials_per_bin", "efm_minutes", "max_coincident_channels"):
            B.check_count(name, getattr(self, name))

    @classmethod
    def lins(cls) -> MyoclonusParams:
        """FM potentials 75-150 ms, > 50 µV (Lins; Frauscher et al. 2014) — the default."""
        return cls()

    @classmethod
    def fmi25(cls) -> MyoclonusParams:
        """The FMI25 variant: amplitude cut-off 25 µV (Trimmel et al. 2019) [C]."""
        return cls(amplitude_uv=25.0)

    @property
    def confidence(self) -> dict[str, str]:
        """Confidence tag of each rule ([C], [W], [R], [design])."""
        return {
            "amplitude_uv": "C", "duration_s": "C", "band_hz": "R", "window_s": "design",
            "edge_fraction": "design", "alone_margin_s": "C rule, design for FM",
            "activity_k_background": "W", "activity_min_uv": "design",
            "activity_near_ratio": "design", "near_zone_s": "design",
            "attached_max_s": "design", "exclude_sleep_starts": "design",
            "mini_epoch_s": "R", "efm_bin_s": "C",
            "efm_potentials_per_bin": "C", "efm_minutes": "C",
            "max_coincident_channels": "design", "ecg_rejection": "design",
            "ecg_window_s": "design", "ecg_min_locked_fraction": "design",
        }


def detect_fragmentary_myoclonus(
    recording: Recording, params: MyoclonusParams | None = None, *,
    envelopes: B.EnvelopeCache | None = None,
    sleep_starts: EventTable | None = None,
) -> AnalysisResult:
    """Find fragmentary myoclonus potentials in every EMG channel and compute the FM indices.

    Parameters
    ----------
    recording : Recording
        EMG channels in µV with roles; a hypnogram for the per-stage indices and EFM.
    params : MyoclonusParams, optional
        Defaults to :meth:`MyoclonusParams.lins`.
    envelopes : EnvelopeCache, optional
        Share the channels' power envelopes with other detectors (must use the same band
        and window as ``params``; otherwise a private cache is used).
    sleep_starts : EventTable, optional
        Sleep starts already found on this recording (``detect_sleep_starts(...).events``,
        with its ``muscles`` column); without them the sleep-start detector is run here
        with its default parameters.

    Returns
    -------
    AnalysisResult
        ``family="fragmentary_myoclonus"``. Events (one per potential and channel):

        ========== ===== ==========================================================
        onset_s    s     start of the potential (half-plateau edge)
        duration_s s     duration (full width at ``edge_fraction`` of plateau power)
        channel          channel label; ``role`` its role
        peak_uV    µV    sine-equivalent amplitude over the plateau
        stage            sleep stage at onset (``n/a`` without hypnogram)
        confidence       ``C`` (the FM potential rule is confirmed)
        ========== ===== ==========================================================

        Indices: ``fm_count``, ``fm_index_recording``, ``fm_index_sleep``,
        ``fm_index_{W,N1,N2,N3,R}`` (potentials per hour of that stage),
        ``fm_mini_epoch_index_sleep`` [R], ``efm_minutes``, ``efm_criterion_met``, and
        the counts of what was left out (``fm_synchronous_excluded``,
        ``fm_cardiac_rejected``, ``fm_not_alone_excluded``, ``fm_sleep_start_excluded``).
        ``extra`` holds ``efm_minutes`` and ``efm_criterion_met`` (or ``None``) and those
        counts per channel.

    Notes
    -----
    Candidates are found where the 20-ms power (smoothed once more) exceeds 0.7 x the
    amplitude criterion; each is then measured on the analytic (Hilbert) envelope of the
    band-passed EMG: amplitude = median envelope over its central half (µV, equal to the
    peak of a sine potential), duration = time the envelope stays at or above half that
    amplitude. On simulated sine potentials (30-60 Hz, random phase, 500 Hz) durations
    came out within about ±4 ms and amplitudes within about ±4 %.

    A potential that does not stand alone on its channel is excluded and counted
    (``fm_not_alone_excluded``; :func:`somnomotor.detect._activity.stands_alone`), and so
    is one within ``alone_margin_s`` of a sleep start in one of the jerk's muscles
    (``fm_sleep_start_excluded``; the sleep-start detector is run here on the same
    envelopes when there is a hypnogram).

    Two more kinds of look-alike are excluded and counted (``fm_synchronous_excluded``,
    ``fm_cardiac_rejected``): potentials that coincide with potentials in two or more other
    channels (FM is asynchronous), and potentials time-locked to the ECG channel's R peaks
    where a channel shows cardiac bleed (QRS complexes of 80-120 ms pass the duration rule).
    Without an ECG channel, bleed is only caught when it shows in three or more channels at
    once; a warning says so.
    """
    params = params or MyoclonusParams()
    if not isinstance(params, MyoclonusParams):
        raise ParameterError(
            f"params must be a MyoclonusParams, received {type(params).__name__}"
        )
    cache = envelopes
    if cache is None or cache.band_hz != params.band_hz or cache.window_s != params.window_s:
        cache = B.EnvelopeCache(band_hz=params.band_hz, window_s=params.window_s)
    channels, notes = B.emg_channels(recording, params.roles, family=FAMILY)
    warn = list(notes)
    if not channels:
        warn.append(f"{FAMILY}: no EMG channel with roles {list(params.roles)}; nothing analysed")

    onsets: list[np.ndarray] = []
    durs: list[np.ndarray] = []
    peaks: list[np.ndarray] = []
    labels: list[str] = []
    roles: list[str] = []
    # A potential must reach the amplitude on its plateau; candidates are taken from a lower
    # level because the smoothed power of a 75-ms potential may not quite reach its plateau.
    candidate_power = 0.7 * params.amplitude_uv**2 / 2.0
    not_alone: dict[str, int] = {}
    for label, role in channels:
        env = cache.get(recording, label, role)
        pot = B.find_potentials(env.power, env.power_fs_hz, peak_power=candidate_power,
                                window_s=params.window_s, edge_fraction=params.edge_fraction)
        # candidates come from the thinned-out power; measure them at the full rate
        pot = B.Bursts(pot.start * env.step, np.minimum(pot.end * env.step, env.n_samples),
                       pot.peak_power)
        pot = B.refine_potentials(env.filtered, env.fs_hz, pot)
        if len(pot) > 1:
            # two candidates may re-measure to the same potential: keep the first
            order = np.argsort(pot.start, kind="stable")
            pot = pot.select(order)
            keep_first = np.concatenate(([True], pot.start[1:] >= np.maximum.accumulate(
                pot.end)[:-1]))
            pot = pot.select(keep_first)
        pot = remeasure_lumpy(env, pot, params)
        dur = pot.duration_s(env.fs_hz)
        amp = pot.peak_uv()
        keep = ((amp > params.amplitude_uv) & (dur >= params.duration_s[0] - 1e-9)
                & (dur <= params.duration_s[1] + 1e-9))
        if keep.any():
            alone = np.ones(keep.size, dtype=bool)
            idx = np.flatnonzero(keep)
            alone[idx] = stands_alone(env, pot.select(idx), amp[idx], params)
            not_alone[label] = int((keep & ~alone).sum())
            keep &= alone
        else:
            not_alone[label] = 0
        n = int(keep.sum())
        onsets.append(pot.start[keep] / env.fs_hz)
        durs.append(dur[keep])
        peaks.append(amp[keep])
        labels.extend([label] * n)
        roles.extend([role] * n)
        logger.debug("%s: %d FM-like potentials in %s", FAMILY, n, label)

    onset = np.concatenate(onsets) if onsets else np.empty(0)
    dur_all = np.concatenate(durs) if durs else np.empty(0)
    peak_all = np.concatenate(peaks) if peaks else np.empty(0)
    label_arr = np.asarray(labels, dtype=object)
    excluded, counts, more = _look_alikes(recording, params, onset, dur_all, peak_all, label_arr,
                                          [lab for lab, _ in channels])
    warn.extend(more)
    counts["not_alone"] = not_alone
    in_jerk = np.zeros(onset.size, dtype=bool)
    if params.exclude_sleep_starts and recording.hypnogram is not None and onset.size:
        in_jerk = _in_sleep_starts(recording, cache, onset, dur_all, label_arr,
                                   params.alone_margin_s, sleep_starts) & ~excluded
        excluded |= in_jerk
    counts["sleep_start"] = {lab: int((in_jerk & (label_arr == lab)).sum())
                             for lab, _ in channels}
    keep = ~excluded
    events = EventTable.from_arrays(
        onset[keep],
        dur_all[keep],
        TRIAL_TYPE,
        list(label_arr[keep]),
        role=list(np.asarray(roles, dtype=object)[keep]),
        peak_uV=np.round(peak_all[keep], 2),
        stage=list(B.stage_of(recording, onset[keep])),
        confidence="C",
    )
    indices, extra, more = _indices(events, recording, params)
    indices.extend(_look_alike_indices(counts))
    extra.update({"fm_synchronous_excluded": counts["synchronous"],
                  "fm_cardiac_rejected": counts["cardiac"],
                  "fm_not_alone_excluded": counts["not_alone"],
                  "fm_sleep_start_excluded": counts["sleep_start"]})
    warn.extend(more)
    out_params = params_to_dict(params)
    out_params["confidence"] = params.confidence
    out_params["counting_unit"] = "single potentials, pooled over channels"
    return AnalysisResult(family=FAMILY, events=events, indices=tuple(indices),
                          params=out_params, warnings=tuple(warn), extra=extra)


def _look_alikes(
    recording: Recording, params: MyoclonusParams, onset: np.ndarray, dur: np.ndarray,
    peak: np.ndarray, label: np.ndarray, channel_labels: list[str],
) -> tuple[np.ndarray, dict[str, dict[str, int]], list[str]]:
    """Mask of synchronous and cardiac potentials, their counts per channel, warnings."""
    warn: list[str] = []
    counts: dict[str, dict[str, int]] = {"synchronous": {}, "cardiac": {}}
    excluded = np.zeros(onset.size, dtype=bool)
    if onset.size:
        others = C.coincident_channels(onset, onset + dur, label)
        excluded = others + 1 > params.max_coincident_channels
    r_peaks = C.ecg_r_peak_times_s(recording) if params.ecg_rejection else None
    if params.ecg_rejection and r_peaks is None:
        warn.append(f"{FAMILY}: no usable ECG channel; potentials are not checked against "
                    "heartbeats (cardiac bleed is only excluded when it shows in "
                    f"{params.max_coincident_channels + 1} or more channels at once)")
    for lab in channel_labels:
        mine = label == lab
        counts["synchronous"][lab] = int((excluded & mine).sum())
        counts["cardiac"][lab] = 0
        if r_peaks is None:
            continue
        idx = np.flatnonzero(mine & ~excluded)
        locked = C.cardiac_locked(onset[idx] + dur[idx] / 2.0, r_peaks,
                                  amplitude_uv=peak[idx], window_s=params.ecg_window_s,
                                  min_locked_fraction=params.ecg_min_locked_fraction)
        excluded[idx[locked]] = True
        counts["cardiac"][lab] = int(locked.sum())
        if locked.any():
            logger.info("%s: %d potentials in %s rejected as cardiac bleed", FAMILY,
                        int(locked.sum()), lab)
    return excluded, counts, warn


def _look_alike_indices(counts: dict[str, dict[str, int]]) -> list[Index]:
    return [
        Index("fm_synchronous_excluded", float(sum(counts["synchronous"].values())), "count",
              description=("FM-like potentials not counted because they coincide with "
                           "potentials in two or more other channels (FM is asynchronous)"),
              standard=STANDARD_FM + " [design: coincidence rule]"),
        Index("fm_cardiac_rejected", float(sum(counts["cardiac"].values())), "count",
              description=("FM-like potentials not counted because they are time-locked to "
                           "the ECG's R peaks in stretches with cardiac bleed"),
              standard="[design] R-peak locking test, see docs/motor-events.md"),
        Index("fm_not_alone_excluded", float(sum(counts["not_alone"].values())), "count",
              description=("FM-like potentials not counted because they lie inside, or within "
                           "the margin of, longer activity on their channel (a fragment of a "
                           "movement, not FM)"),
              standard=STANDARD_FM + " [margin: AASM/WASM 0.5-s movement rule]"),
        Index("fm_sleep_start_excluded", float(sum(counts["sleep_start"].values())), "count",
              description="FM-like potentials not counted because they are bursts of a sleep start",
              standard=STANDARD_FM + " [design]"),
    ]


def _in_sleep_starts(recording: Recording, cache: B.EnvelopeCache, onset: np.ndarray,
                     dur: np.ndarray, label: np.ndarray, margin_s: float,
                     found: EventTable | None = None) -> np.ndarray:
    """Potentials in a sleep start's muscles within ``margin_s`` of the jerk (the jerks
    ``found`` already, or found here)."""
    if found is None:
        from somnomotor.detect.sleep_starts import detect_sleep_starts

        found = detect_sleep_starts(recording, envelopes=cache).events
    jerks = found.frame
    out = np.zeros(onset.size, dtype=bool)
    for _, j in jerks.iterrows():
        a = float(j["onset_s"]) - margin_s
        b = float(j["onset_s"]) + float(j["duration_s"]) + margin_s
        muscles = np.isin(label, str(j["muscles"]).split(","))
        out |= muscles & (onset < b) & (onset + dur > a)
    return out


def _rate(count: int, seconds: float) -> float | None:
    return count / (seconds / 3600.0) if seconds > 0 else None


def _indices(
    events: EventTable, recording: Recording, params: MyoclonusParams
) -> tuple[list[Index], dict[str, object], list[str]]:
    onset = events.onset_s
    stage = events.frame["stage"].to_numpy(dtype=object) if len(events) else np.empty(0, object)
    hyp = recording.hypnogram
    rec_s = float(recording.duration_s)
    out = [
        Index("fm_count", float(len(events)), "count", description=(
            "fragmentary myoclonus potentials, all EMG channels, whole recording"),
            standard=STANDARD_FM),
        Index("fm_index_recording", _rate(len(events), rec_s), "/h",
              denominator="hours of recording", denominator_value=rec_s / 3600.0,
              denominator_unit="h",
              description="FM potentials per hour of recording", standard=STANDARD_FM),
    ]
    warn: list[str] = []
    extra: dict[str, object] = {"efm_minutes": None, "efm_criterion_met": None}
    if hyp is None:
        warn.append(f"{FAMILY}: no hypnogram; per-stage FM indices and EFM are not computed")
        return out, extra, warn
    tst = hyp.total_sleep_time_s
    in_sleep = np.isin(stage, SLEEP_STAGES)
    out.append(Index(
        "fm_index_sleep", _rate(int(in_sleep.sum()), tst), "/h",
        denominator="hours of sleep (TST)", denominator_value=tst / 3600.0, denominator_unit="h",
        description="FM potentials per hour of sleep (single potentials, all EMG channels)",
        standard=STANDARD_FM,
        cutoff="healthy sleepers: median 25.3/h, 90th percentile 143.7/h (Frauscher 2014)"))
    for st in STAGE_LABELS:
        secs = hyp.duration_s(st)
        out.append(Index(
            f"fm_index_{st}", _rate(int((stage == st).sum()), secs), "/h",
            denominator=f"hours of {st}", denominator_value=secs / 3600.0, denominator_unit="h",
            description=f"FM potentials per hour of stage {st}", standard=STANDARD_FM))
    # Secondary unit: mini-epochs with >= 1 potential, [R]
    me = params.mini_epoch_s
    me_idx = np.unique(np.floor(onset[in_sleep] / me).astype(np.int64))
    # a mini-epoch belongs to sleep when its start lies in a sleep epoch (events in sleep
    # already guarantee that for the counted ones)
    out.append(Index(
        "fm_mini_epoch_index_sleep", _rate(int(me_idx.size), tst), "/h",
        denominator="hours of sleep (TST)", denominator_value=tst / 3600.0, denominator_unit="h",
        description=(f"{me:g}-s mini-epochs of sleep with at least one FM potential per hour of "
                     "sleep [R: counting unit recalled as the Innsbruck method, not confirmed]"),
        standard=STANDARD_FM + " [R]"))
    minutes, _ = efm_minutes(onset, hyp, params)
    met = minutes >= params.efm_minutes
    nrem_min = hyp.duration_s(NREM_STAGES) / 60.0
    out.append(Index(
        "efm_minutes", float(minutes), "min", denominator="minutes of NREM sleep",
        denominator_value=nrem_min, denominator_unit="min",
        description=(f"minutes of NREM sleep with >= {params.efm_potentials_per_bin} FM "
                     "potentials (all EMG channels)"),
        standard=STANDARD_EFM, cutoff=f">= {params.efm_minutes} min"))
    out.append(Index(
        "efm_criterion_met", 1.0 if met else 0.0, "yes/no",
        description="AASM criterion for excessive fragmentary myoclonus met (1) or not (0)",
        standard=STANDARD_EFM, cutoff=f">= {params.efm_minutes} min",
        flag=("meets the AASM criterion for excessive fragmentary myoclonus (a finding, "
              "not a diagnosis)") if met else ""))
    extra = {"efm_minutes": int(minutes), "efm_criterion_met": bool(met)}
    return out, extra, warn


def efm_minutes(
    onset_s: np.ndarray, hypnogram: Hypnogram, params: MyoclonusParams
) -> tuple[int, np.ndarray]:
    """Count the NREM bins with enough potentials.

    Parameters
    ----------
    onset_s : numpy.ndarray
        Onsets of the FM potentials in s (all channels).
    hypnogram : Hypnogram
    params : MyoclonusParams

    Returns
    -------
    (int, numpy.ndarray)
        Number of EFM bins and the per-bin potential counts of the NREM bins.
    """
    bin_s = params.efm_bin_s
    n_bins = int(np.floor((hypnogram.end_s - hypnogram.onset_s) / bin_s))
    if n_bins <= 0:
        return 0, np.empty(0, dtype=np.int64)
    starts = hypnogram.onset_s + np.arange(n_bins) * bin_s
    # test the stage at each epoch centre inside the bin: the bin is NREM only if all are
    per_bin = max(1, round(bin_s / hypnogram.epoch_s))
    probe = starts[:, None] + (np.arange(per_bin) + 0.5) * (bin_s / per_bin)
    stages = hypnogram.stage_at(probe.ravel()).reshape(probe.shape)
    nrem = np.isin(stages, NREM_STAGES).all(axis=1)
    b = np.floor((np.asarray(onset_s, dtype=float) - hypnogram.onset_s) / bin_s).astype(np.int64)
    b = b[(b >= 0) & (b < n_bins)]
    counts = np.bincount(b, minlength=n_bins)
    nrem_counts = counts[nrem]
    return int((nrem_counts >= params.efm_potentials_per_bin).sum()), nrem_counts


__all__ = ["MyoclonusParams", "detect_fragmentary_myoclonus", "efm_minutes"]
