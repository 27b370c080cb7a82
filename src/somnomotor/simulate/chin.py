"""Resting EMG levels by stage, REM twitches and REM sleep without atonia (chin and arms).

Resting levels (µV rectified mean) follow the stage: the chin is highest in wake, lower in
NREM and lowest in REM (REM atonia; the REM Atonia Index counts 1-s mini-epochs at
<= 1 µV, Ferri et al., Sleep Med 2010;11:947, doi:10.1016/j.sleep.2010.06.003); tibialis
and arm levels change little with stage. Each level drifts slowly (+-10 %) through the
night; stage changes are smoothed over about 10 s.

RSWA (profile ``rbd``): runs of 1-4 consecutive REM epochs carry *tonic* chin activity (a
plateau at >= 2x the REM background and above the NREM resting level, SINBAR, Frauscher et
al., Sleep 2012;35:835, doi:10.5665/sleep.1884) covering >= 70 % of each epoch (plateau only, rise and decay excluded), and REM
epochs outside tonic runs carry *phasic* bursts of 0.15-4.5 s at 5-15x the background
(above both the SINBAR 2x and the AASM 4x rule) on the chin and on both FDS channels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from somnomotor.hypnogram import Hypnogram
from somnomotor.simulate.base import Envelopes, epochs_in
from somnomotor.simulate.emg import REST_FS_HZ, Envelope
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

    Parameters
    ----------
    tonic_run_per_epoch : float
        Chance that a REM epoch starts a tonic run (runs last 1-4 epochs).
    phasic_chin_per_epoch, phasic_arm_per_epoch : float
        Mean phasic bursts per non-tonic REM epoch on the chin and on each arm.
    phasic_duration_s : tuple of float
        Range of phasic burst durations, s (rule: 0.1-5 s).
    phasic_ratio : tuple of float
        Range of the burst peak as a multiple of the background (rules: > 2x SINBAR,
        >= 4x AASM).
    tonic_level_uV : tuple of float
        Range of the tonic plateau height above background, µV rectified mean (at least
        1.3x the NREM chin resting level is enforced).
    """

    tonic_run_per_epoch: float = 0.15
    phasic_chin_per_epoch: float = 2.5
    phasic_arm_per_epoch: float = 2.0
    phasic_duration_s: tuple[float, float] = (0.15, 4.5)
    phasic_ratio: tuple[float, float] = (5.0, 15.0)
    tonic_level_uV: tuple[float, float] = (3.0, 6.0)

    def __call__(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                 truth: TruthBuilder) -> None:
        chin = envelopes.get("chin")
        if chin is None:
            return
        rem = {int(e) for e in epochs_in(hypnogram, "R")}
        nrem = epochs_in(hypnogram, ("N1", "N2", "N3"))
        ep_s = hypnogram.epoch_s
        nrem_rest = 0.0
        if nrem.size:
            nrem_rest = float(np.percentile(chin.rest_at(nrem * ep_s + ep_s / 2), 90))
        tonic: set[int] = set()
        for ep in sorted(rem):
            if ep in tonic or rng.random() >= self.tonic_run_per_epoch:
                continue
            run = [ep]
            for _ in range(int(rng.integers(0, 4))):
                if run[-1] + 1 in rem:
                    run.append(run[-1] + 1)
            # Each end may start/stop up to 12 % of an epoch inside it, so every epoch of the
            # run stays >= 70 % covered even for a one-epoch run.
            start = hypnogram.onset_s + run[0] * ep_s + float(rng.uniform(0, 0.12)) * ep_s
            end = hypnogram.onset_s + (run[-1] + 1) * ep_s - float(rng.uniform(0, 0.12)) * ep_s
            bg = float(chin.rest_at(start)[0])
            amp = max(float(rng.uniform(*self.tonic_level_uV)), 1.3 * nrem_rest - bg, bg)
            # Rise and decay of 0.5 s: the plateau covers start+0.5 .. end-0.5.
            chin.add_burst(start, end - start, amp, rise_s=0.5, decay_s=0.5, modulation=0.15,
                           seed=int(rng.integers(2**31)))
            truth.add_event("chin_tonic", start, end - start, channel=chin.label,
                            amplitude_uV=amp, ratio_to_background=round((amp + bg) / bg, 3),
                            epochs=list(run))
            tonic.update(run)
        arms = [envelopes[r] for r in ("arm_left", "arm_right") if r in envelopes]
        for ep in sorted(rem):
            start = hypnogram.onset_s + ep * ep_s
            if ep not in tonic:
                for _ in range(int(rng.poisson(self.phasic_chin_per_epoch))):
                    _phasic(rng, chin, truth, start, ep_s, self.phasic_duration_s,
                            self.phasic_ratio, "chin_phasic", "rswa")
            for arm in arms:
                for _ in range(int(rng.poisson(self.phasic_arm_per_epoch))):
                    _phasic(rng, arm, truth, start, ep_s, self.phasic_duration_s,
                            self.phasic_ratio, "arm_phasic", "rswa")


__all__ = ["DEFAULT_REST_UV", "RemTwitches", "RemWithoutAtonia", "RestingLevels"]
