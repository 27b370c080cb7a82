"""Cohort runs: many nights scored alike, one table, failures as rows, resumable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from somnomotor._errors import InputFileNotFoundError
from somnomotor.cli.demo import _true_plms_index
from somnomotor.cohort import CohortSettings, find_recordings, output_names, run_cohort
from somnomotor.simulate import simulate_night, write_simulated_night

SETTINGS = CohortSettings(analyses=("leg_movements",), auto_stage=False)


@pytest.fixture(scope="module")
def cohort_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    """Two simulated nights with the same file name in two sites, and one broken file."""
    root = tmp_path_factory.mktemp("cohort")
    truth = {}
    for site, seed in (("site_a", 11), ("site_b", 12)):
        night = simulate_night("plmd", seed=seed, duration_h=0.5)
        path = root / site / "night.edf"
        path.parent.mkdir()
        write_simulated_night(night, path)
        truth[str(path.resolve())] = _true_plms_index(night)
    (root / "site_b" / "broken.EDF").write_bytes(b"0       this is not an EDF file")
    return root, truth


def test_every_night_is_a_row_with_its_indices_and_a_failure_does_not_stop_the_run(
        cohort_dir, tmp_path: Path) -> None:
    root, truth = cohort_dir
    table = run_cohort([root], tmp_path / "out", SETTINGS)
    assert len(table) == 3
    by_status = table.set_index("recording")["status"].to_dict()
    broken = str((root / "site_b" / "broken.EDF").resolve())
    assert by_status.pop(broken) == "error"
    assert set(by_status.values()) == {"ok"}
    err = table.loc[table["recording"] == broken, "error"].item()
    assert err and "\n" not in err
    for rec, true_plmsi in truth.items():
        measured = table.loc[table["recording"] == rec, "plms_index"].item()
        assert abs(measured - true_plmsi) <= 2.0  # the accuracy target, per night
    # the same table on disk, as TSV and Parquet, and each night's own outputs
    on_disk = pd.read_csv(tmp_path / "out" / "cohort.tsv", sep="\t")
    assert list(on_disk.columns) == list(table.columns)
    assert len(pd.read_parquet(tmp_path / "out" / "cohort.parquet")) == 3
    for out in table.loc[table["status"] == "ok", "output"]:
        assert (Path(out) / "summary.json").exists() and (Path(out) / "events.tsv").exists()


def test_a_second_run_keeps_finished_nights_and_overwrite_analyses_again(
        cohort_dir, tmp_path: Path) -> None:
    root, _ = cohort_dir
    first = run_cohort([root / "site_a"], tmp_path / "out", SETTINGS)
    again = run_cohort([root / "site_a"], tmp_path / "out", SETTINGS)
    assert first["status"].tolist() == ["ok"] and again["status"].tolist() == ["kept"]
    assert again["plms_index"].item() == first["plms_index"].item()
    redo = run_cohort([root / "site_a"], tmp_path / "out",
                      CohortSettings(analyses=("leg_movements",), auto_stage=False,
                                     overwrite=True))
    assert redo["status"].tolist() == ["ok"]


def test_two_worker_processes_give_the_same_table(cohort_dir, tmp_path: Path) -> None:
    root, _ = cohort_dir
    one = run_cohort([root], tmp_path / "one", SETTINGS, jobs=1)
    two = run_cohort([root], tmp_path / "two", SETTINGS, jobs=2)
    cols = [c for c in one.columns if c not in ("output", "seconds")]
    pd.testing.assert_frame_equal(one[cols], two[cols])


def test_repeated_file_names_get_their_folder_in_the_output_name(cohort_dir) -> None:
    root, _ = cohort_dir
    recs = find_recordings([root])
    names = output_names(recs)
    assert len(set(names)) == len(names) == 3
    assert sorted(names) == ["broken", "site_a__night", "site_b__night"]


def test_missing_path_and_missing_annotation_file(cohort_dir, tmp_path: Path) -> None:
    root, _ = cohort_dir
    with pytest.raises(InputFileNotFoundError):
        run_cohort([root / "nowhere"], tmp_path / "out", SETTINGS)
    table = run_cohort([root / "site_a"], tmp_path / "out2",
                       CohortSettings(analyses=("leg_movements",), auto_stage=False,
                                      annotations_pattern="{stem}-nsrr.xml"))
    assert table["status"].tolist() == ["error"]
    assert "night-nsrr.xml" in table["error"].item()


def test_cli_exits_1_with_one_line_when_a_night_fails(cohort_dir, tmp_path: Path) -> None:
    root, _ = cohort_dir
    proc = subprocess.run(
        [sys.executable, "-m", "somnomotor", "cohort", str(root), "--out", str(tmp_path / "o"),
         "--only", "leg_movements", "--no-auto-staging", "--jobs", "1"],
        capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "1 of 3 nights failed" in proc.stderr
    assert "2 analysed" in proc.stdout


def test_an_unexpected_failure_in_one_night_is_an_error_row(cohort_dir, tmp_path: Path,
                                                            monkeypatch) -> None:
    import somnomotor.pipeline as pipeline

    root, _ = cohort_dir

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug\nsecond line")

    monkeypatch.setattr(pipeline, "analyze_recording", boom)
    table = run_cohort([root / "site_a"], tmp_path / "out", SETTINGS)
    assert table["status"].tolist() == ["error"]
    assert table["error"].item() == "internal error RuntimeError: simulated bug"
