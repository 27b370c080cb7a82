"""Resting baseline at a step of the resting level, and the pop criterion on short bursts."""

from __future__ import annotations

import numpy as np

from somnomotor.signal.baseline import resting_baseline
from somnomotor.signal.quality import pop_is_step, pop_mask

FS_ENV = 100.0


def test_baseline_follows_a_step_of_the_resting_level_at_the_step() -> None:
    # rest 2 µV for 120 s, then 5 µV (a 3-µV step, more than the 2-µV offset margin)
    env = np.concatenate([np.full(12000, 2.0), np.full(12000, 5.0)]).astype(np.float32)
    base = resting_baseline(env, FS_ENV)
    assert np.allclose(base[11000:11900], 2.0)  # within 1 s before the step: old level
    assert np.allclose(base[12100:13000], 5.0)  # within 1 s after the step: new level


def test_baseline_ignores_a_movement_between_rest() -> None:
    env = np.full(12000, 2.0, dtype=np.float32)
    env[6000:6800] = 30.0  # an 8-s movement
    base = resting_baseline(env, FS_ENV)
    assert np.allclose(base[6000:6800], 2.0)


def test_isolated_jump_is_a_pop_but_a_short_noisy_burst_is_not() -> None:
    n = 1000
    env = np.full(n, 2.0, dtype=np.float32)
    jump = np.full(n, 3.0, dtype=np.float32)
    jump[300] = 200.0  # one step, nothing like it around: pop
    jump[700] = 146.0  # largest jump of a 0.3-s burst ...
    jump[690:720:2] = 80.0  # ... among many of similar size
    jump[700] = 146.0
    mask = pop_mask(jump, env, FS_ENV, pop_jump_uV=50.0, pop_ratio=15.0)
    assert mask[300]
    assert not mask[700]


def test_a_pop_is_a_jump_the_signal_stays_displaced_by() -> None:
    # Rectangular pulses of 300 µV at rest: over the 40 ms after the jump a 15-ms pulse holds
    # 15/40 = 0.375 of the jump (an EMG spike returns: not a pop), a 25-ms pulse 25/40 =
    # 0.625 (>= 0.5: a step, a pop). 1000 Hz, blocks of 10 samples.
    fs = 1000.0
    x = np.zeros(4000, dtype=np.float32)
    x[1000:1015] = 300.0
    x[3000:3025] = -300.0
    blocks = np.array([99, 299])  # the blocks of samples 990-999 / 2990-2999 hold no jump ...

    def read(a: int, b: int) -> np.ndarray:
        return x[max(0, a):max(0, b)]

    assert list(pop_is_step(read, blocks, 10, fs, n_samples=x.size)) == [False, False]
    blocks = np.array([100, 300])  # ... these hold the jumps
    assert list(pop_is_step(read, blocks, 10, fs, n_samples=x.size)) == [False, True]
