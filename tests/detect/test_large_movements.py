"""Large muscle group movements: 3-45 s (adults), >= 2 channels (IRLSSG 2021)."""

from __future__ import annotations

import pytest
from _motor_helpers import add_noise_burst, quiet, recording

from somnomotor._errors import ParameterError
from somnomotor.detect.large_movements import LargeMovementParams, detect_large_movements
from somnomotor.events import EventTable

DUR = 240.0  # several 30-s blocks, so that a 40-s movement does not set its own background


def _rec(parts: dict[str, tuple[float, float]], stages: list[str] | None = None) -> object:
    roles = {"Chin": "chin", "LAT": "leg_left", "RAT": "leg_right", "FDS": "arm_left"}
    data = {lab: quiet(DUR, seed=i) for i, lab in enumerate(roles)}
    for k, (lab, (t, d)) in enumerate(parts.items()):
        add_noise_burst(data[lab], t, d, 80.0, seed=20 + k)
    return recording({lab: (roles[lab], data[lab]) for lab in roles}, stages=stages)


def test_movement_of_3_1_s_in_two_channels_is_scored_2_9_s_is_not() -> None:
    res = detect_large_movements(_rec({"Chin": (10.0, 3.1), "FDS": (10.0, 3.1)}))
    assert len(res.events) == 1
    ev = res.events.frame.iloc[0]
    assert ev["trial_type"] == "large_movement"
    assert ev["duration_s"] == pytest.approx(3.1, abs=0.08)
    assert ev["channel"] == "Chin,FDS" and ev["n_channels"] == 2
    res = detect_large_movements(_rec({"Chin": (10.0, 2.9), "FDS": (10.0, 2.9)}))
    assert len(res.events) == 0


def test_movement_in_one_channel_only_is_not_a_large_movement() -> None:
    assert len(detect_large_movements(_rec({"Chin": (10.0, 8.0)})).events) == 0
    assert len(detect_large_movements(_rec({"Chin": (10.0, 8.0),
                                            "LAT": (10.0, 8.0)})).events) == 1


def test_duration_is_the_time_both_channels_are_active_together() -> None:
    res = detect_large_movements(_rec({"Chin": (10.0, 10.0), "LAT": (14.0, 10.0)}))
    assert res.events.frame["duration_s"].iloc[0] == pytest.approx(6.0, abs=0.1)


def test_adult_maximum_45_s_and_children_30_s() -> None:
    parts = {"Chin": (5.0, 40.0), "FDS": (5.0, 40.0)}
    assert len(detect_large_movements(_rec(parts)).events) == 1
    assert len(detect_large_movements(_rec(parts), LargeMovementParams.children()).events) == 0


def test_legs_only_movement_is_marked() -> None:
    res = detect_large_movements(_rec({"LAT": (10.0, 5.0), "RAT": (10.0, 5.0)}))
    assert bool(res.events.frame["legs_only"].iloc[0]) is True


def test_overlap_with_another_movement_type_excludes_it() -> None:
    other = EventTable.from_arrays([11.0], [1.0], "sleep_start")
    res = detect_large_movements(_rec({"Chin": (10.0, 5.0), "FDS": (10.0, 5.0)}), exclude=other)
    assert len(res.events) == 0


def test_index_per_hour_of_sleep() -> None:
    rec = _rec({"Chin": (40.0, 5.0), "FDS": (40.0, 5.0)}, stages=["W", "N2"])
    res = detect_large_movements(rec)
    assert res.index("large_movement_index_sleep").value == pytest.approx(1 / (30 / 3600))
    assert res.events.frame["stage"].iloc[0] == "N2"


@pytest.mark.parametrize("kwargs", [{"duration_s": (45.0, 3.0)}, {"min_channels": 0},
                                    {"roles": ("ecg",)}])
def test_bad_parameters_raise_parameter_error(kwargs: dict) -> None:
    with pytest.raises(ParameterError):
        LargeMovementParams(**kwargs)


def test_combined_runner_gives_the_same_events_as_each_detector_alone() -> None:
    from somnomotor.detect.myoclonus import detect_fragmentary_myoclonus
    from somnomotor.score.motor_events import MOTOR_FAMILIES, detect_motor_events

    rec = _rec({"Chin": (40.0, 5.0), "FDS": (40.0, 5.0)}, stages=["W", "N2"] * 4)
    out = detect_motor_events(rec)
    assert tuple(out) == MOTOR_FAMILIES
    assert len(out["large_movements"].events) == 1
    alone = detect_fragmentary_myoclonus(rec)
    assert out["fragmentary_myoclonus"].events.frame.equals(alone.events.frame)
