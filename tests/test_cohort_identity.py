"""A cohort night is done only when its inputs' content, the settings and the version match.

Reference values here never come from the cohort code: each night's expected PLMS index is
that of the same recording analysed alone into a fresh folder, and each input's checksum is
computed with hashlib in the test.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from somnomotor.cohort import (
    CohortSettings,
    InputDigest,
    canonical_settings,
    night_key,
    run_cohort,
)
from somnomotor.simulate import simulate_night, write_simulated_night

LEGS = dict(analyses=("leg_movements",), auto_stage=False)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two different 0.5-h nights, both saved as ``night.edf`` in folders b1 and b2."""
    root = tmp_path_factory.mktemp("ident")
    paths = {}
    for site, seed in (("b1", 21), ("b2", 22)):
        path = root / site / "night.edf"
        path.parent.mkdir()
        write_simulated_night(simulate_night("plmd", seed=seed, duration_h=0.5), path)
        paths[site] = path
    assert _sha(paths["b1"]) != _sha(paths["b2"])
    return paths


def _alone(path: Path, out: Path, **settings: object) -> float:
    """PLMS index of ``path`` analysed alone into a fresh folder (the reference)."""
    settings = {**LEGS, **settings}
    table = run_cohort([path], out, CohortSettings(**settings))  # type: ignore[arg-type]
    assert table["status"].tolist() == ["ok"]
    return float(table["plms_index"].item())


def _summary(folder: str | Path) -> dict:
    return json.loads((Path(folder) / "summary.json").read_text(encoding="utf-8"))


def test_a_recording_of_the_same_name_from_another_folder_is_not_given_the_first_ones_results(
        nights: dict[str, Path], tmp_path: Path) -> None:
    ref_b1 = _alone(nights["b1"], tmp_path / "ref1")
    ref_b2 = _alone(nights["b2"], tmp_path / "ref2")
    assert ref_b1 != ref_b2  # else this test could not tell the nights apart
    out = tmp_path / "o"
    first = run_cohort([nights["b1"].parent], out, CohortSettings(**LEGS))
    second = run_cohort([nights["b2"].parent], out, CohortSettings(**LEGS))
    assert second["status"].tolist() == ["ok"], second["reason"].tolist()
    assert second["plms_index"].item() == ref_b2
    assert second["output"].item() != first["output"].item()
    # b1's folder was not touched, and says it was made from b1
    assert _summary(first["output"].item())["input"]["sha256"] == _sha(nights["b1"])
    assert _summary(second["output"].item())["input"]["sha256"] == _sha(nights["b2"])
    # both together: each keeps its own folder (never renamed) and its own results
    both = run_cohort([nights["b1"].parent, nights["b2"].parent], out, CohortSettings(**LEGS))
    by_rec = both.set_index("recording")
    assert by_rec["status"].tolist() == ["kept", "kept"]
    assert by_rec.loc[str(nights["b1"].resolve()), "output"] == first["output"].item()
    assert by_rec.loc[str(nights["b2"].resolve()), "output"] == second["output"].item()
    assert by_rec.loc[str(nights["b1"].resolve()), "plms_index"] == ref_b1
    assert by_rec["reason"].str.startswith("kept:").all()


def test_a_corrected_recording_is_analysed_again(nights: dict[str, Path], tmp_path: Path) -> None:
    night = tmp_path / "in" / "night.edf"
    night.parent.mkdir()
    shutil.copyfile(nights["b1"], night)
    out = tmp_path / "o"
    run_cohort([night], out, CohortSettings(**LEGS))
    shutil.copyfile(nights["b2"], night)  # the "corrected" file, same path and name
    again = run_cohort([night], out, CohortSettings(**LEGS))
    assert again["status"].tolist() == ["ok"]
    assert "recording" in again["reason"].item()
    assert again["plms_index"].item() == _alone(nights["b2"], tmp_path / "ref")
    assert _summary(again["output"].item())["input"]["sha256"] == _sha(nights["b2"])


@pytest.mark.parametrize(("changed", "word"), [
    ({"rule_set": "aasm"}, "rule_set"),
    ({"roles": {"leg_left": "LAT"}}, "roles"),
])
def test_changed_settings_are_analysed_again(nights: dict[str, Path], tmp_path: Path,
                                             changed: dict, word: str) -> None:
    out = tmp_path / "o"
    run_cohort([nights["b1"]], out, CohortSettings(**LEGS))
    again = run_cohort([nights["b1"]], out, CohortSettings(**{**LEGS, **changed}))
    assert again["status"].tolist() == ["ok"]
    assert word in again["reason"].item()
    if "rule_set" in changed:
        assert _summary(again["output"].item())["rule_set"] == "aasm"
    assert run_cohort([nights["b1"]], out, CohortSettings(**{**LEGS, **changed})
                      )["status"].tolist() == ["kept"]


