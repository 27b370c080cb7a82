"""``somnomotor report`` and ``somnomotor questionnaire`` on the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from somnomotor.cli.main import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from _night import make_night


def _one_error_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1, err
    lines = [ln for ln in err.strip().splitlines() if not ln.startswith("warning:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_report_writes_html_from_an_analysis_folder_with_answers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    night = make_night(tmp_path / "night", plms_per_h=30.0)
    answers = tmp_path / "answers.yaml"
    answers.write_text("dream_enactment: yes\n")
    code = main(["report", str(night.out_dir), "--answers", str(answers), "--no-pdf"])
    out = capsys.readouterr().out
    assert code == 0
    page = (night.out_dir / "report.html").read_text(encoding="utf-8")
    assert str(night.out_dir / "report.html") in out
    assert 'data-statement="doctor_dream_enactment"' in page
    assert not (night.out_dir / "report.pdf").exists()


def test_report_on_a_missing_folder_is_one_line_and_exit_1(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = _one_error_line(capsys, ["report", str(tmp_path / "nothing")])
    assert line.startswith("somnomotor report: error:") and "does not exist" in line


def test_report_with_a_bad_answers_file_names_the_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    night = make_night(tmp_path / "night", plms_per_h=5.0)
    bad = tmp_path / "a.json"
    bad.write_text(json.dumps({"irls_items": [1, 2]}))
    line = _one_error_line(capsys, ["report", str(night.out_dir), "--answers", str(bad)])
    assert "irls_items" in line and "10 scores" in line
    assert not (night.out_dir / "report.html").exists()


def test_questionnaire_from_a_file_is_checked_and_saved(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.yaml"
    src.write_text("rls_urge_to_move: yes\nrls_worse_at_rest: yes\nrls_relieved_by_movement: yes"
                   "\nrls_worse_evening_night: yes\nrls_not_other_condition: yes\n"
                   "irls_items: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n")
    out = tmp_path / "answers.json"
    assert main(["questionnaire", "--answers", str(src), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "5 of 5" in err and "IRLS total 10 of 40 (mild)" in err
    assert json.loads(out.read_text())["rls_urge_to_move"] is True


def test_questionnaire_interactive_asks_again_and_saves(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    replies = iter(["x", "n"] + ["n"] * 4 + ["n", "n"] + ["n"] * 6 + ["y"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(replies))
    out = tmp_path / "a.yaml"
    assert main(["questionnaire", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "Please answer y (yes) or n (no)" in captured.out
    assert "call for a doctor" in captured.err
    assert "seizure_signs: true" in out.read_text()


def test_questionnaire_rejects_a_bad_value_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "a.json"
    bad.write_text(json.dumps({"dream_enactment": "often"}))
    line = _one_error_line(capsys, ["questionnaire", "--answers", str(bad)])
    assert "dream_enactment" in line and "yes/no" in line
