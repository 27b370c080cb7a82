"""RSWA truth of the rbd profile and the simulated sleep architecture."""

from __future__ import annotations

import numpy as np
import pytest

from somnomotor.simulate import simulate_night
from somnomotor.simulate.chin import rswa_truth_arrays
from somnomotor.simulate.hypnogram import simulate_stages


@pytest.fixture(scope="module")
def rbd_night():  # type: ignore[no-untyped-def]
    return simulate_night("rbd", seed=1, duration_h=0.5)


def test_rbd_has_arm_channels_with_arm_roles(rbd_night) -> None:  # type: ignore[no-untyped-def]
    rec = rbd_night.recording
    assert rec.roles["arm_left"] == ("Arm L",) and rec.roles["arm_right"] == ("Arm R",)
    assert rbd_night.truth.events_of("arm_phasic")


def test_tonic_plateaus_are_2_to_4x_background_on_and_off_the_grid(rbd_night) -> None:  # type: ignore[no-untyped-def]
    rec, truth = rbd_night.recording, rbd_night.truth
    chin = rec.channel("Chin1-Chin2")
    x, fs = np.abs(chin.data()), chin.fs_hz
    tonic = truth.events_of("chin_tonic")
    assert tonic, "the rbd night should hold tonic chin activity"
    for e in tonic:
        r = e.flags["ratio_to_background"]
        assert 2.3 <= r <= 4.0 or 6.0 <= r <= 8.0
        # the recorded chin over the plateau's middle: about r x the resting level (median of
        # 0.25-s rectified means, so the bursts riding on the plateau do not count)
        mid = x[int((e.onset_s + 0.3 * e.duration_s) * fs):int((e.onset_s + 0.7 * e.duration_s) * fs)]
        k = int(fs / 4)
        means = mid[: mid.size // k * k].reshape(-1, k).mean(axis=1)
        bg = e.amplitude_uV / (r - 1.0)
        assert float(np.median(means)) == pytest.approx(r * bg, rel=0.15)
        if e.flags["on_grid"]:
            # the 2x crossings sit within 0.05 s of a 3-s mini-epoch boundary of the epoch grid
            for t in (e.onset_s, e.offset_s):
                off = (t - truth.hypnogram.onset_s) % 3.0
                assert min(off, 3.0 - off) < 0.05


def test_truth_per_mini_epoch_and_epoch_is_consistent(rbd_night) -> None:  # type: ignore[no-untyped-def]
    t = rswa_truth_arrays(rbd_night.truth.parameters)
    n_mini = t["mini_onset_s"].size
    assert n_mini == 10 * t["epoch_onset_s"].size
    assert not (t["phasic"] & ~t["any"]).any() and not (t["tonic"] & ~t["any"]).any()
    ep_tonic = np.repeat(t["epoch_tonic"], 10)
    assert not (t["tonic"] & ~ep_tonic).any()
    np.testing.assert_array_equal(t["epoch_tonic"], t["epoch_tonic_fraction"] > 0.5)
    assert t["epoch_tonic"].any() and (~t["epoch_tonic"]).any()
    assert t["period_background_uV"].min() > 0


def test_phasic_bursts_last_0_1_to_5_s_and_exceed_2x_background(rbd_night) -> None:  # type: ignore[no-untyped-def]
    rec, truth = rbd_night.recording, rbd_night.truth
    bursts = [e for e in truth.events_of(("chin_phasic", "arm_phasic"))
              if e.flags.get("cause") == "rswa"]
    assert len(bursts) > 10
    assert any(e.flags.get("on_tonic") for e in bursts)
    for e in bursts:
        assert 0.1 <= e.duration_s <= 5.0
        assert e.flags["ratio_to_background"] >= 3.0
    chin = rec.channel("Chin1-Chin2")
    x, fs = np.abs(chin.data()), chin.fs_hz
    for e in [b for b in bursts if b.kind == "chin_phasic" and b.duration_s >= 0.3
              and not b.flags.get("on_tonic")][:10]:
        core = x[int((e.onset_s + 0.3 * e.duration_s) * fs):int((e.onset_s + 0.7 * e.duration_s) * fs)]
        bg = e.amplitude_uV / (e.flags["ratio_to_background"] - 1.0)
        assert core.mean() > 2.0 * bg


def test_rswa_truth_is_reproducible() -> None:
    a = simulate_night("rbd", seed=5, duration_h=0.5).truth.parameters["rswa_chin"]
    b = simulate_night("rbd", seed=5, duration_h=0.5).truth.parameters["rswa_chin"]
    assert a == b


def test_healthy_rem_has_atonia_chin_below_nrem_rest() -> None:
    truth = simulate_night("healthy", seed=2, duration_h=0.5).truth
    assert truth.rem_epochs and not any(r.tonic for r in truth.rem_epochs)
    chin = truth.channel("Chin1-Chin2")
    stages = truth.hypnogram.effective_stages
    rest = np.array(chin.rest_epoch_uV)
    assert rest[stages == "R"].mean() < 0.5 * rest[np.isin(stages, ["N2", "N3"])].mean()


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_full_night_architecture_is_plausible(seed: int) -> None:
    hyp = simulate_stages(np.random.default_rng(seed), 8 * 3600.0)
    stages = np.array(hyp.stages)
    in_bed = hyp.analysis_end_s - hyp.analysis_start_s
    efficiency = hyp.total_sleep_time_s / in_bed
    assert 0.80 <= efficiency <= 0.95
    first_sleep = np.flatnonzero(np.isin(stages, ["N1", "N2", "N3", "R"]))[0] * 30.0
    assert 8 * 60 <= first_sleep - hyp.analysis_start_s <= 22 * 60
    sleep = np.isin(stages, ["N1", "N2", "N3", "R"])
    sleep_idx = np.flatnonzero(sleep)
    half = sleep_idx[len(sleep_idx) // 2]
    n3 = np.flatnonzero(stages == "N3")
    assert (n3 < half).mean() > 0.7  # N3 mostly in the first half
    rem = stages == "R"
    starts = np.flatnonzero(np.diff(rem.astype(int)) == 1) + 1
    assert 4 <= len(starts) <= 10
    rem_first, rem_second = rem[:half].sum(), rem[half:].sum()
    assert rem_second > rem_first  # REM longer late
    assert hyp.source == "simulated"
