"""Unknown stage labels are named with their epochs and can be mapped (--stage-map); events
that look like leg movements but are not recognised fail loudly.

Reference values are computed here from the file written: 40 epochs of 30 s (epochs 10-23
labelled "Stage Q", the others N2), 30 leg movements of 1 s every 20 s from 5 s to 585 s
(inter-movement interval 20 s, inside the 10-90 s WASM/AASM window: one series of 30).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from somnomotor.cli.main import main
from somnomotor.io.annotations import read_annotations

N_EPOCHS, N_UNKNOWN = 40, 14


def _night(tmp_path: Path) -> Path:
    rows = ["onset,duration,label"]
    rows += [f"{30 * i},30,{'Stage Q' if 10 <= i < 10 + N_UNKNOWN else 'N2'}"
             for i in range(N_EPOCHS)]
    rows += [f"{5 + 20 * k},1,Limb movement" for k in range(30)]
    path = tmp_path / "night.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_unknown_stage_label_is_named_with_its_epochs_on_stderr(capsys, tmp_path) -> None:
    assert main(["score-events", str(_night(tmp_path)), "--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if "'Stage Q'" in ln]
    assert len(lines) == 1 and f"{N_UNKNOWN} epoch(s)" in lines[0] and "--stage-map" in lines[0]


def test_stage_map_turns_the_unknown_label_into_the_stage(capsys, tmp_path) -> None:
    out = tmp_path / "b"
    assert main(["score-events", str(_night(tmp_path)), "--stage-map", "stage q=N2",
                 "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "'Stage Q'" not in captured.err
    # all 40 epochs are N2: TST 1200 s = 1/3 h, 30 PLMS -> 90/h
    assert "plms_index 90.0/h" in captured.out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["hypnogram"]["total_sleep_time_s"] == 1200.0


def test_without_the_map_the_index_uses_the_shorter_sleep(capsys, tmp_path) -> None:
    assert main(["score-events", str(_night(tmp_path)), "--out", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    # 26 N2 epochs = 780 s of sleep; movements in sleep: onsets 5..285 s (15) -> 15 per
    # 780/3600 h = 69.2/h: the unknown label changed the index, hence the warning
    assert "plms_index 69.2/h" in out
    summary = json.loads((tmp_path / "c" / "summary.json").read_text())
    assert summary["hypnogram"]["total_sleep_time_s"] == 780.0
    assert "Stage Q" in json.dumps(summary["warnings"])


def test_stage_map_in_the_library_and_a_bad_target_is_refused(tmp_path) -> None:
    from somnomotor._errors import ParameterError

    ann = read_annotations(_night(tmp_path), stage_map={"Stage Q": "REM"})
    assert ann.hypnogram is not None and ann.hypnogram.stages.count("R") == N_UNKNOWN
    with pytest.raises(ParameterError, match="'N7' is not a sleep stage"):
        read_annotations(_night(tmp_path), stage_map={"Stage Q": "N7"})


def test_analyze_and_cohort_accept_stage_map(tmp_path) -> None:
    from somnomotor.cli.main import build_parser

    parser = build_parser()
    for command in (["analyze", "x.edf"], ["cohort", "x", "--out", "o"]):
        args = parser.parse_args([*command, "--stage-map", "Stage Q=N2"])
        assert args.stage_map == ["Stage Q=N2"]


def test_bad_stage_map_item_is_one_line(capsys, tmp_path) -> None:
    code = main(["score-events", str(_night(tmp_path)), "--stage-map", "Stage Q",
                 "--out", str(tmp_path / "d")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "LABEL=STAGE" in err[0]


def test_unrecognised_leg_movement_labels_fail_loudly(capsys, tmp_path) -> None:
    path = tmp_path / "legs.csv"
    path.write_text("onset,duration,label\n0,30,N2\n30,30,N2\n5,1.5,LM_L\n25,2,LM_R\n"
                    "40,12,Obstructive apnea\n")
    code = main(["score-events", str(path), "--out", str(tmp_path / "e")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert "'LM_L'" in err[0] and "'LM_R'" in err[0] and "legs.csv" in err[0]


def test_arousal_labels_naming_leg_movements_are_not_taken_for_movements(tmp_path) -> None:
    path = tmp_path / "arousals.csv"
    path.write_text("onset,duration,label\n5,3,PLM Arousal (EEG)\n25,3,LM Arousal (EMG)\n")
    ann = read_annotations(path)
    assert len(ann.events.select("arousal")) == 2


def test_load_night_passes_the_stage_map_to_the_annotation_reader(make_edf, two_leg_signals,
                                                                  tmp_path) -> None:
    from somnomotor.pipeline import load_night

    edf = make_edf(signals=two_leg_signals)  # 120 s: four epochs
    table = tmp_path / "stages.csv"
    table.write_text("onset,duration,label\n0,30,N2\n30,60,Stage Q\n90,30,N2\n")
    mapped = load_night(edf, annotation_files=[table], stage_map={"Stage Q": "N3"})
    assert mapped.hypnogram is not None
    assert mapped.hypnogram.stages == ("N2", "N3", "N3", "N2")
    plain = load_night(edf, annotation_files=[table])
    assert plain.hypnogram is not None
    assert plain.hypnogram.stages == ("N2", "UNS", "UNS", "N2")
    assert any("'Stage Q'" in w and "2 epoch(s)" in w for w in plain.warnings)
