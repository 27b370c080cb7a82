"""The contract of an event generator, and small helpers the generators share.

A generator is any callable ``gen(rng, hypnogram, envelopes, truth) -> None``:

* ``rng`` - the night's :class:`numpy.random.Generator` (never the global RNG);
* ``hypnogram`` - the simulated :class:`~somnomotor.hypnogram.Hypnogram`;
* ``envelopes`` - ``{role: Envelope}`` of the EMG channels of the night (see
  :mod:`somnomotor.simulate.emg`); a generator adds bursts or changes resting levels;
* ``truth`` - the :class:`~somnomotor.simulate.truth.TruthBuilder`; a generator records
  every event it puts into a signal, and may read what earlier generators recorded.

Generators run in the order the profile lists them. Frozen dataclasses with a
``__call__`` are used so that their parameters land in the truth's ``parameters``; a plain
function works as well. A new event family (fragmentary myoclonus, sleep starts, rhythmic
leg activity, bruxism ...) is one new generator plus a line in a profile; a generator that
needs a channel the profile lacks (e.g. ``masseter``) names it in the profile's channels.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Protocol

import numpy as np

from somnomotor.hypnogram import SLEEP_STAGES, Hypnogram
from somnomotor.simulate.emg import Envelope
from somnomotor.simulate.truth import TruthBuilder

Envelopes = MutableMapping[str, Envelope]


class EventGenerator(Protocol):
    """``gen(rng, hypnogram, envelopes, truth) -> None`` (see module docstring)."""

    def __call__(self, rng: np.random.Generator, hypnogram: Hypnogram, envelopes: Envelopes,
                 truth: TruthBuilder) -> None: ...


def epochs_in(hypnogram: Hypnogram, stages: tuple[str, ...] | str) -> np.ndarray:
    """Indices of epochs (inside lights off..on) whose stage is one of ``stages``."""
    wanted = (stages,) if isinstance(stages, str) else stages
    eff = hypnogram.effective_stages
    return np.flatnonzero(np.isin(eff, wanted))


def random_times_in(rng: np.random.Generator, hypnogram: Hypnogram, n: int,
                    stages: tuple[str, ...] = SLEEP_STAGES, *, margin_s: float = 0.0) -> np.ndarray:
    """``n`` sorted random times in s, uniform over the epochs of the given stages."""
    ep = epochs_in(hypnogram, stages)
    if n <= 0 or ep.size == 0:
        return np.empty(0)
    chosen = rng.choice(ep, size=n, replace=True)
    width = hypnogram.epoch_s - 2 * margin_s
    return np.sort(hypnogram.onset_s + chosen * hypnogram.epoch_s + margin_s
                   + rng.uniform(0, width, n))


def in_stage(hypnogram: Hypnogram, t_s: float, stages: tuple[str, ...]) -> bool:
    """Whether time ``t_s`` falls into an epoch of the given stages (analysis period only)."""
    return bool(hypnogram.stage_at(t_s)[0] in stages)


__all__ = ["Envelopes", "EventGenerator", "epochs_in", "in_stage", "random_times_in"]
