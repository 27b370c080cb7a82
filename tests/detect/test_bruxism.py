"""Bruxism (RMMA): phasic >= 3 bursts of 0.25-2 s, tonic > 2 s, 3 s quiet, Lavigne indices."""

from __future__ import annotations

import pytest
from _motor_helpers import add_noise_burst, quiet, recording

from somnomotor._errors import ParameterError
from somnomotor.detect.bruxism import AUDIO_NOTE, BruxismParams, detect_bruxism

DUR = 120.0


def _rec(bursts: list[tuple[float, float]], stages: list[str] | None = None) -> object:
    x = quiet(DUR, rms_uv=4.0)
    for k, (t, d) in enumerate(bursts):
        add_noise_burst(x, t, d, 40.0, seed=30 + k)
    return recording({"Masseter": ("masseter", x), "Chin": ("chin", quiet(DUR, seed=9))},
                     stages=stages)


def _phasic(start: float, n: int, interval: float = 1.0, dur: float = 0.5) -> list:
    return [(start + k * interval, dur) for k in range(n)]


def test_phasic_episode_needs_3_bursts_2_are_not_enough() -> None:
    assert len(detect_bruxism(_rec(_phasic(10, 2))).events) == 0
    res = detect_bruxism(_rec(_phasic(10, 3)))
    assert len(res.events) == 1
    ev = res.events.frame.iloc[0]
    assert ev["trial_type"] == "bruxism_episode" and ev["channel"] == "Masseter"
    assert ev["episode_type"] == "phasic" and ev["n_bursts"] == 3
    assert ev["onset_s"] == pytest.approx(10.0, abs=0.1)


def test_tonic_elevation_longer_than_2_s_is_an_episode() -> None:
    res = detect_bruxism(_rec([(20.0, 3.0)]))
    assert len(res.events) == 1 and res.events.frame["episode_type"].iloc[0] == "tonic"
    assert len(detect_bruxism(_rec([(20.0, 1.5)])).events) == 0  # one phasic burst only


def test_new_episode_needs_3_s_of_quiet() -> None:
    # two phasic triplets 2 s apart are one episode; 5 s apart, two episodes
    one = detect_bruxism(_rec(_phasic(10, 3) + _phasic(14.5, 3)))
    assert len(one.events) == 1 and one.events.frame["n_bursts"].iloc[0] == 6
    two = detect_bruxism(_rec(_phasic(10, 3) + _phasic(17.5, 3)))
    assert len(two.events) == 2


def test_mixed_episode_with_phasic_and_tonic_bursts() -> None:
    res = detect_bruxism(_rec(_phasic(10, 2) + [(12.5, 3.0)]))
    assert res.events.frame["episode_type"].iloc[0] == "mixed"


def test_indices_per_hour_of_sleep_and_lavigne_flags() -> None:
    # 4 episodes of 7 bursts in 2 min of sleep: 120 episodes/h, 840 bursts/h
    bursts = []
    for start in (5.0, 35.0, 65.0, 95.0):
        bursts += _phasic(start, 7, interval=1.2)
    res = detect_bruxism(_rec(bursts, stages=["N2"] * 4))
    assert res.index("bruxism_episode_index").value == pytest.approx(4 / (120 / 3600))
    assert res.index("bruxism_burst_index").value == pytest.approx(28 / (120 / 3600))
    assert res.index("bruxism_bursts_per_episode").value == pytest.approx(7.0)
    assert "Lavigne" in res.index("bruxism_episode_index").flag
    assert "not a diagnosis" in res.index("bruxism_burst_index").flag


def test_audio_not_available_note_is_always_given() -> None:
    res = detect_bruxism(_rec(_phasic(10, 3)))
    assert res.warnings[0] == AUDIO_NOTE
    assert res.extra["audio"] == AUDIO_NOTE


def test_without_masseter_channel_bruxism_is_not_assessed() -> None:
    rec = recording({"Chin": ("chin", quiet(10.0))})
    res = detect_bruxism(rec)
    assert len(res.events) == 0 and res.extra["assessable"] is False
    assert res.index("bruxism_episode_index").value is None
    assert any("no masseter" in w for w in res.warnings)


@pytest.mark.parametrize("kwargs", [{"k_background": 0}, {"phasic_s": (2.0, 0.25)},
                                    {"min_phasic_bursts": 0}])
def test_bad_parameters_raise_parameter_error(kwargs: dict) -> None:
    with pytest.raises(ParameterError):
        BruxismParams(**kwargs)


def test_bruxism_episodes_found_on_simulated_night_with_f1_at_least_0_9() -> None:
    from _motor_helpers import iou_f1

    from somnomotor.simulate.night import simulate_night

    night = simulate_night("bruxism", seed=2, duration_h=1.0, leg_fs_hz=256.0)
    res = detect_bruxism(night.recording)
    truth = [(e.onset_s, e.offset_s) for e in night.truth.events if e.kind == "bruxism_episode"]
    assert len(truth) >= 4
    det = list(zip(res.events.onset_s, res.events.offset_s, strict=True))
    assert iou_f1(det, truth, min_iou=0.3) >= 0.9


def test_episode_in_an_awakening_is_marked_in_wake_labelled_and_left_out_of_sleep_index() -> None:
    from somnomotor.io.export_labels import event_label, kind_of_label

    # epochs: N2 N2 W N2; a tonic rise over most of the wake epoch, a phasic episode in N2
    res = detect_bruxism(_rec([(62.0, 25.0), *_phasic(10, 4)], stages=["N2", "N2", "W", "N2"]))
    f = res.events.frame.sort_values("onset_s")
    assert list(f["in_wake"]) == [False, True]
    assert res.index("bruxism_wake_episode_count").value == 1
    # one episode in 1.5 h... of sleep: 90 s of sleep
    assert res.index("bruxism_episode_index").value == pytest.approx(1 / (90 / 3600))
    rows = f.to_dict("records")
    assert event_label(rows[1]) == "Bruxism episode in wake"
    assert event_label(rows[0]) == "Bruxism episode"
    assert kind_of_label("Bruxism episode in wake") == ("bruxism_episode", None)


def test_episode_starting_in_sleep_but_mostly_in_wake_is_in_wake() -> None:
    res = detect_bruxism(_rec([(55.0, 20.0)], stages=["N2", "N2", "W", "N2"]))
    f = res.events.frame
    assert f["stage"].iloc[0] == "N2" and bool(f["in_wake"].iloc[0]) is True
    res = detect_bruxism(_rec([(50.0, 15.0)], stages=["N2", "N2", "W", "N2"]))
    assert bool(res.events.frame["in_wake"].iloc[0]) is False  # 10 of 15 s in N2
