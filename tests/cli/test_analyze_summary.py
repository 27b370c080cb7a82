"""What ``somnomotor analyze`` prints: plain names, caveats of a short night, no warning for an
analysis nobody asked for, and a progress bar that warnings do not run into."""

from __future__ import annotations

import argparse
import io
import json
import warnings
from pathlib import Path

import pytest

from somnomotor._errors import SomnomotorWarning
from somnomotor.cli._progress import progress_bar
from somnomotor.cli.main import _configure_logging, main


@pytest.fixture(scope="module")
def short_edf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated 30-min night (legs and chin, no masseter) as EDF+ with its hypnogram."""
    from somnomotor.simulate import simulate_night, write_simulated_night

    folder = tmp_path_factory.mktemp("edf")
    return write_simulated_night(simulate_night("plmd", seed=4, duration_h=0.5),
                                 folder / "short.edf")


def test_analysis_nobody_asked_for_is_listed_quietly_not_warned(
        short_edf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["analyze", str(short_edf), "--out", str(out), "--no-auto-staging"]) == 0
    captured = capsys.readouterr()
    assert "bruxism" not in captured.err
    summary = json.loads((out / "summary.json").read_text())
    assert "masseter" in summary["skipped_analyses"]["bruxism"]
    assert "not run for lack of a channel: bruxism" in captured.out


def test_asking_for_bruxism_without_a_masseter_says_so(
        short_edf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analyze", str(short_edf), "--out", str(tmp_path / "o"), "--only", "bruxism"])
    err = capsys.readouterr().err
    assert code == 1
    assert "bruxism" in err and "masseter" in err


def test_short_night_is_said_on_the_terminal_with_plain_names_and_counts(
        short_edf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["analyze", str(short_edf), "--out", str(out), "--no-auto-staging"]) == 0
    text = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    tst_s = summary["hypnogram"]["total_sleep_time_s"]
    assert tst_s < 4 * 3600
    assert f"caution: only {int(round(tst_s / 60))} min of sleep" in text
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines)
               if line.lstrip().startswith("PLMS index, respiratory-related kept"))
    assert "PLMS in" in lines[row] and "h of sleep" in lines[row]
    assert lines[row + 1].split()[0] == "plms_index"
    assert "less certain (short night)" in lines[row + 1]
    by_name = {ix["name"]: ix for ix in summary["indices"]}
    assert by_name["plms_index"]["caveats"]


class _Terminal(io.StringIO):
    """stderr that says it is a terminal, so the progress bar is drawn."""

    def isatty(self) -> bool:
        return True


def _screen(raw: str) -> list[str]:
    """What a terminal shows: '\\r' returns to the line start and later text overwrites."""
    shown: list[str] = []
    for line in raw.split("\n"):
        cells: list[str] = []
        col = 0
        for ch in line:
            if ch == "\r":
                col = 0
                continue
            if col < len(cells):
                cells[col] = ch
            else:
                cells.append(ch)
            col += 1
        shown.append("".join(cells).rstrip())
    return shown


def test_warning_during_the_progress_bar_gets_its_own_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    logger = logging.getLogger("somnomotor")
    monkeypatch.setattr(logger, "handlers", list(logger.handlers))
    monkeypatch.setattr(logger, "propagate", logger.propagate)
    monkeypatch.setattr(logger, "level", logger.level)
    args = argparse.Namespace(quiet=False, debug=False, verbose=0)
    with warnings.catch_warnings():
        _configure_logging(args)  # installs the CLI's "warning: ..." display
        with progress_bar(args, desc="analysing") as progress:
            progress("reading", 0.0)
            progress("leg_movements", 0.4)
            warnings.warn("chin channel is flat for 20 min", SomnomotorWarning, stacklevel=1)
            progress("rswa", 0.7)
    raw = terminal.getvalue()
    screen = _screen(raw)
    assert "warning: chin channel is flat for 20 min" in screen
    # the bar's label is "analysing: <step>", without tqdm's ", " before the step
    assert "analysing: leg movements" in raw
    assert "| ," not in raw and ", reading" not in raw
