"""Plain names and counts: every index the analyses produce has words a reader understands."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from somnomotor.report.index_names import INDEX_LABELS, counts_text, plain_name
from somnomotor.report.text import NAME_W, format_summary

SRC = Path(__file__).resolve().parents[2] / "src" / "somnomotor"


@pytest.fixture(scope="module")
def produced_names() -> set[str]:
    """Index names of real analyses: an RBD night (arm channels) and a bruxism night
    (masseter), each with its hypnogram, under both rule sets, plus the leg-movement
    indices without a hypnogram (per hour of recording)."""
    from somnomotor.pipeline import analyze_recording
    from somnomotor.score.plm import score_plm
    from somnomotor.simulate import simulate_night

    names: set[str] = set()
    for profile, rules in (("rbd", "wasm_2016"), ("bruxism", "aasm")):
        night = simulate_night(profile, seed=3, duration_h=0.75)
        analysis = analyze_recording(night.recording, rule_set=rules, auto_stage=False)
        names |= {ix.name for res in analysis.results for ix in res.indices}
        if profile == "rbd":
            legs = analysis.result("leg_movements")
            no_hyp = score_plm(legs.events, hypnogram=None,
                               recording_duration_s=night.recording.duration_s)
            names |= {ix.name for ix in no_hyp.indices}
            bare = analyze_recording(replace(night.recording, hypnogram=None),
                                     analyses=["fragmentary_myoclonus"], auto_stage=False)
            names |= {ix.name for res in bare.results for ix in res.indices}
    return names


def test_every_index_the_analyses_produce_has_a_plain_name(produced_names: set[str]) -> None:
    assert len(produced_names) > 80  # the run really produced the families' indices
    missing = sorted(produced_names - set(INDEX_LABELS))
    assert not missing, f"indices without a plain name in report/index_names.py: {missing}"


def _literal_index_names() -> set[str]:
    """First arguments of Index(...) that are string literals, in detect/ and score/."""
    names: set[str] = set()
    for path in [*(SRC / "detect").glob("*.py"), *(SRC / "score").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Index":
                arg = node.args[0] if node.args else next(
                    (k.value for k in node.keywords if k.arg == "name"), None)
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    names.add(arg.value)
    return names


def test_every_literal_index_name_in_the_code_has_a_plain_name() -> None:
    literal = _literal_index_names()
    assert {"fm_count", "bruxism_episode_index", "rswa_rem_minutes"} <= literal
    assert not sorted(literal - set(INDEX_LABELS))


def test_plain_names_are_words_and_fit_the_terminal_column() -> None:
    for name, label in INDEX_LABELS.items():
        assert label.plain != name and "_" not in label.plain, name
        assert len(label.plain) <= NAME_W, (name, label.plain)


def test_counts_behind_a_rate_a_share_and_a_ratio() -> None:
    # 62 PLMS in 6.4 h of sleep: rate 62 / 6.4 = 9.6875/h
    rate = {"name": "plms_index", "value": 62 / 6.4, "unit": "/h",
            "denominator": "hours of sleep (TST, N1+N2+N3+R, lights off to on, minus "
                           "unscorable time)", "denominator_value": 6.4, "denominator_unit": "h"}
    assert counts_text(rate) == "62 PLMS in 6.4 h of sleep"
    share = {"name": "sinbar_chin_any_pct", "value": 100 * 45 / 1200, "unit": "%",
             "denominator": "clean REM 3-s mini-epochs (chin)", "denominator_value": 1200.0,
             "denominator_unit": "mini-epochs"}
    assert counts_text(share) == "45 of 1,200 mini-epochs"
    ratio = {"name": "periodicity_index", "value": 150 / 200, "unit": "ratio",
             "denominator": "CLM count", "denominator_value": 200.0, "denominator_unit": "count"}
    assert counts_text(ratio) == "150 of 200 CLM in series"
    rem = {"name": "plm_rem_index", "value": None, "unit": "/h",
           "denominator": "hours of REM sleep (R, minus unscorable time)",
           "denominator_value": 0.0, "denominator_unit": "h"}
    assert counts_text(rem) == "0 h of REM sleep"
    assert counts_text({"name": "plms_count", "value": 62.0, "unit": "count"}) == ""
    one = {"name": "fm_index_sleep", "value": 1 / 2.0, "unit": "/h",
           "denominator": "hours of sleep (TST)", "denominator_value": 2.0,
           "denominator_unit": "h"}
    assert counts_text(one) == "1 FM potential in 2.0 h of sleep"


def _summary(indices: list[dict[str, object]]) -> dict[str, object]:
    return {"somnomotor_version": "x", "input": {"file": "n.edf", "duration_s": 8 * 3600.0},
            "hypnogram": {"source": "scored: n.xml", "total_sleep_time_s": 6.4 * 3600.0},
            "rule_set": "wasm_2016", "indices": indices, "warnings": []}


def test_terminal_shows_plain_name_count_and_a_header_over_the_cutoff_column() -> None:
    text = format_summary(_summary([
        {"name": "plms_nr_index", "value": 62 / 6.4, "unit": "/h", "family": "leg_movements",
         "denominator": "hours of sleep (TST)", "denominator_value": 6.4,
         "denominator_unit": "h", "cutoff": "", "flag": ""},
        {"name": "sinbar_chin_any_pct", "value": 7.5, "unit": "%", "family": "rswa",
         "denominator": "clean REM 3-s mini-epochs (chin)", "denominator_value": 400.0,
         "denominator_unit": "mini-epochs", "cutoff": "18 % (100 % specificity for RBD)",
         "flag": ""},
    ]))
    lines = text.splitlines()
    row = next(line for line in lines if "PLMS index, respiratory-related removed" in line)
    assert "9.7/h" in row and "62 PLMS in 6.4 h of sleep" in row
    sinbar = next(i for i, line in enumerate(lines) if plain_name("sinbar_chin_any_pct") in line)
    assert "sinbar_chin_any_pct" in lines[sinbar + 1]
    header = next(line for line in reversed(lines[:sinbar]) if "published cut-off" in line)
    # the cut-off "18 %" sits under the header that names it, not under "value"
    assert lines[sinbar].index("> 18 %") == header.index("published cut-off")
    assert header.index("value") == lines[sinbar].index("7.5 %")


def test_docs_list_every_plain_name() -> None:
    doc = (SRC.parents[1] / "docs" / "indices.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Plain names"):]
    for name, label in INDEX_LABELS.items():
        assert f"| `{name}` | {label.plain} |" in section, name
