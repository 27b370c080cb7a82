"""Same-leg merging and PLMSnr across a removed CLMr, at their boundaries.

Both PLMScoRe (Fulda, doi:10.5281/zenodo.3903318) and MATPLM-Score (pskeba1/MATPLM-Score)
join scored marks of one leg that overlap or lie < 0.5 s apart (an LM ends only at >= 0.5 s
of low EMG, WASM 2016 / AASM), and compute PLMSnr with the CLMr removed and the interval taken
across it. Expected values are counted by hand from the movement lists below.
"""

from __future__ import annotations

import dataclasses

import pytest
from _plm_helpers import events, movements, series_onsets, sleep

from somnomotor._errors import SomnomotorWarning
from somnomotor.events import EventTable
from somnomotor.score.plm import score_plm
from somnomotor.score.plm_rules import PLMRules

WASM = PLMRules.wasm_2016()
AASM = PLMRules.aasm()


@pytest.mark.parametrize(("gap", "n_lm"), [(0.49, 1), (0.5, 2), (0.51, 2), (-1.0, 1)])
@pytest.mark.parametrize("rules", [WASM, AASM], ids=["wasm", "aasm"])
def test_same_leg_marks_less_than_0_5_s_apart_are_one_lm(gap: float, n_lm: int,
                                                          rules: PLMRules) -> None:
    res = score_plm(movements([(100.0, 2.0, "right"), (102.0 + gap, 3.0, "right")]),
                    hypnogram=sleep(), rules=rules)
    frame = res.events.frame
    assert len(frame) == n_lm
    assert set(frame["leg"]) == {"right"}
    if n_lm == 1:
        # earliest onset to latest offset; still one monolateral component
        assert frame["onset_s"].iloc[0] == 100.0
        assert frame["duration_s"].iloc[0] == pytest.approx(max(2.0, 5.0 + gap))
        assert frame["n_components"].iloc[0] == 1
        assert res.extra["dropped_movements"]["merged_into_same_leg_lm"] == 1


def test_overlapping_duplicate_marks_of_one_leg_do_not_break_a_series() -> None:
    # A leg scored on two channel labels: every movement appears twice, the copies
    # overlapping (same onset, or 1 s later). 6 CLMs 20 s apart -> 6 PLM, not 0.
    onsets = series_onsets(100.0, 20.0, 6)
    spec = [(t, 2.0, "left") for t in onsets] + [(t + (0.0 if i % 2 else 1.0), 2.0, "left")
                                                 for i, t in enumerate(onsets)]
    res = score_plm(movements(spec), hypnogram=sleep())
    frame = res.events.frame
    assert len(frame) == 6
    assert list(frame["leg"]) == ["left"] * 6
    assert int(frame["in_series"].sum()) == 6
    assert res.index("plms_index").value == pytest.approx(6.0)  # 1 h of N2


def test_short_mark_0_3_s_after_an_lm_lengthens_it_before_the_duration_limit() -> None:
    # 0.3-s mark 0.2 s after a 9.8-s LM: one LM of 10.3 s -> longer than the 10-s
    # monolateral CLM limit (WASM), so it is an LM but not a candidate.
    res = score_plm(movements([(100.0, 9.8), (110.0, 0.3)]), hypnogram=sleep())
    frame = res.events.frame
    assert len(frame) == 1
    assert frame["duration_s"].iloc[0] == pytest.approx(10.3)
    assert not bool(frame["candidate"].iloc[0])


def test_merging_can_be_switched_off() -> None:
    rules = dataclasses.replace(WASM, same_leg_merge_gap_s=None)
    res = score_plm(movements([(100.0, 2.0), (102.2, 2.0)]), hypnogram=sleep(), rules=rules)
    assert len(res.events) == 2


def _nr_night(rules: PLMRules):  # type: ignore[no-untyped-def]
    # 8 CLMs 20 s apart; a hypopnoea ending at 159 s makes the CLM at 160 s a CLMr
    # (window 157 .. 169.25 s around the end); its neighbours at 140/180 s lie outside.
    spec = [(t, 1.0) for t in series_onsets(100.0, 20.0, 8)]
    resp = events([(130.0, 29.0)], "hypopnea")
    return score_plm(movements(spec), hypnogram=sleep(), respiratory=resp, rules=rules)


def test_removed_clmr_inside_a_series_is_bridged_by_default() -> None:
    res = _nr_night(WASM)
    frame = res.events.frame.set_index("onset_s")
    assert list(frame.index[frame["respiratory_related"]]) == [160.0]
    assert int(frame["in_series"].sum()) == 8          # PLMS keeps the CLMr
    # PLMSnr: 100 120 140 | 160 removed | 180 200 220 240 -> IMI 140->180 = 40 s in range,
    # one series of the 7 non-respiratory CLMs.
    assert int(frame["in_series_nr"].sum()) == 7
    assert set(frame.loc[frame["in_series_nr"], "series_id_nr"]) == {0}
    assert res.index("plms_nr_index").value == pytest.approx(7.0)


def test_removed_clmr_ends_the_nr_series_under_the_named_option() -> None:
    res = _nr_night(dataclasses.replace(WASM, clmr_breaks_nr_series=True))
    frame = res.events.frame
    # 100 120 140 (3: too short) | 180 200 220 240 (4: a series)
    assert int(frame["in_series_nr"].sum()) == 4
    assert res.index("plms_nr_index").value == pytest.approx(4.0)
    assert res.index("plms_index").value == pytest.approx(8.0)


def test_a_leg_on_two_labels_is_reported_and_a_leg_on_one_label_is_not() -> None:
    # left on LAT and on "L Leg" (the copy at 100 s overlaps: 1 joined); right on RAT only
    table = EventTable.from_arrays([100.0, 100.5, 130.0, 160.0], [2.0, 1.0, 2.0, 2.0],
                                   "limb_movement", ["LAT", "L Leg", "RAT", "LAT"],
                                   side=["left", "left", "right", "left"])
    with pytest.warns(SomnomotorWarning, match="left leg is scored on 2 channel labels") as rec:
        res = score_plm(table, hypnogram=sleep())
    about = [w for w in res.warnings if "channel labels" in w]
    assert about == [("the left leg is scored on 2 channel labels (L Leg, LAT): its marks that "
                     "overlap or lie < 0.5 s apart are one left LM, never a bilateral one "
                     "(1 mark(s) joined)")]
    assert not any("right leg" in str(w.message) for w in rec)

    one_label = EventTable.from_arrays([100.0, 100.5], [2.0, 1.0], "limb_movement",
                                       ["LAT", "LAT"], side=["left", "left"])
    assert not [w for w in score_plm(one_label, hypnogram=sleep()).warnings
                if "channel labels" in w]
