"""Starting the command line imports only what the subcommand that runs needs.

A property of the import graph, checked in a fresh interpreter (``sys.modules`` of the test
process already holds everything); no speed is asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")
HEAVY = ("pandas", "scipy.signal", "somnomotor.simulate")
#: scipy subpackages that cost about 0.6 s and 80 MB to import (scipy.signal pulls in
#: scipy.stats, scipy.optimize and scipy.fft); the leg analysis must not need them.
SCIPY_HEAVY = ("scipy.signal", "scipy.stats", "scipy.optimize", "scipy.fft", "scipy.interpolate")


def _run_probe(code: str) -> tuple[set[str], str]:
    """Modules loaded after running ``code`` in a fresh interpreter, and its stderr."""
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                         text=True, check=True, timeout=300)
    return set(json.loads(out.stdout.strip().splitlines()[-1])), out.stderr


def _modules_after(code: str) -> set[str]:
    return _run_probe(code)[0]


def test_importing_the_cli_imports_no_pandas_scipy_signal_or_simulator() -> None:
    loaded = _modules_after("import somnomotor.cli.main")
    assert "somnomotor.cli.main" in loaded  # the probe did import it
    assert not [m for m in HEAVY if m in loaded]


@pytest.mark.parametrize("argv", [["--version"], ["--help"]])
def test_version_and_help_import_no_subcommand_module(argv: list[str]) -> None:
    code = ("import contextlib, io\nfrom somnomotor.cli.main import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    try:\n        main({argv!r})\n    except SystemExit:\n        pass")
    loaded = _modules_after(code)
    assert not [m for m in HEAVY if m in loaded]
    assert not [m for m in loaded if m.startswith("somnomotor.cli.") and
                m not in ("somnomotor.cli.main",)]


def test_help_lists_every_subcommand_with_its_modules_help() -> None:
    import argparse

    from somnomotor.cli.main import SUBCOMMAND_HELP, build_parser

    def listed(parser: argparse.ArgumentParser) -> dict[str, str]:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return {c.dest: c.help for c in sub._choices_actions}

    full = listed(build_parser())  # every subcommand module imported and registered
    lazy = listed(build_parser(""))  # none imported
    assert full == lazy == SUBCOMMAND_HELP
    assert "score-events" in full


def test_package_names_still_resolve_lazily() -> None:
    import somnomotor
    from somnomotor.events import EventTable
    from somnomotor.recording import Recording

    assert somnomotor.EventTable is EventTable and somnomotor.Recording is Recording
    assert "EventTable" in dir(somnomotor)
    with pytest.raises(AttributeError):
        somnomotor.NoSuchName  # noqa: B018


@pytest.fixture(scope="module")
def hum_night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 simulated minutes with 50-Hz mains hum and ECG bleed on the legs (EDF+)."""
    from somnomotor.simulate import simulate_night, write_simulated_night

    night = simulate_night("plmd", seed=4, duration_h=0.5, conditions=("mains", "ecg_bleed"))
    return write_simulated_night(night, tmp_path_factory.mktemp("edf") / "hum.edf")


def test_leg_analysis_runs_without_scipy_signal_stats_optimize_or_fft(
        hum_night: Path, tmp_path: Path) -> None:
    # reading, leg detection with the mains check and notch and the ECG R peaks, PLM
    # scoring and the outputs, in a fresh interpreter
    out = tmp_path / "out"
    code = ("from somnomotor.cli.main import main\n"
            f"assert main(['-v', 'analyze', {str(hum_night)!r}, '--only', 'leg_movements', "
            f"'--out', {str(out)!r}]) == 0")
    loaded, stderr = _run_probe(code)
    assert (out / "summary.json").is_file()
    assert "somnomotor.detect.leg_movements" in loaded and "somnomotor.score.plm" in loaded
    assert "mains notch at 50.0 Hz" in stderr  # the notch was designed and run
    assert "somnomotor.detect._cardiac" in loaded  # the ECG R-peak finder came with it
    assert [m for m in SCIPY_HEAVY if m in loaded] == []


def test_every_analysis_runs_without_scipy_signal_stats_optimize_or_fft(
        hum_night: Path, tmp_path: Path) -> None:
    # RSWA (this night's chin gets a 50-Hz notch) and the other motor events as well
    out = tmp_path / "out"
    code = ("from somnomotor.cli.main import main\n"
            f"assert main(['analyze', {str(hum_night)!r}, '--out', {str(out)!r}, "
            "'--no-auto-staging']) == 0")
    loaded, _ = _run_probe(code)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "rswa" in summary["analyses"] and "somnomotor.detect.rswa_activity" in loaded
    assert [m for m in SCIPY_HEAVY if m in loaded] == []
