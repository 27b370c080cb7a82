"""Rhythmic leg activity: HFT trains (>= 4 bursts, 0.3-4 Hz, 250-1000 ms) and ALMA."""

from __future__ import annotations

import pytest
from _motor_helpers import add_noise_burst, quiet, recording

from somnomotor._errors import ParameterError
from somnomotor.detect.rhythmic import RhythmicParams, detect_rhythmic_leg_activity

DUR = 40.0


def _legs(left: list[tuple[float, float]], right: list[tuple[float, float]],
          stages: list[str] | None = None) -> object:
    lat, rat = quiet(DUR, seed=1), quiet(DUR, seed=2)
    for k, (t, d) in enumerate(left):
        add_noise_burst(lat, t, d, 60.0, seed=10 + k)
    for k, (t, d) in enumerate(right):
        add_noise_burst(rat, t, d, 60.0, seed=50 + k)
    return recording({"LAT": ("leg_left", lat), "RAT": ("leg_right", rat)}, stages=stages)


def _train(start: float, n: int, interval: float, dur: float) -> list[tuple[float, float]]:
    return [(start + k * interval, dur) for k in range(n)]


def _kind(res: object, kind: str) -> list:
    f = res.events.frame  # type: ignore[attr-defined]
    return [row for _, row in f.iterrows() if row["trial_type"] == kind]


# -- HFT -------------------------------------------------------------------------------
def test_hft_train_needs_4_bursts_3_is_not_a_train() -> None:
    assert _kind(detect_rhythmic_leg_activity(_legs(_train(5, 3, 1.0, 0.5), [])), "hft") == []
    hft = _kind(detect_rhythmic_leg_activity(_legs(_train(5, 4, 1.0, 0.5), [])), "hft")
    assert len(hft) == 1
    assert hft[0]["n_bursts"] == 4 and hft[0]["channel"] == "LAT"
    assert hft[0]["frequency_hz"] == pytest.approx(1.0, rel=0.05)
    assert hft[0]["onset_s"] == pytest.approx(5.0, abs=0.05)
    assert hft[0]["confidence"] == "R"


def test_hft_bursts_shorter_than_250ms_do_not_form_a_train() -> None:
    res = detect_rhythmic_leg_activity(_legs(_train(5, 8, 1.0, 0.15), []))
    assert _kind(res, "hft") == []


def test_hft_frequency_below_0_3hz_is_not_a_train() -> None:
    res = detect_rhythmic_leg_activity(_legs(_train(2, 5, 5.0, 0.5), []))  # 0.2 Hz
    assert _kind(res, "hft") == []
    res = detect_rhythmic_leg_activity(_legs(_train(2, 5, 2.5, 0.5), []))  # 0.4 Hz
    assert len(_kind(res, "hft")) == 1


# -- ALMA ------------------------------------------------------------------------------
def test_alma_alternating_bursts_form_a_train() -> None:
    left = _train(5.0, 3, 1.0, 0.2)
    right = _train(5.5, 3, 1.0, 0.2)  # L R L R L R at 2 Hz
    alma = _kind(detect_rhythmic_leg_activity(_legs(left, right)), "alma")
    assert len(alma) == 1
    assert alma[0]["sides"] == "L,R,L,R,L,R"
    assert alma[0]["n_bursts"] == 6
    assert alma[0]["frequency_hz"] == pytest.approx(2.0, rel=0.05)


def test_alma_same_side_train_is_not_alma() -> None:
    res = detect_rhythmic_leg_activity(_legs(_train(5.0, 6, 0.5, 0.2), []))
    assert _kind(res, "alma") == []


def test_alma_needs_4_alternating_bursts_3_is_not_enough() -> None:
    res = detect_rhythmic_leg_activity(_legs(_train(5.0, 2, 1.0, 0.2), _train(5.5, 1, 1.0, 0.2)))
    assert _kind(res, "alma") == []
    res = detect_rhythmic_leg_activity(_legs(_train(5.0, 2, 1.0, 0.2), _train(5.5, 2, 1.0, 0.2)))
    assert len(_kind(res, "alma")) == 1


def test_alma_simultaneous_bilateral_bursts_break_alternation() -> None:
    both = _train(5.0, 6, 0.5, 0.2)
    res = detect_rhythmic_leg_activity(_legs(both, both))
    assert _kind(res, "alma") == []


def test_alma_not_assessable_with_a_combined_leg_channel() -> None:
    x = quiet(DUR)
    for t, d in _train(5.0, 6, 0.5, 0.2):
        add_noise_burst(x, t, d, 60.0)
    res = detect_rhythmic_leg_activity(recording({"Legs": ("leg", x)}))
    assert res.index("alma_train_count").value is None
    assert res.extra["alma_assessable"] is False
    assert any("ALMA needs" in w for w in res.warnings)


def test_hft_index_counts_trains_per_hour_of_sleep() -> None:
    res = detect_rhythmic_leg_activity(_legs(_train(32, 5, 1.0, 0.5), []), )
    assert res.index("hft_index_sleep").value is None  # no hypnogram
    rec = _legs(_train(32, 5, 1.0, 0.5), [], stages=["W", "N1"])
    res = detect_rhythmic_leg_activity(rec)
    assert res.index("hft_index_sleep").value == pytest.approx(1 / (30 / 3600))
    assert "[R]" in res.index("hft_index_sleep").description


@pytest.mark.parametrize("kwargs", [{"hft_min_bursts": 1}, {"alma_frequency_hz": (3.0, 0.5)},
                                    {"hft_frequency_hz": (0.0, 4.0)}])
def test_bad_parameters_raise_parameter_error(kwargs: dict) -> None:
    with pytest.raises(ParameterError):
        RhythmicParams(**kwargs)


def test_hft_overlapping_an_alma_train_is_reported_as_alma_only() -> None:
    # 0.3-s bursts alternating at 2 Hz: each leg alone has 0.3-s bursts at 1 Hz (an HFT train)
    rec = _legs(_train(5.0, 4, 1.0, 0.3), _train(5.5, 4, 1.0, 0.3))
    res = detect_rhythmic_leg_activity(rec)
    assert len(_kind(res, "alma")) == 1 and _kind(res, "hft") == []
    res = detect_rhythmic_leg_activity(rec, RhythmicParams(hft_excludes_alma=False))
    assert len(_kind(res, "alma")) == 1 and len(_kind(res, "hft")) == 2


# -- accuracy on simulated nights ------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 3])
def test_hft_and_alma_found_on_simulated_night_with_f1_at_least_0_9(seed: int) -> None:
    from _motor_helpers import iou_f1

    from somnomotor.simulate.night import simulate_night

    night = simulate_night("rhythmic", seed=seed, duration_h=1.0, leg_fs_hz=256.0)
    res = detect_rhythmic_leg_activity(night.recording)
    for kind in ("hft", "alma"):
        truth = [(e.onset_s, e.offset_s) for e in night.truth.events if e.kind == kind]
        det = res.events.select(kind)
        assert len(truth) >= 4
        assert iou_f1(list(zip(det.onset_s, det.offset_s, strict=True)), truth,
                      min_iou=0.3) >= 0.9, kind
