"""Rail runs and the sustained-level kernel against their plain numpy definitions."""

from __future__ import annotations

import numpy as np
import pytest

from somnomotor.signal.envelope import segment_max_window_mean_above
from somnomotor.signal.saturation import rail_levels_uV, rail_runs


def test_segment_max_window_mean_above_equals_sliding_means() -> None:
    rng = np.random.default_rng(0)
    x = rng.gamma(2.0, 3.0, 5000).astype(np.float32)
    step = 10
    ref = rng.uniform(0.5, 2.0, -(-x.size // step)).astype(np.float32)
    starts = np.array([0, 100, 2000, 4990])
    ends = np.array([60, 900, 2030, 5000])
    got = segment_max_window_mean_above(x, ref, starts, ends, window=51, step=step)
    above = x.astype(np.float64) - np.repeat(ref, step)[:x.size]
    for k, (a, b) in enumerate(zip(starts, ends)):
        w = min(51, b - a)
        expected = np.convolve(above[a:b], np.ones(w) / w, mode="valid").max()
        assert got[k] == pytest.approx(expected, rel=1e-6)  # float32 differences


def test_rail_runs_are_the_runs_of_samples_at_either_rail() -> None:
    rng = np.random.default_rng(1)
    x = np.clip(rng.standard_normal(20000) * 60, -100, 100).astype(np.float32)
    x[5000:5300] = 99.5  # within 1 % of the 200-µV range from the upper rail
    q = 5
    max_abs = np.abs(np.pad(x, (0, -x.size % q))).reshape(-1, q).max(axis=1)
    starts, ends = rail_runs(x, max_abs, q, (-100.0, 100.0))
    side = np.where(x >= 98.0, 1, np.where(x <= -98.0, -1, 0))
    # plain definition: maximal runs of equal non-zero side
    expected = []
    i = 0
    while i < x.size:
        if side[i] == 0:
            i += 1
            continue
        j = i
        while j < x.size and side[j] == side[i]:
            j += 1
        expected.append((i, j))
        i = j
    assert list(zip(starts.tolist(), ends.tolist())) == expected
    assert (5000, 5300) in expected


def test_rail_is_the_physical_range_or_a_repeated_largest_value() -> None:
    m = np.array([1, 9, 3, 9, 9, 2], dtype=np.float32)
    assert rail_levels_uV(m, (-50.0, 80.0)) == (-50.0, 80.0)
    assert rail_levels_uV(m, None) == (-9.0, 9.0)
    assert rail_levels_uV(np.array([1, 5, 3, 9, 2], dtype=np.float32), None) is None
