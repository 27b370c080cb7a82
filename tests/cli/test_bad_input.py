"""Bad input: one clear line on stderr, a non-zero exit, never a traceback, nothing half-written.

One test per case listed in the foundation issue.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from somnomotor.cli.main import main


def _run_failing(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code != 0
    error_lines = [ln for ln in err.strip().splitlines() if not ln.startswith("warning:")]
    assert len(error_lines) == 1, err
    assert "Traceback" not in err
    return error_lines[0]


def test_missing_file(capsys, tmp_path):
    line = _run_failing(capsys, ["analyze", str(tmp_path / "nope.edf"), "--out", str(tmp_path / "o")])
    assert "does not exist" in line


def test_file_that_is_not_edf(capsys, tmp_path):
    bogus = tmp_path / "notes.edf"
    bogus.write_text("this is not an EDF file\n" * 20)
    line = _run_failing(capsys, ["analyze", str(bogus), "--out", str(tmp_path / "o")])
    assert "notes.edf" in line


def test_truncated_file(capsys, tmp_path, make_edf, two_leg_signals):
    path = make_edf(signals=two_leg_signals)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 5000])
    line = _run_failing(capsys, ["analyze", str(path), "--out", str(tmp_path / "o")])
    assert "night.edf" in line


def test_header_record_count_that_does_not_match_the_data(capsys, tmp_path, make_edf, two_leg_signals):
    path = make_edf(signals=two_leg_signals)
    raw = bytearray(path.read_bytes())
    n_records = int(raw[236:244].decode().strip())
    raw[236:244] = f"{n_records + 7:<8}".encode()
    path.write_bytes(bytes(raw))
    line = _run_failing(capsys, ["analyze", str(path), "--out", str(tmp_path / "o")])
    assert "night.edf" in line


def test_constant_leg_channels(capsys, tmp_path, make_edf, two_leg_signals):
    # one constant leg is left out and the other scored (tests/test_unusable_leg.py); with
    # both constant there is nothing to score
    signals = dict(two_leg_signals)
    for label in ("LAT", "RAT"):
        signals[label] = (np.zeros_like(signals[label][0]), signals[label][1])
    path = make_edf(signals=signals)
    line = _run_failing(capsys, ["analyze", str(path), "--only", "leg_movements",
                                 "--out", str(tmp_path / "o")])
    assert "LAT" in line


def test_no_leg_channel_when_leg_analysis_is_asked_for(capsys, tmp_path, make_edf, two_leg_signals):
    signals = {"C4-M1": two_leg_signals["C4-M1"]}
    path = make_edf(signals=signals)
    line = _run_failing(capsys, ["analyze", str(path), "--only", "leg_movements",
                                 "--out", str(tmp_path / "o")])
    assert "leg" in line


def test_annotations_outside_the_recording(capsys, tmp_path, make_edf, two_leg_signals):
    path = make_edf(signals=two_leg_signals)
    ann = tmp_path / "events.csv"
    ann.write_text("onset,duration,label\n5000,10,Obstructive apnea\n6000,3,Arousal\n")
    line = _run_failing(capsys, ["analyze", str(path), "-a", str(ann), "--out", str(tmp_path / "o")])
    assert "events.csv" in line or "outside" in line


def test_hypnogram_that_does_not_line_up(capsys, tmp_path, make_edf, two_leg_signals):
    path = make_edf(signals=two_leg_signals)  # 120 s long
    hyp = tmp_path / "stages.csv"
    rows = "\n".join(f"{3600 + 30 * i},30,Sleep stage N2" for i in range(20))
    hyp.write_text("onset,duration,label\n" + rows + "\n")
    _run_failing(capsys, ["analyze", str(path), "-a", str(hyp), "--out", str(tmp_path / "o")])


def test_unwritable_output_folder(capsys, tmp_path, make_edf, two_leg_signals):
    path = make_edf(signals=two_leg_signals)
    line = _run_failing(capsys, ["analyze", str(path), "--out", "/proc/somnomotor-out"])
    assert "/proc/somnomotor-out" in line


def test_failed_run_keeps_earlier_results(capsys, tmp_path, make_edf, two_leg_signals):
    out = tmp_path / "o"
    out.mkdir()
    earlier = {"earlier": True}
    (out / "summary.json").write_text(json.dumps(earlier))
    bogus = tmp_path / "bad.edf"
    bogus.write_bytes(b"0" * 300)
    _run_failing(capsys, ["analyze", str(bogus), "--out", str(out), "--overwrite"])
    assert json.loads((out / "summary.json").read_text()) == earlier
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]


def test_existing_results_are_not_replaced_without_overwrite(capsys, tmp_path, make_edf, two_leg_signals):
    path = make_edf(signals=two_leg_signals)
    out = tmp_path / "o"
    out.mkdir()
    (out / "summary.json").write_text("{}")
    line = _run_failing(capsys, ["analyze", str(path), "--out", str(out)])
    assert "--overwrite" in line


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        main(["--debug", "analyze", str(tmp_path / "nope.edf")])


def test_debug_after_the_command_shows_the_traceback_too(tmp_path):
    # "somnomotor analyze night.edf --debug" is how a user adds it when a run fails
    with pytest.raises(FileNotFoundError, match="does not exist"):
        main(["analyze", str(tmp_path / "nope.edf"), "--debug"])


@pytest.mark.parametrize("flag", ["-q", "--quiet", "-v", "-vv"])
def test_output_options_after_the_command_keep_the_one_line_error(tmp_path, capsys, flag):
    assert main(["analyze", str(tmp_path / "nope.edf"), flag]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [(f"somnomotor analyze: error: recording {str(tmp_path / 'nope.edf')!r} "
                    "does not exist")]


def test_quiet_before_the_command_is_not_undone_by_the_command_parser(tmp_path):
    from somnomotor.cli.main import build_parser

    args = build_parser().parse_args(["-q", "--debug", "channels", str(tmp_path / "x.edf")])
    assert args.quiet and args.debug and args.verbose == 0
