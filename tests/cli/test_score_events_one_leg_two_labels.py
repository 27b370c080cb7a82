"""One leg scored on two channel labels, and two legs scored at the same instant.

Some RemLogic exports hold one leg under two Location labels. The public night BC1
(pskeba1/MATPLM-Score ``sample_events/``) scores the left leg as ``EMG.Tibialis-Leg-Left``
and as ``LAntib1-LAntib2``: in one cluster nearly every left movement is marked on both,
with the same onset or 1 s apart; in another cluster ``EMG.Tibialis-Leg-Left`` pairs with
``RAntib1-RAntib2`` (a true two-leg movement). The export below, written here, repeats that
pattern. Stages: 4 epochs of wake, then 120 epochs of N2 (TST exactly 1 h, so every count
is its own index per hour).

* A, two legs: ``EMG.Tibialis-Leg-Left`` 2 s at 600, 620, 640, 660, 680 s;
  ``RAntib1-RAntib2`` 2 s at the same onset (600, 620) or 1 s later (641, 661, 681)
  -> 5 bilateral LMs, IMI 20 s -> 5 bilateral PLMS.
* B, one leg on two labels: ``EMG.Tibialis-Leg-Left`` 3 s at 1800, 1824, 1842, 1855, 1880,
  1904 s; ``LAntib1-LAntib2`` at 1801 (2 s, 1 s later), 1824 (3 s, same onset, the
  Leg-Left row first), 1842 (2 s, same onset, the LAntib row first), none at 1855, 1879
  (2 s, 1 s *earlier*), 1905 (1 s). Marks of one leg that overlap are one LM (WASM 2016:
  an LM ends only after >= 0.5 s of low EMG), so: 6 left LMs at 1800, 1824, 1842, 1855,
  1879, 1904 s lasting 3, 3, 3, 3, 4 (1879 .. 1883), 3 s; IMIs 24, 18, 13, 24, 25 s -> 6
  left PLMS, and 5 marks merged into an LM of the same leg.
* C, right only: ``RAntib1-RAntib2`` 1.5 s at 2400, 2420, 2440, 2460 s -> 4 right PLMS.

Series are apart by > 90 s (680 -> 1800, 1904 -> 2400). By hand: PLMS 15/h = left 6 +
right 4 + bilateral 5; CLMS 15/h; no PLMW.

PLMScoRe 0.1.3 (R, Steph-Fulda/PLMScoRe commit 68912a3), given both left labels as the left
leg, calls the two same-onset pairs of B (1824, 1842 s) bilateral: its same-leg join
``lm_unil`` takes only marks that start strictly later (R/lm_score.R line 15,
``d$Onset>d$Onset[i]``) and its bilateral join ``lm_bil`` groups every mark starting at the
same time or later, of either leg (line 94, ``d1$Onset>=d1$Onset[i]``). Run on this very
file it gives left 4, right 4, bilateral 7 per hour, PLMS 15/h. We keep one leg one leg
(docs/indices.md, "Left, right and bilateral against PLMScoRe").
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from somnomotor.cli.main import main

LEG_LEFT = "EMG.Tibialis-Leg-Left"
L_ANTIB = "LAntib1-LAntib2"
R_ANTIB = "RAntib1-RAntib2"

#: (onset s, duration s, Location) in the order written to the file.
MARKS: tuple[tuple[float, float, str], ...] = (
    # A: two legs
    (600.0, 2.0, LEG_LEFT), (600.0, 2.0, R_ANTIB),
    (620.0, 2.0, R_ANTIB), (620.0, 2.0, LEG_LEFT),
    (640.0, 2.0, LEG_LEFT), (641.0, 2.0, R_ANTIB),
    (660.0, 2.0, LEG_LEFT), (661.0, 2.0, R_ANTIB),
    (680.0, 2.0, LEG_LEFT), (681.0, 2.0, R_ANTIB),
    # B: the left leg on two labels
    (1800.0, 3.0, LEG_LEFT), (1801.0, 2.0, L_ANTIB),
    (1824.0, 3.0, LEG_LEFT), (1824.0, 3.0, L_ANTIB),
    (1842.0, 2.0, L_ANTIB), (1842.0, 3.0, LEG_LEFT),
    (1855.0, 3.0, LEG_LEFT),
    (1879.0, 2.0, L_ANTIB), (1880.0, 3.0, LEG_LEFT),
    (1904.0, 3.0, LEG_LEFT), (1905.0, 1.0, L_ANTIB),
    # C: right only
    (2400.0, 1.5, R_ANTIB), (2420.0, 1.5, R_ANTIB), (2440.0, 1.5, R_ANTIB),
    (2460.0, 1.5, R_ANTIB),
)

#: Combined LMs by hand: onset s -> (leg, duration s).
EXPECTED_LMS: dict[float, tuple[str, float]] = {
    600.0: ("bilateral", 2.0), 620.0: ("bilateral", 2.0), 640.0: ("bilateral", 3.0),
    660.0: ("bilateral", 3.0), 680.0: ("bilateral", 3.0),
    1800.0: ("left", 3.0), 1824.0: ("left", 3.0), 1842.0: ("left", 3.0),
    1855.0: ("left", 3.0), 1879.0: ("left", 4.0), 1904.0: ("left", 3.0),
    2400.0: ("right", 1.5), 2420.0: ("right", 1.5), 2440.0: ("right", 1.5),
    2460.0: ("right", 1.5),
}

#: Indices by hand (TST 1 h, so per hour = count).
EXPECTED_INDICES = {
    "plms_index": 15.0, "plms_left_index": 6.0, "plms_right_index": 4.0,
    "plms_bilateral_index": 5.0, "clms_index": 15.0, "plmw_index": 0.0,
}


def _clock(seconds: float) -> str:
    base = pd.Timestamp("2008-07-09T01:00:00")
    return (base + pd.Timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f")


def write_export(path: Path) -> Path:
    """A RemLogic "Event Export" (CRLF, stage rows first at each time, as RemLogic writes)."""
    rows: list[tuple[float, str, float, str]] = []
    for i in range(124):
        rows.append((i * 30.0, "SLEEP-S0" if i < 4 else "SLEEP-S2", 30.0, "EEG-F4-A1"))
    rows += [(onset, "PLM-LM", dur, loc) for onset, dur, loc in MARKS]
    rows.sort(key=lambda r: r[0])  # stable: same-onset marks keep the order of MARKS
    lines = ["RemLogic Event Export", "Patient ID:\t1001", "Recording Date:\t7/9/2008", "",
             "Events Included:", "PLM-LM", "SLEEP-S0", "SLEEP-S2", "",
             "Time [hh:mm:ss]\tEvent\tDuration[s]\tLocation"]
    lines += [f"{_clock(t)}\t{ev}\t{d:g}\t{loc}" for t, ev, d, loc in rows]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, pd.DataFrame]:
    tmp = tmp_path_factory.mktemp("one_leg_two_labels")
    src = write_export(tmp / "BC1-like-Events.txt")
    assert main(["score-events", str(src), "--out", str(tmp / "out")]) == 0
    summary = json.loads((tmp / "out" / "summary.json").read_text(encoding="utf-8"))
    events = pd.read_csv(tmp / "out" / "events.tsv", sep="\t", na_values=["n/a"],
                         keep_default_na=False)
    return summary, events


def test_split_of_one_leg_on_two_labels_equals_the_hand_count(
        scored: tuple[dict, pd.DataFrame]) -> None:
    summary, _ = scored
    values = {ix["name"]: ix["value"] for ix in summary["indices"]}
    got = {name: values[name] for name in EXPECTED_INDICES}
    assert got == pytest.approx(EXPECTED_INDICES, abs=1e-9)


def test_same_onset_marks_of_one_leg_are_one_left_lm_and_of_two_legs_one_bilateral(
        scored: tuple[dict, pd.DataFrame]) -> None:
    summary, events = scored
    lm = events[events["trial_type"] == "leg_movement"]
    got = {round(float(r.onset), 3): (r.leg, round(float(r.duration), 3))
           for r in lm.itertuples()}
    assert got == EXPECTED_LMS
    assert bool(lm["in_series"].astype(int).all())
    # The same-onset left pairs (1824, 1842 s) are one monolateral LM each, their channel
    # naming both labels; the same-onset two-leg pairs (600, 620 s) have two components.
    by_onset = lm.set_index(lm["onset"].round(3))
    for onset in (1824.0, 1842.0):
        assert int(by_onset.loc[onset, "n_components"]) == 1
        assert set(str(by_onset.loc[onset, "channel"]).split("+")) == {LEG_LEFT, L_ANTIB}
    for onset in (600.0, 620.0):
        assert int(by_onset.loc[onset, "n_components"]) == 2
        assert set(str(by_onset.loc[onset, "channel"]).split("+")) == {LEG_LEFT, R_ANTIB}
    dropped = summary["analyses"]["leg_movements"]["dropped_movements"]
    assert dropped["merged_into_same_leg_lm"] == 5


def test_a_leg_scored_on_two_labels_is_reported_once(scored: tuple[dict, pd.DataFrame]) -> None:
    summary, _ = scored
    about_labels = [w for w in summary["warnings"] if "channel labels" in w]
    assert about_labels == [
        ("leg_movements: the left leg is scored on 2 channel labels (EMG.Tibialis-Leg-Left, "
        "LAntib1-LAntib2): its marks that overlap or lie < 0.5 s apart are one left LM, "
        "never a bilateral one (5 mark(s) joined)")
    ]
