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


def _modules_after(code: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                         text=True, check=True, timeout=120)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


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
