"""Fixtures of the report tests: made nights and the headless browser / PDF tools."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from _night import Night, make_night


@pytest.fixture(scope="session")
def flagged_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Night, Path, Path]:
    """PLMS 40/h, RSWA flagged, a seizure-sign answer, example traces; HTML and PDF rendered
    once for the PDF and browser tests."""
    from somnomotor.report.html import render_report
    from somnomotor.report.questionnaire import QuestionnaireAnswers

    night = make_night(tmp_path_factory.mktemp("flagged"), plms_per_h=40.0, rswa_flagged=True)
    files = render_report(night.out_dir, recording=night.recording,
                          answers=QuestionnaireAnswers(seizure_signs=True))
    assert files.pdf is not None
    return night, files.html, files.pdf


@pytest.fixture()
def night_factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Call with make_night keyword arguments; each call gets its own folder."""
    counter = iter(range(100))

    def make(**kwargs: object) -> Night:
        return make_night(tmp_path / f"night{next(counter)}", **kwargs)  # type: ignore[arg-type]

    return make


# -- Chromium / poppler -----------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_tools() -> dict[str, str]:
    """Paths of chromium and pdftoppm; installs them (Debian packages) only when allowed.

    The install runs when a tool is missing and we are root and either ``CI=true`` or
    ``SOMNOMOTOR_INSTALL_CHROMIUM=1``; otherwise the dependent tests are skipped with the
    reason.
    """
    missing = [p for p in (CHROMIUM, "pdftoppm") if shutil.which(p) is None]
    if missing:
        allowed = os.environ.get("CI", "").lower() == "true" or os.environ.get(
            "SOMNOMOTOR_INSTALL_CHROMIUM") == "1"
        if not (allowed and hasattr(os, "geteuid") and os.geteuid() == 0):
            pytest.skip(f"{missing} not installed; install the Debian packages chromium and "
                        "poppler-utils, or run as root with CI=true or "
                        "SOMNOMOTOR_INSTALL_CHROMIUM=1 to let the tests install them")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update"],
                    ["apt-get", "install", "-y", "chromium", "poppler-utils"]):
            done = subprocess.run(cmd, env=env, check=False, capture_output=True, text=True,
                                  timeout=900)
            if done.returncode != 0:
                pytest.skip(f"{' '.join(cmd)} failed: {done.stderr.strip()[-300:]}")
    return {"chromium": CHROMIUM, "pdftoppm": shutil.which("pdftoppm") or "pdftoppm"}
