"""Respiratory events and arousals (annotations: no airflow channel is simulated).

Respiratory events are obstructive apnoeas and hypopnoeas of 12-38 s (the AASM minimum is
10 s; the margin keeps the truth clear of it), placed in sleep, >= 15 s apart. Most end
with an arousal starting -1..+2 s around the event end, as scored arousals do.
Spontaneous arousals last 3.5-15 s (>= 3 s by the ASDA 1992 / AASM rule) and follow >= 10 s
of sleep. An arousal in REM also lifts the chin EMG for 1.5-3 s (AASM: a chin EMG
increase >= 1 s), recorded as a ``chin_phasic`` event with cause ``arousal``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from somnomotor.hypnogram import SLEEP_STAGES, Hypnogram
from somnomotor.simulate.base import Envelopes, in_stage, random_times_in
from somnomotor.simulate.truth import TruthBuilder


def add_arousal(rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                truth: TruthBuilder, onset_s: float, duration_s: float, *, cause: str,
                linked_to: int | None = None) -> int | None:
    """Record an arousal unless it would overlap another or lacks 10 s of sleep before it.

    Returns the arousal's event id, or ``None`` when it was not placed.
    """
    end = onset_s + duration_s
    for a in truth.events_of("arousal"):
        if a.onset_s < end + 10.0 and a.offset_s + 10.0 > onset_s:
            return None
    if not all(in_stage(hypnogram, t, SLEEP_STAGES) for t in (onset_s - 10.0, onset_s - 0.1)):
        return None
    flags: dict[str, Any] = {"cause": cause}
    if linked_to is not None:
        flags["linked_to"] = linked_to
    ev = truth.add_event("arousal", onset_s, duration_s, **flags)
    chin = envelopes.get("chin")
    if chin is not None and in_stage(hypnogram, onset_s, ("R",)):
        bg = float(chin.rest_at(onset_s)[0])
        dur = float(rng.uniform(1.5, 3.0))
        amp = bg * float(rng.uniform(5.0, 10.0))
        chin.add_burst(onset_s + 0.2, dur, amp, rise_s=0.1, decay_s=0.3,
                       seed=int(rng.integers(2**31)))
        truth.add_event("chin_phasic", onset_s + 0.2, dur, channel=chin.label,
                        amplitude_uV=amp, cause="arousal", linked_to=ev.event_id,
                        ratio_to_background=round((amp + bg) / bg, 3))
    return ev.event_id


@dataclass(frozen=True)
class RespiratoryEvents:
    """Apnoeas, hypopnoeas and arousals.

    Parameters
    ----------
    events_per_h : float
        Respiratory events per hour of sleep (an AHI-like rate, /h).
    apnea_fraction : float
        Share of apnoeas among them (0-1); the rest are hypopnoeas.
    duration_s : tuple of float
        Range of event durations in s (AASM minimum 10 s).
    arousal_probability : float
        Chance that an event ends with an arousal.
    spontaneous_arousals_per_h : float
        Further arousals per hour of sleep.
    """

    events_per_h: float = 2.0
    apnea_fraction: float = 0.3
    duration_s: tuple[float, float] = (12.0, 38.0)
    arousal_probability: float = 0.6
    spontaneous_arousals_per_h: float = 6.0

    def __call__(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                 truth: TruthBuilder) -> None:
        tst_h = hypnogram.total_sleep_time_s / 3600.0
        starts = random_times_in(rng, hypnogram, int(rng.poisson(self.events_per_h * tst_h)))
        last_end = -np.inf
        for t in starts:
            dur = float(rng.uniform(*self.duration_s))
            if t < last_end + 15.0 or not in_stage(hypnogram, t + dur, SLEEP_STAGES):
                continue
            kind = "apnea" if rng.random() < self.apnea_fraction else "hypopnea"
            ev = truth.add_event(kind, float(t), dur,
                                 label="Obstructive apnea" if kind == "apnea" else "Hypopnea")
            last_end = t + dur
            if rng.random() < self.arousal_probability:
                add_arousal(rng, hypnogram, envelopes, truth, last_end + float(rng.uniform(-1, 2)),
                            float(rng.uniform(3.5, 12.0)), cause="respiratory",
                            linked_to=ev.event_id)
        n_sp = int(rng.poisson(self.spontaneous_arousals_per_h * tst_h))
        for t in random_times_in(rng, hypnogram, n_sp):
            add_arousal(rng, hypnogram, envelopes, truth, float(t), float(rng.uniform(3.5, 15.0)),
                        cause="spontaneous")


__all__ = ["RespiratoryEvents", "add_arousal"]
