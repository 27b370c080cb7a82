"""``score-events`` on stderr: each doubt once, not as a log line and again as a warning."""

from __future__ import annotations

from somnomotor.cli.main import main


def test_each_warning_is_printed_once(capsys, tmp_path) -> None:
    path = tmp_path / "events.csv"
    # one movement with a side and one without: score_plm raises the mixed-sides doubt
    path.write_text("onset,duration,label\n10,2,Limb movement left\n30,2,Limb movement\n")
    assert main(["score-events", str(path), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    mentions = [ln for ln in err.splitlines() if "mix known sides" in ln]
    assert len(mentions) == 1, err
