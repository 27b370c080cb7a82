"""Sleep bruxism: rhythmic masticatory muscle activity (RMMA) on a masseter/temporalis channel.

Rules (AASM, only weakly confirmed [W]): EMG elevations of at least 2 x background;
*phasic* bursts of 0.25-2 s, at least 3 in a regular sequence; *tonic* elevations longer than
2 s; a new episode needs at least 3 s of stable background first. Episodes are therefore
runs of bursts separated by less than 3 s; an episode counts when it holds >= 3 phasic
bursts or at least one tonic burst (type ``phasic``, ``tonic`` or ``mixed``). The
"regular sequence" is not tested beyond the 3-s gap (a documented simplification).

Indices follow the Lavigne research criteria [C]: episodes per hour of sleep (> 4/h),
bursts per hour of sleep (> 25/h), bursts per episode (> 6). The audio criterion (>= 1-2
episodes with grinding sounds) cannot be checked without audio, and EMG-only scoring of
RMMA is unreliable (ICC < 0.1 against audio-video PSG [C], Miettinen et al. 2020): every
result says so.

References
----------
Lavigne GJ, et al. Sleep bruxism: validity of clinical research diagnostic criteria in a
controlled polysomnographic study. J Dent Res 1996;75:546.
Miettinen T, et al. Sci Rep / PMC7426313 (EMG-only RMMA scoring reliability).
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

FAMILY = "bruxism"
TRIAL_TYPE = "bruxism_episode"
AUDIO_NOTE = ("audio not available: the grinding-sound criterion was not assessed, and "
              "EMG-only scoring of rhythmic masticatory muscle activity is unreliable")
STANDARD = ("AASM bruxism rule [W: weakly confirmed]; Lavigne research cut-offs [C] "
            "(J Dent Res 1996;75:546)")


@dataclass(frozen=True)
class BruxismParams:
    """Parameters of the bruxism detector ([C] confirmed, [W] weak, [design] ours).

    Parameters
    ----------
    k_background : float
        Burst threshold, x the masseter's resting amplitude: 2 [W].
    min_amplitude_uv : float
        ... and at least this sine-equivalent amplitude in µV: 10 µV [design].
    phasic_s : (float, float)
        Phasic burst duration in s: 0.25-2.0 s [W].
    tonic_min_s : float
        A burst longer than this (s) is tonic: 2.0 s [W].
    min_phasic_bursts : int
        Phasic bursts in a phasic episode: 3 [W].
    quiet_s : float
        Background EMG needed before a new episode, in s: 3.0 s [W].
    smooth_s : float
        Smoothing of the power in s: 0.1 s [design].
    merge_gap_s : float
        Gaps shorter than this (s) inside a burst are bridged: 0.1 s [design].
    episodes_per_h_cutoff : float
        Lavigne: more than 4 episodes per hour of sleep [C].
    bursts_per_h_cutoff : float
        Lavigne: more than 25 bursts per hour of sleep [C].
    bursts_per_episode_cutoff : float
        Lavigne: more than 6 bursts per episode [C].
    """

    k_background: float = 2.0
    min_amplitude_uv: float = 10.0
    phasic_s: tuple[float, float] = (0.25, 2.0)
    tonic_min_s: float = 2.0
    min_phasic_bursts: int = 3
    quiet_s: float = 3.0
    smooth_s: float = 0.1
    merge_gap_s: float = 0.1
    episodes_per_h_cutoff: float = 4.0
    bursts_per_h_cutoff: float = 25.0
    bursts_per_episode_cutoff: float = 6.0

    def __post_init__(self) -> None:
        B.check_positive("k_background", self.k_background)
        B.check_non_negative("min_amplitude_uv", self.min_amplitude_uv)
        B.check_range("phasic_s", self.phasic_s)
        B.check_positive("tonic_min_s", self.tonic_min_s)
        B.check_count("min_phasic_bursts", self.min_phasic_bursts)
        for name in ("quiet_s", "smooth_s", "merge_gap_s"):
            B.check_non_negative(name, getattr(self, name))
        for name in ("episodes_per_h_cutoff", "bursts_per_h_cutoff", "bursts_per_episode_cutoff"):
            B.check_positive(name, getattr(self, name))

    @property
    def confidence(self) -> dict[str, str]:
        """Confidence tag of each rule."""
        return {"k_background": "W", "min_amplitude_uv": "design", "phasic_s": "W",
                "tonic_min_s": "W", "min_phasic_bursts": "W", "quiet_s": "W",
                "smooth_s": "design", "merge_gap_s": "design", "episodes_per_h_cutoff": "C",
                "bursts_per_h_cutoff": "C", "bursts_per_episode_cutoff": "C"}


def detect_bruxism(
    recording: Recording, params: BruxismParams | None = None, *,
    envelopes: B.EnvelopeCache | None = None,
) -> AnalysisResult:
    """Find bruxism (RMMA) episodes on the masseter channel.

    Parameters
    ----------
    recording : Recording
        Needs a channel with role ``masseter``; without one an empty result says so.
    params : BruxismParams, optional
    envelopes : EnvelopeCache, optional
        Shared channel envelopes.

    Returns
    -------
    AnalysisResult
        ``family="bruxism"``. Events ``bruxism_episode``: ``channel``, ``episode_type``
        (phasic / tonic / mixed), ``n_bursts``, ``n_phasic``, ``n_tonic``, ``stage``,
        ``in_wake`` (more than half the episode in wake: labelled "in wake" in exports and
        plots, left out of the sleep indices, counted in ``bruxism_wake_episode_count``),
        ``confidence`` (``W``). Indices ``bruxism_episode_count``,
        ``bruxism_episode_index`` and ``bruxism_burst_index`` (per hour of sleep, with the
        Lavigne cut-offs), ``bruxism_bursts_per_episode``. ``extra["audio"]`` holds the
        audio note; it is also the first warning.
    """
    params = params or BruxismParams()
    if not isinstance(params, BruxismParams):
        raise ParameterError(f"params must be a BruxismParams, received {type(params).__name__}")
    cache = envelopes or B.EnvelopeCache()
    out_params = params_to_dict(params)
    out_params["confidence"] = params.confidence
    channels, notes = B.emg_channels(recording, ("masseter",), family=FAMILY)
    warn = [AUDIO_NOTE, *notes]
    if not channels:
        warn.append(f"{FAMILY}: no masseter/temporalis EMG channel (role 'masseter'); "
                    "bruxism not assessed")
        return AnalysisResult(FAMILY, EventTable.empty(), _indices([], recording, params, False),
                              out_params, warnings=tuple(warn),
                              extra={"audio": AUDIO_NOTE, "assessable": False})
    label, role = channels[0]
    env = cache.get(recording, label, role)
    bursts = B.channel_bursts(env, smooth_s=params.smooth_s, k_background=params.k_background,
                              min_amplitude_uv=params.min_amplitude_uv,
                              merge_gap_s=params.merge_gap_s,
                              duration_s=(params.phasic_s[0], np.inf))
    t0 = bursts.start / env.power_fs_hz
    t1 = bursts.end / env.power_fs_hz
    dur = t1 - t0
    tonic = dur > params.tonic_min_s + 1e-9
    phasic = ~tonic & (dur <= params.phasic_s[1] + 1e-9)
    episodes: list[dict[str, object]] = []
    i = 0
    while i < t0.size:
        j = i
        while j + 1 < t0.size and t0[j + 1] - t1[j] < params.quiet_s:
            j += 1
        n_ph = int(phasic[i:j + 1].sum())
        n_to = int(tonic[i:j + 1].sum())
        if n_ph >= params.min_phasic_bursts or n_to >= 1:
            kind = "mixed" if (n_to and n_ph) else ("tonic" if n_to else "phasic")
            episodes.append({"onset_s": float(t0[i]), "duration_s": float(t1[j] - t0[i]),
                             "episode_type": kind, "n_bursts": n_ph + n_to,
                             "n_phasic": n_ph, "n_tonic": n_to})
        i = j + 1
    onset = np.asarray([e["onset_s"] for e in episodes], dtype=float)
    duration = np.asarray([e["duration_s"] for e in episodes], dtype=float)
    in_wake = _in_wake(recording, onset, duration)
    events = EventTable.from_arrays(
        onset, duration, TRIAL_TYPE, label,
        **{k: [e[k] for e in episodes] for k in ("episode_type", "n_bursts", "n_phasic",
                                                 "n_tonic")},
        stage=list(B.stage_of(recording, onset)), in_wake=list(in_wake), confidence="W")
    stages = list(events.frame["stage"]) if len(events) else []
    for e, st, w in zip(episodes, stages, in_wake, strict=True):
        e["stage"] = st
        e["in_wake"] = bool(w)
    return AnalysisResult(FAMILY, events, _indices(episodes, recording, params, True), out_params,
                          warnings=tuple(warn), extra={"audio": AUDIO_NOTE, "assessable": True})


def _in_wake(recording: Recording, onset: np.ndarray, duration: np.ndarray) -> np.ndarray:
    """Whether more than half of each episode lies in wake (W, or outside lights off..on).

    Masseter activity in an awakening (talking, swallowing, clenching) is not sleep
    bruxism; such episodes are kept, marked, labelled as in wake and left out of the
    per-hour-of-sleep indices.
    """
    hyp = recording.hypnogram
    out = np.zeros(onset.size, dtype=bool)
    if hyp is None:
        return out
    for i, (a, d) in enumerate(zip(onset, duration, strict=True)):
        t = a + (np.arange(max(2, int(np.ceil(d))) + 1) / max(2, int(np.ceil(d)))) * d
        out[i] = float(np.mean(~np.isin(hyp.stage_at(t), SLEEP_STAGES))) > 0.5
    return out


def _indices(episodes: list[dict[str, object]], recording: Recording, params: BruxismParams,
             assessable: bool) -> tuple[Index, ...]:
    hyp = recording.hypnogram
    tst_h = hyp.total_sleep_time_s / 3600.0 if hyp is not None else 0.0
    in_sleep = [e for e in episodes
                if e.get("stage") in SLEEP_STAGES and not e.get("in_wake", False)]
    n_ep = len(in_sleep)
    n_b = sum(int(e["n_bursts"]) for e in in_sleep)  # type: ignore[call-overload]
    ep_rate = n_ep / tst_h if (assessable and tst_h > 0) else None
    b_rate = n_b / tst_h if (assessable and tst_h > 0) else None
    per_ep = n_b / n_ep if n_ep else None

    def flag(value: float | None, cut: float, what: str) -> str:
        return f"above {cut:g} {what} (Lavigne research cut-off; a finding, not a diagnosis)" \
            if value is not None and value > cut else ""

    den = {"denominator": "hours of sleep (TST)", "denominator_value": tst_h or None,
           "denominator_unit": "h"}
    return (
        Index("bruxism_episode_count", float(len(episodes)) if assessable else None, "count",
              description="RMMA episodes on the masseter EMG, whole recording [W]; "
                          + AUDIO_NOTE, standard=STANDARD),
        Index("bruxism_wake_episode_count",
              float(sum(1 for e in episodes if e.get("in_wake"))) if assessable else None,
              "count", description=("episodes lying mostly in wake (masseter activity while "
                                    "awake, not sleep bruxism; left out of the sleep indices)"),
              standard=STANDARD),
        Index("bruxism_episode_index", ep_rate, "/h", **den,  # type: ignore[arg-type]
              description="RMMA episodes per hour of sleep [W]", standard=STANDARD,
              cutoff=f"> {params.episodes_per_h_cutoff:g}/h (Lavigne)",
              flag=flag(ep_rate, params.episodes_per_h_cutoff, "episodes/h")),
        Index("bruxism_burst_index", b_rate, "/h", **den,  # type: ignore[arg-type]
              description="RMMA bursts (in episodes) per hour of sleep [W]", standard=STANDARD,
              cutoff=f"> {params.bursts_per_h_cutoff:g}/h (Lavigne)",
              flag=flag(b_rate, params.bursts_per_h_cutoff, "bursts/h")),
        Index("bruxism_bursts_per_episode", per_ep, "ratio", denominator="episodes in sleep",
              denominator_value=float(n_ep), denominator_unit="count",
              description="bursts per RMMA episode in sleep [W]", standard=STANDARD,
              cutoff=f"> {params.bursts_per_episode_cutoff:g} (Lavigne)",
              flag=flag(per_ep, params.bursts_per_episode_cutoff, "bursts per episode")),
    )


__all__ = ["AUDIO_NOTE", "BruxismParams", "detect_bruxism"]
