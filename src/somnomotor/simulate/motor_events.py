"""Generators of the other motor events: fragmentary myoclonus, sleep starts, HFT/ALMA, bruxism.

Each generator follows the contract of :mod:`somnomotor.simulate.base` and records every
event it puts into a signal in the truth:

=========================  ========================================================================
truth kind                 what is put into the envelopes
=========================  ========================================================================
fragmentary_myoclonus      one brief burst (0.10-0.14 s, 5-ms edges) in one EMG channel
sleep_start                near-simultaneous bursts (0.10-0.25 s) in 2-4 muscles at a W->sleep
                           transition; ``muscles`` lists the labels
hft                        a train of 4-10 bursts (0.3-0.7 s) at 0.5-2 Hz in one leg
alma                       4-10 bursts (0.15-0.35 s) alternating between the legs at 1-2 Hz
bruxism_episode            3-10 phasic masseter bursts (0.4-1.2 s) or one tonic burst (2.5-6 s)
=========================  ========================================================================

Amplitudes are in µV of rectified mean EMG above rest, as everywhere in the simulator
(:mod:`somnomotor.simulate.emg`). The detectors state amplitudes as sine-equivalent
amplitude (sqrt(2) x RMS of the 10-100 Hz band-passed EMG), about 1.6 x the rectified mean
of this noise; the default ranges are chosen well clear of the detectors' thresholds so the
truth is unambiguous (boundary cases are tested with hand-made signals instead).

The profiles ``fm``, ``sleep_starts``, ``rhythmic`` and ``bruxism`` are built here and
registered in :data:`somnomotor.simulate.profiles.PROFILES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from somnomotor.hypnogram import NREM_STAGES, SLEEP_STAGES, Hypnogram
from somnomotor.simulate.base import Envelopes, epochs_in
from somnomotor.simulate.truth import TruthBuilder

if TYPE_CHECKING:  # pragma: no cover - the profile module imports this one
    from somnomotor.simulate.profiles import Profile

#: Truth kinds written by this module.
MOTOR_KINDS: tuple[str, ...] = ("fragmentary_myoclonus", "sleep_start", "hft", "alma",
                                "bruxism_episode")


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31))


@dataclass(frozen=True)
class FragmentaryMyoclonus:
    """Brief scattered potentials in any EMG channel.

    Parameters
    ----------
    per_min_nrem, per_min_other : float
        Mean potentials per minute (all channels together) in NREM and in W/R epochs.
    duration_s : tuple of float
        Range of durations in s (Lins: 75-150 ms).
    amplitude_uV : tuple of float
        Range of amplitudes, µV rectified mean above rest.
    roles : tuple of str
        Channels that may carry a potential (those the night has).
    """

    per_min_nrem: float = 3.0
    per_min_other: float = 1.0
    duration_s: tuple[float, float] = (0.10, 0.14)
    amplitude_uV: tuple[float, float] = (50.0, 150.0)
    roles: tuple[str, ...] = ("chin", "leg_left", "leg_right", "arm_left", "arm_right")

    def __call__(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                 truth: TruthBuilder) -> None:
        envs = [envelopes[r] for r in self.roles if r in envelopes]
        if not envs:
            return
        stages = hypnogram.effective_stages
        for ep in epochs_in(hypnogram, ("W", *SLEEP_STAGES)):
            rate = self.per_min_nrem if stages[ep] in NREM_STAGES else self.per_min_other
            start = hypnogram.onset_s + ep * hypnogram.epoch_s
            for _ in range(int(rng.poisson(rate * hypnogram.epoch_s / 60.0))):
                env = envs[int(rng.integers(len(envs)))]
                dur = float(rng.uniform(*self.duration_s))
                on = start + float(rng.uniform(0.2, hypnogram.epoch_s - dur - 0.2))
                if env.busy(on, on + dur, margin_s=0.4):
                    continue
                amp = float(rng.uniform(*self.amplitude_uV))
                env.add_burst(on, dur, amp, rise_s=0.005, decay_s=0.005, modulation=0.0,
                              seed=_seed(rng))
                truth.add_event("fragmentary_myoclonus", on, dur, channel=env.label,
                                amplitude_uV=amp, stage=str(stages[ep]))


def wake_to_sleep_windows(hypnogram: Hypnogram, *, pre_s: float = 30.0,
                          post_s: float = 60.0) -> list[tuple[float, float]]:
    """The last ``pre_s`` of wake before each W -> sleep transition and the N1 after it."""
    stages = hypnogram.effective_stages
    ep = hypnogram.epoch_s
    out = []
    for k in range(len(stages) - 1):
        if stages[k] == "W" and stages[k + 1] in SLEEP_STAGES:
            t = hypnogram.onset_s + (k + 1) * ep
            end = t
            m = k + 1
            while m < len(stages) and stages[m] == "N1" and (m + 1) * ep - (k + 1) * ep <= post_s:
                end = hypnogram.onset_s + (m + 1) * ep
                m += 1
            out.append((t - min(pre_s, ep), end))
    return out


@dataclass(frozen=True)
class SleepStarts:
    """Multi-muscle jerks at the wake-to-sleep transitions.

    Parameters
    ----------
    per_transition : tuple of int
        Range (inclusive) of jerks per transition.
    muscles : tuple of int
        Range (inclusive) of muscles per jerk.
    duration_s : tuple of float
        Burst durations in s (hypnic jerk about 75-250 ms [W]).
    spread_s : float
        Largest onset delay of a muscle after the first, s.
    amplitude_uV : tuple of float
        µV rectified mean above rest.
    roles : tuple of str
    """

    per_transition: tuple[int, int] = (1, 3)
    muscles: tuple[int, int] = (2, 4)
    duration_s: tuple[float, float] = (0.10, 0.25)
    spread_s: float = 0.08
    amplitude_uV: tuple[float, float] = (60.0, 200.0)
    roles: tuple[str, ...] = ("chin", "leg_left", "leg_right", "arm_left", "arm_right")

    def __call__(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                 truth: TruthBuilder) -> None:
        envs = [envelopes[r] for r in self.roles if r in envelopes]
        if len(envs) < 2:
            return
        for a, b in wake_to_sleep_windows(hypnogram):
            times: list[float] = []
            for _ in range(int(rng.integers(self.per_transition[0], self.per_transition[1] + 1))):
                t = float(rng.uniform(a + 0.5, b - 1.0))
                if all(abs(t - u) > 4.0 for u in times):
                    times.append(t)
            for t in sorted(times):
                k = int(rng.integers(self.muscles[0], min(self.muscles[1], len(envs)) + 1))
                chosen = rng.choice(len(envs), size=k, replace=False)
                parts = []
                for i in chosen:
                    env = envs[int(i)]
                    on = t + float(rng.uniform(0.0, self.spread_s))
                    dur = float(rng.uniform(*self.duration_s))
                    env.add_burst(on, dur, float(rng.uniform(*self.amplitude_uV)), rise_s=0.01,
                                  decay_s=0.02, modulation=0.1, seed=_seed(rng))
                    parts.append((on, on + dur, env.label))
                parts.sort()
                start = parts[0][0]
                truth.add_event("sleep_start", start, max(p[1] for p in parts) - start,
                                muscles=",".join(p[2] for p in parts), n_muscles=len(parts))


@dataclass(frozen=True)
class RhythmicLegActivity:
    """HFT trains in one leg and ALMA trains alternating between the legs (W, N1, N2).

    Parameters
    ----------
    hft_per_h, alma_per_h : float
        Mean trains per hour of the recording.
    hft_bursts, alma_bursts : tuple of int
        Range (inclusive) of bursts per train.
    hft_frequency_hz, alma_frequency_hz : tuple of float
        Range of the burst rate (ALMA: of consecutive alternating bursts).
    hft_burst_s, alma_burst_s : tuple of float
        Burst durations in s.
    amplitude_uV : tuple of float
        µV rectified mean above rest.
    """

    hft_per_h: float = 8.0
    alma_per_h: float = 8.0
    hft_bursts: tuple[int, int] = (4, 10)
    alma_bursts: tuple[int, int] = (4, 10)
    hft_frequency_hz: tuple[float, float] = (0.5, 2.0)
    alma_frequency_hz: tuple[float, float] = (1.0, 2.0)
    hft_burst_s: tuple[float, float] = (0.3, 0.7)  # capped at 0.6 x the interval
    alma_burst_s: tuple[float, float] = (0.15, 0.35)
    amplitude_uV: tuple[float, float] = (20.0, 60.0)

    def __call__(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                 truth: TruthBuilder) -> None:
        legs = [envelopes[r] for r in ("leg_left", "leg_right") if r in envelopes]
        if not legs:
            return
        hours = (hypnogram.end_s - hypnogram.onset_s) / 3600.0
        ep = epochs_in(hypnogram, ("W", "N1", "N2"))
        if ep.size == 0:
            return
        for kind, rate in (("hft", self.hft_per_h), ("alma", self.alma_per_h)):
            if kind == "alma" and len(legs) < 2:
                continue
            for _ in range(int(rng.poisson(rate * hours))):
                e = int(rng.choice(ep))
                start = hypnogram.onset_s + e * hypnogram.epoch_s + float(rng.uniform(0, 10))
                if kind == "hft":
                    self._hft(rng, legs[int(rng.integers(len(legs)))], start, truth)
                else:
                    self._alma(rng, legs, start, truth)

    def _hft(self, rng: np.random.Generator, env: object, start: float,
             truth: TruthBuilder) -> None:
        n = int(rng.integers(self.hft_bursts[0], self.hft_bursts[1] + 1))
        interval = 1.0 / float(rng.uniform(*self.hft_frequency_hz))
        # a burst never fills more than 60 % of the interval, so the train stays discrete
        dur = [min(float(rng.uniform(*self.hft_burst_s)), 0.6 * interval) for _ in range(n)]
        end = start + (n - 1) * interval + dur[-1]
        if env.busy(start, end, margin_s=3.0):  # type: ignore[attr-defined]
            return
        for k in range(n):
            env.add_burst(start + k * interval, dur[k],  # type: ignore[attr-defined]
                          float(rng.uniform(*self.amplitude_uV)), rise_s=0.03, decay_s=0.03,
                          modulation=0.1, seed=_seed(rng))
        truth.add_event("hft", start, end - start, channel=env.label,  # type: ignore[attr-defined]
                        n_bursts=n, frequency_hz=round(1.0 / interval, 4))

    def _alma(self, rng: np.random.Generator, legs: list, start: float,
              truth: TruthBuilder) -> None:
        n = int(rng.integers(self.alma_bursts[0], self.alma_bursts[1] + 1))
        interval = 1.0 / float(rng.uniform(*self.alma_frequency_hz))
        dur = [float(rng.uniform(*self.alma_burst_s)) for _ in range(n)]
        end = start + (n - 1) * interval + dur[-1]
        if any(env.busy(start, end, margin_s=3.0) for env in legs):
            return
        first = int(rng.integers(2))
        for k in range(n):
            legs[(first + k) % 2].add_burst(start + k * interval, dur[k],
                                            float(rng.uniform(*self.amplitude_uV)), rise_s=0.02,
                                            decay_s=0.02, modulation=0.1, seed=_seed(rng))
        truth.add_event("alma", start, end - start, channel=f"{legs[0].label},{legs[1].label}",
                        n_bursts=n, frequency_hz=round(1.0 / interval, 4))


@dataclass(frozen=True)
class Bruxism:
    """Rhythmic masticatory muscle activity on the masseter channel (role ``masseter``).

    Parameters
    ----------
    episodes_per_h : float
        Mean episodes per hour of sleep.
    tonic_probability : float
        Share of tonic episodes (one sustained burst) among all.
    phasic_bursts : tuple of int
        Range (inclusive) of bursts of a phasic episode.
    phasic_burst_s, tonic_s : tuple of float
        Durations in s.
    interval_s : tuple of float
        Onset-to-onset interval of phasic bursts, s.
    amplitude_uV : tuple of float
        µV rectified mean above rest.
    """

    episodes_per_h: float = 8.0
    tonic_probability: float = 0.25
    phasic_bursts: tuple[int, int] = (3, 10)
    phasic_burst_s: tuple[float, float] = (0.4, 1.2)
    tonic_s: tuple[float, float] = (2.5, 6.0)
    interval_s: tuple[float, float] = (1.3, 1.8)
    amplitude_uV: tuple[float, float] = (20.0, 60.0)

    def __call__(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                 truth: TruthBuilder) -> None:
        env = envelopes.get("masseter")
        if env is None:
            return
        ep = epochs_in(hypnogram, SLEEP_STAGES)
        hours = ep.size * hypnogram.epoch_s / 3600.0
        for _ in range(int(rng.poisson(self.episodes_per_h * hours))):
            start = hypnogram.onset_s + int(rng.choice(ep)) * hypnogram.epoch_s + float(
                rng.uniform(0, 10))
            if rng.random() < self.tonic_probability:
                parts = [(start, float(rng.uniform(*self.tonic_s)))]
                kind = "tonic"
            else:
                n = int(rng.integers(self.phasic_bursts[0], self.phasic_bursts[1] + 1))
                iv = float(rng.uniform(*self.interval_s))
                parts = [(start + k * iv, float(rng.uniform(*self.phasic_burst_s)))
                         for k in range(n)]
                kind = "phasic"
            end = max(a + d for a, d in parts)
            if env.busy(start, end, margin_s=5.0):
                continue
            for a, d in parts:
                env.add_burst(a, d, float(rng.uniform(*self.amplitude_uV)), rise_s=0.05,
                              decay_s=0.05, modulation=0.1, seed=_seed(rng))
            truth.add_event("bruxism_episode", start, end - start, channel=env.label,
                            episode_type=kind, n_bursts=len(parts))


# -- profiles ------------------------------------------------------------------------------
def fm_profile() -> Profile:
    """Profile ``fm``: fragmentary myoclonus in every EMG channel (legs, chin, arms)."""
    from somnomotor.simulate.profiles import ARM_EMG, BASE_EMG, Profile

    return Profile("fm", "fragmentary myoclonus potentials in every EMG channel",
                   BASE_EMG + ARM_EMG, (FragmentaryMyoclonus(),))


def sleep_starts_profile() -> Profile:
    """Profile ``sleep_starts``: 1-3 multi-muscle jerks at every wake-to-sleep transition."""
    from somnomotor.simulate.profiles import ARM_EMG, BASE_EMG, Profile

    return Profile("sleep_starts", "sleep starts (multi-muscle jerks) at W->sleep transitions",
                   BASE_EMG + ARM_EMG, (SleepStarts(),))


def rhythmic_profile() -> Profile:
    """Profile ``rhythmic``: HFT trains and ALMA trains in W, N1 and N2."""
    from somnomotor.simulate.profiles import BASE_EMG, Profile

    return Profile("rhythmic", "hypnagogic foot tremor and alternating leg muscle activation",
                   BASE_EMG, (RhythmicLegActivity(),))


def bruxism_profile() -> Profile:
    """Profile ``bruxism``: RMMA episodes on an added masseter channel ``Masseter``."""
    from somnomotor.simulate.profiles import BASE_EMG, EmgChannelSpec, Profile

    masseter = EmgChannelSpec("masseter", "Masseter", "AgAgCl, masseter")
    return Profile("bruxism", "rhythmic masticatory muscle activity (phasic and tonic episodes)",
                   (*BASE_EMG, masseter), (Bruxism(),))


__all__ = [
    "MOTOR_KINDS",
    "Bruxism",
    "FragmentaryMyoclonus",
    "RhythmicLegActivity",
    "SleepStarts",
    "bruxism_profile",
    "fm_profile",
    "rhythmic_profile",
    "sleep_starts_profile",
    "wake_to_sleep_windows",
]
