"""Terminal summary: grouped by analysis, findings always visible, disclaimer always present."""

from somnomotor.report.text import DISCLAIMER, format_summary


def _summary(indices):
    return {
        "somnomotor_version": "x",
        "input": {"file": "night.edf", "duration_s": 8 * 3600.0},
        "hypnogram": {"source": "scored: night.xml", "total_sleep_time_s": 7 * 3600.0},
        "channel_mapping": {"leg_left": ["LAT"], "leg_right": ["RAT"]},
        "rule_set": "wasm_2016",
        "indices": indices,
        "skipped_analyses": {"bruxism": "no masseter/temporalis EMG channel"},
        "warnings": [],
    }


def _ix(name, value, unit="/h", family="leg_movements", flag=""):
    return {"name": name, "value": value, "unit": unit, "family": family, "flag": flag, "cutoff": ""}


def test_flagged_index_is_shown_even_when_not_in_the_terminal_list():
    text = format_summary(_summary([_ix("plmw_left_index", 40.0, flag="remarkable finding")]))
    assert "plmw_left_index" in text and "remarkable finding" in text


def test_unlisted_unflagged_index_is_counted_not_shown():
    text = format_summary(_summary([_ix("plms_index", 20.0), _ix("clmr_rem_index", 1.0)]))
    assert "clmr_rem_index" not in text
    assert "1 further indices are in summary.json" in text


def test_sections_skipped_analyses_times_and_disclaimer():
    text = format_summary(_summary([_ix("plms_index", 20.25), _ix("efm_criterion_met", 1.0, "yes/no",
                                                                   "fragmentary_myoclonus")]))
    assert "Leg movements" in text and "Fragmentary myoclonus" in text
    assert "20.2/h" in text or "20.3/h" in text
    # the plain name carries the value; the machine name is on the line below it
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if "Excessive fragm. myoclonus" in line)
    assert " yes " in lines[row] + " " and "efm_criterion_met" in lines[row + 1]
    assert "not run for lack of a channel: bruxism" in text
    assert "total sleep time   7 h 00 min" in text
    assert text.rstrip().endswith(DISCLAIMER)
