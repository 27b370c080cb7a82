"""RSWA and the other motor events run side by side give what each gives alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from somnomotor.score.motor_events import (
    MOTOR_FAMILIES,
    analyze_rswa_and_motor_events,
    detect_motor_events,
)
from somnomotor.score.rswa import analyze_rswa
from somnomotor.simulate import simulate_night


@pytest.fixture(scope="module")
def night():
    # an rbd night has chin, arm and leg EMG and REM sleep; 1.5 h holds two REM periods
    return simulate_night("rbd", seed=4, duration_h=1.5).recording


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.events.frame, b.events.frame)
    assert [(i.name, i.value) for i in a.indices] == [(i.name, i.value) for i in b.indices]


def test_concurrent_run_equals_rswa_and_motor_events_run_alone(night) -> None:
    rswa, motor = analyze_rswa_and_motor_events(night)
    _same(rswa, analyze_rswa(night))
    alone = detect_motor_events(night)
    assert list(motor) == list(MOTOR_FAMILIES)
    for family in MOTOR_FAMILIES:
        _same(motor[family], alone[family])


def test_families_and_rswa_can_be_left_out(night) -> None:
    rswa, motor = analyze_rswa_and_motor_events(night, families=("sleep_starts",), rswa=False)
    assert rswa is None and list(motor) == ["sleep_starts"]
    rswa, motor = analyze_rswa_and_motor_events(night, families=())
    assert motor == {} and rswa is not None and rswa.family == "rswa"
    assert np.isfinite([i.value for i in rswa.indices if i.value is not None]).all()
