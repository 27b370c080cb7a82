"""Leg-movement indices: denominators, thresholds and distributions against hand counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _plm_helpers import events, movements, series_onsets

from somnomotor.hypnogram import Hypnogram
from somnomotor.score.plm import score_plm
from somnomotor.score.plm_indices import IMI_BIN_EDGES_S, LN_IMI_BIN_EDGES
from somnomotor.score.plm_rules import PLMRules

# 1 h N2 (120 epochs), 30 min REM (60), 30 min wake (60): TST 1.5 h, NREM 1 h, REM 0.5 h.
HYP = Hypnogram(("N2",) * 120 + ("R",) * 60 + ("W",) * 60, source="test")
REM_START, WAKE_START = 3600.0, 5400.0


def _night():  # type: ignore[no-untyped-def]
    spec = (
        [(t, 2.0, "left") for t in series_onsets(100, 20.0, 12)]          # 12 PLM N2, left
        + [(t, 2.0, "right") for t in series_onsets(REM_START + 100, 30.0, 6)]  # 6 PLM REM
        + [(t, 2.0, "left") for t in series_onsets(WAKE_START + 100, 15.0, 5)]  # 5 PLMW
        + [(2000.0, 3.0, "left"), (2004.0, 3.0, "left")]                 # isolated + short
        + [(2500.0, 12.0, "left")]                                        # LM, not CLM
    )
    return score_plm(movements(spec), hypnogram=HYP, rules=PLMRules.wasm_2016())


def test_plms_index_is_plm_in_sleep_per_hour_of_tst() -> None:
    ix = _night().index("plms_index")
    assert ix.value == pytest.approx((12 + 6) / 1.5)
    assert ix.unit == "/h" and ix.denominator_value == pytest.approx(1.5)
    assert "10.1016/j.sleep.2016.10.010" in ix.standard


def test_stage_specific_indices_use_their_own_denominators() -> None:
    v = _night().index_values()
    assert v["plm_nrem_index"] == pytest.approx(12 / 1.0)
    assert v["plm_rem_index"] == pytest.approx(6 / 0.5)
    assert v["plmw_index"] == pytest.approx(5 / 0.5)
    assert v["clms_index"] == pytest.approx((12 + 6 + 2) / 1.5)
    assert v["clmw_index"] == pytest.approx(5 / 0.5)
    assert v["lm_index"] == pytest.approx((12 + 6 + 2 + 1) / 1.5)


def test_short_interval_isolated_and_side_indices() -> None:
    v = _night().index_values()
    assert v["short_imi_index"] == pytest.approx(1 / 1.5)
    assert v["isolated_index"] == pytest.approx(1 / 1.5)
    assert v["plms_left_index"] == pytest.approx(12 / 1.5)
    assert v["plms_right_index"] == pytest.approx(6 / 1.5)
    assert v["plms_bilateral_index"] == pytest.approx(0.0)
    assert v["plmw_left_index"] == pytest.approx(5 / 0.5)


def test_periodicity_index_is_plm_over_clm_per_state() -> None:
    v = _night().index_values()
    assert v["periodicity_index"] == pytest.approx(18 / 20)
    assert v["periodicity_index_wake"] == pytest.approx(1.0)


def test_ln_imi_uses_clm_pairs_with_imi_from_10_to_below_90_s() -> None:
    v = _night().index_values()
    # Sleep pairs: 11 x 20 s (N2), 5 x 30 s (REM); the 4-s pair and the pairs across the
    # non-CLM or over 90 s are excluded.
    ln = np.log([20.0] * 11 + [30.0] * 5)
    assert v["ln_imi_mean"] == pytest.approx(ln.mean())
    assert v["ln_imi_sd"] == pytest.approx(ln.std(ddof=1))


def test_imi_histograms_count_clm_pairs_below_90_s_in_2_s_and_0_1_bins() -> None:
    extra = _night().extra
    counts = extra["imi_histogram"]["counts"]
    assert extra["imi_histogram"]["bin_edges_s"] == list(IMI_BIN_EDGES_S)
    assert len(counts) == 45
    assert counts[10] == 11 and counts[15] == 5 and counts[2] == 1     # 20 s, 30 s, 4 s
    assert sum(counts) == 17
    ln_counts = extra["ln_imi_histogram"]["counts"]
    assert len(ln_counts) == len(LN_IMI_BIN_EDGES) - 1 == 45
    assert ln_counts[int(math.log(20) * 10)] == 11
    assert ln_counts[int(math.log(4) * 10)] == 1


def test_mean_durations_and_counts() -> None:
    v = _night().index_values()
    assert v["plms_mean_duration_s"] == pytest.approx(2.0)
    assert v["short_imi_mean_duration_s"] == pytest.approx(3.0)
    assert v["plms_count"] == 18 and v["plmw_count"] == 5
    assert v["lm_count"] == 12 + 6 + 5 + 3


@pytest.mark.parametrize(("n_plm", "flag"), [
    (15, "above the children's threshold of 5/h (not above the adult 15/h)"),
    (16, "above the adult threshold of 15/h"),
    (5, ""),
    (6, "above the children's threshold of 5/h (not above the adult 15/h)"),
])
def test_plms_threshold_flags_are_strictly_greater_than(n_plm: int, flag: str) -> None:
    hyp = Hypnogram(("N2",) * 120, source="test")  # exactly 1 h of sleep
    res = score_plm(movements([(t, 1.0) for t in series_onsets(60, 20.0, n_plm)]),
                    hypnogram=hyp)
    ix = res.index("plms_index")
    assert ix.value == pytest.approx(n_plm)
    assert ix.flag == flag
    assert "> 15/h" in ix.cutoff and "not a diagnosis" in ix.cutoff


def test_rem_index_is_none_without_rem_sleep() -> None:
    res = score_plm(movements([(100, 1.0)]), hypnogram=Hypnogram(("N2",) * 10))
    assert res.index("plm_rem_index").value is None
    assert res.index("plms_index").value == 0.0


def test_epochs_outside_lights_off_to_on_are_in_no_denominator() -> None:
    hyp = Hypnogram(("N2",) * 120, analysis_start_s=600.0, analysis_end_s=2400.0)
    res = score_plm(movements([(t, 1.0) for t in series_onsets(100, 20.0, 4)]), hypnogram=hyp)
    ix = res.index("plms_index")
    assert ix.denominator_value == pytest.approx(0.5)
    assert ix.value == pytest.approx(0.0)  # the series lies before lights off


def test_unscorable_time_is_removed_from_the_matching_stage_only() -> None:
    res = score_plm(movements([]), hypnogram=HYP,
                    unscorable=events([(REM_START, 900.0)], "unscorable"))
    d = res.extra["denominators_h"]
    assert d["sleep"] == pytest.approx(1.25) and d["rem"] == pytest.approx(0.25)
    assert d["nrem"] == pytest.approx(1.0) and d["wake"] == pytest.approx(0.5)


def test_plms_arousal_index_counts_associated_plm_in_sleep() -> None:
    spec = [(t, 1.0) for t in series_onsets(100, 20.0, 4)]
    res = score_plm(movements(spec), hypnogram=HYP,
                    arousals=events([(121.2, 3.0), (160.9, 2.0)], "arousal"))
    assert res.index("plms_arousal_index").value == pytest.approx(2 / 1.5)