def test_a_new_or_changed_annotation_file_is_analysed_again(nights: dict[str, Path],
                                                            tmp_path: Path) -> None:
    night = tmp_path / "in" / "night.edf"
    night.parent.mkdir()
    shutil.copyfile(nights["b1"], night)
    out = tmp_path / "o"
    run_cohort([night], out, CohortSettings(**LEGS))
    events = tmp_path / "in" / "night-events.csv"
    events.write_text("onset,duration,label\n300,20,obstructive apnea\n")
    with_pattern = CohortSettings(**LEGS, annotations_pattern="{stem}-events.csv")
    first = run_cohort([night], out, with_pattern)
    assert first["status"].tolist() == ["ok"], first["error"].tolist()
    assert "annotation" in first["reason"].item()
    anns = _summary(first["output"].item())["input"]["annotation_files"]
    assert [a["sha256"] for a in anns] == [_sha(events)]
    events.write_text("onset,duration,label\n600,20,obstructive apnea\n")
    again = run_cohort([night], out, with_pattern)
    assert again["status"].tolist() == ["ok"] and "annotation" in again["reason"].item()


def test_a_manifest_records_why_and_an_interrupted_write_is_not_taken_for_done(
        nights: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "o"
    table = run_cohort([nights["b1"]], out, CohortSettings(**LEGS))
    folder = Path(table["output"].item())
    manifest = json.loads((folder / "cohort-night.json").read_text())
    assert manifest["recording"] == str(nights["b1"].resolve())
    assert [i["sha256"] for i in manifest["inputs"]] == [_sha(nights["b1"])]
    assert manifest["reason"].startswith("new")
    # a run stopped between writing results and the manifest: analysed again, same folder
    manifest["night_key"] = ""
    (folder / "cohort-night.json").write_text(json.dumps(manifest))
    again = run_cohort([nights["b1"]], out, CohortSettings(**LEGS))
    assert again["status"].tolist() == ["ok"] and again["output"].item() == str(folder)
    # results of unknown origin (no manifest) are never kept, nor overwritten
    (folder / "cohort-night.json").unlink()
    third = run_cohort([nights["b1"]], out, CohortSettings(**LEGS))
    assert third["status"].tolist() == ["ok"] and third["output"].item() != str(folder)


def test_the_night_key_depends_on_content_settings_and_version_only() -> None:
    rec = InputDigest("recording", "night.edf", "a" * 64)
    ann = InputDigest("annotations", "night.xml", "b" * 64)
    base = canonical_settings(rule_set="wasm_2016", analyses=("rswa", "leg_movements"),
                              roles={"leg_left": "LAT", "chin": ("Chin1",)}, auto_stage=True)
    key = night_key([rec, ann], base, "1.0")
    # file names and the order of --only / --channel roles do not change the results
    same = canonical_settings(rule_set="wasm_2016", analyses=["leg_movements", "rswa"],
                              roles={"chin": ["Chin1"], "leg_left": ("LAT",)}, auto_stage=True)
    assert night_key([InputDigest("recording", "other.edf", "a" * 64), ann], same, "1.0") == key
    others = [
        night_key([InputDigest("recording", "night.edf", "c" * 64), ann], base, "1.0"),
        night_key([rec], base, "1.0"),
        night_key([rec, InputDigest("annotations", "night.xml", "d" * 64)], base, "1.0"),
        night_key([rec, ann], {**base, "rule_set": "aasm"}, "1.0"),
        night_key([rec, ann], {**base, "auto_stage": False}, "1.0"),
        night_key([rec, ann], {**base, "roles": {"leg_left": ["RAT"]}}, "1.0"),
        night_key([rec, ann], base, "1.1"),
    ]
    assert len({key, *others}) == len(others) + 1
    assert len(key) == 64 and int(key, 16) >= 0


def test_a_cohort_night_writes_the_same_summary_as_analyze(nights: dict[str, Path],
                                                            tmp_path: Path) -> None:
    from somnomotor.cli.main import main

    table = run_cohort([nights["b1"]], tmp_path / "c", CohortSettings(**LEGS))
    assert main(["analyze", str(nights["b1"]), "--out", str(tmp_path / "a"), "--only",
                 "leg_movements", "--no-auto-staging"]) == 0
    cohort_doc = _summary(table["output"].item())
    analyze_doc = _summary(tmp_path / "a")
    for doc in (cohort_doc, analyze_doc):
        doc.pop("created_utc")
    assert cohort_doc == analyze_doc
    assert cohort_doc["input"]["sha256"] == _sha(nights["b1"])
