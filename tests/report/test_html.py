"""The HTML report from an analysis folder, for a range of findings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from _night import Night, make_night

from somnomotor._errors import InputFileError, InputFileNotFoundError
from somnomotor.report.html import FIGURE_IDS, render_report
from somnomotor.report.plots import imi_values, load_night, plms_per_clock_hour
from somnomotor.report.questionnaire import QuestionnaireAnswers

ALL_RLS = QuestionnaireAnswers(rls_urge_to_move=True, rls_worse_at_rest=True,
                               rls_relieved_by_movement=True, rls_worse_evening_night=True,
                               rls_not_other_condition=True, irls_items=(3,) * 10)


@pytest.fixture(scope="module")
def plms40(tmp_path_factory: pytest.TempPathFactory) -> tuple[Night, str]:
    night = make_night(tmp_path_factory.mktemp("plms40"), plms_per_h=40.0)
    files = render_report(night.out_dir, recording=night.recording, pdf=False)
    return night, files.html.read_text(encoding="utf-8")


def _statements(page: str) -> list[str]:
    return re.findall(r'data-statement="([a-z_]+)"', page)


def test_plms_40_report_has_every_figure_and_describes_the_periodic_pattern(
        plms40: tuple[Night, str]) -> None:
    night, page = plms40
    for fig_id in FIGURE_IDS:
        assert f'<figure id="{fig_id}">' in page
        # each figure is an inline SVG
        assert re.search(rf'<figure id="{fig_id}"><svg', page)
    assert "found_plms_high" in _statements(page)
    assert f"about {night.plms_index:.0f} times per hour of sleep" in page
    assert "above 15/h" in page
    assert 'id="see-doctor"' not in page  # PLMS without answers is not a warning sign


def test_report_is_self_contained_offline(plms40: tuple[Night, str]) -> None:
    _, page = plms40
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', page)
    assert "@import" not in page and "url(http" not in page
    assert "<link" not in page.lower()


def test_every_page_says_not_medical_advice_and_whom_to_see(plms40: tuple[Night, str]) -> None:
    _, page = plms40
    assert page.count("Not medical advice") >= 3  # top, footer, repeated print footer
    assert 'class="printfoot"' in page and "position: fixed" in page
    assert "sleep specialist or a neurologist" in page


def test_report_names_the_hypnogram_and_the_stage_dependent_indices(
        plms40: tuple[Night, str]) -> None:
    _, page = plms40
    assert "scored: night.xml" in page and "(scored)" in page
    note = re.search(r"Indices that depend on the sleep staging:</b> ([^.]*)\.", page)
    assert note is not None
    assert "plms_index" in note.group(1) and "sinbar_chin_any_pct" in note.group(1)
    assert "periodicity_index" not in note.group(1)  # per candidate LM, not per stage


def test_index_table_gives_cutoff_and_standard(plms40: tuple[Night, str]) -> None:
    _, page = plms40
    summary = json.loads((plms40[0].out_dir / "summary.json").read_text())
    for ix in summary["indices"]:
        assert f">{ix['name']}</td>" in page
    assert "ICSD-3" in page and "WASM 2016" in page
    assert "doi:10.5665/sleep.1886" in page  # SINBAR cut-off filled from the known table


def test_data_quality_lists_unscorable_time_per_channel_and_reason(
        plms40: tuple[Night, str]) -> None:
    _, page = plms40
    for channel, reason, minutes in (("LAT", "noise", "4.0"), ("RAT", "saturation", "2.0"),
                                     ("Chin", "flat", "1.0")):
        assert re.search(rf"<td>{channel}</td><td>{reason}</td><td class=\"num\">{minutes}</td>",
                         page)


def test_example_traces_are_drawn_from_the_recording(plms40: tuple[Night, str]) -> None:
    _, page = plms40
    assert 'id="fig-examples"' in page and "Example traces" in page
    fig = page[page.index('<figure id="fig-examples">'):]
    assert "EMG (µV)" in fig[:fig.index("</figure>")]


def test_rswa_flagged_report_puts_see_a_doctor_before_the_results(tmp_path: Path) -> None:
    night = make_night(tmp_path / "rswa", plms_per_h=3.0, rswa_flagged=True)
    page = render_report(night.out_dir, pdf=False).html.read_text(encoding="utf-8")
    assert night.rswa_any_pct > 18
    assert page.index('id="see-doctor"') < page.index('id="overview"')
    assert "doctor_rswa" in _statements(page)
    assert "found_healthy" not in _statements(page)


def test_healthy_night_reassures_without_a_doctor_box(tmp_path: Path) -> None:
    night = make_night(tmp_path / "ok", plms_per_h=2.0, rswa_flagged=False, n_sleep_starts=1)
    files = render_report(night.out_dir, pdf=False)
    page = files.html.read_text(encoding="utf-8")
    assert files.pdf is None and not (night.out_dir / "report.pdf").exists()
    assert 'id="fig-examples"' not in page  # no recording given, no traces
    ids = _statements(page)
    assert night.plms_index <= 5 and night.rswa_any_pct <= 18
    assert "found_healthy" in ids and "found_plms_low" in ids and "found_rswa_normal" in ids
    assert 'id="see-doctor"' not in page


def test_rls_answers_with_plms_match_the_criteria(tmp_path: Path) -> None:
    night = make_night(tmp_path / "rls", plms_per_h=40.0)
    page = render_report(night.out_dir, answers=ALL_RLS, pdf=False).html.read_text("utf-8")
    assert "answers_rls_match_plms" in _statements(page)
    assert "a doctor can confirm" in page.lower()
    assert "30 of 40" in page and "&quot;severe&quot;" in page


def test_warning_sign_answer_puts_the_doctor_first(tmp_path: Path) -> None:
    night = make_night(tmp_path / "warn", plms_per_h=2.0)
    answers = QuestionnaireAnswers(weakness_or_wasting=True)
    page = render_report(night.out_dir, answers=answers, pdf=False).html.read_text("utf-8")
    assert page.index('id="see-doctor"') < page.index('id="overview"')
    ids = _statements(page)
    assert "doctor_weakness" in ids and "found_healthy" not in ids
    assert "nothing to worry about" not in page.lower()


def test_plms_per_hour_matches_the_placed_movements(plms40: tuple[Night, str]) -> None:
    night, _ = plms40
    _, rate, sleep_s = plms_per_clock_hour(load_night(night.out_dir))
    np.testing.assert_allclose(sleep_s, night.sleep_s_by_hour)
    expected = night.plms_by_hour / (night.sleep_s_by_hour / 3600.0)
    np.testing.assert_allclose(rate, expected)


def test_imi_histogram_uses_intervals_below_90_s(plms40: tuple[Night, str]) -> None:
    night, _ = plms40
    got = imi_values(load_night(night.out_dir))
    np.testing.assert_allclose(np.sort(got), np.sort(night.imis), atol=1e-3)
    assert got.max() < 90


def test_report_without_hypnogram_says_so(tmp_path: Path) -> None:
    night = make_night(tmp_path / "nohyp", plms_per_h=20.0)
    (night.out_dir / "hypnogram.tsv").unlink()
    summary = json.loads((night.out_dir / "summary.json").read_text())
    summary["hypnogram"] = None
    (night.out_dir / "summary.json").write_text(json.dumps(summary))
    page = render_report(night.out_dir, pdf=False).html.read_text("utf-8")
    assert "No hypnogram" in page and "none" in page


def test_missing_or_broken_folder_gives_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileNotFoundError, match="does not exist"):
        render_report(tmp_path / "nothing")
    folder = tmp_path / "half"
    folder.mkdir()
    (folder / "summary.json").write_text("{}")
    with pytest.raises(InputFileNotFoundError, match=r"events\.tsv.*somnomotor analyze"):
        render_report(folder)
    (folder / "events.tsv").write_text("onset\tduration\ttrial_type\n")
    (folder / "summary.json").write_text("{not json")
    with pytest.raises(InputFileError, match="not valid JSON"):
        render_report(folder)
    (folder / "summary.json").write_text("{}")
    (folder / "events.tsv").write_text("start\tlength\n1\t2\n")
    with pytest.raises(InputFileError, match=r"lacks the column\(s\) \['onset'"):
        render_report(folder)
    assert not (folder / "report.html").exists()


def test_rswa_plot_rows_are_flags_and_percentages_not_period_numbers(
        plms40: tuple[Night, str]) -> None:
    from somnomotor.report.plots import rswa_flag_columns, rswa_pct_columns, rswa_positive

    night, page = plms40
    rswa = load_night(night.out_dir).of_type("rswa_epoch")
    assert rswa_flag_columns(rswa) == ["chin_tonic", "chin_phasic", "chin_any"]
    assert rswa_pct_columns(rswa) == ["chin_any_pct"]
    pos = rswa_positive(rswa)
    assert pos.sum() == round(night.rswa_any_pct / 100 * (night.n_rem_epochs - 1))
    assert not pos[3]  # the excluded epoch
    assert "rem period" not in page
