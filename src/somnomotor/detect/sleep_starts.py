"""Sleep starts (hypnic jerks) at the wake-to-sleep transition, and the propriospinal pattern.

A sleep start is a brief, high-amplitude EMG burst in two or more muscles at nearly the same
time, at the transition from wake to sleep.

Window (a documented choice)
----------------------------
For every transition from a W epoch to a sleep epoch (N1, N2, N3, R) the detector looks at
the last ``pre_transition_s`` (30 s: the W epoch immediately preceding sleep onset) and at
the following epochs up to ``post_transition_s`` (60 s) as long as they are N1 ("the first
N1 epochs after W"). Every such transition in the night counts, not only the first.

Propriospinal pattern
---------------------
Where the montage has an ``axial`` EMG channel (rectus abdominis, paraspinal, SCM), each
jerk is checked for the propriospinal myoclonus (PSM) pattern: the axial muscle starts
first, every limb muscle follows after a latency consistent with slow propagation
(5-15 m/s [W] over about 0.5-1 m, i.e. 30-200 ms), and the axial burst lasts 0.2-2 s [W].
Without an axial channel the pattern is *not assessable* and is reported so.

References
----------
Calandra-Buonaura G, et al. Sleep Med 2014 / 2016;26:37 (hypnic jerks at W->N1, multi-muscle,
no ordered propagation), PubMed 28007358.
Montagna P, Provini F, Vetrugno R. Neurophysiol Clin 2006 (propriospinal myoclonus at sleep
onset: axial onset, slow rostro-caudal propagation).
Burst duration about 75-250 ms and PSM conduction velocity 5-15 m/s: weak sources only [W].
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from somnomotor._errors import ParameterError
from somnomotor.detect import _bursts as B
from somnomotor.detect._activity import activity_extent
from somnomotor.events import EventTable
from somnomotor.hypnogram import SLEEP_STAGES, Hypnogram
from somnomotor.recording import Recording
from somnomotor.results import AnalysisResult, Index, params_to_dict

logger = logging.getLogger(__name__)

FAMILY = "sleep_starts"
TRIAL_TYPE = "sleep_start"
LIMB_ROLES = frozenset({"leg_left", "leg_right", "leg", "arm_left", "arm_right"})
LEG_ROLES = frozenset({"leg_left", "leg_right", "leg"})
NOT_ASSESSABLE = "not assessable (no axial EMG channel)"
STANDARD = ("ICSD-3 sleep starts (hypnic jerks) at the wake-sleep transition; timing and "
            "topography [C] (Calandra-Buonaura 2016), burst duration [W]")


@dataclass(frozen=True)
class SleepStartParams:
    """Parameters of the sleep-start detector ([C] confirmed, [W] weak, [design] ours).

    Parameters
    ----------
    burst_duration_s : (float, float)
        Durations in s of the bursts that may form a jerk: 0.075-2.0 s. The lower end is the
        hypnic-jerk burst of about 75-250 ms [W]; the upper end admits the longer
        propriospinal jerks of 0.2-2 s [W].
    typical_max_s : float
        Longest burst of a *typical* hypnic jerk: 0.25 s [W] (column ``typical_duration``).
    k_background : float
        A burst rises above k x the channel's resting EMG (sine-equivalent amplitude):
        5 [design] ("high-amplitude").
    min_amplitude_uv : float
        ... and above this amplitude in µV: 50 µV [design].
    merge_gap_s : float
        Gaps shorter than this (s) inside a burst are bridged: 0.05 s [design].
    min_channels : int
        Muscles needed: 2 [C] (one or more segments; two or more to tell a jerk from a
        single-muscle potential — our criterion).
    max_onset_spread_s : float
        Largest onset difference in s between the muscles of one jerk: 0.25 s [design],
        wide enough for slow propriospinal spread.
    pre_transition_s : float
        Wake before a W->sleep transition that is searched: 30 s (the W epoch immediately
        preceding sleep onset) [C timing].
    post_transition_s : float
        N1 after the transition that is searched: 60 s [design].
    join_gap_s : float
        Bursts starting less than this (s) after the end of a jerk's bursts belong to that
        jerk (one event per jerk, however many bursts its muscles show): 0.5 s, the
        AASM/WASM rule that bursts less than 0.5 s apart are one movement [C rule, design
        use].
    activity_k_background, activity_min_uv, activity_peak_ratio : float
        A burst's extent is the stretch where the EMG stays at or above max(2 x resting,
        10 µV, 25 % of the burst's amplitude) (sine-equivalent amplitude) around its loudest
        point: 2 [W] (the ">= 2 x background" activity level of the AASM bruxism and SINBAR
        rules), 10 µV and 25 % [design] (a wake tone of up to a quarter of the jerk's
        amplitude is not taken for part of it; a movement carrying a peak of up to 4x its
        own amplitude still is). A burst whose stretch is longer than ``burst_duration_s``
        is part of a longer movement
        (:func:`somnomotor.detect._activity.activity_extent`).
    leg_movement_min_s : float
        A group made only of leg bursts at least this long (s) is a leg movement, not a sleep
        start: 0.5 s, the AASM/WASM minimum leg-movement duration [C].
    psm_latency_s : (float, float)
        Axial-to-limb onset latency of the propriospinal pattern: 0.03-0.2 s [W] (5-15 m/s
        over about 0.5-1 m).
    psm_axial_duration_s : (float, float)
        Duration of the axial burst in a propriospinal jerk: 0.2-2.0 s [W].
    roles : tuple of str
        EMG roles analysed (all EMG roles by default).
    """

    burst_duration_s: tuple[float, float] = (0.075, 2.0)
    typical_max_s: float = 0.25
    k_background: float = 5.0
    min_amplitude_uv: float = 50.0
    merge_gap_s: float = 0.05
    min_channels: int = 2
    max_onset_spread_s: float = 0.25
    pre_transition_s: float = 30.0
    post_transition_s: float = 60.0
    join_gap_s: float = 0.5
    activity_k_background: float = 2.0
    activity_min_uv: float = 10.0
    activity_peak_ratio: float = 0.25
    leg_movement_min_s: float = 0.5
    psm_latency_s: tuple[float, float] = (0.03, 0.2)
    psm_axial_duration_s: tuple[float, float] = (0.2, 2.0)
    roles: tuple[str, ...] = B.EMG_ROLES

    def __post_init__(self) -> None:
        B.check_range("burst_duration_s", self.burst_duration_s)
        B.check_positive("typical_max_s", self.typical_max_s)
        B.check_positive("k_background", self.k_background)
        B.check_non_negative("min_amplitude_uv", self.min_amplitude_uv)
        B.check_non_negative("merge_gap_s", self.merge_gap_s)
        B.check_count("min_channels", self.min_channels)
        B.check_non_negative("max_onset_spread_s", self.max_onset_spread_s)
        B.check_non_negative("pre_transition_s", self.pre_transition_s)
        B.check_non_negative("post_transition_s", self.post_transition_s)
        B.check_non_negative("join_gap_s", self.join_gap_s)
        B.check_positive("leg_movement_min_s", self.leg_movement_min_s)
        B.check_positive("activity_k_background", self.activity_k_background)
        B.check_non_negative("activity_min_uv", self.activity_min_uv)
        if not 0.0 <= self.activity_peak_ratio < 1.0:
            raise ParameterError(
                f"activity_peak_ratio must be in [0, 1), received {self.activity_peak_ratio!r}")
        B.check_range("psm_latency_s", self.psm_latency_s)
        B.check_range("psm_axial_duration_s", self.psm_axial_duration_s)
        B.check_roles("roles", self.roles)

    @property
    def confidence(self) -> dict[str, str]:
        """Confidence tag of each rule."""
        return {
            "burst_duration_s": "W", "typical_max_s": "W", "k_background": "design",
            "min_amplitude_uv": "design", "merge_gap_s": "design", "min_channels": "C",
            "max_onset_spread_s": "design", "pre_transition_s": "C",
            "post_transition_s": "design", "join_gap_s": "C rule, design use",
            "leg_movement_min_s": "C", "activity_k_background": "W",
            "activity_min_uv": "design", "activity_peak_ratio": "design",
            "psm_latency_s": "W", "psm_axial_duration_s": "W",
        }


def transition_windows(hypnogram: Hypnogram, params: SleepStartParams) -> list[tuple[float, float]]:
    """Search windows ``(start_s, end_s)`` around every W -> sleep transition."""
    stages = hypnogram.effective_stages
    ep = hypnogram.epoch_s
    out: list[tuple[float, float]] = []
    for k in range(len(stages) - 1):
        if stages[k] != "W" or stages[k + 1] not in SLEEP_STAGES:
            continue
        t = hypnogram.onset_s + (k + 1) * ep
        # only wake before: never reach back over an earlier sleep epoch
        j = k
        while j > 0 and stages[j - 1] == "W":
            j -= 1
        start = max(t - params.pre_transition_s, hypnogram.onset_s + j * ep)
        end = t
        m = k + 1
        while (m < len(stages) and stages[m] == "N1"
               and hypnogram.onset_s + (m + 1) * ep <= t + params.post_transition_s + 1e-9):
            end = hypnogram.onset_s + (m + 1) * ep
            m += 1
        out.append((start, end))
    return out


def detect_sleep_starts(
    recording: Recording, params: SleepStartParams | None = None, *,
    envelopes: B.EnvelopeCache | None = None,
) -> AnalysisResult:
    """Find sleep starts (multi-muscle jerks) at the wake-to-sleep transitions.

    Parameters
    ----------
    recording : Recording
        EMG channels in µV and a hypnogram (without one nothing can be placed at the
        wake-sleep transition: an empty result with a warning is returned).
    params : SleepStartParams, optional
    envelopes : EnvelopeCache, optional
        Shared channel envelopes (see :class:`somnomotor.detect._bursts.EnvelopeCache`).

    Returns
    -------
    AnalysisResult
        ``family="sleep_starts"``. Events, one per jerk:

        ======================== ===== ==================================================
        onset_s, duration_s      s     first burst onset to last burst end
        channel                        ``n/a`` (several muscles)
        muscles                        channel labels, comma-separated, in onset order
        n_muscles                      number of muscles
        first_muscle                   label of the muscle that starts first
        onset_spread_s           s     last minus first burst onset
        max_burst_s              s     longest burst
        peak_uV                  µV    largest sine-equivalent amplitude
        typical_duration               all bursts <= ``typical_max_s`` (hypnic-jerk range)
        stage                          stage at onset
        propriospinal_pattern          True / False, or ``None`` when not assessable
        propriospinal_assessment       ``pattern present`` / ``pattern absent`` /
                                       ``not assessable (no axial EMG channel)``
        confidence                     ``W`` (burst duration rule is weakly sourced)
        ======================== ===== ==================================================

        Indices: ``sleep_start_count``, ``sleep_onset_transitions``,
        ``sleep_starts_per_transition``, ``propriospinal_pattern_count`` (``None`` when not
        assessable). ``extra["propriospinal"]`` is ``"assessable"`` or the not-assessable text.
    """
    params = params or SleepStartParams()
    if not isinstance(params, SleepStartParams):
        raise ParameterError(
            f"params must be a SleepStartParams, received {type(params).__name__}")
    cache = envelopes or B.EnvelopeCache()
    channels, notes = B.emg_channels(recording, params.roles, family=FAMILY)
    warn = list(notes)
    axial = any(role == "axial" for _, role in channels)
    assess = "assessable" if axial else NOT_ASSESSABLE
    out_params = params_to_dict(params)
    out_params["confidence"] = params.confidence
    hyp = recording.hypnogram
    if hyp is None:
        warn.append(f"{FAMILY}: no hypnogram; sleep starts need the wake-to-sleep transitions, "
                    "none reported")
        return AnalysisResult(FAMILY, EventTable.empty(), _indices(0, None, 0, axial),
                              out_params, warnings=tuple(warn),
                              extra={"propriospinal": assess})
    windows = transition_windows(hyp, params)
    bursts: list[tuple[float, float, str, str, float]] = []
    for label, role in channels:
        env = cache.get(recording, label, role)
        found = B.channel_bursts(env, smooth_s=0.0, k_background=params.k_background,
                                 min_amplitude_uv=params.min_amplitude_uv, off_ratio=0.5,
                                 merge_gap_s=params.merge_gap_s,
                                 duration_s=(params.burst_duration_s[0], np.inf))
        t0 = found.start / env.power_fs_hz
        inside = np.zeros(t0.size, dtype=bool)
        for a, b in windows:
            inside |= (t0 >= a) & (t0 < b)
        found = found.select(inside)
        # A high-amplitude peak inside a longer movement is a fragment of that movement: a
        # burst's duration is the stretch of activity it lies in, grown from its loudest
        # sample (the hysteresis run itself may run on into a raised wake tone).
        amp = found.peak_uv()
        peak = np.array([int(a) + int(np.argmax(env.power[int(a):max(int(b), int(a) + 1)]))
                         for a, b in zip(found.start, found.end, strict=True)], dtype=np.int64)
        start, end = activity_extent(env, peak, peak + 1, amp,
                                     k_background=params.activity_k_background,
                                     min_amplitude_uv=params.activity_min_uv,
                                     peak_ratio=params.activity_peak_ratio)
        t0 = start / env.power_fs_hz
        t1 = end / env.power_fs_hz
        lo, hi = params.burst_duration_s
        ok = (t1 - t0 >= lo - 1e-9) & (t1 - t0 <= hi + 1e-9)
        for i in np.flatnonzero(ok):
            bursts.append((float(t0[i]), float(t1[i]), label, role, float(amp[i])))
    bursts.sort()
    rows = _group(bursts, params, axial)
    frame_cols: dict[str, list[object]] = {k: [] for k in (
        "onset_s", "duration_s", "muscles", "n_muscles", "first_muscle", "onset_spread_s",
        "max_burst_s", "peak_uV", "typical_duration", "propriospinal_pattern",
        "propriospinal_assessment")}
    for row in rows:
        for k in frame_cols:
            frame_cols[k].append(row[k])
    onset = np.asarray(frame_cols.pop("onset_s"), dtype=float)
    duration = np.asarray(frame_cols.pop("duration_s"), dtype=float)
    events = EventTable.from_arrays(onset, duration, TRIAL_TYPE, "n/a",
                                    **frame_cols, stage=list(B.stage_of(recording, onset)),
                                    confidence="W")
    n_psm = sum(1 for r in rows if r["propriospinal_pattern"] is True) if axial else None
    return AnalysisResult(FAMILY, events, _indices(len(rows), n_psm, len(windows), axial),
                          out_params, warnings=tuple(warn), extra={"propriospinal": assess})


def _group(bursts: list[tuple[float, float, str, str, float]], params: SleepStartParams,
           axial: bool) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    i = 0
    while i < len(bursts):
        first = bursts[i][0]
        members = [bursts[i]]
        j = i + 1
        while j < len(bursts) and bursts[j][0] - first <= params.max_onset_spread_s + 1e-9:
            if bursts[j][2] not in {m[2] for m in members}:
                members.append(bursts[j])
            j += 1
        if len(members) >= params.min_channels and not _leg_movement_only(members, params):
            # One jerk is one event however many bursts its muscles show: a lumpy burst may
            # split in two, and a muscle may start after the onset spread. Every burst that
            # starts before the jerk's end plus the join gap belongs to it.
            end = max(m[1] for m in members)
            while j < len(bursts) and bursts[j][0] <= end + params.join_gap_s + 1e-9:
                end = max(end, bursts[j][1])
                if bursts[j][2] not in {m[2] for m in members}:
                    members.append(bursts[j])
                else:
                    k = next(n for n, m in enumerate(members) if m[2] == bursts[j][2])
                    a, b, lab, role, amp = members[k]
                    members[k] = (a, max(b, bursts[j][1]), lab, role, max(amp, bursts[j][4]))
                j += 1
            rows.append(_row(members, params, axial))
            i = j
        else:
            i += 1
    return rows


def _leg_movement_only(members: list[tuple[float, float, str, str, float]],
                       params: SleepStartParams) -> bool:
    """Whether every burst is a leg burst of at least ``leg_movement_min_s``.

    Such a group is a (bilateral) leg movement, scored by the AASM/WASM leg-movement rules
    (0.5-10 s), not a sleep start.
    """
    return all(m[3] in LEG_ROLES and m[1] - m[0] >= params.leg_movement_min_s - 1e-9
               for m in members)


def _row(members: list[tuple[float, float, str, str, float]], params: SleepStartParams,
         axial: bool) -> dict[str, object]:
    onset = min(m[0] for m in members)
    end = max(m[1] for m in members)
    durs = [m[1] - m[0] for m in members]
    psm: bool | None = None
    text = NOT_ASSESSABLE
    if axial:
        psm = _propriospinal(members, params)
        text = "pattern present" if psm else "pattern absent"
    return {
        "onset_s": onset, "duration_s": end - onset,
        "muscles": ",".join(m[2] for m in members), "n_muscles": len(members),
        "first_muscle": members[0][2],
        "onset_spread_s": round(max(m[0] for m in members) - onset, 4),
        "max_burst_s": round(max(durs), 4), "peak_uV": round(max(m[4] for m in members), 2),
        "typical_duration": bool(max(durs) <= params.typical_max_s + 1e-9),
        "propriospinal_pattern": psm, "propriospinal_assessment": text,
    }


def _propriospinal(members: list[tuple[float, float, str, str, float]],
                   params: SleepStartParams) -> bool:
    first = members[0]
    if first[3] != "axial":
        return False
    lo, hi = params.psm_axial_duration_s
    if not lo - 1e-9 <= first[1] - first[0] <= hi + 1e-9:
        return False
    limbs = [m for m in members if m[3] in LIMB_ROLES]
    if not limbs:
        return False
    a, b = params.psm_latency_s
    return all(a - 1e-9 <= m[0] - first[0] <= b + 1e-9 for m in limbs)


def _indices(count: int, n_psm: int | None, n_transitions: int, axial: bool) -> tuple[Index, ...]:
    per = count / n_transitions if n_transitions else None
    return (
        Index("sleep_start_count", float(count), "count",
              description="sleep starts (jerks in >= 2 muscles) at wake-to-sleep transitions",
              standard=STANDARD),
        Index("sleep_onset_transitions", float(n_transitions), "count",
              description="wake-to-sleep transitions searched", standard=STANDARD),
        Index("sleep_starts_per_transition", per, "ratio", denominator="wake-to-sleep transitions",
              denominator_value=float(n_transitions), denominator_unit="count",
              description="sleep starts per wake-to-sleep transition", standard=STANDARD),
        Index("propriospinal_pattern_count", float(n_psm) if n_psm is not None else None,
              "count",
              description=("jerks with axial onset and slow spread to the limbs "
                           "(propriospinal pattern; latency rule [W])" if axial else
                           "propriospinal pattern not assessable: no axial EMG channel"),
              standard="Montagna et al. 2006 (PSM at sleep onset); conduction 5-15 m/s [W]"),
    )


__all__ = ["SleepStartParams", "detect_sleep_starts", "transition_windows"]
