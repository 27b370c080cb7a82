"""Leg-movement detection against the simulator's ground truth, per signal condition.

Short ``plmd`` nights (0.3 h, compressed sleep cycles, periodic series from the start) are
drawn per condition and seed; the truth lists every leg burst that was put into the EMG.

How the truth is compared (decisions, with reasons):

* **too short** (``too_short``, 0.15-0.35 s) true bursts are removed from the truth: they are
  no leg movement under WASM 2016 / AASM (minimum 0.5 s), so the detector must *not* report
  them; a detection on one counts as a false positive.
* **obscured** true bursts (overlapping an artefact interval on their channel: pop,
  disconnection, railing) are removed from the truth, and detections overlapping a true
  artefact interval of their channel are removed too: the truth defines "obscured" by
  overlap with its artefact intervals, so both sides are cut the same way, and no rule says
  what a movement under a pop or a railing amplifier is.
* **matching**: per leg (detections of ``side`` left vs truth rows of ``side`` left, ...),
  one-to-one, intersection over union >= 0.2 (:func:`~somnomotor.detect.matching.match_events`).
* **PLMS index**: the detected movements go through
  :func:`~somnomotor.score.plm.score_plm` with the night's hypnogram, respiratory events and
  arousals and the detector's unscorable stretches; the true index is the same scorer on the
  true movements (obscured ones removed) with the true artefact intervals as unscorable.
  Unscorable stretches break PLM series (no IMI across them), so both sides need them.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
import pytest

from somnomotor.detect.leg_movements import LegMovementDetection, detect_leg_movements
from somnomotor.detect.matching import match_events
from somnomotor.events import RESPIRATORY_TYPES, EventTable
from somnomotor.score.plm import score_plm
from somnomotor.simulate import simulate_night
from somnomotor.simulate.night import SimulatedNight

DURATION_H = 0.3
SEEDS = (1, 2)
IOU = 0.2
PLMS_TOLERANCE_PER_H = 2.0
#: Smallest per-leg F1 per condition (task targets: 0.95 clean, 0.90 under artefacts).
F1_TARGET = {"clean": 0.95, "drift": 0.90, "high_rest": 0.90, "ecg_bleed": 0.90,
             "mains": 0.90, "pops": 0.90, "near_threshold": 0.90}
# The simulator now keeps near-threshold bursts at 10.5-13 µV and one-movement bilateral
# pairs within 0.1 s, so the truth's pairing matches the rule's (this test was xfail before).


@functools.lru_cache(maxsize=None)
def _night(condition: str, seed: int) -> tuple[SimulatedNight, LegMovementDetection]:
    night = simulate_night("plmd", seed=seed, duration_h=DURATION_H, conditions=(condition,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        det = detect_leg_movements(night.recording)
    return night, det


def _overlaps(on: np.ndarray, off: np.ndarray, intervals: pd.DataFrame) -> np.ndarray:
    hit = np.zeros(on.size, dtype=bool)
    for a, d in zip(intervals["onset_s"], intervals["duration_s"]):
        hit |= (on < a + d) & (off > a)
    return hit


def _per_leg_f1(night: SimulatedNight, det: LegMovementDetection) -> dict[str, float]:
    truth = night.truth.leg_movements_table().frame
    arte = night.truth.artefacts_table().frame
    events = det.events.frame
    out = {}
    for side in ("left", "right"):
        t = truth[(truth["side"] == side) & (truth["too_short"] != True)  # noqa: E712
                  & (truth["obscured"] != True)]  # noqa: E712
        d = events[events["side"] == side]
        label = night.recording.channel_for(f"leg_{side}").label
        d_on = d["onset_s"].to_numpy()
        d_off = d_on + d["duration_s"].to_numpy()
        keep = ~_overlaps(d_on, d_off, arte[arte["channel"] == label])
        t_on = t["onset_s"].to_numpy()
        res = match_events(d_on[keep], d_off[keep], t_on, t_on + t["duration_s"].to_numpy(),
                           min_iou=IOU)
        out[side] = res.f1
    return out


def _plms(movements: EventTable, night: SimulatedNight, unscorable: EventTable) -> float:
    rec = night.recording
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = score_plm(movements, hypnogram=rec.hypnogram,
                        respiratory=rec.annotations.select(RESPIRATORY_TYPES),
                        arousals=rec.annotations.select("arousal"), unscorable=unscorable,
                        recording_duration_s=rec.duration_s)
    return float(res.index("plms_index").value)


def _true_plms(night: SimulatedNight) -> float:
    table = night.truth.leg_movements_table()
    frame = table.frame
    visible = EventTable(frame[frame["obscured"] != True].reset_index(drop=True))  # noqa: E712
    return _plms(visible, night, night.truth.artefacts_table())


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("condition", list(F1_TARGET))
def test_per_leg_f1_meets_target_per_condition(condition: str, seed: int) -> None:
    night, det = _night(condition, seed)
    n_true = int((night.truth.leg_movements_table().frame["too_short"] != True).sum())  # noqa: E712
    assert n_true >= 10, "the night must hold enough movements for an F1 to mean something"
    f1 = _per_leg_f1(night, det)
    for side, value in f1.items():
        assert value >= F1_TARGET[condition], f"{condition} seed {seed} {side}: F1 {value:.3f}"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("condition", [
    "clean", "drift", "high_rest", "ecg_bleed", "mains", "pops", "disconnected",
    "near_threshold",
])
def test_plms_index_within_2_per_h_of_truth_scored_the_same_way(condition: str, seed: int
                                                                 ) -> None:
    night, det = _night(condition, seed)
    true_index = _true_plms(night)
    assert true_index > 15.0, "a plmd night should carry a PLMS index above 15/h"
    detected = _plms(det.events, night, det.unscorable)
    assert abs(detected - true_index) <= PLMS_TOLERANCE_PER_H, (
        f"{condition} seed {seed}: detected {detected:.1f}/h, true {true_index:.1f}/h")


def test_too_short_bursts_are_not_reported() -> None:
    """WASM 2016 / AASM minimum duration 0.5 s: 0.15-0.35-s true bursts give no LM."""
    found = 0
    for seed in SEEDS:
        night, det = _night("clean", seed)
        truth = night.truth.leg_movements_table().frame
        short = truth[truth["too_short"] == True]  # noqa: E712
        events = det.events.frame
        for _, row in short.iterrows():
            found += 1
            same = events[events["side"] == row["side"]]
            on = same["onset_s"].to_numpy()
            off = on + same["duration_s"].to_numpy()
            hit = (on < row["onset_s"] + row["duration_s"]) & (off > row["onset_s"])
            assert not hit.any(), f"a {row['duration_s']:.2f}-s burst was reported as an LM"
    assert found >= 1, "the nights must hold at least one too-short burst"


@pytest.mark.parametrize("seed", SEEDS)
def test_disconnected_stretch_is_unscorable_and_holds_no_movement(seed: int) -> None:
    night, det = _night("disconnected", seed)
    arte = night.truth.artefacts_table().frame
    arte = arte[arte["reason"].isin(["disconnected", "saturation"])]
    assert len(arte) >= 1, "the condition must spoil a stretch"
    unsc = det.unscorable.frame
    events = det.events.frame
    for _, a in arte.iterrows():
        start, end = float(a["onset_s"]), float(a["onset_s"] + a["duration_s"])
        mine = unsc[unsc["channel"] == a["channel"]]
        # covered time of the true stretch by the detector's unscorable intervals
        covered = 0.0
        for u_on, u_dur in zip(mine["onset_s"], mine["duration_s"]):
            covered += max(0.0, min(end, u_on + u_dur) - max(start, u_on))
        assert covered >= 0.98 * (end - start), (
            f"only {covered:.1f} s of the {end - start:.1f}-s {a['reason']} stretch reported")
        ev = events[events["channel"] == a["channel"]]
        on = ev["onset_s"].to_numpy()
        off = on + ev["duration_s"].to_numpy()
        inside = (on < end) & (off > start)
        assert not inside.any(), f"movement reported inside the {a['reason']} stretch"
