"""RSWA accuracy against the simulator's ground truth (SINBAR chin percentages).

The simulator's ``rbd`` profile puts tonic chin runs and phasic chin bursts of known timing
into REM sleep. The truth percentages are computed here from the truth lists alone, with the
SINBAR rules (Frauscher et al., Sleep 2012;35:835, doi:10.5665/sleep.1886):

* phasic: a 3-s REM mini-epoch overlapping a true chin burst lasting 0.1-5.0 s;
* tonic: a 3-s mini-epoch of a REM epoch whose true tonic plateau covers > 50 % of it,
  overlapping that tonic activity;
* any: phasic or tonic.

Only mini-epochs the detector kept (did not exclude) are counted on both sides; that is fair
as long as exclusions are few, which is asserted (< 5 %).
"""

from __future__ import annotations

import numpy as np
import pytest

from somnomotor.detect.rswa import RSWAParams, RSWAResult, detect_rswa
from somnomotor.simulate import simulate_night
from somnomotor.simulate.night import SimulatedNight

SEEDS = (0, 1, 2)
DURATION_H = 1.5  # compressed cycles: ~25 min of REM in 1.5 h
TOLERANCE_PCT = 3.0  # percentage points
MINI_S = 3.0  # SINBAR mini-epoch (s)
PHASIC_RANGE_S = (0.1, 5.0)  # SINBAR phasic burst duration (s)


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def scored(request: pytest.FixtureRequest) -> tuple[SimulatedNight, RSWAResult]:
    night = simulate_night("rbd", seed=request.param, duration_h=DURATION_H)
    return night, detect_rswa(night.recording, RSWAParams.sinbar())


def _truth_mini_epochs(night: SimulatedNight) -> dict[str, np.ndarray]:
    """Truth flags on a 3-s grid laid from the truth's REM epochs (independent of the detector)."""
    truth = night.truth
    ep_s = truth.hypnogram.epoch_s
    per_ep = int(round(ep_s / MINI_S))
    rem = sorted(truth.rem_epochs, key=lambda r: r.onset_s)
    start = np.array([r.onset_s + k * MINI_S for r in rem for k in range(per_ep)])
    end = start + MINI_S
    epoch_tonic = np.repeat([r.tonic for r in rem], per_ep)
    phasic = np.zeros(start.size, bool)
    for e in truth.events_of("chin_phasic"):
        if PHASIC_RANGE_S[0] <= e.duration_s <= PHASIC_RANGE_S[1]:
            phasic |= (start < e.offset_s) & (end > e.onset_s)
    tonic_activity = np.zeros(start.size, bool)
    for e in truth.events_of("chin_tonic"):
        tonic_activity |= (start < e.offset_s) & (end > e.onset_s)
    tonic = tonic_activity & epoch_tonic
    return {"start": start, "phasic": phasic, "tonic": tonic, "any": phasic | tonic}


def _detected_chin(res: RSWAResult) -> dict[str, np.ndarray]:
    f = res.mini_epochs.frame
    chin = f[f["role"] == "chin"].sort_values("onset_s")
    return {"start": chin["onset_s"].to_numpy(float),
            "excluded": chin["excluded"].to_numpy(bool),
            **{k: chin[k].to_numpy(bool) for k in ("phasic", "tonic", "any")}}


def test_rbd_night_has_enough_rem_and_rswa(scored: tuple[SimulatedNight, RSWAResult]) -> None:
    night, _ = scored
    truth = _truth_mini_epochs(night)
    assert truth["start"].size >= 300  # >= 15 min of REM, else the percentages are too coarse
    assert truth["phasic"].mean() > 0.05
    assert truth["tonic"].mean() > 0.05


def test_mini_epoch_grid_matches_truth_rem_epochs(
        scored: tuple[SimulatedNight, RSWAResult]) -> None:
    night, res = scored
    truth = _truth_mini_epochs(night)
    det = _detected_chin(res)
    np.testing.assert_allclose(det["start"], truth["start"], atol=1e-6)


def test_exclusions_are_few(scored: tuple[SimulatedNight, RSWAResult]) -> None:
    _, res = scored
    det = _detected_chin(res)
    assert det["excluded"].mean() < 0.05


@pytest.mark.parametrize("kind", ["phasic", "tonic", "any"])
def test_sinbar_chin_percentage_within_3_points_of_truth(
        scored: tuple[SimulatedNight, RSWAResult], kind: str) -> None:
    night, res = scored
    truth = _truth_mini_epochs(night)
    det = _detected_chin(res)
    kept = ~det["excluded"]
    true_pct = 100.0 * truth[kind][kept].mean()
    det_pct = 100.0 * det[kind][kept].mean()
    assert abs(det_pct - true_pct) <= TOLERANCE_PCT, (
        f"{kind}: detected {det_pct:.1f} %, truth {true_pct:.1f} %")


@pytest.mark.parametrize("kind", ["phasic", "tonic", "any"])
def test_sinbar_chin_mini_epochs_agree_one_by_one(
        scored: tuple[SimulatedNight, RSWAResult], kind: str) -> None:
    # matching percentages could hide misses balanced by false alarms: check the flags too
    night, res = scored
    truth = _truth_mini_epochs(night)
    det = _detected_chin(res)
    kept = ~det["excluded"]
    disagree = (truth[kind] != det[kind]) & kept
    assert disagree.sum() <= 0.03 * kept.sum()


def test_sinbar_tonic_epochs_match_truth(scored: tuple[SimulatedNight, RSWAResult]) -> None:
    night, res = scored
    ep = res.epochs.frame.sort_values("onset_s")
    rem = sorted(night.truth.rem_epochs, key=lambda r: r.onset_s)
    kept = ~ep["excluded"].to_numpy(bool)
    true_tonic = np.array([r.tonic for r in rem])[kept]
    det_tonic = ep["chin_tonic"].to_numpy(bool)[kept]
    assert abs(100.0 * det_tonic.mean() - 100.0 * true_tonic.mean()) <= TOLERANCE_PCT
    assert (true_tonic != det_tonic).sum() <= max(1, 0.03 * kept.sum())
