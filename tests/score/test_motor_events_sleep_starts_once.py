"""The sleep starts are found once per night: fragmentary myoclonus uses the same jerks."""

from __future__ import annotations

import pytest

import somnomotor.detect.sleep_starts as sleep_starts_module
import somnomotor.score.motor_events as motor_events
from somnomotor.detect.myoclonus import detect_fragmentary_myoclonus
from somnomotor.simulate import simulate_night


@pytest.mark.parametrize("n_threads", [1, 2])
def test_sleep_starts_are_detected_once_and_fm_is_unchanged(monkeypatch, n_threads):
    night = simulate_night("sleep_starts", seed=2, duration_h=0.5)
    alone = detect_fragmentary_myoclonus(night.recording).events.frame  # runs its own jerks
    calls = []
    real = sleep_starts_module.detect_sleep_starts

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(motor_events, "detect_sleep_starts", counting)
    monkeypatch.setattr(sleep_starts_module, "detect_sleep_starts", counting)
    out = motor_events.detect_motor_events(night.recording, n_threads=n_threads)
    assert len(calls) == 1
    together = out["fragmentary_myoclonus"].events.frame
    assert list(together["onset_s"].round(6)) == list(alone["onset_s"].round(6))
