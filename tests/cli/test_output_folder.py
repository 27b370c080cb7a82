"""An output folder holds one run's results: overwrite removes what somnomotor wrote before,
``report --input`` takes only the recording the results were made from, an empty ``--out``
is refused, and a failed run leaves no folder it created."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from somnomotor.cli.main import main
from somnomotor.simulate import simulate_night, write_simulated_night


def _one_error_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1, err
    lines = [ln for ln in err.strip().splitlines() if not ln.startswith("warning:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture(scope="module")
def staged_night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 0.5-h simulated night with a scored hypnogram in the EDF+."""
    path = tmp_path_factory.mktemp("staged") / "long.edf"
    write_simulated_night(simulate_night("plmd", seed=5, duration_h=0.5), path)
    return path


def test_overwrite_leaves_only_this_runs_outputs_and_the_users_files(
        staged_night: Path, make_edf, two_leg_signals, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o"
    assert main(["analyze", str(staged_night), "--out", str(out), "--report",
                 "--export", "csv", "--only", "leg_movements"]) == 0
    before = {p.relative_to(out).as_posix() for p in out.rglob("*")}
    assert {"hypnogram.tsv", "report.html", "report.pdf", "export"} <= before
    (out / "notes.txt").write_text("my notes")
    (out / "export" / "mine.txt").write_text("kept")
    # a 2-min night without a hypnogram into the same folder
    short = make_edf("short.edf", signals=two_leg_signals)
    capsys.readouterr()
    assert main(["analyze", str(short), "--out", str(out), "--overwrite", "--only",
                 "leg_movements", "--no-auto-staging"]) == 0
    after = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert after == ["events.tsv", "export", "export/mine.txt", "notes.txt", "summary.json"]
    # the report made now cannot draw the earlier night's hypnogram: there is none
    assert main(["report", str(out), "--no-pdf"]) == 0
    assert not (out / "hypnogram.tsv").exists()


def test_report_refuses_a_recording_the_results_were_not_made_from(
        staged_night: Path, make_edf, two_leg_signals, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o"
    assert main(["analyze", str(staged_night), "--out", str(out), "--only",
                 "leg_movements"]) == 0
    other = make_edf("other.edf", signals=two_leg_signals)
    line = _one_error_line(capsys, ["report", str(out), "--input", str(other), "--no-pdf"])
    assert "SHA-256" in line and "other.edf" in line
    assert not (out / "report.html").exists()
    assert main(["report", str(out), "--input", str(staged_night), "--no-pdf"]) == 0
    assert (out / "report.html").exists()


@pytest.mark.parametrize("command", ["analyze", "cohort", "demo"])
def test_an_empty_out_is_refused(command: str, make_edf, two_leg_signals, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_edf(signals=two_leg_signals)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    argv = {"analyze": ["analyze", str(path), "--out", ""],
            "cohort": ["cohort", str(path), "--out", "", "--jobs", "1"],
            "demo": ["demo", "--out", "", "--duration-h", "0.1"]}[command]
    line = _one_error_line(capsys, argv)
    assert "--out" in line and "empty" in line
    assert list(work.iterdir()) == []


def test_a_failed_run_removes_the_folders_it_created(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "bad.edf"
    bogus.write_bytes(b"0" * 300)
    _one_error_line(capsys, ["analyze", str(bogus), "--out", str(tmp_path / "a" / "b" / "c")])
    assert not (tmp_path / "a").exists()
    # a folder that was there before stays, with what was in it
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    _one_error_line(capsys, ["analyze", str(bogus), "--out", str(tmp_path / "x" / "y" / "z")])
    assert sorted(os.listdir(tmp_path / "x")) == ["keep.txt"]
