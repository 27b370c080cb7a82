"""Rhythmic leg activity: hypnagogic foot tremor (HFT) / high-frequency leg movements, and ALMA.

* **HFT** (AASM optional rule, numbers *recalled* [R]): a train of at least 4 bursts of
  250-1000 ms in one leg at 0.3-4.0 Hz. The frequency band and the train length agree with
  the confirmed HFLM definition [C] (Yang & Winkelman 2010: >= 4 leg movements at
  0.3-4.0 Hz), so ``hft`` events also stand for HFLM sequences.
* **ALMA** (AASM numbers recalled [R], weak second source [W]): at least 4 discrete bursts
  of 100-500 ms alternating between the two legs, at 0.5-3.0 Hz.

The frequency of a train is taken from the onset-to-onset intervals of consecutive bursts
(for ALMA consecutive bursts are on alternate legs). Because the AASM numbers are
unconfirmed, every event and index of this module carries confidence ``R``.

References
----------
Yang C, Winkelman JW. Clinical significance of high-frequency leg movements during sleep.
J Clin Sleep Med 2010;6:431 (HFLM), PubMed 20957842.
Chervin RD, et al. Alternating leg muscle activation during sleep and arousals. Sleep Med
2003;4:203.
Stefani A, Högl B. Curr Treat Options Neurol 2019 (classification as normal variants).
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

FAMILY = "rhythmic_leg_activity"
STANDARD_HFT = ("AASM optional HFT rule [R: numbers recalled, not confirmed]; HFLM >= 4 LMs at "
                "0.3-4 Hz [C] (Yang & Winkelman 2010)")
STANDARD_ALMA = "AASM optional ALMA rule [R/W: numbers recalled, weakly confirmed]"
SIDE_CODE = {"leg_left": "L", "leg_right": "R", "leg": "B"}


@dataclass(frozen=True)
class RhythmicParams:
    """Parameters of the HFT and ALMA detectors ([C] confirmed, [W] weak, [R] recalled).

    Parameters
    ----------
    hft_burst_s : (float, float)
        HFT burst duration in s: 0.25-1.0 s [R].
    hft_frequency_hz : (float, float)
        HFT train frequency in Hz: 0.3-4.0 Hz [C via HFLM].
    hft_min_bursts : int
        Bursts in an HFT train: 4 [C via HFLM].
    alma_burst_s : (float, float)
        ALMA burst duration in s: 0.1-0.5 s [R/W].
    alma_frequency_hz : (float, float)
        ALMA frequency in Hz (consecutive alternating bursts): 0.5-3.0 Hz [R/W].
    alma_min_bursts : int
        Alternating bursts in an ALMA train: 4 [R].
    k_background : float
        Burst threshold, x the leg's resting amplitude: 4 [design].
    min_amplitude_uv : float
        ... and at least this sine-equivalent amplitude in µV: 15 µV [design] (about the
        8 µV rectified-mean LM onset criterion of WASM 2016).
    smooth_s : float
        Smoothing of the power in s before burst finding: 0.05 s [design].
    merge_gap_s : float
        Gaps shorter than this (s) inside a burst are bridged: 0.05 s [design].
    hft_excludes_alma : bool
        Do not report an HFT train that overlaps an ALMA train: True [design].
    """

    hft_burst_s: tuple[float, float] = (0.25, 1.0)
    hft_frequency_hz: tuple[float, float] = (0.3, 4.0)
    hft_min_bursts: int = 4
    alma_burst_s: tuple[float, float] = (0.1, 0.5)
    alma_frequency_hz: tuple[float, float] = (0.5, 3.0)
    alma_min_bursts: int = 4
    k_background: float = 4.0
    min_amplitude_uv: float = 15.0
    smooth_s: float = 0.05
    merge_gap_s: float = 0.05
    hft_excludes_alma: bool = True

    def __post_init__(self) -> None:
        for name in ("hft_burst_s", "hft_frequency_hz", "alma_burst_s", "alma_frequency_hz"):
            B.check_range(name, getattr(self, name))
        if self.hft_frequency_hz[0] <= 0 or self.alma_frequency_hz[0] <= 0:
            raise ParameterError(
                "frequency ranges must start above 0 Hz, received "
                f"hft {self.hft_frequency_hz!r} and alma {self.alma_frequency_hz!r}")
        for name in ("hft_min_bursts", "alma_min_bursts"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 2:
                raise ParameterError(f"{name} must be an integer >= 2, received {value!r}")
        B.check_positive("k_background", self.k_background)
        B.check_non_negative("min_amplitude_uv", self.min_amplitude_uv)
        B.check_non_negative("smooth_s", self.smooth_s)
        B.check_non_negative("merge_gap_s", self.merge_gap_s)

    @property
    def confidence(self) -> dict[str, str]:
        """Confidence tag of each rule."""
        return {
            "hft_burst_s": "R", "hft_frequency_hz": "C", "hft_min_bursts": "C",
            "alma_burst_s": "R/W", "alma_frequency_hz": "R/W", "alma_min_bursts": "R",
            "k_background": "design", "min_amplitude_uv": "design", "smooth_s": "design",
            "merge_gap_s": "design", "hft_excludes_alma": "design",
        }


def _trains(onsets: np.ndarray, ok: np.ndarray, freq: tuple[float, float],
            min_bursts: int, link: np.ndarray | None = None) -> list[tuple[int, int]]:
    """Runs ``[i, j]`` of consecutive accepted bursts whose intervals fit ``freq``."""
    lo_iv, hi_iv = 1.0 / freq[1], 1.0 / freq[0]
    out: list[tuple[int, int]] = []
    n = onsets.size
    i = 0
    while i < n:
        if not ok[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and ok[j + 1]:
            iv = onsets[j + 1] - onsets[j]
            if not (lo_iv - 1e-9 <= iv <= hi_iv + 1e-9):
                break
            if link is not None and not link[j]:
                break
            j += 1
        if j - i + 1 >= min_bursts:
            out.append((i, j))
        i = j + 1
    return out


def detect_rhythmic_leg_activity(
    recording: Recording, params: RhythmicParams | None = None, *,
    envelopes: B.EnvelopeCache | None = None,
) -> AnalysisResult:
    """Find HFT trains (each leg) and ALMA trains (alternating between the legs).

    Parameters
    ----------
    recording : Recording
        Tibialis EMG (roles ``leg_left``/``leg_right``, or a combined ``leg`` for HFT only).
    params : RhythmicParams, optional
    envelopes : EnvelopeCache, optional
        Shared channel envelopes.

    Returns
    -------
    AnalysisResult
        ``family="rhythmic_leg_activity"``. Events ``hft`` (``channel`` = the leg) and
        ``alma`` (``channel`` = both leg labels), columns:

        ============ ===== ===================================================
        onset_s      s     onset of the first burst
        duration_s   s     to the end of the last burst
        n_bursts           bursts in the train
        frequency_hz Hz    mean rate: (n_bursts - 1) / (last onset - first onset)
        sides              ALMA: sides in order, e.g. ``L,R,L,R``; HFT: the side
        stage              stage at onset
        confidence         ``R`` (AASM numbers recalled, not confirmed)
        ============ ===== ===================================================

        Indices: ``hft_train_count``, ``hft_index_sleep``, ``alma_train_count``,
        ``alma_index_sleep`` (trains per hour of sleep; ``None`` without hypnogram).
    """
    params = params or RhythmicParams()
    if not isinstance(params, RhythmicParams):
        raise ParameterError(f"params must be a RhythmicParams, received {type(params).__name__}")
    cache = envelopes or B.EnvelopeCache()
    channels, notes = B.emg_channels(recording, ("leg_left", "leg_right", "leg"), family=FAMILY)
    warn = list(notes)
    if not channels:
        warn.append(f"{FAMILY}: no leg EMG channel; nothing analysed")
    rows: list[dict[str, object]] = []
    sided: list[tuple[np.ndarray, np.ndarray, str, str]] = []
    for label, role in channels:
        env = cache.get(recording, label, role)
        bursts = B.channel_bursts(env, smooth_s=params.smooth_s,
                                  k_background=params.k_background,
                                  min_amplitude_uv=params.min_amplitude_uv,
                                  merge_gap_s=params.merge_gap_s)
        t0 = bursts.start / env.power_fs_hz
        t1 = bursts.end / env.power_fs_hz
        dur = t1 - t0
        ok = (dur >= params.hft_burst_s[0] - 1e-9) & (dur <= params.hft_burst_s[1] + 1e-9)
        for i, j in _trains(t0, ok, params.hft_frequency_hz, params.hft_min_bursts):
            rows.append(_row("hft", t0[i], t1[j], label, j - i + 1, t0[i:j + 1],
                             SIDE_CODE[role]))
        if role in ("leg_left", "leg_right"):
            sided.append((t0, t1, label, SIDE_CODE[role]))
    alma_assessable = len(sided) == 2
    if not alma_assessable and channels:
        warn.append(f"{FAMILY}: ALMA needs separate left and right leg channels; not assessed")
    if alma_assessable:
        t0 = np.concatenate([s[0] for s in sided])
        t1 = np.concatenate([s[1] for s in sided])
        side = np.concatenate([[s[3]] * s[0].size for s in sided]).astype(object)
        order = np.argsort(t0, kind="stable")
        t0, t1, side = t0[order], t1[order], side[order]
        dur = t1 - t0
        ok = (dur >= params.alma_burst_s[0] - 1e-9) & (dur <= params.alma_burst_s[1] + 1e-9)
        # consecutive bursts must be on alternate legs and must not overlap (a bilateral
        # burst is not alternation)
        link = (side[1:] != side[:-1]) & (t0[1:] >= t1[:-1]) if t0.size > 1 else np.empty(0, bool)
        labels = ",".join(s[2] for s in sided)
        for i, j in _trains(t0, ok, params.alma_frequency_hz, params.alma_min_bursts, link):
            rows.append(_row("alma", t0[i], t1[j], labels, j - i + 1, t0[i:j + 1],
                             ",".join(side[i:j + 1])))
    if params.hft_excludes_alma:
        # The single-leg bursts of an ALMA train at 1-3 Hz meet the HFT rule on each leg
        # (the phenomena overlap [C]); the alternating pattern is the more specific finding,
        # so an HFT train overlapping an ALMA train is not reported again.
        alma = [(float(r["onset_s"]), float(r["onset_s"]) + float(r["duration_s"]))  # type: ignore[arg-type]
                for r in rows if r["trial_type"] == "alma"]
        rows = [r for r in rows if r["trial_type"] != "hft" or not any(
            a < float(r["onset_s"]) + float(r["duration_s"]) and b > float(r["onset_s"])  # type: ignore[arg-type]
            for a, b in alma)]
    rows.sort(key=lambda r: float(r["onset_s"]))  # type: ignore[arg-type]
    onset = np.asarray([r["onset_s"] for r in rows], dtype=float)
    events = EventTable.from_arrays(
        onset, np.asarray([r["duration_s"] for r in rows], dtype=float),
        [str(r["trial_type"]) for r in rows],
        [str(r["channel"]) for r in rows],
        n_bursts=[r["n_bursts"] for r in rows], frequency_hz=[r["frequency_hz"] for r in rows],
        sides=[r["sides"] for r in rows], stage=list(B.stage_of(recording, onset)),
        confidence="R",
    )
    out_params = params_to_dict(params)
    out_params["confidence"] = params.confidence
    return AnalysisResult(FAMILY, events, _indices(events, recording, alma_assessable),
                          out_params, warnings=tuple(warn),
                          extra={"alma_assessable": alma_assessable})


def _row(kind: str, start: float, end: float, channel: str, n: int, onsets: np.ndarray,
         sides: str) -> dict[str, object]:
    span = float(onsets[-1] - onsets[0])
    return {"trial_type": kind, "onset_s": float(start), "duration_s": float(end - start),
            "channel": channel, "n_bursts": int(n),
            "frequency_hz": round((n - 1) / span, 3) if span > 0 else None, "sides": sides}


def _indices(events: EventTable, recording: Recording, alma_ok: bool) -> tuple[Index, ...]:
    hyp = recording.hypnogram
    tst = hyp.total_sleep_time_s if hyp is not None else 0.0
    out: list[Index] = []
    for kind, std, label in (("hft", STANDARD_HFT, "hypnagogic foot tremor / HFLM trains"),
                             ("alma", STANDARD_ALMA, "alternating leg muscle activation trains")):
        sel = events.frame[events.frame["trial_type"] == kind] if len(events) else events.frame
        count = float(len(sel)) if (kind == "hft" or alma_ok) else None
        in_sleep = int(sel["stage"].isin(SLEEP_STAGES).sum()) if len(sel) else 0
        rate = in_sleep / (tst / 3600.0) if (tst > 0 and count is not None) else None
        cutoff = "healthy sleepers: 90th percentile 4 HFLM sequences per night (Frauscher 2014)"
        out.append(Index(f"{kind}_train_count", count, "count",
                         description=f"{label}, whole recording [R]", standard=std,
                         cutoff=cutoff if kind == "hft" else ""))
        out.append(Index(f"{kind}_index_sleep", rate, "/h", denominator="hours of sleep (TST)",
                         denominator_value=tst / 3600.0 if hyp is not None else None,
                         denominator_unit="h",
                         description=f"{label} starting in sleep, per hour of sleep [R]",
                         standard=std))
    return tuple(out)


__all__ = ["RhythmicParams", "detect_rhythmic_leg_activity"]
