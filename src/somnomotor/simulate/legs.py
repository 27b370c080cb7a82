"""Leg movements in the tibialis EMG: periodic series, isolated, respiratory-related, odd ones.

What is simulated (numbers from the WASM 2016 rules, Ferri et al., Sleep Med 2016;26:86,
doi:10.1016/j.sleep.2016.10.010, and the IMI distribution of Ferri et al., Sleep
2006;29:759):

* **periodic series** - runs of movements with onset-to-onset intervals (IMI) around a
  series mean of 15-40 s with about 15 % jitter (each IMI kept within 12-80 s so no IMI
  sits on the 10 s / 90 s rule edges); series alternate with quiet gaps (an alternating
  renewal process, so even a 20-min test night of the ``plmd`` profile holds series);
  a series stops on waking with probability 0.5 and in REM with probability
  ``1 - rem_continue_probability``;
* **isolated** movements at random times in bed (sleep and wake);
* **respiratory-related** movements whose onset lies -1..+6 s around the end of an apnoea or
  hypopnoea (inside the WASM window -2.0..+10.25 s around the end);
* **too short** (0.15-0.35 s, below the 0.5 s minimum) and **too long** (monolateral
  11-25 s, above 10 s; bilateral with both legs 16-25 s, above 15 s) movements;
* movements are monolateral or bilateral; bilateral components overlap, or follow each other
  after a gap of 0.2-0.35 s measured where the rule measures it, from the first one's 2-µV
  offset to the second one's 8-µV onset on the filtered EMG (WASM: one bilateral movement,
  gap < 0.5 s); isolated pairs may also be 0.65-0.8 s apart between the envelopes (two
  monolateral movements under WASM: the rule's crossings lie inside the envelopes, so its
  gap is longer still). ``movement_id`` is shared only by the components meant as one
  bilateral movement (overlap or gap < 0.5 s).

Durations of counted movements stay in 0.7-8 s and amplitudes in the given range (µV
rectified mean above rest); a movement is not placed where the same leg already holds a
burst within 1.5 s, so neighbouring movements never merge.

The hard cases of :mod:`somnomotor.simulate.hard_cases` widen this through the fields
below: burst shapes (modulation up to 55 %, rises to 0.4 s, decays to 0.8 s), *strong*
movements relative to the channel's rail (they clip; still leg movements), too-long
movements of 12-45 s, many twitches, onset lags of 0-0.9 s for overlapping pairs, far pairs
0.8-1.6 s apart; :class:`SubthresholdBursts` adds bursts below the 8-µV rule. Every draw
that the defaults do not need is skipped, so existing seeds give the same nights.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from somnomotor.hypnogram import SLEEP_STAGES, Hypnogram
from somnomotor.simulate.base import Envelopes, random_times_in
from somnomotor.simulate.emg import Burst, burst_shape, standard_filter_gain
from somnomotor.simulate.respiration import add_arousal
from somnomotor.simulate.truth import TruthBuilder

SIDES = ("left", "right")
ROLE_OF_SIDE = {"left": "leg_left", "right": "leg_right"}
_CLEAR_S = 1.5
#: Onset and offset levels of the AASM/WASM leg-movement rule, µV above resting EMG; used
#: only to place the second burst of a bilateral gap pair (see :func:`_rule_lags`).
_ONSET_UV = 8.0
_OFFSET_UV = 2.0


@dataclass(frozen=True)
class LegMovements:
    """Generator of tibialis leg movements (see module docstring).

    Parameters
    ----------
    series_gap_s : float
        Mean quiet time between periodic series, s (exponential); ``inf`` for none.
    first_series_after_s : float
        No series starts earlier than this long after lights off, s.
    series_length : tuple of int
        Range of movements per series (>= 4: the WASM/AASM minimum run).
    imi_s : tuple of float
        Range of the mean IMI of a series, s (onset to onset).
    imi_jitter : float
        Relative SD of single IMIs around the series mean.
    isolated_per_h : float
        Isolated movements per hour in bed (lights off to on), /h.
    bilateral_fraction : float
        Share of bilateral movements (0-1).
    amplitude_uV : tuple of float
        Range of burst amplitudes, µV rectified mean above rest.
    short_per_h, long_per_h : float
        Too-short and too-long movements per hour in bed, /h.
    respiratory_probability : float
        Chance that a respiratory event is followed by a movement.
    arousal_probability : float
        Chance that a movement in a series comes with an arousal (onset -1..+1.5 s).
    rem_continue_probability : float
        Chance that a series goes on when it reaches REM.
    """

    series_gap_s: float = 480.0
    first_series_after_s: float = 0.0
    series_length: tuple[int, int] = (8, 60)
    imi_s: tuple[float, float] = (15.0, 40.0)
    imi_jitter: float = 0.15
    isolated_per_h: float = 6.0
    bilateral_fraction: float = 0.4
    amplitude_uV: tuple[float, float] = (15.0, 60.0)
    #: Gap (s) of the bilateral pairs meant as one movement that do not overlap, measured
    #: where the WASM rule measures it: from the first burst's 2-µV offset to the second's
    #: 8-µV onset on the filtered EMG (see :func:`_rule_lags`). ``None``: such pairs always
    #: overlap (``near_threshold``: there the 8-µV crossing of a real detector wanders by
    #: up to ~0.5 s with the EMG's own noise, so a gap pair's pairing would be decided by
    #: noise, not by the signal).
    bilateral_gap_s: tuple[float, float] | None = (0.2, 0.35)
    #: Range (s) of counted movement durations. ``near_threshold`` raises the minimum: a
    #: short burst barely above 8 µV may stay above it for less than the 0.5-s minimum,
    #: which would make the truth ambiguous on two rules at once.
    duration_range_s: tuple[float, float] = (0.7, 8.0)
    short_per_h: float = 1.0
    long_per_h: float = 0.5
    respiratory_probability: float = 0.5
    arousal_probability: float = 0.25
    rem_continue_probability: float = 0.3
    #: Range of the plateau modulation depth (0-0.55; drawn per burst when it is a range).
    modulation: tuple[float, float] = (0.25, 0.25)
    #: Ranges of the raised-cosine rise (attack) and decay of counted movements, s.
    rise_s: tuple[float, float] = (0.05, 0.2)
    decay_s: tuple[float, float] = (0.1, 0.4)
    #: Range of too-short (twitch) durations, s (all below the 0.5-s minimum).
    short_duration_s: tuple[float, float] = (0.15, 0.35)
    #: Ranges of too-long durations, s: monolateral (> 10 s) and bilateral with both legs
    #: (> 15 s).
    long_duration_s: tuple[float, float] = (11.0, 25.0)
    long_bilateral_duration_s: tuple[float, float] = (16.0, 25.0)
    #: Onset lag (s) of the second leg of an overlapping bilateral pair; ``None``: a share
    #: 0-0.6 of the first part's duration.
    overlap_lag_s: tuple[float, float] | None = None
    #: Envelope gap (s) of the pairs that are two monolateral movements (>= 0.5 s under
    #: WASM; the rule's gap lies outside the envelope edges, so it is longer still), and the
    #: chance that an isolated (``far_pair_probability``) or periodic
    #: (``series_far_pair_probability``) bilateral movement is drawn as such a pair.
    far_pair_gap_s: tuple[float, float] = (0.65, 0.8)
    far_pair_probability: float = 0.15
    series_far_pair_probability: float = 0.0
    #: Physical maximum of the leg channels, µV (the amplifier's rail); ``None``: no
    #: strong movements are drawn relative to it.
    rail_uV: float | None = None
    #: Share of counted movement parts drawn as *strong*: amplitude a share
    #: ``strong_amplitude_of_rail`` of the rail (µV rectified mean), so the noise peaks
    #: (about 3-5x the rectified mean) reach the rail and the recorded signal clips.
    strong_fraction: float = 0.0
    strong_amplitude_of_rail: tuple[float, float] = (0.3, 0.7)

    # -- placing one movement -----------------------------------------------------------
    def _duration(self, rng: np.random.Generator) -> float:
        return float(np.clip(rng.lognormal(np.log(1.8), 0.5), *self.duration_range_s))

    def _place(self, rng: np.random.Generator, envelopes: Envelopes, truth: TruthBuilder,
               onset: float, duration: float, *, cause: str, bilateral: bool,
               far_pair: bool = False, **flags: object) -> list[int]:
        """Put a movement into one or both legs; returns the truth event ids (empty if busy)."""
        first = SIDES[int(rng.integers(2))]
        parts = [(first, onset, duration)]
        gap_pair = False
        if bilateral:
            other = "right" if first == "left" else "left"
            if far_pair:
                gap = float(rng.uniform(*self.far_pair_gap_s))
                parts.append((other, onset + duration + gap, self._duration(rng)))
            elif rng.random() < 0.75 or self.bilateral_gap_s is None:
                if self.overlap_lag_s is None:
                    lag = float(rng.uniform(0.0, 0.6)) * duration
                else:
                    # A short onset lag; the first part lasts >= 0.6 s beyond it, so the
                    # second leg's 8-µV onset comes before the first leg's 2-µV offset.
                    lag = float(rng.uniform(*self.overlap_lag_s))
                    duration = max(duration, lag + 0.6)
                    parts[0] = (first, onset, duration)
                second = max(self.duration_range_s[0], duration * float(rng.uniform(0.6, 1.2)))
                parts.append((other, onset + lag, second))
            else:
                gap_pair = True
                gap = float(rng.uniform(*self.bilateral_gap_s))
                parts.append((other, onset + duration + gap,
                              min(duration, 13.5 - duration - gap) if duration < 10 else duration))
        for side, on, dur in parts:
            env = envelopes[ROLE_OF_SIDE[side]]
            if on < 0 or on + dur > env.duration_s or env.busy(on, on + dur, margin_s=_CLEAR_S):
                return []
        # Burst parameters, drawn in the same order as the bursts are added.
        shapes = []
        for side, on, dur in parts:
            amp = float(rng.uniform(*self.amplitude_uV))
            strong = False
            # Extra draws only when asked for, so the nights of existing seeds stay the same.
            if self.strong_fraction > 0 and self.rail_uV is not None and dur >= 0.5:
                strong = bool(rng.random() < self.strong_fraction)
                if strong:
                    amp = float(self.rail_uV * rng.uniform(*self.strong_amplitude_of_rail))
            burst = Burst(on, dur, amp, rise_s=float(rng.uniform(*self.rise_s)),
                          decay_s=float(rng.uniform(*self.decay_s)),
                          seed=int(rng.integers(2**31)))
            if self.modulation[1] > self.modulation[0]:
                burst = dataclasses.replace(burst, modulation=float(rng.uniform(*self.modulation)))
            else:
                burst = dataclasses.replace(burst, modulation=self.modulation[0])
            shapes.append((burst, strong))
        strong_parts = [st for _, st in shapes]
        shapes = [b for b, _ in shapes]
        if gap_pair:
            # The drawn gap is the gap the WASM bilateral rule sees: from the first burst's
            # offset (start of <= 2 µV) to the second's onset (8 µV), both on the EMG after
            # the standard filter. Between the envelope edges the gap is shorter by the part
            # of the first burst's decay below 2 µV and the part of the second's rise below
            # 8 µV (up to ~0.3 s; for near-threshold bursts more). Measuring it between the
            # envelope edges, as before, let the rule's gap reach beyond 0.5 s: the truth then
            # called two movements one (drift seed 1 at 8 h: 0.35 s between the edges, 0.51 s
            # between the crossings).
            env = envelopes[ROLE_OF_SIDE[parts[1][0]]]
            shift = _rule_lags(shapes[0], shapes[1], env.fs_hz)
            side, on, dur = parts[1]
            parts[1] = (side, on - shift, dur)
            shapes[1] = dataclasses.replace(shapes[1], onset_s=on - shift)
        movement = truth.new_movement_id()
        ids = []
        for k, ((side, on, dur), b, strong) in enumerate(
                zip(parts, shapes, strong_parts, strict=True)):
            env = envelopes[ROLE_OF_SIDE[side]]
            amp = b.amplitude_uV
            env.add_burst(on, dur, amp, rise_s=b.rise_s, decay_s=b.decay_s,
                          modulation=b.modulation, seed=b.seed)
            mid = movement if (k == 0 or not far_pair) else truth.new_movement_id()
            rule_on, rule_off = _rule_times(b, env.fs_hz)
            extra = dict(flags)
            if far_pair:
                extra["far_pair"] = True
            if strong:
                extra["strong"] = True
            extra.update(modulation=round(b.modulation, 4), rise_s=round(b.rise_s, 4),
                         decay_s=round(b.decay_s, 4))
            ev = truth.add_event("leg_movement", on, dur, channel=env.label, side=side,
                                 amplitude_uV=amp, cause=cause, movement_id=mid,
                                 too_short=dur < 0.5, too_long=dur > 10.0,
                                 rule_onset_s=rule_on, rule_offset_s=rule_off,
                                 **_lm_status(dur), **extra)
            ids.append(ev.event_id)
        return ids

    # -- the generator --------------------------------------------------------------------
    def __call__(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                 truth: TruthBuilder) -> None:
        start = hypnogram.analysis_start_s or 0.0
        end = hypnogram.analysis_end_s or hypnogram.end_s
        in_bed_h = (end - start) / 3600.0
        # Respiratory-related movements first: they are tied to event ends.
        for ev in truth.events_of(("apnea", "hypopnea")):
            if rng.random() < self.respiratory_probability:
                self._place(rng, envelopes, truth, ev.offset_s + float(rng.uniform(-1.0, 6.0)),
                            float(rng.uniform(0.8, 4.0)), cause="respiratory",
                            bilateral=rng.random() < 0.5, linked_to=ev.event_id)
        self._series(rng, hypnogram, envelopes, truth, start, end)
        for t in random_times_in(rng, hypnogram, int(rng.poisson(self.isolated_per_h * in_bed_h)),
                                 ("W", *SLEEP_STAGES)):
            self._place(rng, envelopes, truth, float(t), self._duration(rng), cause="isolated",
                        bilateral=rng.random() < self.bilateral_fraction,
                        far_pair=rng.random() < self.far_pair_probability)
        for t in random_times_in(rng, hypnogram, int(rng.poisson(self.short_per_h * in_bed_h)),
                                 ("W", *SLEEP_STAGES)):
            self._place(rng, envelopes, truth, float(t), float(rng.uniform(*self.short_duration_s)),
                        cause="short", bilateral=False)
        for t in random_times_in(rng, hypnogram, int(rng.poisson(self.long_per_h * in_bed_h)),
                                 ("W", *SLEEP_STAGES)):
            bilateral = rng.random() < 0.4
            dur = float(rng.uniform(*self.long_bilateral_duration_s) if bilateral
                        else rng.uniform(*self.long_duration_s))
            self._place_long(rng, envelopes, truth, float(t), dur, bilateral)

    def _place_long(self, rng: np.random.Generator, envelopes: Envelopes, truth: TruthBuilder,
                    onset: float, dur: float, bilateral: bool) -> None:
        sides = list(SIDES) if bilateral else [SIDES[int(rng.integers(2))]]
        for side in sides:
            env = envelopes[ROLE_OF_SIDE[side]]
            if onset + dur > env.duration_s or env.busy(onset, onset + dur + 0.5,
                                                        margin_s=_CLEAR_S):
                return
        movement = truth.new_movement_id()
        for k, side in enumerate(sides):
            env = envelopes[ROLE_OF_SIDE[side]]
            on = onset + 0.3 * k
            d = dur if k == 0 else dur + 0.2
            amp = float(rng.uniform(*self.amplitude_uV))
            b = env.add_burst(on, d, amp, rise_s=0.3, decay_s=0.5, seed=int(rng.integers(2**31)))
            rule_on, rule_off = _rule_times(b, env.fs_hz)
            truth.add_event("leg_movement", on, d, channel=env.label, side=side,
                            amplitude_uV=amp, cause="long", movement_id=movement,
                            too_short=False, too_long=d > 10.0, rule_onset_s=rule_on,
                            rule_offset_s=rule_off, **_lm_status(d))

    def _series(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                truth: TruthBuilder, start: float, end: float) -> None:
        if not np.isfinite(self.series_gap_s):
            return
        t = start + self.first_series_after_s + float(rng.exponential(self.series_gap_s / 4))
        series_id = 0
        while t < end:
            stage = hypnogram.stage_at(t)[0]
            if stage not in ("N1", "N2", "N3"):
                t += 30.0  # a series begins in NREM sleep; look again one epoch later
                continue
            n = int(rng.integers(self.series_length[0], self.series_length[1] + 1))
            mean_imi = float(rng.uniform(*self.imi_s))
            bilateral_share = float(np.clip(rng.normal(self.bilateral_fraction, 0.15), 0, 1))
            placed = 0
            for _ in range(n):
                if t >= end - 10.0:
                    break
                stage = hypnogram.stage_at(t)[0]
                if stage == "W" and rng.random() < 0.5:
                    break
                if stage == "R" and rng.random() > self.rem_continue_probability:
                    break
                duration = self._duration(rng)
                bilateral = rng.random() < bilateral_share
                far = bool(bilateral and self.series_far_pair_probability > 0
                           and rng.random() < self.series_far_pair_probability)
                ids = self._place(rng, envelopes, truth, t, duration,
                                  cause="periodic", bilateral=bilateral, far_pair=far,
                                  series_id=series_id)
                if ids:
                    placed += 1
                    if rng.random() < self.arousal_probability:
                        aid = add_arousal(rng, hypnogram, envelopes, truth,
                                          t + float(rng.uniform(-1.0, 1.5)),
                                          float(rng.uniform(3.5, 10.0)), cause="leg_movement",
                                          linked_to=ids[0])
                        if aid is not None:
                            for i in ids:
                                truth.update_flags(i, arousal_id=aid)
                imi = mean_imi * (1.0 + self.imi_jitter * float(rng.standard_normal()))
                t += float(np.clip(imi, 12.0, 80.0))
            series_id += 1
            t += float(rng.exponential(self.series_gap_s))


def _lm_status(duration_s: float) -> dict[str, object]:
    """Whether a monolateral burst of this length is a leg movement, and why not.

    WASM 2016 (Ferri et al., Sleep Med 2016;26:86, doi:10.1016/j.sleep.2016.10.010): an LM
    lasts >= 0.5 s and has no maximum (longer than 10 s it is an LM but no *candidate* LM
    for PLM); AASM (Berry et al., AASM Manual v2.6): an LM lasts 0.5-10 s. The simulator's
    durations stay away from both edges (<= 0.4 s, >= 0.7 s; <= 8 s, >= 11 s).
    """
    too_short, too_long = duration_s < 0.5, duration_s > 10.0
    reason = ("shorter than 0.5 s" if too_short
              else "longer than 10 s: a WASM LM but no candidate LM, no AASM LM" if too_long
              else "")
    return {"lm_wasm": not too_short, "lm_aasm": not (too_short or too_long),
            "candidate_lm": not (too_short or too_long), "lm_note": reason}


@dataclass(frozen=True)
class SubthresholdBursts:
    """Tibialis bursts that stay below the 8-µV onset rule: never a leg movement.

    Each burst lifts one leg's rectified mean by ``mean_excess_uV`` (mean of the envelope
    above rest over the plateau, modulation included; µV rectified mean) for
    ``duration_s``; the modulated envelope's peak stays at most ``peak_max_uV`` above rest
    (below the 8 µV of the AASM/WASM onset rule even before the standard filter's loss).
    A real detector that thresholds an estimate of the rectified mean too close to rest, or
    a noisy short-window estimate, scores them; the truth lists them as
    ``subthreshold_burst``, never as ``leg_movement``.

    Parameters
    ----------
    per_h : float
        Bursts per hour in bed, /h.
    mean_excess_uV : tuple of float
        Range of the plateau's mean excess over rest, µV rectified mean.
    peak_max_uV : float
        Largest peak of the modulated envelope above rest, µV.
    modulation : tuple of float
        Range of the plateau modulation depth.
    duration_s : tuple of float
        Range of durations, s (long enough to be a movement if they crossed 8 µV).
    """

    per_h: float = 20.0
    mean_excess_uV: tuple[float, float] = (3.2, 4.3)
    peak_max_uV: float = 6.5
    modulation: tuple[float, float] = (0.15, 0.3)
    duration_s: tuple[float, float] = (2.0, 6.0)

    def __call__(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                 truth: TruthBuilder) -> None:
        start = hypnogram.analysis_start_s or 0.0
        end = hypnogram.analysis_end_s or hypnogram.end_s
        n = int(rng.poisson(self.per_h * (end - start) / 3600.0))
        for t in random_times_in(rng, hypnogram, n, ("W", *SLEEP_STAGES)):
            side = SIDES[int(rng.integers(2))]
            env = envelopes[ROLE_OF_SIDE[side]]
            dur = float(rng.uniform(*self.duration_s))
            target = float(rng.uniform(*self.mean_excess_uV))
            unit = Burst(float(t), dur, 1.0, rise_s=float(rng.uniform(0.1, 0.3)),
                         decay_s=float(rng.uniform(0.1, 0.3)),
                         modulation=float(rng.uniform(*self.modulation)),
                         seed=int(rng.integers(2**31)))
            # 3 s of quiet on both sides so the rest around each burst can be measured.
            if t + dur > env.duration_s - 3.0 or env.busy(t, t + dur, margin_s=3.0):
                continue
            shape = burst_shape(unit, np.arange(int(dur * env.fs_hz)) / env.fs_hz)
            core = _plateau(unit, shape, env.fs_hz)
            amp = target / float(core.mean())
            peak = amp * float(shape.max())
            if peak > self.peak_max_uV:
                amp *= self.peak_max_uV / peak
            b = env.add_burst(unit.onset_s, dur, amp, rise_s=unit.rise_s, decay_s=unit.decay_s,
                              modulation=unit.modulation, seed=unit.seed)
            truth.add_event("subthreshold_burst", b.onset_s, dur, channel=env.label, side=side,
                            amplitude_uV=amp, mean_excess_uV=round(amp * float(core.mean()), 4),
                            peak_uV=round(amp * float(shape.max()), 4),
                            modulation=round(b.modulation, 4), lm_wasm=False, lm_aasm=False,
                            lm_note="never reaches 8 µV above rest")


def _plateau(b: Burst, shape: np.ndarray, fs_hz: float) -> np.ndarray:
    """The part of a burst's shape between the end of its rise and the start of its decay."""
    rise = min(b.rise_s, 0.4 * b.duration_s)
    decay = min(b.decay_s, 0.4 * b.duration_s)
    return shape[int(np.ceil(rise * fs_hz)):max(int(np.ceil(rise * fs_hz)) + 1,
                                                int((b.duration_s - decay) * fs_hz))]


def _rule_times(b: Burst, fs_hz: float) -> tuple[float | None, float | None]:
    """Onset and offset of a burst under the AASM/WASM rule on its noise-free envelope, s.

    The envelope is taken as the rule sees it, after the standard EMG filter
    (:func:`~somnomotor.simulate.emg.standard_filter_gain`), sampled at ``fs_hz`` Hz: the
    onset is the first sample 8 µV above rest, the offset the end of the last sample more
    than 2 µV above rest (the burst is followed by rest, so the >= 0.5-s quiet run starts
    there; Ferri et al., Sleep Med 2016;26:86, doi:10.1016/j.sleep.2016.10.010). ``None``
    when the burst never reaches the level.
    """
    gain = standard_filter_gain(fs_hz)
    t = np.arange(int(b.duration_s * fs_hz)) / fs_hz
    y = gain * burst_shape(b, t)
    reach = np.flatnonzero(y >= _ONSET_UV)
    above = np.flatnonzero(y > _OFFSET_UV)
    onset = float(b.onset_s + t[reach[0]]) if reach.size else None
    offset = float(b.onset_s + t[above[-1]] + 1.0 / fs_hz) if above.size else None
    return onset, offset


def _rule_lags(first: Burst, second: Burst, fs_hz: float) -> float:
    """How much of a gap pair's rule gap lies inside the two bursts' envelopes, s: from the
    first burst's rule offset to its envelope end plus from the second burst's envelope start
    to its rule onset (see :func:`_rule_times`)."""
    lag = 0.0
    offset = _rule_times(first, fs_hz)[1]
    if offset is not None:
        lag += first.onset_s + first.duration_s - offset
    onset = _rule_times(second, fs_hz)[0]
    if onset is not None:
        lag += onset - second.onset_s
    return max(lag, 0.0)


__all__ = ["LegMovements", "SubthresholdBursts"]
