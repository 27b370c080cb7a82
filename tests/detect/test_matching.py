"""One-to-one greedy IoU matching of detected to true events."""

from __future__ import annotations

import pytest

from somnomotor._errors import ParameterError
from somnomotor.detect.matching import match_events


def test_iou_at_threshold_matches_and_below_does_not() -> None:
    # true [0, 10); detected [8, 10) has IoU 0.2 exactly, [8.5, 10) 0.15
    assert match_events([8.0], [10.0], [0.0], [10.0], min_iou=0.2).tp == 1
    assert match_events([8.5], [10.0], [0.0], [10.0], min_iou=0.2).tp == 0


def test_one_to_one_best_iou_first() -> None:
    m = match_events([0.0, 0.5], [2.0, 2.0], [0.0], [2.0])
    assert (m.tp, m.fp, m.fn) == (1, 1, 0)
    assert m.pairs == ((0, 0),)
    assert m.precision == 0.5 and m.recall == 1.0 and m.f1 == pytest.approx(2 / 3)


def test_empty_sets_are_perfect_and_misses_count() -> None:
    assert match_events([], [], [], []).f1 == 1.0
    m = match_events([], [], [1.0], [2.0])
    assert (m.tp, m.fn, m.recall, m.f1) == (0, 1, 0.0, 0.0)


def test_bad_arguments_raise_parameter_error() -> None:
    with pytest.raises(ParameterError, match="min_iou"):
        match_events([0], [1], [0], [1], min_iou=0)
    with pytest.raises(ParameterError, match="same length"):
        match_events([0, 1], [1], [0], [1])
