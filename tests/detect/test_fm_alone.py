"""Fragmentary myoclonus counts only potentials that stand alone on their channel.

The rule (docs/motor-events.md): a potential is FM only when no activity longer than the FM
maximum (150 ms) lies inside it or within 0.5 s of its edges on the same channel (the
AASM/WASM 0.5-s movement rule), and it is not a burst of a sleep start. Gaps, durations and
amplitudes are set by hand here; nothing is taken from the detector.
"""

from __future__ import annotations

import numpy as np
import pytest
from _motor_helpers import add_noise_burst, add_potential, quiet, recording

from somnomotor.detect.myoclonus import MyoclonusParams, detect_fragmentary_myoclonus

LM_ON, LM_DUR = 3.0, 1.5


def _beside_movement(gap_s: float, side: str, *, seed: int = 0, lm_rms_uv: float = 30.0,
                     amp_uv: float = 120.0) -> int:
    """FM count for a 100-ms potential ``gap_s`` before/after a 1.5-s leg movement."""
    x = quiet(8.0, seed=seed)
    # white noise of 30 µV RMS keeps about 25 µV (sine-equivalent) in the 10-100 Hz band at
    # 512 Hz: a leg movement well above the 8-µV rule
    add_noise_burst(x, LM_ON, LM_DUR, lm_rms_uv, seed=seed + 5)
    t = LM_ON - gap_s - 0.1 if side == "before" else LM_ON + LM_DUR + gap_s
    add_potential(x, t, 0.1, amp_uv, phase=seed * 0.7)
    res = detect_fragmentary_myoclonus(recording({"LAT": ("leg_left", x)}))
    f = res.events.frame
    return int((np.abs(f["onset_s"] - t) < 0.03).sum())


