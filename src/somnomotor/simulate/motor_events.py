"""Generators of the other motor events: fragmentary myoclonus, sleep starts, HFT/ALMA, bruxism.

Each generator follows the contract of :mod:`somnomotor.simulate.base` and records every
event it puts into a signal in the truth:

=========================  ========================================================================
truth kind                 what is put into the envelopes
=========================  ========================================================================
fragmentary_myoclonus      one brief burst (0.10-0.14 s, 3-12-ms edges) in one EMG channel that
                           stands alone: no longer burst or sleep start within 0.5 s
fm_like_potential          the same burst inside or within 0.5 s of a longer burst or a sleep
                           start in its channel (not FM by the rule; ``reason`` says why)
fm_near_miss               a look-alike: too small, too short or too long (``why``)
arm_movement, chin_burst   a movement of 0.3-3 s in an arm or the chin
sleep_start                near-simultaneous bursts (0.10-0.25 s; one jerk in five 0.4-1.5 s) in
                           2-4 muscles at a W->sleep transition; ``muscles`` lists the labels
hft                        a train of 4-10 bursts (0.3-0.7 s) at 0.5-2 Hz in one leg
alma                       4-10 bursts (0.15-0.35 s) alternating between the legs at 1-2 Hz
bruxism_episode            3-10 phasic masseter bursts (0.4-1.2 s) or one tonic burst (2.5-6 s)
wake_masseter_activity     20-90 s of raised masseter activity in a brief awakening
=========================  ========================================================================

Amplitudes are in µV of rectified mean EMG above rest, as everywhere in the simulator
(:mod:`somnomotor.simulate.emg`). The detectors state amplitudes as sine-equivalent
amplitude (sqrt(2) x RMS of the 10-100 Hz band-passed EMG), about 1.6 x the rectified mean
of this noise; the default ranges are chosen well clear of the detectors' thresholds so the
truth is unambiguous (boundary cases are tested with hand-made signals instead).

The profiles ``fm``, ``efm``, ``sleep_starts``, ``rhythmic`` and ``bruxism`` are built here
and registered in :data:`somnomotor.simulate.profiles.PROFILES`. The FM nights hold leg, arm
and chin movements (and jerks) with potentials alone, beside and inside them, so that a
detector counting fragments of movements as FM is caught (see docs/motor-events.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from somnomotor.hypnogram import NREM_STAGES, SLEEP_STAGES, Hypnogram
from somnomotor.simulate.base import Envelopes, epochs_in, random_times_in
from somnomotor.simulate.emg import Envelope
from somnomotor.simulate.truth import TruthBuilder

if TYPE_CHECKING:  # pragma: no cover - the profile module imports this one
    from somnomotor.simulate.profiles import Profile

#: Truth kinds written by this module.
MOTOR_KINDS: tuple[str, ...] = ("fragmentary_myoclonus", "fm_like_potential", "fm_near_miss",
                                "arm_movement", "chin_burst", "sleep_start", "hft", "alma",
                                "bruxism_episode", "wake_masseter_activity")


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31))


#: Largest duration of an FM potential, s (AASM usual maximum, Lins 75-150 ms).
FM_MAX_S = 0.150
#: A potential counts as FM only when no longer activity (a burst longer than
#: :data:`FM_MAX_S`, or a sleep start in that muscle) lies within this gap of it on its
#: channel, s: the AASM/WASM 0.5-s movement rule (see docs/motor-events.md).
FM_ALONE_MARGIN_S = 0.5


def fm_counts(env: Envelope, onset_s: float, duration_s: float,
              jerks: list[tuple[float, float, tuple[str, ...]]], *,
              margin_s: float = FM_ALONE_MARGIN_S) -> tuple[bool, str]:
    """Whether a potential counts as FM by the rule, from the envelope's own bursts.

    Parameters
    ----------
    env : Envelope
        The channel, holding every burst placed so far (the potential itself not yet).
    onset_s, duration_s : float
        The potential, s.
    jerks : list of (start_s, end_s, channel labels)
        Sleep starts of the night.
    margin_s : float
        Gap in s to longer activity below which the potential does not count.

    Returns
    -------
    (bool, str)
        Counts, and the reason when it does not (``"inside"``/``"0.31 s after"`` a
        ``leg/arm/chin burst`` or ``sleep start``).
    """
    end = onset_s + duration_s
    for b in env.bursts:
        if b.duration_s <= FM_MAX_S:
            continue
        b_end = b.onset_s + b.duration_s
        gap = max(b.onset_s - end, onset_s - b_end)
        if gap < margin_s:
            where = "inside" if gap < 0 else (
                f"{gap:.2f} s before" if b.onset_s >= end else f"{gap:.2f} s after")
            return False, f"{where} a longer burst"
    for a, z, muscles in jerks:
        if env.label in muscles and max(a - end, onset_s - z) < margin_s:
            return False, "in or beside a sleep start"
    return True, ""


def _clash(envs: list[Envelope], env: Envelope, on: float, dur: float) -> bool:
    """Whether a potential would touch another brief burst.

    In its own channel two potentials would merge into one; in another channel at the
    same moment as a burst starts they would look like a two-muscle jerk, not asynchronous
    FM (Lins [C]).
    """
    for other in envs:
        for b in other.bursts:
            if other is not env:
                if abs(b.onset_s - on) < 0.3:
                    return True
            elif b.duration_s <= FM_MAX_S + 0.25 and b.onset_s < on + dur + 0.3 \
                    and b.onset_s + b.duration_s > on - 0.3:
                return True
    return False


def _jerks(truth: TruthBuilder) -> list[tuple[float, float, tuple[str, ...]]]:
    return [(e.onset_s, e.offset_s, tuple(str(e.flags.get("muscles", "")).split(",")))
            for e in truth.events_of("sleep_start")]


@dataclass(frozen=True)
class FragmentaryMyoclonus:
    """Brief scattered potentials in any EMG channel, alone and beside or inside other bursts.

    Run it after the generators of the other bursts (leg, arm and chin movements, sleep
    starts): each potential is judged against the bursts already in its channel by
    :func:`fm_counts`. A potential that stands alone is truth kind
    ``fragmentary_myoclonus``; one inside or within :data:`FM_ALONE_MARGIN_S` of a longer
    burst or of a sleep start in that muscle is ``fm_like_potential`` (with ``reason``):
    the same burst, but not FM by the rule.

    Parameters
    ----------
    per_min_nrem, per_min_other : float
        Mean potentials per minute (all channels together) at random times in NREM and in
        W/R epochs.
    duration_s : tuple of float
        Range of durations in s (Lins: 75-150 ms; kept clear of the limits because the
        noise-like potentials here are measured with an SD of 15-25 ms).
    amplitude_uV : tuple of float
        Range of amplitudes, µV rectified mean above rest (log-uniform).
    modulation : tuple of float
        Range of the plateau modulation depth (0 = flat, 0.4 = lumpy, spiky potentials).
    near_probability : float
        Chance that a longer burst (> :data:`FM_MAX_S`) in an FM channel, or a sleep start,
        gets a potential placed inside or beside it.
    inside_fraction : float
        Share of those placed inside the burst (the rest before or after it).
    near_gap_s : tuple of float
        Range of gaps in s between the burst and a potential beside it (straddles the
        0.5-s margin on purpose).
    near_miss_per_min : float
        Look-alikes per minute that are not FM potentials: too small (8-16 µV), too short
        (30-50 ms) or too long (0.22-0.35 s).
    roles : tuple of str
        Channels that may carry a potential (those the night has).
    """

    per_min_nrem: float = 3.0
    per_min_other: float = 1.0
    duration_s: tuple[float, float] = (0.10, 0.14)
    amplitude_uV: tuple[float, float] = (45.0, 200.0)
    modulation: tuple[float, float] = (0.0, 0.3)
    near_probability: float = 0.6
    inside_fraction: float = 0.35
    near_gap_s: tuple[float, float] = (0.0, 1.2)
    near_miss_per_min: float = 0.3
    roles: tuple[str, ...] = ("chin", "leg_left", "leg_right", "arm_left", "arm_right")

    def _potential(self, rng: np.random.Generator, env: Envelope, on: float, dur: float,
                   truth: TruthBuilder, jerks: list, stage: str, placed: str) -> None:
        counts, reason = fm_counts(env, on, dur, jerks)
        amp = float(np.exp(rng.uniform(*np.log(self.amplitude_uV))))
        env.add_burst(on, dur, amp, rise_s=float(rng.uniform(0.003, 0.012)),
                      decay_s=float(rng.uniform(0.003, 0.012)),
                      modulation=float(rng.uniform(*self.modulation)), seed=_seed(rng))
        if counts:
            truth.add_event("fragmentary_myoclonus", on, dur, channel=env.label,
                            amplitude_uV=amp, stage=stage, placed=placed)
        else:
            truth.add_event("fm_like_potential", on, dur, channel=env.label, amplitude_uV=amp,
                            stage=stage, placed=placed, reason=reason)

    def __call__(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                 truth: TruthBuilder) -> None:
        envs = [envelopes[r] for r in self.roles if r in envelopes]
        if not envs:
            return
        stages = hypnogram.effective_stages
        jerks = _jerks(truth)
        # hosts: the longer bursts and the sleep starts already in the FM channels
        hosts = [(env, b.onset_s, b.duration_s) for env in envs for b in list(env.bursts)
                 if b.duration_s > FM_MAX_S]
        for a, z, muscles in jerks:
            mine = [env for env in envs if env.label in muscles]
            if mine:
                hosts.append((mine[int(rng.integers(len(mine)))], a, z - a))
        for env, b_on, b_dur in hosts:
            if rng.random() >= self.near_probability:
                continue
            dur = float(rng.uniform(*self.duration_s))
            if rng.random() < self.inside_fraction and b_dur > dur + 0.1:
                on = b_on + float(rng.uniform(0.05, b_dur - dur - 0.05))
                placed = "inside"
            else:
                gap = float(rng.uniform(*self.near_gap_s))
                on = b_on - gap - dur if rng.random() < 0.5 else b_on + b_dur + gap
                placed = "beside"
            if on < 0.2 or on + dur > env.duration_s - 0.2 or _clash(envs, env, on, dur):
                continue
            st = str(hypnogram.stage_at(on)[0])
            self._potential(rng, env, on, dur, truth, jerks, st, placed)
        for ep in epochs_in(hypnogram, ("W", *SLEEP_STAGES)):
            rate = self.per_min_nrem if stages[ep] in NREM_STAGES else self.per_min_other
            start = hypnogram.onset_s + ep * hypnogram.epoch_s
            for _ in range(int(rng.poisson(rate * hypnogram.epoch_s / 60.0))):
                env = envs[int(rng.integers(len(envs)))]
                dur = float(rng.uniform(*self.duration_s))
                on = start + float(rng.uniform(0.2, hypnogram.epoch_s - dur - 0.2))
                # longer bursts are what the rule is about: the truth decides from them
                if _clash(envs, env, on, dur):
                    continue
                self._potential(rng, env, on, dur, truth, jerks, str(stages[ep]), "random")
            for _ in range(int(rng.poisson(self.near_miss_per_min * hypnogram.epoch_s / 60.0))):
                env = envs[int(rng.integers(len(envs)))]
                kind = int(rng.integers(3))
                dur = (float(rng.uniform(0.09, 0.14)), float(rng.uniform(0.03, 0.05)),
                       float(rng.uniform(0.22, 0.35)))[kind]
                amp = float(rng.uniform(8.0, 16.0)) if kind == 0 else float(
                    rng.uniform(50.0, 150.0))
                on = start + float(rng.uniform(0.2, hypnogram.epoch_s - dur - 0.2))
                if env.busy(on, on + dur, margin_s=1.5) or _clash(envs, env, on, dur):
                    continue
                env.add_burst(on, dur, amp, rise_s=0.005, decay_s=0.005,
                              modulation=float(rng.uniform(*self.modulation)), seed=_seed(rng))
                truth.add_event("fm_near_miss", on, dur, channel=env.label, amplitude_uV=amp,
                                why=("too small", "too short", "too long")[kind])


@dataclass(frozen=True)
class LimbBursts:
    """Arm and chin movements: bursts of 0.3-3 s in the arm (FDS) and chin channels.

    Parameters
    ----------
    per_h : float
        Mean bursts per hour of the recording, all listed channels together.
    duration_s : tuple of float
        Range of durations in s (log-uniform).
    amplitude_uV : tuple of float
        µV rectified mean above rest.
    roles : tuple of str
    """

    per_h: float = 40.0
    duration_s: tuple[float, float] = (0.3, 3.0)
    amplitude_uV: tuple[float, float] = (12.0, 80.0)
    roles: tuple[str, ...] = ("arm_left", "arm_right", "chin")

    def __call__(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                 truth: TruthBuilder) -> None:
        envs = [envelopes[r] for r in self.roles if r in envelopes]
        if not envs:
            return
        hours = (hypnogram.end_s - hypnogram.onset_s) / 3600.0
        for t in random_times_in(rng, hypnogram, int(rng.poisson(self.per_h * hours)),
                                 ("W", *SLEEP_STAGES)):
            env = envs[int(rng.integers(len(envs)))]
            dur = float(np.exp(rng.uniform(*np.log(self.duration_s))))
            # a burst starting with one in another muscle would be a (two-muscle) jerk
            if env.busy(float(t), float(t) + dur, margin_s=1.5) or any(
                    abs(b.onset_s - t) < 0.3 for e in envelopes.values() for b in e.bursts):
                continue
            amp = float(rng.uniform(*self.amplitude_uV))
            env.add_burst(float(t), dur, amp, rise_s=float(rng.uniform(0.03, 0.15)),
                          decay_s=float(rng.uniform(0.05, 0.3)),
                          modulation=float(rng.uniform(0.1, 0.4)), seed=_seed(rng))
            kind = "chin_burst" if env.role == "chin" else "arm_movement"
            truth.add_event(kind, float(t), dur, channel=env.label, amplitude_uV=amp)


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
    long_probability : float
        Share of jerks whose bursts are longer (``long_duration_s``, lumpy: they may show
        as several bursts in one muscle), as in intensified or propriospinal-like jerks.
    long_duration_s : tuple of float
        Burst durations of those jerks, s.
    """

    per_transition: tuple[int, int] = (1, 3)
    muscles: tuple[int, int] = (2, 4)
    duration_s: tuple[float, float] = (0.10, 0.25)
    spread_s: float = 0.08
    amplitude_uV: tuple[float, float] = (60.0, 200.0)
    roles: tuple[str, ...] = ("chin", "leg_left", "leg_right", "arm_left", "arm_right")
    long_probability: float = 0.2
    long_duration_s: tuple[float, float] = (0.4, 1.5)

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
                durations = self.long_duration_s if rng.random() < self.long_probability \
                    else self.duration_s
                parts = []
                for i in chosen:
                    env = envs[int(i)]
                    on = t + float(rng.uniform(0.0, self.spread_s))
                    dur = float(rng.uniform(*durations))
                    env.add_burst(on, dur, float(rng.uniform(*self.amplitude_uV)), rise_s=0.01,
                                  decay_s=0.02, modulation=float(rng.uniform(0.1, 0.4)),
                                  seed=_seed(rng))
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
    wake_activity_probability : float
        Chance that a brief awakening (wake epochs between sleep epochs) holds a long rise of
        masseter activity (talking, swallowing, clenching while awake): not sleep bruxism.
    wake_activity_s : tuple of float
        Its duration in s (kept inside the awakening).
    """

    episodes_per_h: float = 8.0
    tonic_probability: float = 0.25
    phasic_bursts: tuple[int, int] = (3, 10)
    phasic_burst_s: tuple[float, float] = (0.4, 1.2)
    tonic_s: tuple[float, float] = (2.5, 6.0)
    interval_s: tuple[float, float] = (1.3, 1.8)
    amplitude_uV: tuple[float, float] = (20.0, 60.0)
    wake_activity_probability: float = 0.5
    wake_activity_s: tuple[float, float] = (20.0, 90.0)

    def __call__(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                 truth: TruthBuilder) -> None:
        env = envelopes.get("masseter")
        if env is None:
            return
        self._wake_activity(rng, hypnogram, env, truth)
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

    def _wake_activity(self, rng: np.random.Generator, hypnogram: Hypnogram, env: Envelope,
                       truth: TruthBuilder) -> None:
        stages = hypnogram.effective_stages
        ep = hypnogram.epoch_s
        k = 1
        while k < len(stages) - 1:
            if stages[k] != "W" or stages[k - 1] not in SLEEP_STAGES:
                k += 1
                continue
            m = k
            while m < len(stages) and stages[m] == "W":
                m += 1
            if m < len(stages) and m - k <= 6 and rng.random() < self.wake_activity_probability:
                a = hypnogram.onset_s + k * ep + 2.0
                span = (m - k) * ep - 4.0
                dur = min(span, float(rng.uniform(*self.wake_activity_s)))
                if dur > 5.0 and not env.busy(a, a + dur, margin_s=3.0):
                    amp = float(rng.uniform(15.0, 40.0))
                    env.add_burst(a, dur, amp, rise_s=1.0, decay_s=1.0, modulation=0.3,
                                  seed=_seed(rng))
                    truth.add_event("wake_masseter_activity", a, dur, channel=env.label,
                                    amplitude_uV=amp)
            k = m


# -- profiles ------------------------------------------------------------------------------
def _movements() -> tuple:
    """Leg, arm and chin movements that fragmentary myoclonus lies beside or inside."""
    from somnomotor.simulate.legs import LegMovements

    return (LegMovements(series_gap_s=900.0, series_length=(4, 12), isolated_per_h=15.0,
                         short_per_h=0.0, long_per_h=0.5, respiratory_probability=0.0,
                         arousal_probability=0.1),
            LimbBursts())


def fm_profile() -> Profile:
    """Profile ``fm``: fragmentary myoclonus in every EMG channel among leg, arm and chin
    movements (potentials alone, beside and inside the movements; truth says which count)."""
    from somnomotor.simulate.profiles import ARM_EMG, BASE_EMG, Profile

    return Profile("fm", "fragmentary myoclonus among leg, arm and chin movements",
                   BASE_EMG + ARM_EMG, (*_movements(), FragmentaryMyoclonus()))


def efm_profile() -> Profile:
    """Profile ``efm``: excessive fragmentary myoclonus (about 10 potentials/min in NREM)."""
    from somnomotor.simulate.profiles import ARM_EMG, BASE_EMG, Profile

    return Profile("efm", "excessive fragmentary myoclonus among leg, arm and chin movements",
                   BASE_EMG + ARM_EMG,
                   (*_movements(), FragmentaryMyoclonus(per_min_nrem=10.0, per_min_other=3.0)))


def sleep_starts_profile() -> Profile:
    """Profile ``sleep_starts``: 1-3 multi-muscle jerks at every wake-to-sleep transition,
    among movements and fragmentary myoclonus."""
    from somnomotor.simulate.profiles import ARM_EMG, BASE_EMG, Profile

    return Profile("sleep_starts", "sleep starts (multi-muscle jerks) at W->sleep transitions",
                   BASE_EMG + ARM_EMG,
                   (*_movements(), SleepStarts(), FragmentaryMyoclonus(per_min_nrem=1.5)))


def rhythmic_profile() -> Profile:
    """Profile ``rhythmic``: HFT trains and ALMA trains in W, N1 and N2."""
    from somnomotor.simulate.profiles import BASE_EMG, Profile

    return Profile("rhythmic", "hypnagogic foot tremor and alternating leg muscle activation",
                   BASE_EMG, (RhythmicLegActivity(),))


def bruxism_profile() -> Profile:
    """Profile ``bruxism``: RMMA episodes on an added masseter channel ``Masseter``, masseter
    activity in brief awakenings, leg movements and fragmentary myoclonus."""
    from somnomotor.simulate.legs import LegMovements
    from somnomotor.simulate.profiles import BASE_EMG, EmgChannelSpec, Profile

    masseter = EmgChannelSpec("masseter", "Masseter", "AgAgCl, masseter")
    return Profile("bruxism", "rhythmic masticatory muscle activity (phasic and tonic episodes)",
                   (*BASE_EMG, masseter),
                   (LegMovements(series_gap_s=900.0, series_length=(4, 12), isolated_per_h=15.0,
                                 short_per_h=0.0, respiratory_probability=0.0),
                    Bruxism(), FragmentaryMyoclonus(per_min_nrem=1.5,
                                                    roles=("chin", "leg_left", "leg_right"))))


__all__ = [
    "MOTOR_KINDS",
    "FM_ALONE_MARGIN_S",
    "FM_MAX_S",
    "Bruxism",
    "FragmentaryMyoclonus",
    "LimbBursts",
    "RhythmicLegActivity",
    "SleepStarts",
    "bruxism_profile",
    "efm_profile",
    "fm_counts",
    "fm_profile",
    "rhythmic_profile",
    "sleep_starts_profile",
    "wake_to_sleep_windows",
]
