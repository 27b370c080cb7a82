"""The HTML report in a real headless Chromium: loads without console errors, shows every plot."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from somnomotor.report.html import FIGURE_IDS

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-extensions", "--mute-audio"]


@pytest.fixture()
def report(flagged_report: tuple[object, Path, Path]) -> Path:
    return flagged_report[1]


def _chromium(tools: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [tools["chromium"], *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)


def test_report_loads_in_chromium_without_console_errors_and_shows_every_plot(
        report: Path, browser_tools: dict[str, str], tmp_path: Path) -> None:
    done = _chromium(browser_tools, tmp_path, "--enable-logging=stderr", "--v=0",
                     "--dump-dom", report.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "<h1>Night report: movements in sleep</h1>" in dom
    for fig_id in FIGURE_IDS:
        assert f'id="{fig_id}"' in dom, fig_id
    assert dom.count("<svg") >= len(FIGURE_IDS)
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if "Uncaught" in line or "rror" in line], console
    assert "Uncaught" not in done.stderr
    assert "ERR_FILE_NOT_FOUND" not in done.stderr and "net::ERR" not in done.stderr

