"""The ankle simulator keeps its own promises (physics and the truth it writes)."""

from __future__ import annotations

import numpy as np
import pytest

from somnomotor._errors import ParameterError
from somnomotor.simulate.accel import simulate_accel_night


def test_gravity_truth_and_nonwear() -> None:
    night = simulate_accel_night(duration_h=1.0, fs_hz=50.0, seed=3, nonwear_min=20,
                                 miscalibrated=False, noise_mg=2.0)
    rec, tr = night.recording, night.truth
    acc = rec.acceleration_g
    # a still sensor reads 1 g whatever its posture: the median magnitude in bed
    i0, i1 = int(tr.in_bed_s * 50), int(tr.out_of_bed_s * 50)
    assert abs(float(np.median(np.linalg.norm(acc[i0:i1], axis=1))) - 1.0) < 0.01
    # the device on the table does not move: per-axis SD is the sensor noise only
    table = acc[: int(20 * 60 * 50)]
    assert (table.std(axis=0) < 0.004).all()
    assert tr.nonwear == ((0.0, 1200.0),)
    moves = tr.movements
    assert all(tr.in_bed_s <= m.onset_s and m.onset_s + m.duration_s <= tr.out_of_bed_s
               for m in moves)
    assert all(0.5 <= m.duration_s <= 10.0 for m in moves)
    # series members are 10-90 s apart, onset to onset
    for sid in {m.series_id for m in moves if m.series_id >= 0}:
        on = np.array([m.onset_s for m in moves if m.series_id == sid])
        assert on.size >= 4 and ((np.diff(on) >= 10) & (np.diff(on) <= 90)).all()
    # invisible movements tilt the ankle at most 0.6 deg, visible ones at least 1 deg
    assert all(m.angle_deg <= 0.6 for m in moves if not m.visible)
    assert all(m.angle_deg >= 1.0 for m in moves if m.visible)


def test_invisible_share_over_many_movements() -> None:
    moves = [m for seed in range(4) for m in
             simulate_accel_night(duration_h=1.0, fs_hz=25.0, seed=seed).truth.movements]
    share = np.mean([not m.visible for m in moves])
    assert len(moves) > 150
    assert abs(share - 0.39) < 0.08


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ParameterError, match="fs_hz"):
        simulate_accel_night(fs_hz=5.0)
    with pytest.raises(ParameterError, match="invisible_fraction"):
        simulate_accel_night(invisible_fraction=1.5)
