"""Each rule of WASM 2016 and AASM at its boundary, with hand-made movement lists.

Names say which rule is checked; numbers are the limits of the standards
(docs/plm-rules.md), never values produced by the code under test.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _plm_helpers import events, movements, series_onsets, sleep

from somnomotor._errors import ParameterError
from somnomotor.hypnogram import Hypnogram
from somnomotor.score.plm import score_plm
from somnomotor.score.plm_rules import PLMRules

WASM = PLMRules.wasm_2016()
AASM = PLMRules.aasm()


def _plm_count(spec, rules=WASM, **kw):  # type: ignore[no-untyped-def]
    res = score_plm(movements(spec), hypnogram=kw.pop("hypnogram", sleep()), rules=rules, **kw)
    return int(res.events.frame["in_series"].sum()), res


# -- parameter validation -----------------------------------------------------------------
def test_presets_carry_the_published_numbers() -> None:
    assert (WASM.imi_min_s, WASM.imi_max_s, WASM.min_series_length) == (10.0, 90.0, 4)
    assert (AASM.imi_min_s, AASM.imi_max_s, AASM.min_series_length) == (5.0, 90.0, 4)
    assert WASM.clm_max_duration_mono_s == 10.0 and WASM.clm_max_duration_bilateral_s == 15.0
    assert AASM.lm_max_duration_s == 10.0 and WASM.lm_max_duration_s is None
    assert (WASM.respiratory_before_s, WASM.respiratory_after_s) == (2.0, 10.25)
    assert (AASM.respiratory_before_s, AASM.respiratory_after_s) == (0.5, 0.5)
    assert PLMRules() == PLMRules.wasm_2016()
    assert PLMRules.from_name("aasm") == AASM


@pytest.mark.parametrize("change", [
    {"lm_min_duration_s": -0.5}, {"imi_min_s": 90.0}, {"imi_max_s": float("nan")},
    {"bilateral_rule": "overlap"}, {"respiratory_anchor": "start"},
    {"min_series_length": 1}, {"bilateral_max_components": 1}, {"series_across_wake": "yes"},
    {"lm_max_duration_s": 0.2},
])
def test_invalid_rule_values_raise_parameter_error_naming_the_field(change: dict) -> None:
    with pytest.raises(ParameterError, match=next(iter(change))):
        dataclasses.replace(WASM, **change)


def test_unknown_rule_set_name_lists_the_allowed_ones() -> None:
    with pytest.raises(ParameterError, match="wasm_2016"):
        PLMRules.from_name("rk1968")


# -- LM duration ---------------------------------------------------------------------------
@pytest.mark.parametrize("rules", [WASM, AASM], ids=["wasm", "aasm"])
def test_lm_minimum_duration_0_5_s(rules: PLMRules) -> None:
    res = score_plm(movements([(100, 0.4), (200, 0.5), (300, 0.6)]), hypnogram=sleep(),
                    rules=rules)
    assert list(res.events.onset_s) == [200.0, 300.0]
    assert res.extra["dropped_movements"]["shorter_than_min"] == 1


def test_wasm_monolateral_clm_maximum_10_s_closed() -> None:
    res = score_plm(movements([(100, 10.0), (200, 10.5)]), hypnogram=sleep(), rules=WASM)
    assert list(res.events.frame["candidate"]) == [True, False]


def test_aasm_movement_longer_than_10_s_is_not_an_lm() -> None:
    res = score_plm(movements([(100, 10.0), (200, 10.5)]), hypnogram=sleep(), rules=AASM)
    assert list(res.events.onset_s) == [100.0]
    assert res.extra["dropped_movements"]["longer_than_max"] == 1


# -- IMI range -----------------------------------------------------------------------------
@pytest.mark.parametrize(("imi", "expected"), [(10.0, 4), (9.99, 0), (90.0, 4), (90.01, 0),
                                               (20.0, 4)])
def test_wasm_imi_range_10_to_90_s_closed(imi: float, expected: int) -> None:
    n, _ = _plm_count([(t, 1.0) for t in series_onsets(100.1, imi, 4)])
    assert n == expected


@pytest.mark.parametrize(("imi", "expected"), [(5.0, 4), (4.99, 0), (90.0, 4), (90.01, 0)])
def test_aasm_imi_range_5_to_90_s_closed(imi: float, expected: int) -> None:
    n, _ = _plm_count([(t, 1.0) for t in series_onsets(100.1, imi, 4)], rules=AASM)
    assert n == expected


def test_open_interval_ends_exclude_exactly_10_and_90_s() -> None:
    rules = dataclasses.replace(WASM, imi_min_inclusive=False, imi_max_inclusive=False)
    assert _plm_count([(t, 1.0) for t in series_onsets(100, 10.0, 4)], rules=rules)[0] == 0
    assert _plm_count([(t, 1.0) for t in series_onsets(100, 90.0, 4)], rules=rules)[0] == 0
    assert _plm_count([(t, 1.0) for t in series_onsets(100, 10.01, 4)], rules=rules)[0] == 4


def test_imi_is_onset_to_onset_not_offset_to_onset() -> None:
    # 9-s movements 11 s apart: offset->onset gap 2 s, onset->onset 11 s -> periodic.
    n, res = _plm_count([(t, 9.0) for t in series_onsets(100, 11.0, 4)])
    assert n == 4
    assert np.allclose(res.events.frame["imi_s"].to_numpy()[1:], 11.0)


# -- series length -------------------------------------------------------------------------
@pytest.mark.parametrize(("n_movements", "expected"), [(3, 0), (4, 4), (5, 5)])
def test_series_needs_at_least_4_clm(n_movements: int, expected: int) -> None:
    assert _plm_count([(t, 1.0) for t in series_onsets(100, 20.0, n_movements)])[0] == expected


def test_series_ids_count_up_in_time_order() -> None:
    spec = [(t, 1.0) for t in series_onsets(100, 20.0, 4) + series_onsets(500, 20.0, 5)]
    _, res = _plm_count(spec)
    assert list(res.events.frame["series_id"]) == [0] * 4 + [1] * 5


# -- bilateral combination -----------------------------------------------------------------
@pytest.mark.parametrize(("gap", "n_lm"), [(0.49, 1), (0.51, 2), (-0.5, 1)])
def test_wasm_bilateral_gap_below_0_5_s_combines(gap: float, n_lm: int) -> None:
    res = score_plm(movements([(100, 2.0, "left"), (102.0 + gap, 2.0, "right")]),
                    hypnogram=sleep(), rules=WASM)
    assert len(res.events) == n_lm
    if n_lm == 1:
        row = res.events.frame.iloc[0]
        assert (row["leg"], row["n_components"]) == ("bilateral", 2)
        assert row["onset_s"] == 100.0 and row["duration_s"] == pytest.approx(4.0 + gap)


def test_wasm_same_leg_movements_0_51_s_apart_are_never_combined_directly() -> None:
    # Same-leg marks < 0.5 s apart are one LM (tests/score/test_plm_same_leg_and_nr.py);
    # 0.51 s apart they stay two monolateral LMs and are not made "bilateral".
    res = score_plm(movements([(100, 2.0, "left"), (102.51, 2.0, "left")]), hypnogram=sleep())
    assert list(res.events.frame["leg"]) == ["left", "left"]


@pytest.mark.parametrize(("delta", "n_lm"), [(4.9, 1), (5.1, 2)])
def test_aasm_bilateral_onsets_less_than_5_s_apart_combine(delta: float, n_lm: int) -> None:
    res = score_plm(movements([(100, 1.0, "left"), (100 + delta, 1.0, "right")]),
                    hypnogram=sleep(), rules=AASM)
    assert len(res.events) == n_lm


@pytest.mark.parametrize(("n_right", "candidate"), [(3, True), (4, False)])
def test_wasm_bilateral_lm_with_5_components_is_not_a_clm(n_right: int, candidate: bool) -> None:
    spec = [(100.0, 9.0, "left")] + [(101.0 + 2 * i, 0.6, "right") for i in range(n_right)]
    res = score_plm(movements(spec), hypnogram=sleep())
    assert len(res.events) == 1
    row = res.events.frame.iloc[0]
    assert row["n_components"] == n_right + 1
    assert bool(row["candidate"]) is candidate


@pytest.mark.parametrize(("end", "candidate"), [(114.9, True), (115.0, True), (115.5, False)])
def test_wasm_bilateral_clm_maximum_15_s(end: float, candidate: bool) -> None:
    spec = [(100.0, 8.0, "left"), (107.5, end - 107.5, "right")]
    res = score_plm(movements(spec), hypnogram=sleep())
    assert len(res.events) == 1
    assert bool(res.events.frame["candidate"].iloc[0]) is candidate


def test_wasm_bilateral_with_a_long_component_is_not_a_clm() -> None:
    res = score_plm(movements([(100.0, 10.5, "left"), (101.0, 1.0, "right")]), hypnogram=sleep())
    assert not bool(res.events.frame["candidate"].iloc[0])


def test_unknown_side_is_one_leg_and_never_combined() -> None:
    res = score_plm(movements([(100, 2.0, "unknown"), (101, 2.0, "unknown")]),
                    hypnogram=sleep())
    assert list(res.events.frame["leg"]) == ["unknown", "unknown"]


# -- long movements inside a series --------------------------------------------------------
def test_wasm_non_clm_inside_a_series_breaks_it() -> None:
    spec = [(t, 1.0) for t in (100, 120, 140, 160, 180, 200)] + [(165.0, 10.5)]
    n, res = _plm_count(spec, rules=WASM)
    # 100..160 (4 CLM) is a series; 180, 200 after the long LM are only 2.
    assert n == 4
    assert np.isnan(res.events.frame.set_index("onset_s").loc[180.0, "imi_s"])


def test_aasm_movement_over_10_s_inside_a_series_does_not_break_it() -> None:
    spec = [(t, 1.0) for t in (100, 120, 140, 160, 180, 200)] + [(165.0, 10.5)]
    n, _ = _plm_count(spec, rules=AASM)
    assert n == 6


# -- short IMI -----------------------------------------------------------------------------
def test_short_imi_clm_ends_the_series_and_may_start_a_new_one() -> None:
    onsets = [100, 120, 140, 160, 165, 185, 205, 225]
    n, res = _plm_count([(t, 1.0) for t in onsets])
    assert n == 8
    frame = res.events.frame.set_index("onset_s")
    assert frame.loc[165.0, "short_imi"] and frame.loc[165.0, "series_id"] == 1
    assert frame.loc[160.0, "series_id"] == 0


def test_short_imi_clm_may_not_start_a_series_when_so_configured() -> None:
    onsets = [100, 120, 140, 160, 165, 185, 205, 225]
    rules = dataclasses.replace(WASM, short_imi_may_start_series=False)
    n, res = _plm_count([(t, 1.0) for t in onsets], rules=rules)
    assert n == 4
    assert not res.events.frame.set_index("onset_s").loc[165.0, "in_series"]


def test_isolated_clm_is_neither_plm_nor_short_imi() -> None:
    _, res = _plm_count([(100, 1.0), (105, 1.0), (400, 1.0)])
    f = res.events.frame.set_index("onset_s")
    assert list(f["isolated"]) == [True, False, True]
    assert list(f["short_imi"]) == [False, True, False]


# -- respiratory rule ----------------------------------------------------------------------
@pytest.mark.parametrize(("lm", "related"), [
    ((110.0, 7.99), False),   # ends 117.99 < 120 - 2.0
    ((110.0, 8.01), True),    # ends 118.01
    ((130.24, 1.0), True),    # starts before 120 + 10.25
    ((130.26, 1.0), False),
])
def test_wasm_respiratory_window_minus_2_0_to_plus_10_25_s_around_event_end(
    lm: tuple[float, float], related: bool
) -> None:
    res = score_plm(movements([lm]), hypnogram=sleep(), rules=WASM,
                    respiratory=events([(100.0, 20.0)], "apnea"))
    assert bool(res.events.frame["respiratory_related"].iloc[0]) is related


@pytest.mark.parametrize(("lm", "related"), [
    ((98.0, 1.49), False),    # ends 99.49 < 100 - 0.5
    ((98.0, 1.51), True),     # ends 99.51
    ((120.49, 1.0), True),    # starts before 120 + 0.5
    ((120.51, 1.0), False),
    ((110.0, 1.0), True),     # inside the event
])
def test_aasm_respiratory_window_0_5_s_before_start_to_0_5_s_after_end(
    lm: tuple[float, float], related: bool
) -> None:
    res = score_plm(movements([lm]), hypnogram=sleep(), rules=AASM,
                    respiratory=events([(100.0, 20.0)], "hypopnea"))
    assert bool(res.events.frame["respiratory_related"].iloc[0]) is related


def test_wasm_clmr_stay_in_plms_and_leave_plms_nr() -> None:
    spec = [(t, 1.0) for t in (100, 120, 140, 160, 180)]
    # Apnoea ending at 139 s: the CLM at 140 s lies in -2.0..+10.25 s of its end.
    resp = events([(119.5, 19.5)], "apnea")
    n, res = _plm_count(spec, respiratory=resp)
    assert n == 5
    assert res.index("plms_index").value == pytest.approx(5.0)
    assert res.index("clmr_index").value == pytest.approx(1.0)
    # Without CLMr (default, as PLMScoRe and MATPLM-Score): 140 removed, the interval is
    # taken across it: 100, 120, 160, 180 (IMIs 20, 40, 20 s) are one series of 4.
    assert int(res.events.frame["in_series_nr"].sum()) == 4
    assert res.index("plms_nr_index").value == pytest.approx(4.0)
    # The named option: a removed CLMr ends the series -> 100, 120 | 160, 180, no series.
    strict = dataclasses.replace(WASM, clmr_breaks_nr_series=True)
    _, res_strict = _plm_count(spec, rules=strict, respiratory=resp)
    assert int(res_strict.events.frame["in_series_nr"].sum()) == 0
    assert res_strict.index("plms_nr_index").value == pytest.approx(0.0)


def test_aasm_respiratory_lm_is_left_out_of_the_series_without_breaking_it() -> None:
    spec = [(t, 1.0) for t in (100, 120, 130, 140, 160)]
    # Apnoea 128..131 s covers the LM at 130 s; the others are 20 s apart.
    n, res = _plm_count(spec, rules=AASM, respiratory=events([(128.0, 3.0)], "apnea"))
    assert n == 4
    assert not res.events.frame.set_index("onset_s").loc[130.0, "in_series"]


# -- arousal association -------------------------------------------------------------------
@pytest.mark.parametrize(("arousal", "associated"), [
    ((102.49, 3.0), True),    # arousal starts 0.49 s after the LM ends
    ((102.51, 3.0), False),
    ((96.51, 3.0), True),     # arousal ends 0.49 s before the LM starts
    ((96.49, 3.0), False),
    ((101.0, 3.0), True),     # overlap
])
def test_arousal_association_overlap_or_gap_below_0_5_s_either_order(
    arousal: tuple[float, float], associated: bool
) -> None:
    for rules in (WASM, AASM):
        res = score_plm(movements([(100.0, 2.0)]), hypnogram=sleep(), rules=rules,
                        arousals=events([arousal], "arousal"))
        assert bool(res.events.frame["arousal_associated"].iloc[0]) is associated


# -- stages --------------------------------------------------------------------------------
def test_series_run_across_wake_and_each_plm_takes_the_stage_of_its_onset_epoch() -> None:
    hyp = Hypnogram(("N2", "W", "N2", "N2") + ("N2",) * 116, source="test")
    n, res = _plm_count([(5, 1.0), (29.9, 1.0), (45, 1.0), (65, 1.0)], hypnogram=hyp)
    assert n == 4
    assert list(res.events.frame["stage"]) == ["N2", "N2", "W", "N2"]
    assert res.index("plms_count").value == 3
    assert res.index("plmw_count").value == 1


def test_series_do_not_cross_wake_when_so_configured() -> None:
    hyp = Hypnogram(("N2", "W", "N2", "N2") + ("N2",) * 116, source="test")
    rules = dataclasses.replace(WASM, series_across_wake=False)
    n, _ = _plm_count([(5, 1.0), (25, 1.0), (45, 1.0), (65, 1.0), (85, 1.0)], hypnogram=hyp,
                      rules=rules)
    assert n == 0


def test_stage_attribution_uses_the_epoch_of_the_onset() -> None:
    hyp = Hypnogram(("W", "R") + ("N2",) * 10, source="test")
    res = score_plm(movements([(29.5, 2.0)]), hypnogram=hyp)
    assert res.events.frame["stage"].iloc[0] == "W"


# -- unscorable time -----------------------------------------------------------------------
def test_unscorable_time_leaves_the_denominator_and_its_movements_are_not_counted() -> None:
    hyp = sleep(120)  # 3600 s of N2
    spec = [(t, 1.0) for t in (100, 120, 140, 160)] + [(1000.0, 1.0)]
    res = score_plm(movements(spec), hypnogram=hyp, unscorable=events([(900.0, 1800.0)], "bad"))
    assert len(res.events) == 4
    assert res.index("plms_index").denominator_value == pytest.approx(0.5)
    assert res.index("plms_index").value == pytest.approx(8.0)
    assert res.extra["dropped_movements"]["onset_in_unscorable"] == 1


def test_no_series_runs_across_an_unscorable_stretch_of_10_s() -> None:
    # 100 120 | 141..151 unscorable | 160 180: each side has only 2 or 3 CLMs
    spec = [(t, 1.0) for t in (100, 120, 140, 160, 180)]
    n, _ = _plm_count(spec, unscorable=events([(141.0, 10.0)], "bad"))
    assert n == 0


def test_a_series_runs_across_an_unscorable_stretch_of_9_99_s() -> None:
    # brief artefacts (electrode pops) cannot hide a whole interval: the series goes on
    spec = [(t, 1.0) for t in (100, 120, 140, 160, 180)]
    n, _ = _plm_count(spec, unscorable=events([(141.0, 9.99)], "bad"))
    assert n == 5


# -- without hypnogram ---------------------------------------------------------------------
def test_without_hypnogram_indices_are_per_hour_of_recording_and_named_so() -> None:
    spec = [(t, 1.0) for t in series_onsets(100, 20.0, 6)]
    res = score_plm(movements(spec), hypnogram=None, recording_duration_s=1800.0)
    ix = res.index("plm_index")
    assert ix.value == pytest.approx(12.0)
    assert ix.denominator == "hours of recording (no hypnogram)"
    assert ix.flag == ""
    assert "plms_index" not in res.index_values()
    assert set(res.events.frame["stage"]) == {"n/a"}


# -- bad input -----------------------------------------------------------------------------
def test_movements_without_side_column_raise_parameter_error() -> None:
    from somnomotor.events import EventTable

    table = EventTable.from_arrays([1.0], [1.0], "limb_movement")
    with pytest.raises(ParameterError, match="'side' column"):
        score_plm(table, hypnogram=None)


def test_unknown_side_value_raises_parameter_error_listing_allowed_values() -> None:
    with pytest.raises(ParameterError, match="allowed are"):
        score_plm(movements([(1.0, 1.0, "middle")]), hypnogram=None)


def test_negative_duration_raises_parameter_error() -> None:
    with pytest.raises(ParameterError, match="duration >= 0"):
        score_plm(movements([(1.0, -1.0)]), hypnogram=None)


def test_empty_input_gives_a_result_with_zero_counts() -> None:
    res = score_plm(movements([]), hypnogram=sleep())
    assert len(res.events) == 0
    assert res.index("plms_index").value == 0.0
    assert res.index("periodicity_index").value is None


def test_aasm_bilateral_combination_is_transitive_over_alternating_legs() -> None:
    # Onsets 0, 4, 8 s on alternating legs: each neighbour pair is < 5 s apart -> one LM.
    res = score_plm(movements([(100, 1.0, "left"), (104, 1.0, "right"), (108, 1.0, "left")]),
                    hypnogram=sleep(), rules=AASM)
    assert len(res.events) == 1
    assert res.events.frame["n_components"].iloc[0] == 3


def test_mixing_known_and_unknown_sides_warns() -> None:
    from somnomotor._errors import SomnomotorWarning

    with pytest.warns(SomnomotorWarning, match="unknown leg"):
        res = score_plm(movements([(100, 1.0, "left"), (200, 1.0, "bilateral")]),
                        hypnogram=sleep())
    assert any("unknown leg" in w for w in res.warnings)


def test_output_events_carry_every_documented_column() -> None:
    from somnomotor.score.plm import OUTPUT_COLUMNS

    res = score_plm(movements([(100, 1.0)]), hypnogram=sleep())
    assert set(OUTPUT_COLUMNS) <= set(res.events.frame.columns)
    assert set(res.events.frame["trial_type"]) == {"leg_movement"}
