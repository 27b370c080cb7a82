"""RSWA truth of the rbd profile and the simulated sleep architecture."""

from __future__ import annotations

import numpy as np
import pytest

from somnomotor.simulate import simulate_night
from somnomotor.simulate.hypnogram import simulate_stages


@pytest.fixture(scope="module")
def rbd_night():  # type: ignore[no-untyped-def]
    return simulate_night("rbd", seed=1, duration_h=0.5)


def test_rbd_has_arm_channels_with_arm_roles(rbd_night) -> None:  # type: ignore[no-untyped-def]
    rec = rbd_night.recording
    assert rec.roles["arm_left"] == ("Arm L",) and rec.roles["arm_right"] == ("Arm R",)
    assert rbd_night.truth.events_of("arm_phasic")


def test_tonic_epochs_have_chin_at_least_twice_background_over_half_the_epoch(rbd_night) -> None:  # type: ignore[no-untyped-def]
    rec, truth = rbd_night.recording, rbd_night.truth
    chin = rec.channel("Chin1-Chin2")
    x, fs = np.abs(chin.data()), chin.fs_hz
    tonic = [r for r in truth.rem_epochs if r.tonic]
    assert tonic, "the rbd night should hold tonic REM epochs"
    for r in tonic:
        seg = x[int(r.onset_s * fs):int((r.onset_s + 30) * fs)]
        # 0.5-s means of the rectified chin EMG (SINBAR: >= 2x background over > 50 %).
        means = seg[: seg.size // 256 * 256].reshape(-1, 256).mean(axis=1)
        assert np.mean(means >= 2 * r.background_uV) > 0.5
        assert r.tonic_fraction >= 0.7


def test_non_tonic_rem_epochs_have_no_tonic_plateau(rbd_night) -> None:  # type: ignore[no-untyped-def]
    for r in rbd_night.truth.rem_epochs:
        if not r.tonic:
            assert r.tonic_fraction <= 0.25


def test_phasic_bursts_last_0_1_to_5_s_and_exceed_4x_background(rbd_night) -> None:  # type: ignore[no-untyped-def]
    rec, truth = rbd_night.recording, rbd_night.truth
    bursts = truth.events_of(("chin_phasic", "arm_phasic"))
    assert len(bursts) > 10
    for e in bursts:
        assert 0.1 <= e.duration_s <= 5.0
        assert e.flags["ratio_to_background"] >= 4.0
    chin = rec.channel("Chin1-Chin2")
    x, fs = np.abs(chin.data()), chin.fs_hz
    for e in [b for b in bursts if b.kind == "chin_phasic" and b.duration_s >= 0.3][:10]:
        core = x[int((e.onset_s + 0.3 * e.duration_s) * fs):int((e.onset_s + 0.7 * e.duration_s) * fs)]
        bg = e.amplitude_uV / (e.flags["ratio_to_background"] - 1.0)
        assert core.mean() > 2.0 * bg


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
