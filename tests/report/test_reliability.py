"""Too short a night, too little REM, more than one night: said in summary.json, on the
terminal and in the report, at the limits 4 h of sleep, 15 min of REM and 16 h of recording."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from somnomotor.events import EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.recording import Channel, Recording
from somnomotor.report.outputs import write_outputs
from somnomotor.report.reliability import (
    MAX_NIGHT_H,
    MIN_REM_MIN,
    MIN_SLEEP_H,
    add_reliability,
    assess_reliability,
)
from somnomotor.report.text import format_summary
from somnomotor.results import AnalysisResult, Index


def _doc(*, recording_h: float = 8.0, sleep_h: float | None = 7.0,
         rem_min: float | None = 90.0) -> dict[str, object]:
    indices = [
        {"name": "plms_index", "family": "leg_movements", "value": 20.0, "unit": "/h",
         "denominator": "hours of sleep (TST)", "cutoff": "> 15/h", "flag": "above 15/h"},
        {"name": "plm_rem_index", "family": "leg_movements", "value": 5.0, "unit": "/h",
         "denominator": "hours of REM sleep (R, minus unscorable time)", "cutoff": "",
         "flag": ""},
        {"name": "plms_count", "family": "leg_movements", "value": 140.0, "unit": "count",
         "cutoff": "", "flag": ""},
        {"name": "sinbar_chin_any_pct", "family": "rswa", "value": 25.0, "unit": "%",
         "cutoff": "18 %", "flag": "consistent with RSWA"},
    ]
    if rem_min is not None:
        indices.append({"name": "rswa_rem_minutes", "family": "rswa", "value": rem_min,
                        "unit": "min", "cutoff": "", "flag": ""})
    hyp = None if sleep_h is None else {"total_sleep_time_s": sleep_h * 3600.0,
                                        "stage_durations_s": {"R": (rem_min or 0) * 60.0}}
    return {"input": {"duration_s": recording_h * 3600.0}, "hypnogram": hyp,
            "indices": indices}


def _codes(doc: dict[str, object]) -> dict[str, list[str]]:
    return {c["code"]: c["indices"] for c in assess_reliability(doc)["caveats"]}


def test_limits_are_the_documented_ones() -> None:
    assert (MIN_SLEEP_H, MIN_REM_MIN, MAX_NIGHT_H) == (4.0, 15.0, 16.0)


@pytest.mark.parametrize(("sleep_h", "caveat"), [(4.0, False), (3.99, True), (0.15, True)])
def test_short_sleep_at_four_hours(sleep_h: float, caveat: bool) -> None:
    codes = _codes(_doc(sleep_h=sleep_h))
    assert ("short_sleep" in codes) is caveat
    if caveat:
        # whole-night indices only; plain counts are not judged, REM indices have their own limit
        assert codes["short_sleep"] == ["plms_index"]


@pytest.mark.parametrize(("rem_min", "caveat"), [(15.0, False), (14.9, True), (1.0, True)])
def test_little_rem_at_fifteen_minutes(rem_min: float, caveat: bool) -> None:
    codes = _codes(_doc(rem_min=rem_min))
    assert ("little_rem" in codes) is caveat
    if caveat:
        assert codes["little_rem"] == ["plm_rem_index", "sinbar_chin_any_pct"]


@pytest.mark.parametrize(("recording_h", "caveat"), [(16.0, False), (16.01, True), (36.0, True)])
def test_more_than_one_night_above_sixteen_hours(recording_h: float, caveat: bool) -> None:
    codes = _codes(_doc(recording_h=recording_h))
    assert ("long_recording" in codes) is caveat
    if caveat:
        assert "plms_index" in codes["long_recording"]


def test_without_hypnogram_a_short_recording_is_said() -> None:
    codes = _codes(_doc(recording_h=3.5, sleep_h=None, rem_min=None))
    assert "short_recording" in codes and "short_sleep" not in codes
    assert "short_recording" not in _codes(_doc(recording_h=4.0, sleep_h=None, rem_min=None))


def test_each_index_carries_its_caveat_texts() -> None:
    doc = add_reliability(_doc(recording_h=0.2, sleep_h=10 / 60, rem_min=1.0))
    by_name = {ix["name"]: ix for ix in doc["indices"]}
    assert "only 10 min of sleep" in by_name["plms_index"]["caveats"][0]
    assert "only 1 min of REM sleep" in by_name["sinbar_chin_any_pct"]["caveats"][0]
    assert by_name["plms_count"]["caveats"] == []


def _ten_minute_night(out_dir: Path) -> Path:
    """10 min: 2 min wake, 7 min N2, 1 min REM; 3 PLMS and a flagged SINBAR share."""
    stages = ["W"] * 4 + ["N2"] * 14 + ["R"] * 2
    hyp = Hypnogram(tuple(stages), epoch_s=30.0, source="scored: short.xml")
    tst_h = 8 * 60 / 3600.0
    n = int(600 * 10)
    chan = Channel(label="LAT", fs_hz=10.0, unit="uV", n_samples=n,
                   loader=lambda: np.zeros(n, dtype=np.float32))
    rec = Recording(channels=(chan,), roles={"leg_left": ("LAT",)}, duration_s=600.0,
                    hypnogram=hyp, source=Path("short.edf"))
    legs = AnalysisResult(
        family="leg_movements", events=EventTable.empty(),
        indices=(Index("plms_index", 13 / tst_h, "/h", "hours of sleep (TST)", tst_h, "h",
                       cutoff="> 15/h", flag="above the adult threshold of 15/h"),))
    rswa = AnalysisResult(
        family="rswa", events=EventTable.empty(),
        indices=(Index("sinbar_chin_any_pct", 30.0, "%", "clean REM 3-s mini-epochs (chin)",
                       20.0, "mini-epochs", cutoff="18 %", flag="consistent with RSWA"),
                 Index("rswa_rem_minutes", 1.0, "min")))
    write_outputs(out_dir, recording=rec, results=[legs, rswa], rule_set="wasm_2016")
    return out_dir


def test_summary_json_of_a_ten_minute_night_says_it_is_too_short(tmp_path: Path) -> None:
    out = _ten_minute_night(tmp_path / "short")
    summary = json.loads((out / "summary.json").read_text())
    by_name = {ix["name"]: ix for ix in summary["indices"]}
    assert any("of sleep" in c for c in by_name["plms_index"]["caveats"])
    assert any("of REM sleep" in c for c in by_name["sinbar_chin_any_pct"]["caveats"])
    codes = {c["code"] for c in summary["reliability"]["caveats"]}
    assert codes == {"short_sleep", "little_rem"}
    assert summary["reliability"]["sleep_h"] == pytest.approx(8 / 60)

    text = format_summary(summary)
    assert "caution: only 8 min of sleep" in text
    assert "caution: only 1 min of REM sleep" in text
    plms_line = text.splitlines().index(next(line for line in text.splitlines()
                                             if line.lstrip().startswith("PLMS index")))
    assert "less certain (short night)" in text.splitlines()[plms_line + 1]


def test_html_report_of_a_ten_minute_night_says_it_is_too_short(tmp_path: Path) -> None:
    from somnomotor.report.html import render_report

    out = _ten_minute_night(tmp_path / "short")
    page = render_report(out, pdf=False).html.read_text()
    assert "Read these results with care" in page
    assert "Only 8 min of sleep" in page and "Only 1 min of REM sleep" in page
    assert "less certain (short night)" in page and "less certain (little REM sleep)" in page


def test_guidance_for_the_person_says_the_night_was_short(tmp_path: Path) -> None:
    from somnomotor.report.guidance import guidance_for_outputs
    from somnomotor.report.plots import load_night

    night = load_night(_ten_minute_night(tmp_path / "short"))
    guidance = guidance_for_outputs(night.summary, night.events)
    assert "found_short_recording" in guidance.ids
    text = guidance.as_text()
    assert "Please read these results with care: only 8 min of sleep" in text
    assert "only 1 min of REM sleep" in text


def test_guidance_names_a_measure_without_lay_wording_by_its_plain_name() -> None:
    from somnomotor.report.guidance import load_library
    from somnomotor.report.index_names import plain_name

    assert load_library().plain("montreal_rem_lm_per_h") == plain_name("montreal_rem_lm_per_h")
    assert "_" not in load_library().plain("montreal_rem_lm_per_h")