@pytest.mark.parametrize("side", ["before", "after"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_margin_0_5_s_potential_at_0_45_s_is_not_fm_at_0_55_s_is(side: str, seed: int) -> None:
    assert _beside_movement(0.45, side, seed=seed) == 0
    assert _beside_movement(0.55, side, seed=seed) == 1


@pytest.mark.parametrize("gap_s", [0.0, 0.05, 0.2])
def test_potential_touching_or_near_a_movement_is_not_fm(gap_s: float) -> None:
    for side in ("before", "after"):
        assert _beside_movement(gap_s, side) == 0


@pytest.mark.parametrize("amp_uv", [60.0, 150.0, 400.0])
def test_isolated_potential_of_any_size_stands_alone(amp_uv: float) -> None:
    assert _beside_movement(2.0, "after", amp_uv=amp_uv) == 1


@pytest.mark.parametrize(("where", "amp_uv"), [(0.2, 150.0), (0.7, 90.0), (1.3, 300.0)])
def test_potential_inside_a_movement_is_not_fm(where: float, amp_uv: float) -> None:
    x = quiet(8.0)
    add_noise_burst(x, LM_ON, LM_DUR, 30.0, seed=5)
    add_potential(x, LM_ON + where, 0.1, amp_uv)
    res = detect_fragmentary_myoclonus(recording({"LAT": ("leg_left", x)}))
    assert len(res.events) == 0
    assert res.index("fm_not_alone_excluded").value >= 1


def test_loud_fragments_of_a_lumpy_movement_are_not_fm() -> None:
    # a 2-s arm movement whose amplitude swings between 20 and 90 µV every 0.2 s: each loud
    # stretch is 100 ms long and 4x its surroundings, yet none stands alone
    fs = 512.0
    x = quiet(8.0)
    rng = np.random.default_rng(3)
    t = np.arange(round(2.0 * fs)) / fs
    envelope = np.where((t % 0.2) < 0.1, 90.0, 20.0)
    i0 = round(3.0 * fs)
    x[i0:i0 + t.size] += envelope * np.sin(2 * np.pi * 45.0 * t + rng.uniform(0, 6))
    res = detect_fragmentary_myoclonus(recording({"FDS": ("arm_left", x)}))
    assert len(res.events) == 0


@pytest.mark.parametrize(("neighbour_s", "counted"), [(0.12, 2), (0.14, 2), (0.25, 0), (0.4, 0)])
def test_neighbour_longer_than_150_ms_disqualifies_a_brief_one_does_not(
        neighbour_s: float, counted: int) -> None:
    # a 100-ms potential 0.3 s before a neighbour of the given length (same channel); a
    # neighbour up to 150 ms is itself an FM potential and both count
    x = quiet(6.0)
    add_potential(x, 2.0, 0.1, 120.0)
    add_potential(x, 2.4, neighbour_s, 100.0, carrier_hz=35.0)
    res = detect_fragmentary_myoclonus(recording({"Chin": ("chin", x)}))
    near_first = int((np.abs(res.events.frame["onset_s"] - 2.0) < 0.03).sum())
    assert len(res.events) == counted
    assert near_first == (1 if counted else 0)


def test_margin_is_a_parameter_and_0_disables_the_neighbour_test() -> None:
    x = quiet(8.0)
    add_noise_burst(x, LM_ON, LM_DUR, 30.0, seed=5)
    add_potential(x, LM_ON + LM_DUR + 0.3, 0.1, 120.0)
    rec = recording({"LAT": ("leg_left", x)})
    assert len(detect_fragmentary_myoclonus(rec).events) == 0
    assert len(detect_fragmentary_myoclonus(rec, MyoclonusParams(alone_margin_s=0.2)).events) == 1


def test_potential_in_raised_wake_tone_still_stands_alone() -> None:
    # chin tone 3x higher over a 60-s awakening: the activity level follows the tone, so a
    # potential in it is not taken for a fragment of "activity"
    fs = 512.0
    x = quiet(300.0, seed=4)
    a, b = round(120 * fs), round(180 * fs)
    x[a:b] *= 3.0
    add_potential(x, 150.0, 0.1, 120.0)
    add_potential(x, 60.0, 0.1, 120.0)
    res = detect_fragmentary_myoclonus(recording({"Chin": ("chin", x)}))
    assert sorted(np.round(res.events.frame["onset_s"]).astype(int)) == [60, 150]


def test_fm_like_burst_of_a_sleep_start_is_not_fm() -> None:
    # a two-muscle jerk at the wake-sleep transition: 110-ms bursts in chin and leg (each
    # shaped like an FM potential) at 55 s, plus an FM potential in the arm far from it
    labels = {"Chin": "chin", "LAT": "leg_left", "FDS": "arm_left"}
    data = {lab: quiet(150.0, seed=i) for i, lab in enumerate(labels)}
    add_potential(data["Chin"], 55.0, 0.11, 200.0)
    add_potential(data["LAT"], 55.02, 0.11, 180.0)
    add_potential(data["LAT"], 55.45, 0.10, 120.0)  # 0.32 s after the jerk: part of it
    add_potential(data["FDS"], 100.0, 0.10, 120.0)
    rec = recording({lab: (role, data[lab]) for lab, role in labels.items()},
                    stages=["W", "W", "N1", "N2", "N2"])
    res = detect_fragmentary_myoclonus(rec)
    f = res.events.frame
    assert list(f["channel"]) == ["FDS"]
    assert res.index("fm_sleep_start_excluded").value == 3
    off = detect_fragmentary_myoclonus(rec, MyoclonusParams(exclude_sleep_starts=False))
    assert len(off.events) == 4


@pytest.mark.parametrize("profile", ["fm", "efm", "sleep_starts", "bruxism"])
def test_widened_simulator_fm_precision_f1_and_index(profile: str) -> None:
    # potentials alone, beside and inside leg/arm/chin movements and sleep starts; the truth
    # (not the detector) says which count. Matching and the index computed here.
    from somnomotor.detect.matching import match_events
    from somnomotor.simulate.night import simulate_night

    night = simulate_night(profile, seed=7, duration_h=1.0, leg_fs_hz=256.0)
    res = detect_fragmentary_myoclonus(night.recording)
    truth = night.truth.events_of("fragmentary_myoclonus")
    assert len(night.truth.events_of("fm_like_potential")) >= 15
    f = res.events.frame
    tp = fp = fn = 0
    for label in {e.channel for e in truth} | set(f["channel"]):
        det = f[f["channel"] == label]
        tr = [e for e in truth if e.channel == label]
        m = match_events(det["onset_s"], det["onset_s"] + det["duration_s"],
                         [e.onset_s for e in tr], [e.offset_s for e in tr], min_iou=0.3)
        tp, fp, fn = tp + m.tp, fp + m.fp, fn + m.fn
    assert tp / (tp + fp) >= 0.97
    assert 2 * tp / (2 * tp + fp + fn) >= 0.94
    hyp = night.recording.hypnogram
    in_sleep = np.isin(hyp.stage_at(np.array([e.onset_s for e in truth])), ["N1", "N2", "N3", "R"])
    true_index = in_sleep.sum() / (hyp.total_sleep_time_s / 3600.0)
    assert res.index("fm_index_sleep").value == pytest.approx(true_index, rel=0.10)
