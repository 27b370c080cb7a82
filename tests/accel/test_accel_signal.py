"""Calibration against gravity, non-wear and rest period on hand-built acceleration."""

from __future__ import annotations

import numpy as np

from somnomotor.signal.accel import autocalibrate, detect_nonwear, detect_rest_period


def _still_sphere(offset, scale, fs=25.0, n_orient=40, seconds=30, seed=0):
    """Still periods in many orientations, stored as raw = true / scale - offset."""
    rng = np.random.default_rng(seed)
    chunks = []
    for _ in range(n_orient):
        v = rng.normal(size=3)
        v /= np.linalg.norm(v)
        true = np.tile(v, (int(seconds * fs), 1)) + rng.normal(0, 0.003, (int(seconds * fs), 3))
        chunks.append(true / np.asarray(scale) - np.asarray(offset))
    return np.vstack(chunks).astype(np.float32)


def test_autocalibration_recovers_a_known_offset_and_scale() -> None:
    offset, scale = (0.03, -0.02, 0.015), (1.02, 0.98, 1.01)
    raw = _still_sphere(offset, scale)
    cal = autocalibrate(raw, 25.0)
    assert cal.applied
    np.testing.assert_allclose(cal.offset_g, offset, atol=0.002)
    np.testing.assert_allclose(cal.scale, scale, atol=0.002)
    assert cal.error_before_mg > 10 and cal.error_after_mg < 3
    # calibrated still periods lie on the unit sphere (the definition of the method)
    norm = np.linalg.norm(cal.apply(raw), axis=1)
    assert abs(float(np.median(norm)) - 1.0) < 0.002


def test_autocalibration_refuses_when_the_sphere_is_not_covered() -> None:
    raw = np.tile(np.array([0.0, 0.0, 1.02], dtype=np.float32), (25 * 600, 1))
    cal = autocalibrate(raw, 25.0)
    assert not cal.applied and "sphere" in cal.reason
    np.testing.assert_array_equal(cal.apply(raw), raw)


def _noise(n, sd, seed):
    return np.random.default_rng(seed).normal(0, sd, (n, 3))


def test_nonwear_hour_on_a_table_is_found_and_an_hour_of_quiet_sleep_with_a_few_movements_is_not() -> None:
    fs = 10.0
    hour = int(3600 * fs)
    table = np.array([0.0, 0.0, 1.0]) + _noise(hour + hour // 2, 0.004, 1)  # 90 min still
    sleep = np.array([0.1, -0.99, 0.1]) + _noise(2 * hour, 0.004, 2)
    # one 5-deg foot tilt of 2 s every 20 min about an axis that is not a sensor axis (so two
    # axes change by ~60 mg): SD stays < 13 mg, the range does not
    for start in range(0, 2 * hour, int(1200 * fs)):
        sleep[start:start + int(2 * fs), 0] += 0.7 * np.sin(np.radians(5))
        sleep[start:start + int(2 * fs), 2] += 0.7 * np.sin(np.radians(5))
    xyz = np.vstack([table, sleep]).astype(np.float32)
    sd_quiet = sleep[:hour].std(axis=0)
    assert (sd_quiet < 0.013).sum() >= 2  # the SD criterion alone would call this non-wear
    found = detect_nonwear(xyz, fs)
    assert found and found[0][0] == 0.0
    assert 3600.0 <= found[-1][1] <= 5400.0
    assert all(b <= 5400.0 for _, b in found)


def test_nonwear_limits_sd_13_mg() -> None:
    fs = 10.0
    n = int(3600 * fs)
    rng = np.random.default_rng(3)
    # uniform noise of half-width w has SD w / sqrt(3) and range 2 w
    for sd, expect in ((0.012, True), (0.014, False)):
        w = sd * np.sqrt(3)
        xyz = np.array([0, 0, 1.0]) + rng.uniform(-w, w, (n, 3))
        # the range criterion (< 50 mg) holds for both, so SD decides
        assert (xyz.max(axis=0) - xyz.min(axis=0) < 0.05).all()
        assert bool(detect_nonwear(xyz.astype(np.float32), fs)) is expect, sd


def test_rest_period_between_active_days() -> None:
    fs = 5.0
    rng = np.random.default_rng(4)
    active = []
    for _ in range(90):  # 90 min of 60-s bouts in changing leg orientations
        v = rng.normal(size=3)
        v /= np.linalg.norm(v)
        active.append(np.tile(v, (int(60 * fs), 1)) + rng.normal(0, 0.05, (int(60 * fs), 3)))
    rest = np.array([0.1, -0.99, 0.1]) + rng.normal(0, 0.004, (int(4 * 3600 * fs), 3))
    xyz = np.vstack(active[:45] + [rest] + active[45:]).astype(np.float32)
    got = detect_rest_period(xyz, fs)
    assert got is not None
    assert abs(got[0] - 45 * 60) <= 5 * 60
    assert abs(got[1] - (45 * 60 + 4 * 3600)) <= 5 * 60
