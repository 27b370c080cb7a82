"""Hypnogram: AASM 30-s epochs, stage lookup, denominators within lights off..lights on."""

import numpy as np
import pytest

from somnomotor import Hypnogram, ParameterError


def test_aasm_epochs_are_30_s_from_the_hypnogram_onset():
    hyp = Hypnogram(("W", "N1", "N2"), onset_s=10.0)
    assert list(hyp.stage_at([10.0, 39.99, 40.0, 70.0, 99.99])) == ["W", "W", "N1", "N2", "N2"]
    assert list(hyp.stage_at([9.99, 100.0])) == ["UNS", "UNS"]


def test_total_sleep_time_counts_n1_n2_n3_r_only():
    hyp = Hypnogram(("W", "N1", "N2", "N3", "R", "MT", "UNS", "N2"))
    assert hyp.total_sleep_time_s == 5 * 30.0
    assert hyp.duration_s("W") == 30.0
    assert hyp.duration_s(["MT"]) == 30.0


def test_epochs_outside_lights_off_and_on_leave_the_denominators():
    hyp = Hypnogram(("N2",) * 10, analysis_start_s=60.0, analysis_end_s=240.0)
    # epochs whose middle lies in 60..240 s: epochs 2..7 (mids 75..225)
    assert hyp.total_sleep_time_s == 6 * 30.0
    assert hyp.stage_at(30.0)[0] == "UNS"
    assert hyp.stage_at(250.0)[0] == "UNS"


def test_unknown_stage_label_is_refused_with_the_allowed_labels():
    with pytest.raises(ParameterError, match="allowed are"):
        Hypnogram(("W", "S2"))


def test_sample_mask_matches_stage_at():
    hyp = Hypnogram(("W", "R", "N2", "R"))
    fs = 4.0
    mask = hyp.sample_mask("R", fs_hz=fs, n_samples=int(120 * fs))
    t = np.arange(mask.size) / fs
    assert np.array_equal(mask, hyp.stage_at(t) == "R")


def test_intervals_join_runs_of_equal_stage():
    hyp = Hypnogram(("W", "W", "N1", "N1", "N1", "W"))
    assert hyp.as_intervals() == [(0.0, 60.0, "W"), (60.0, 150.0, "N1"), (150.0, 180.0, "W")]
