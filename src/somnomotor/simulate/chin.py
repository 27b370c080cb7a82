"""Resting EMG levels by stage, REM twitches and REM sleep without atonia (chin and arms).

Resting levels (µV rectified mean) follow the stage: the chin is highest in wake, lower in
NREM and lowest in REM (REM atonia; the REM Atonia Index counts 1-s mini-epochs at
<= 1 µV, Ferri et al., Sleep Med 2010;11:947, doi:10.1016/j.sleep.2010.06.003); tibialis
and arm levels change little with stage. Each level drifts slowly (+-10 %) through the
night; stage changes are smoothed over about 10 s.

RSWA (profile ``rbd``, :class:`RemWithoutAtonia`): tonic chin runs of 1-4 REM epochs with
plateaus of 2.3-4x (most) or 6-8x the REM background, starting and ending on the 3-s
mini-epoch grid or anywhere; phasic bursts of 0.15-4.5 s at 3-15x the background, also on top
of tonic plateaus; REM periods that never fall quiet for 30 s; phasic arm (FDS) bursts. The
SINBAR truth per mini-epoch and per epoch is computed from the drawn envelope
(:func:`chin_rswa_truth`; Frauscher et al., Sleep 2012;35:835, doi:10.5665/sleep.1886).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from somnomotor.hypnogram import Hypnogram
from somnomotor.simulate.base import Envelopes, epochs_in
from somnomotor.simulate.emg import REST_FS_HZ, Burst, Envelope, burst_shape
from somnomotor.simulate.truth import TruthBuilder

#: Default resting levels per role and stage, µV rectified mean.
DEFAULT_REST_UV: Mapping[str, Mapping[str, float]] = {
    "chin": {"W": 6.0, "N1": 4.0, "N2": 3.0, "N3": 2.6, "R": 0.75},
    "leg_left": {"W": 2.8, "N1": 2.6, "N2": 2.4, "N3": 2.3, "R": 2.2},
    "leg_right": {"W": 2.8, "N1": 2.6, "N2": 2.4, "N3": 2.3, "R": 2.2},
    "arm_left": {"W": 2.5, "N1": 2.0, "N2": 1.8, "N3": 1.7, "R": 1.0},
    "arm_right": {"W": 2.5, "N1": 2.0, "N2": 1.8, "N3": 1.7, "R": 1.0},
}


@dataclass(frozen=True)
class RestingLevels:
    """Sets each EMG envelope's resting level from the stage, with slow drift.

    Parameters
    ----------
    levels_uV : mapping
        ``{role: {stage: level}}`` in µV rectified mean; roles not listed keep their level.
    drift : float
        Relative size of the slow drift (0.1 = +-10 %).
    """

    levels_uV: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_REST_UV.items()})
    drift: float = 0.1

    def __call__(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                 truth: TruthBuilder) -> None:
        for role, env in envelopes.items():
            table = self.levels_uV.get(role)
            if table is None:
                continue
            t = env.rest_times_s
            stages = hypnogram.stage_at(t)  # outside lights off..on: UNS, treated as wake
            level = np.array([table.get(s, table.get("W", 3.0)) for s in ("W", "N1", "N2", "N3", "R")])
            code = np.select([stages == s for s in ("N1", "N2", "N3", "R")], [1, 2, 3, 4], 0)
            rest = level[code].astype(np.float64)
            # Smooth the steps between stages over about 10 s (a moving average).
            k = int(10 * REST_FS_HZ)
            rest = np.convolve(np.pad(rest, (k // 2, k - 1 - k // 2), mode="edge"),
                               np.ones(k) / k, mode="valid")
            env.rest[:] = rest * (1.0 + self.drift * _slow_noise(rng, t.size, 1200 * REST_FS_HZ))


def _slow_noise(rng: np.random.Generator, n: int, corr_samples: float) -> np.ndarray:
    """Smooth noise in -1..1 with a correlation length of about ``corr_samples`` samples."""
    knots = max(2, int(n / corr_samples) + 2)
    values = rng.uniform(-1.0, 1.0, knots)
    return np.interp(np.arange(n), np.linspace(0, n - 1, knots), values)


@dataclass(frozen=True)
class RemTwitches:
    """Brief physiological chin twitches in REM (healthy REM is not perfectly silent).

    Parameters
    ----------
    per_epoch : float
        Mean twitches per REM epoch.
    duration_s : tuple of float
        Range of twitch durations, s.
    ratio : tuple of float
        Range of the peak level as a multiple of the REM background.
    """

    per_epoch: float = 0.15
    duration_s: tuple[float, float] = (0.15, 0.4)
    ratio: tuple[float, float] = (5.0, 10.0)

    def __call__(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                 truth: TruthBuilder) -> None:
        chin = envelopes.get("chin")
        if chin is None:
            return
        for ep in epochs_in(hypnogram, "R"):
            for _ in range(int(rng.poisson(self.per_epoch))):
                _phasic(rng, chin, truth, hypnogram.onset_s + ep * hypnogram.epoch_s,
                        hypnogram.epoch_s, self.duration_s, self.ratio, "chin_phasic", "twitch")


def _phasic(rng: np.random.Generator, env: Envelope, truth: TruthBuilder, epoch_start: float,
            epoch_s: float, duration_s: tuple[float, float], ratio: tuple[float, float],
            kind: str, cause: str) -> None:
    dur = float(np.clip(rng.lognormal(np.log(0.5), 0.8), *duration_s))
    on = epoch_start + float(rng.uniform(0, epoch_s - dur))
    if env.busy(on, on + dur, margin_s=0.3):
        return
    bg = float(env.rest_at(on)[0])
    r = float(rng.uniform(*ratio))
    amp = bg * (r - 1.0)
    env.add_burst(on, dur, amp, rise_s=0.03, decay_s=0.06, modulation=0.15,
                  seed=int(rng.integers(2**31)))
    side = {"arm_left": "left", "arm_right": "right"}.get(env.role, "n/a")
    truth.add_event(kind, on, dur, channel=env.label, side=side, amplitude_uV=amp, cause=cause,
                    ratio_to_background=round(r, 3))


@dataclass(frozen=True)
class RemWithoutAtonia:
    """Tonic and phasic chin activity and phasic arm bursts in REM (profile ``rbd``).

    Made to be hard for a SINBAR scorer:

    * tonic runs of 1-4 REM epochs with plateaus of only 2.3-4x the REM background (most
      runs) or 6-8x (the rest), SINBAR's threshold being 2x;
    * tonic segments whose 2x crossings fall on the 3-s mini-epoch grid (within ~0.03 s;
      a detector whose envelope overhangs them marks the next mini-epoch) or at random times
      (so epochs are covered anywhere from a few % to 100 %, some near the 50 % rule);
    * phasic bursts riding on the tonic plateau (3-8x the plateau);
    * REM periods that never fall quiet for 30 s (a burst at least every 8-20 s), where the
      quietest 30 s still holds bursts;
    * phasic bursts of 0.15-4.5 s at 3-15x the background.

    The truth per 3-s mini-epoch (phasic / tonic / any) and per 30-s epoch (tonic: activity
    during > 50 % of the epoch) is computed from the envelope drawn (:func:`chin_rswa_truth`)
    and stored in ``GroundTruth.parameters["rswa_chin"]``; read it with
    :func:`rswa_truth_arrays`.

    Parameters
    ----------
    tonic_run_per_epoch : float
        Chance that a REM epoch starts a tonic run (runs last 1-4 epochs).
    tonic_ratio, tonic_ratio_high : tuple of float
        Range of the tonic plateau as a multiple of the REM background (rest + plateau over
        rest), for most runs and for the share ``high_tonic_probability`` of them.
    on_grid_probability : float
        Share of tonic runs whose start and end fall on the 3-s mini-epoch grid.
    phasic_chin_per_epoch, phasic_arm_per_epoch : float
        Mean phasic bursts per REM epoch on the chin and on each arm.
    phasic_on_tonic_per_epoch : float
        Mean bursts per tonic epoch riding on the plateau.
    phasic_on_tonic_ratio : tuple of float
        Their peak as a multiple of the plateau level (rest + plateau).
    restless_probability : float
        Share of REM periods given a chin burst at least every ``restless_gap_s`` s.
    restless_gap_s : tuple of float
        Range of the gaps (s) between those bursts.
    phasic_duration_s : tuple of float
        Range of phasic burst durations, s (rule: 0.1-5 s).
    phasic_ratio : tuple of float
        Range of the burst peak as a multiple of the background (rule: > 2x SINBAR).
    """

    tonic_run_per_epoch: float = 0.15
    tonic_ratio: tuple[float, float] = (2.3, 4.0)
    tonic_ratio_high: tuple[float, float] = (6.0, 8.0)
    high_tonic_probability: float = 0.25
    on_grid_probability: float = 0.5
    phasic_chin_per_epoch: float = 2.0
    phasic_arm_per_epoch: float = 2.0
    phasic_on_tonic_per_epoch: float = 1.0
    phasic_on_tonic_ratio: tuple[float, float] = (3.0, 8.0)
    restless_probability: float = 0.6
    restless_gap_s: tuple[float, float] = (8.0, 20.0)
    phasic_duration_s: tuple[float, float] = (0.15, 4.5)
    phasic_ratio: tuple[float, float] = (3.0, 15.0)

    def __call__(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                 truth: TruthBuilder) -> None:
        chin = envelopes.get("chin")
        if chin is None:
            return
        rem = {int(e) for e in epochs_in(hypnogram, "R")}
        ep_s = hypnogram.epoch_s
        t0 = hypnogram.onset_s
        tonic_bursts: list[Burst] = []
        tonic_spans: list[tuple[float, float, float]] = []  # (start, end, plateau level µV)
        tonic: set[int] = set()
        for ep in sorted(rem):
            if ep in tonic or rng.random() >= self.tonic_run_per_epoch:
                continue
            run = [ep]
            for _ in range(int(rng.integers(0, 4))):
                if run[-1] + 1 in rem:
                    run.append(run[-1] + 1)
            lo, hi = t0 + run[0] * ep_s, t0 + (run[-1] + 1) * ep_s
            on_grid = rng.random() < self.on_grid_probability
            n_mini = int(round(ep_s / _MINI_S))
            if on_grid:
                start = lo + _MINI_S * int(rng.integers(0, n_mini - 1))
                end = hi - _MINI_S * int(rng.integers(0, n_mini - 1))
                rise = 0.04
            else:
                start = lo + float(rng.uniform(0.0, 0.7)) * ep_s
                end = hi - float(rng.uniform(0.0, 0.7)) * ep_s
                rise = 0.5
            if end - start < 6.0:
                continue
            # the REM resting level over the run (not the fading NREM tone at a REM onset)
            bg = float(np.median(chin.rest_at(np.linspace(lo, hi, 32))))
            ratios = (self.tonic_ratio_high if rng.random() < self.high_tonic_probability
                      else self.tonic_ratio)
            r = float(rng.uniform(*ratios))
            amp = bg * (r - 1.0)
            if on_grid:
                # put the 2x-background crossings of the raised-cosine rise/decay on the grid
                lag = rise / np.pi * float(np.arccos(1.0 - 2.0 / (r - 1.0)))
                start, end = start - lag, end + lag
            tb = chin.add_burst(start, end - start, amp, rise_s=rise, decay_s=rise,
                                modulation=0.08, seed=int(rng.integers(2**31)))
            tonic_bursts.append(tb)
            tonic_spans.append((start, end, bg + amp))
            truth.add_event("chin_tonic", start, end - start, channel=chin.label,
                            amplitude_uV=amp, ratio_to_background=round(r, 3),
                            epochs=list(run), on_grid=bool(on_grid))
            tonic.update(run)
        spans: list[tuple[float, float]] = []
        for ep in sorted(rem):
            start = t0 + ep * ep_s
            for _ in range(int(rng.poisson(self.phasic_chin_per_epoch))):
                on = start + float(rng.uniform(0, ep_s - 0.2))
                self._chin_burst(rng, chin, truth, on, spans, tonic_spans)
        for a, b in _periods(hypnogram, rem):
            if rng.random() >= self.restless_probability:
                continue
            on = a + float(rng.uniform(0.0, self.restless_gap_s[0]))
            while on < b - 0.5:
                self._chin_burst(rng, chin, truth, on, spans, tonic_spans, force=True)
                on += float(rng.uniform(*self.restless_gap_s))
        for ts, te, level in tonic_spans:
            n = int(rng.poisson(self.phasic_on_tonic_per_epoch * (te - ts) / ep_s))
            for _ in range(n):
                on = float(rng.uniform(ts + 1.0, max(ts + 1.0, te - 1.5)))
                self._chin_burst(rng, chin, truth, on, spans, tonic_spans, on_tonic=level)
        arms = [envelopes[r] for r in ("arm_left", "arm_right") if r in envelopes]
        for ep in sorted(rem):
            start = t0 + ep * ep_s
            for arm in arms:
                for _ in range(int(rng.poisson(self.phasic_arm_per_epoch))):
                    _phasic(rng, arm, truth, start, ep_s, self.phasic_duration_s,
                            (5.0, 15.0), "arm_phasic", "rswa")
        truth.parameters["rswa_chin"] = chin_rswa_truth(chin, hypnogram, tonic_bursts)

    def _chin_burst(self, rng: np.random.Generator, chin: Envelope, truth: TruthBuilder,
                    on: float, spans: list[tuple[float, float]],
                    tonic_spans: list[tuple[float, float, float]], *, force: bool = False,
                    on_tonic: float | None = None) -> None:
        dur = float(np.clip(rng.lognormal(np.log(0.6), 0.8), *self.phasic_duration_s))
        if on_tonic is None and any(ts - 0.6 < on + dur and on < te + 0.6
                                    for ts, te, _ in tonic_spans):
            if not force:
                return
            # a restless period's burst that would fall on tonic tone rides on it instead
            level = next(lv for ts, te, lv in tonic_spans if ts - 0.6 < on + dur and on < te + 0.6)
            if not any(ts + 0.6 <= on and on + dur <= te - 0.6 for ts, te, _ in tonic_spans):
                return
            on_tonic = level
        if on_tonic is not None:
            dur = min(dur, 3.0)
            if not any(ts + 0.6 <= on and on + dur <= te - 0.6 for ts, te, _ in tonic_spans):
                return
        if any(a - 0.4 < on + dur and on < b + 0.4 for a, b in spans):
            return
        bg = float(chin.rest_at(on)[0])
        if on_tonic is None:
            r = float(rng.uniform(*self.phasic_ratio))
            amp = bg * (r - 1.0)
        else:
            r = float(rng.uniform(*self.phasic_on_tonic_ratio))
            amp = on_tonic * (r - 1.0)
        chin.add_burst(on, dur, amp, rise_s=0.03, decay_s=0.06, modulation=0.15,
                       seed=int(rng.integers(2**31)))
        spans.append((on, on + dur))
        truth.add_event("chin_phasic", on, dur, channel=chin.label, amplitude_uV=amp,
                        cause="rswa", ratio_to_background=round(r, 3),
                        on_tonic=on_tonic is not None)


#: SINBAR mini-epoch (s), rule factor and limits used for the truth (Frauscher et al. 2012).
_MINI_S = 3.0
_FACTOR = 2.0
_PHASIC_S = (0.1, 5.0)
_BRIDGE_S = 0.25
#: Least activity (s) that marks a mini-epoch (the detector's documented rule, docs/rswa.md).
MIN_ACTIVITY_S = 0.05


def _periods(hypnogram: Hypnogram, rem: set[int]) -> list[tuple[float, float]]:
    """Contiguous REM periods (start s, end s) from the set of REM epoch indices."""
    out: list[tuple[float, float]] = []
    ep_s, t0 = hypnogram.epoch_s, hypnogram.onset_s
    for ep in sorted(rem):
        a = t0 + ep * ep_s
        if out and abs(out[-1][1] - a) < 1e-9:
            out[-1] = (out[-1][0], a + ep_s)
        else:
            out.append((a, a + ep_s))
    return out


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d = np.diff(mask.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def _bridged(mask: np.ndarray, max_gap: int) -> np.ndarray:
    """``mask`` with False gaps shorter than ``max_gap`` samples between True runs filled."""
    out = mask.copy()
    s, e = _runs(mask)
    for a, b in zip(e[:-1], s[1:], strict=True):
        if b - a < max_gap:
            out[a:b] = True
    return out


def chin_rswa_truth(chin: Envelope, hypnogram: Hypnogram,
                    tonic_bursts: list[Burst]) -> dict[str, object]:
    """SINBAR truth of the chin from the envelope drawn (rest + every burst), JSON-ready.

    Per REM period the background is the median resting level (µV rectified mean). Activity
    is the envelope at >= 2x that background, gaps < 0.25 s bridged; runs of 0.1-5 s are
    phasic, longer runs sustained; inside sustained runs a burst lifting the envelope to
    >= 2x the level without the phasic bursts (rest + tonic plateau) for 0.1-5 s is phasic
    too. A 30-s epoch is tonic when activity (runs >= 0.1 s) covers more than 50 % of it;
    a 3-s mini-epoch is phasic / any when it holds at least :data:`MIN_ACTIVITY_S` of phasic
    activity / of any activity, and tonic when it is any and its epoch is tonic.
    """
    fs = chin.fs_hz
    rem = {int(e) for e in epochs_in(hypnogram, "R")}
    ep_s = hypnogram.epoch_s
    n_mini = int(round(ep_s / _MINI_S))
    tonic_ids = {id(b) for b in tonic_bursts}
    need = max(1, int(round(MIN_ACTIVITY_S * fs)))
    out: dict[str, list] = {"mini_onset_s": [], "phasic": [], "tonic": [], "any": [],
                            "epoch_onset_s": [], "epoch_tonic": [], "epoch_tonic_fraction": [],
                            "period_background_uV": []}
    for a, b in _periods(hypnogram, rem):
        i0, i1 = int(round(a * fs)), int(round(b * fs))
        t = np.arange(i0, i1) / fs
        rest = chin.rest_at(t)
        base = rest.copy()
        total = rest.copy()
        for burst in chin.bursts:
            lo = max(i0, int(np.ceil(burst.onset_s * fs)))
            hi = min(i1, int(np.floor((burst.onset_s + burst.duration_s) * fs)))
            if hi <= lo:
                continue
            shape = burst_shape(burst, np.arange(lo, hi) / fs - burst.onset_s)
            total[lo - i0:hi - i0] += shape
            if id(burst) in tonic_ids:
                base[lo - i0:hi - i0] += shape
        bg = float(np.median(rest))
        gap = int(round(_BRIDGE_S * fs))
        active = _bridged(total >= _FACTOR * bg, gap)
        phasic = np.zeros(active.size, bool)
        kept = np.zeros(active.size, bool)
        for s, e in zip(*_runs(active), strict=True):
            d = (e - s) / fs
            if d < _PHASIC_S[0] - 1e-9:
                continue
            kept[s:e] = True
            if d <= _PHASIC_S[1] + 1e-9:
                phasic[s:e] = True
                continue
            on_top = _bridged((total[s:e] >= _FACTOR * base[s:e]) & (base[s:e] > bg), gap)
            for s2, e2 in zip(*_runs(on_top), strict=True):
                if _PHASIC_S[0] - 1e-9 <= (e2 - s2) / fs <= _PHASIC_S[1] + 1e-9:
                    phasic[s + s2:s + e2] = True
        n_ep = int(round((b - a) / ep_s))
        m_edges = np.rint(np.arange(n_ep * n_mini + 1) * _MINI_S * fs).astype(np.int64)
        m_edges = np.minimum(m_edges, active.size)
        cs_p = np.concatenate([[0], np.cumsum(phasic, dtype=np.int64)])
        cs_a = np.concatenate([[0], np.cumsum(kept, dtype=np.int64)])
        ph_m = (cs_p[m_edges[1:]] - cs_p[m_edges[:-1]]) >= need
        any_m = (cs_a[m_edges[1:]] - cs_a[m_edges[:-1]]) >= need
        e_edges = m_edges[::n_mini]
        frac = (cs_a[e_edges[1:]] - cs_a[e_edges[:-1]]) / np.maximum(np.diff(e_edges), 1)
        ep_tonic = frac > 0.5
        out["mini_onset_s"] += (a + np.arange(n_ep * n_mini) * _MINI_S).tolist()
        out["phasic"] += ph_m.tolist()
        out["any"] += any_m.tolist()
        out["tonic"] += (any_m & np.repeat(ep_tonic, n_mini)).tolist()
        out["epoch_onset_s"] += (a + np.arange(n_ep) * ep_s).tolist()
        out["epoch_tonic"] += ep_tonic.tolist()
        out["epoch_tonic_fraction"] += [round(float(f), 5) for f in frac]
        out["period_background_uV"].append(round(bg, 5))
    return {"mini_epoch_s": _MINI_S, "min_activity_s": MIN_ACTIVITY_S, "factor": _FACTOR,
            **out}


def rswa_truth_arrays(parameters: Mapping[str, object]) -> dict[str, np.ndarray]:
    """The chin RSWA truth stored by :class:`RemWithoutAtonia` as numpy arrays.

    Parameters
    ----------
    parameters : mapping
        ``GroundTruth.parameters`` of an ``rbd`` night.

    Raises
    ------
    KeyError
        When the night holds no RSWA truth (profiles other than ``rbd``).
    """
    d = parameters["rswa_chin"]
    assert isinstance(d, Mapping)
    return {k: np.asarray(v) for k, v in d.items() if isinstance(v, list)}


__all__ = ["DEFAULT_REST_UV", "MIN_ACTIVITY_S", "RemTwitches", "RemWithoutAtonia",
           "RestingLevels", "chin_rswa_truth", "rswa_truth_arrays"]
