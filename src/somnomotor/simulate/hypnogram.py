"""A plausible adult hypnogram drawn at random: lights off, sleep latency, NREM-REM cycles.

Architecture of a full night (>= 3 h in bed), drawn per seed:

* lights off 2-6 min after the recording starts, lights on 2-5 min before it ends;
* sleep latency 10-20 min of wake (then 1-3 epochs of N1);
* NREM-REM cycles of about 90 min (80-110 min; 4-5 in an 8-h night); N3 takes most of the
  NREM of the first cycles and fades in later ones; REM grows from 5-10 min in the first
  cycle to 20-40 min in the last (Carskadon & Dement, Normal human sleep, in Principles
  and Practice of Sleep Medicine; AASM stage labels, Berry et al. 2020 v2.6);
* brief awakenings (1-3 epochs, often at cycle ends) and one or two longer ones, a final
  awakening before lights on; sleep efficiency ends near 85-90 %.

Nights shorter than 3 h are *compressed* for tests: one or two short cycles with every
stage present and a latency of a few minutes. They are not realistic architecture.
"""

from __future__ import annotations

import numpy as np

from somnomotor._errors import ParameterError
from somnomotor.hypnogram import Hypnogram

EPOCH_S = 30.0


def _cycle(rng: np.random.Generator, n_epochs: int, k: int, n_cycles: int,
           compressed: bool) -> list[str]:
    """Stages of one NREM-REM cycle of ``n_epochs`` epochs (``k`` counts from 0)."""
    late = k / (n_cycles - 1) if n_cycles > 1 else 0.5
    if compressed:
        rem_frac, n3_frac = 0.3, 0.25
    else:
        rem_frac = float(np.clip(0.08 + 0.25 * late + rng.normal(0, 0.03), 0.05, 0.4))
        n3_frac = float(np.clip(0.45 * (1.0 - 1.4 * late) + rng.normal(0, 0.04), 0.0, 0.5))
    n_rem = max(1, int(round(rem_frac * n_epochs)))
    n_n3 = int(round(n3_frac * n_epochs))
    n_n1 = int(rng.integers(1, 4)) if k > 0 and not compressed else 0
    n_n2 = max(2, n_epochs - n_rem - n_n3 - n_n1)
    first_n2 = max(1, int(round(n_n2 * (0.55 if n_n3 else 0.7))))
    stages = ["N1"] * n_n1 + ["N2"] * first_n2 + ["N3"] * n_n3 + ["N2"] * (n_n2 - first_n2)
    stages += ["R"] * n_rem
    return stages[:n_epochs] if len(stages) > n_epochs else stages


def simulate_stages(rng: np.random.Generator, duration_s: float) -> Hypnogram:
    """Draw a hypnogram for a recording of ``duration_s`` s.

    Parameters
    ----------
    rng : numpy.random.Generator
    duration_s : float
        Recording length in s (>= 5 min).

    Returns
    -------
    Hypnogram
        30-s epochs from the recording start, source ``"simulated"``, analysis period from
        lights off to lights on.
    """
    if duration_s < 300:
        raise ParameterError(f"a simulated night must last >= 300 s, received {duration_s!r} s")
    n_total = int(duration_s // EPOCH_S)
    compressed = duration_s < 3 * 3600
    if compressed:
        lights_off = float(rng.uniform(5, 20))
        lights_on = duration_s - float(rng.uniform(5, 20))
        latency_ep = int(rng.integers(2, 5))
        final_wake_ep = 1
    else:
        lights_off = float(rng.uniform(120, 360))
        lights_on = duration_s - float(rng.uniform(120, 300))
        latency_ep = int(round(rng.uniform(10, 20) * 60 / EPOCH_S))
        final_wake_ep = int(rng.integers(2, 12))
    first = int(np.ceil(lights_off / EPOCH_S))          # first epoch after lights off
    last = int(np.floor(lights_on / EPOCH_S))            # epochs [first, last) in bed
    stages = ["W"] * n_total
    sleep_start = first + latency_ep
    sleep_end = max(sleep_start + 4, last - final_wake_ep)
    n_sleep = sleep_end - sleep_start
    if compressed:
        n_cycles = 1 if n_sleep < 60 else 2
    else:
        n_cycles = max(1, int(round(n_sleep * EPOCH_S / 60 / rng.uniform(88, 100))))
    # Cycle lengths vary by about +-10 %; they add up to the sleep period.
    weights = rng.uniform(0.9, 1.1, n_cycles)
    lengths = np.floor(weights / weights.sum() * n_sleep).astype(int)
    lengths[-1] += n_sleep - lengths.sum()
    seq = ["N1"] * min(int(rng.integers(1, 4)), 2 if compressed else 3)
    for k, n_ep in enumerate(lengths):
        seq += _cycle(rng, int(n_ep), k, n_cycles, compressed)
    seq = seq[:n_sleep]
    stages[sleep_start:sleep_start + len(seq)] = seq
    # Brief awakenings (1-3 epochs, followed by one epoch of N1); longer ones in full nights.
    rate_per_h = 2.2 if not compressed else 1.0
    n_brief = rng.poisson(rate_per_h * n_sleep * EPOCH_S / 3600)
    for _ in range(n_brief):
        at = int(rng.integers(sleep_start + 10, max(sleep_start + 11, sleep_end - 3)))
        length = int(rng.integers(1, 4))
        for i in range(at, min(at + length, sleep_end)):
            stages[i] = "W"
        for i in range(at + length, min(at + length + int(rng.integers(1, 3)), sleep_end)):
            stages[i] = "N1"
    if not compressed:
        for _ in range(int(rng.integers(2, 4))):
            at = int(rng.integers(sleep_start + n_sleep // 3, sleep_end - 20))
            length = int(rng.integers(6, 24))
            for i in range(at, min(at + length, sleep_end)):
                stages[i] = "W"
            stages[min(at + length, sleep_end - 1)] = "N1"
    return Hypnogram(stages=tuple(stages), epoch_s=EPOCH_S, onset_s=0.0,
                     analysis_start_s=lights_off, analysis_end_s=lights_on, source="simulated")


__all__ = ["EPOCH_S", "simulate_stages"]
