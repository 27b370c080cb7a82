"""A simulated 1-h night, analysed once per test run, and a review server on a copy of it."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _review_helpers import AnalysedNight, Client, serving


@pytest.fixture(scope="session")
def analysed_night(tmp_path_factory: pytest.TempPathFactory) -> AnalysedNight:
    """plmd profile, seed 3, 1 h (EDF+ with scored stages, apnoeas and arousals)."""
    from somnomotor.pipeline import analyze_recording, load_night, write_night_outputs
    from somnomotor.simulate import simulate_night, write_simulated_night

    folder = tmp_path_factory.mktemp("review-night")
    edf = folder / "night.edf"
    write_simulated_night(simulate_night("plmd", seed=3, duration_h=1.0), edf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "bruxism not analysed": the montage has no masseter
        analysis = analyze_recording(load_night(edf), auto_stage=False)
    write_night_outputs(analysis, folder / "results", input_path=edf)
    return AnalysedNight(recording=edf, results=folder / "results")


@pytest.fixture()
def results_copy(analysed_night: AnalysedNight, tmp_path: Path) -> Path:
    """A private copy of the results folder (tests save versions into it)."""
    target = tmp_path / "results"
    shutil.copytree(analysed_night.results, target)
    return target


@pytest.fixture()
def review(results_copy: Path, analysed_night: AnalysedNight) -> Iterator[tuple[Any, Client]]:
    with serving(results_copy, analysed_night.recording) as pair:
        yield pair
