"""Per-leg component rows of combined leg movements: extents, ids, never counted.

Expected extents are the hand-made inputs themselves; the combined row's extent is the
earliest onset to the latest offset (WASM 2016 bilateral rule).
"""

from __future__ import annotations

import pytest
from _plm_helpers import movements, series_onsets, sleep

from somnomotor.io.export_columns import COMPONENT_TRIAL_TYPE as EXPORT_COMPONENT_TYPE
from somnomotor.report.outputs import events_to_tsv, result_rows
from somnomotor.score.plm import COMPONENT_TRIAL_TYPE, COMPONENTS_KEY, score_plm


def test_component_trial_type_is_the_one_the_exports_leave_out() -> None:
    assert COMPONENT_TRIAL_TYPE == EXPORT_COMPONENT_TYPE == "leg_movement_component"


def test_bilateral_movement_gives_one_combined_row_and_two_component_rows() -> None:
    # left 100.0-102.0 s, right 101.25-104.5 s (overlap) -> one bilateral LM 100.0-104.5 s;
    # a right LM alone at 130.0-131.5 s.
    res = score_plm(movements([(100.0, 2.0, "left"), (101.25, 3.25, "right"),
                               (130.0, 1.5, "right")]), hypnogram=sleep())
    lm = res.events.frame
    assert list(lm["lm_id"]) == [0, 1]
    assert list(lm["leg"]) == ["bilateral", "right"]
    assert lm["onset_s"].iloc[0] == 100.0 and lm["duration_s"].iloc[0] == pytest.approx(4.5)
    comp = res.extra[COMPONENTS_KEY].frame
    assert list(comp["trial_type"]) == [COMPONENT_TRIAL_TYPE] * 3
    assert list(comp["leg"]) == ["left", "right", "right"]
    assert list(comp["onset_s"]) == [100.0, 101.25, 130.0]
    assert list(comp["duration_s"]) == pytest.approx([2.0, 3.25, 1.5])
    assert list(comp["channel"]) == ["LAT", "RAT", "RAT"]
    assert list(comp["lm_id"]) == [0, 0, 1]


def test_same_leg_merged_marks_are_one_component() -> None:
    res = score_plm(movements([(100.0, 1.0, "left"), (101.3, 1.0, "left")]),
                    hypnogram=sleep())
    comp = res.extra[COMPONENTS_KEY].frame
    assert len(comp) == 1
    assert comp["duration_s"].iloc[0] == pytest.approx(2.3)


def test_component_rows_follow_their_movement_in_events_tsv_and_change_no_index() -> None:
    spec = [(t, 2.0, "left") for t in series_onsets(100.0, 20.0, 5)]
    spec += [(t + 0.5, 2.0, "right") for t in series_onsets(100.0, 20.0, 5)]
    res = score_plm(movements(spec), hypnogram=sleep())
    assert len(res.events) == 5                     # five bilateral LMs
    assert res.index("plms_index").value == pytest.approx(5.0)   # 1 h of N2
    assert res.index("lm_index").value == pytest.approx(5.0)
    rows = result_rows(res).frame
    assert list(rows["trial_type"][:3]) == ["leg_movement", COMPONENT_TRIAL_TYPE,
                                            COMPONENT_TRIAL_TYPE]
    assert (rows["trial_type"] == COMPONENT_TRIAL_TYPE).sum() == 10
    text = events_to_tsv(result_rows(res))
    assert "\tleg_movement_component\t" in text
