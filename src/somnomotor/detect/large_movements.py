"""Large muscle group movements (IRLSSG 2021).

A large muscle group movement lasts 3-45 s in adults (3-30 s in children), shows increased
EMG in at least two of the recommended channels and does not meet the criteria of another
movement type [C]. Here "increased EMG" means a channel's sine-equivalent amplitude above
k x its own resting level (and above a floor in µV); the movement is the time during which
at least two channels are active together (gaps shorter than ``merge_gap_s`` bridged).

"Not another movement type" is applied only as far as the caller passes the other events
(``exclude=``): a candidate that overlaps one of them is dropped. Without them every
qualifying stretch is reported, and a movement seen only in the two leg channels is marked
``legs_only`` (it may be a bilateral leg movement, which the LM/PLM scorer handles).

References
----------
Ferri R, et al. Large muscle group movements during sleep: IRLSSG recommendations. Sleep
2021;44:zsab090 (PMC8436137).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from somnomotor._errors import ParameterError
from somnomotor.detect import _bursts as B
from somnomotor.events import EventTable
from somnomotor.hypnogram import SLEEP_STAGES
from somnomotor.recording import Recording
from somnomotor.results import AnalysisResult, Index, params_to_dict

logger = logging.getLogger(__name__)

FAMILY = "large_movements"
TRIAL_TYPE = "large_movement"
LEG_ROLES = frozenset({"leg_left", "leg_right", "leg"})
STANDARD = "IRLSSG 2021 large muscle group movements (Ferri et al., Sleep 2021;44:zsab090)"


@dataclass(frozen=True)
class LargeMovementParams:
    """Parameters of the large-movement detector ([C] confirmed, [design] ours).

    Parameters
    ----------
    duration_s : (float, float)
        Allowed duration in s: 3-45 s in adults [C] (IRLSSG 2021); 3-30 s in children [C]
        (:meth:`children`).
    min_channels : int
        Channels with increased EMG at the same time: 2 [C].
    k_background : float
        A channel is active above k x its resting amplitude: 3 [design].
    min_amplitude_uv : float
        ... and above this sine-equivalent amplitude in µV: 15 µV [design].
    smooth_s : float
        Smoothing of the power in s: 0.05 s [design].
    merge_gap_s : float
        Gaps shorter than this (s) are bridged, in each channel and in the joint activity:
        0.5 s [design] (the EMG of a body movement is irregular).
    roles : tuple of str
        Channels considered: chin, legs, arms, axial (the recommended EMG channels).
    """

    duration_s: tuple[float, float] = (3.0, 45.0)
    min_channels: int = 2
    k_background: float = 3.0
    min_amplitude_uv: float = 15.0
    smooth_s: float = 0.05
    merge_gap_s: float = 0.5
    roles: tuple[str, ...] = ("chin", "leg_left", "leg_right", "leg", "arm_left", "arm_right",
                              "axial")

    def __post_init__(self) -> None:
        B.check_range("duration_s", self.duration_s)
        B.check_count("min_channels", self.min_channels)
        B.check_positive("k_background", self.k_background)
        B.check_non_negative("min_amplitude_uv", self.min_amplitude_uv)
        B.check_non_negative("smooth_s", self.smooth_s)
        B.check_non_negative("merge_gap_s", self.merge_gap_s)
        B.check_roles("roles", self.roles)

    @classmethod
    def adults(cls) -> LargeMovementParams:
        """Adults: 3-45 s [C] (IRLSSG 2021) — the default."""
        return cls()

    @classmethod
    def children(cls) -> LargeMovementParams:
        """Children: 3-30 s [C] (IRLSSG 2021)."""
        return cls(duration_s=(3.0, 30.0))

    @property
    def confidence(self) -> dict[str, str]:
        """Confidence tag of each rule."""
        return {"duration_s": "C", "min_channels": "C", "k_background": "design",
                "min_amplitude_uv": "design", "smooth_s": "design", "merge_gap_s": "design"}


def _joint_activity(intervals: list[tuple[float, float, str]], k: int) -> list[tuple[float, float]]:
    """Stretches where at least ``k`` channels are active (exact sweep over the edges)."""
    edges: list[tuple[float, int]] = []
    for a, b, _ in intervals:
        edges.append((a, 1))
        edges.append((b, -1))
    edges.sort(key=lambda e: (e[0], e[1]))  # an end before a start at the same time
    out: list[tuple[float, float]] = []
    level = 0
    start = 0.0
    for t, d in edges:
        before = level
        level += d
        if before < k <= level:
            start = t
        elif before >= k > level:
            out.append((start, t))
    return out


def detect_large_movements(
    recording: Recording, params: LargeMovementParams | None = None, *,
    envelopes: B.EnvelopeCache | None = None, exclude: EventTable | None = None,
) -> AnalysisResult:
    """Find large muscle group movements.

    Parameters
    ----------
    recording : Recording
        EMG channels in µV with roles.
    params : LargeMovementParams, optional
    envelopes : EnvelopeCache, optional
        Shared channel envelopes.
    exclude : EventTable, optional
        Events of other movement types; an overlapping candidate is not a large movement.

    Returns
    -------
    AnalysisResult
        ``family="large_movements"``. Events ``large_movement`` with ``channel`` = the active
        channels (comma-separated), ``n_channels``, ``legs_only``, ``stage``,
        ``confidence`` (``C``). Indices ``large_movement_count`` and
        ``large_movement_index_sleep`` (per hour of sleep).
    """
    params = params or LargeMovementParams()
    if not isinstance(params, LargeMovementParams):
        raise ParameterError(
            f"params must be a LargeMovementParams, received {type(params).__name__}")
    cache = envelopes or B.EnvelopeCache()
    channels, notes = B.emg_channels(recording, params.roles, family=FAMILY)
    warn = list(notes)
    if len(channels) < params.min_channels:
        warn.append(f"{FAMILY}: {len(channels)} EMG channel(s) with roles {list(params.roles)}; "
                    f"{params.min_channels} are needed, nothing analysed")
    intervals: list[tuple[float, float, str]] = []
    role_of: dict[str, str] = {}
    for label, role in channels:
        env = cache.get(recording, label, role)
        role_of[label] = role
        found = B.channel_bursts(env, smooth_s=params.smooth_s,
                                 k_background=params.k_background,
                                 min_amplitude_uv=params.min_amplitude_uv,
                                 merge_gap_s=params.merge_gap_s)
        fs = env.power_fs_hz
        for s, e in zip(found.start / fs, found.end / fs, strict=True):
            intervals.append((float(s), float(e), label))
    joint = _joint_activity(intervals, params.min_channels) if channels else []
    # bridge short gaps in the joint activity as well
    merged: list[list[float]] = []
    for a, b in joint:
        if merged and a - merged[-1][1] < params.merge_gap_s:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    ex_on = exclude.onset_s if exclude is not None and len(exclude) else np.empty(0)
    ex_off = exclude.offset_s if exclude is not None and len(exclude) else np.empty(0)
    rows: list[tuple[float, float, str, int, bool]] = []
    lo, hi = params.duration_s
    for a, b in merged:
        if not lo - 1e-9 <= b - a <= hi + 1e-9:
            continue
        if ex_on.size and bool(np.any((ex_on < b) & (ex_off > a))):
            continue
        active = sorted({lab for s, e, lab in intervals if s < b and e > a},
                        key=[c[0] for c in channels].index)
        legs_only = all(role_of[lab] in LEG_ROLES for lab in active)
        rows.append((a, b - a, ",".join(active), len(active), legs_only))
    onset = np.asarray([r[0] for r in rows], dtype=float)
    events = EventTable.from_arrays(
        onset, [r[1] for r in rows], TRIAL_TYPE, [r[2] for r in rows],
        n_channels=[r[3] for r in rows], legs_only=[r[4] for r in rows],
        stage=list(B.stage_of(recording, onset)), confidence="C")
    hyp = recording.hypnogram
    tst = hyp.total_sleep_time_s if hyp is not None else 0.0
    n_sleep = int(np.isin(events.frame["stage"], SLEEP_STAGES).sum()) if len(events) else 0
    indices = (
        Index("large_movement_count", float(len(rows)), "count",
              description="large muscle group movements (3-45 s, >= 2 EMG channels)",
              standard=STANDARD),
        Index("large_movement_index_sleep", n_sleep / (tst / 3600.0) if tst > 0 else None, "/h",
              denominator="hours of sleep (TST)",
              denominator_value=tst / 3600.0 if hyp is not None else None,
              denominator_unit="h", description="large muscle group movements per hour of sleep",
              standard=STANDARD),
    )
    out_params = params_to_dict(params)
    out_params["confidence"] = params.confidence
    return AnalysisResult(FAMILY, events, indices, out_params, warnings=tuple(warn))


__all__ = ["LargeMovementParams", "detect_large_movements"]
