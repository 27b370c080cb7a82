"""``somnomotor score-events``: scored annotation files in, events.tsv and summary.json out.

The two files below (RemLogic-style and NSRR-XML-style, written here) hold the same night:

* 20 min of stages: 2 epochs of wake, then 38 epochs of N2 (TST 1140 s = 0.3167 h);
* A: left LMs at 100, 120, 140, 160 s (1.5 s)              -> 4 PLM under both rule sets;
* B: left+right overlapping pairs at 300, 318, 336, 354, 372 s -> 5 bilateral PLM;
* C: right LMs at 600, 606, 620, 640 s                     -> WASM: 606 has a short IMI
  (6 s) and 606/620/640 are only 3 CLM, no series; AASM (5-90 s): 4 PLM;
* a 0.3 s LM at 800 s                                      -> not an LM;
* a hypopnoea 150-158 s: the LM at 160 s lies within 2.0 s before .. 10.25 s after its end
  (WASM CLMr) -> PLMSnr loses series A (100, 120, 140 are only 3); not AASM-related
  (0.5 s after the end is 158.5 s);
* an arousal 141-144 s overlapping the LM at 140 s.

By hand: WASM PLMS 9 (plms_index 9 / 0.31667 h = 28.42/h), PLMSnr 5, PLMS-arousal 1;
AASM PLMS 13.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from somnomotor.cli.main import main

TST_H = 38 * 30 / 3600

#: (onset s, duration s, side or kind)
MOVEMENTS = (
    [(t, 1.5, "left") for t in (100, 120, 140, 160)]
    + [(t, 2.0, "left") for t in (300, 318, 336, 354, 372)]
    + [(t + 1.0, 2.0, "right") for t in (300, 318, 336, 354, 372)]
    + [(t, 1.0, "right") for t in (600, 606, 620, 640)]
    + [(800, 0.3, "left")]
)


def _clock(seconds: float) -> str:
    base = pd.Timestamp("2015-03-14T22:30:00")
    return (base + pd.Timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f")


def write_remlogic(path: Path) -> Path:
    rows: list[tuple[float, str, float, str]] = []
    for i in range(40):
        rows.append((i * 30.0, "SLEEP-S0" if i < 2 else "SLEEP-S2", 30.0, "ECG1-ECG2"))
    for onset, dur, side in MOVEMENTS:
        loc = "LAntib1-LAntib2" if side == "left" else "RAntib1-RAntib2"
        rows.append((onset, "PLM-LM", dur, loc))
    rows.append((150.0, "HYPOPNEA", 8.0, "Thermistor"))
    rows.append((141.0, "AROUSAL-SPONT", 3.0, "EEG-C3-A2"))
    rows.sort(key=lambda r: r[0])
    lines = ["RemLogic Event Export", "Patient:\tExample Person", "Recording Date:\t3/14/2015",
             "", "Events Included:", "PLM-LM", "SLEEP-S0", "SLEEP-S2", "HYPOPNEA",
             "AROUSAL-SPONT", "", "Time [hh:mm:ss]\tEvent\tDuration[s]\tLocation"]
    lines += [f"{_clock(t)}\t{ev}\t{d:g}\t{loc}" for t, ev, d, loc in rows]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def _scored_event(etype: str, concept: str, start: float, dur: float, loc: str) -> str:
    return (f"<ScoredEvent><EventType>{etype}</EventType><EventConcept>{concept}</EventConcept>"
            f"<Start>{start}</Start><Duration>{dur}</Duration>"
            f"<SignalLocation>{loc}</SignalLocation></ScoredEvent>")


def write_nsrr_xml(path: Path, *, stages: bool = True, legs: bool = True) -> Path:
    items = []
    if stages:
        for i in range(40):
            concept = "Wake|0" if i < 2 else "Stage 2 sleep|2"
            items.append(_scored_event("Stages|Stages", concept, i * 30.0, 30.0, "SaO2"))
    if legs:
        for onset, dur, side in MOVEMENTS:
            concept = ("Limb movement - left|Limb Movement (Left)" if side == "left"
                       else "Limb movement - right|Limb Movement (Right)")
            items.append(_scored_event("Limb Movement|Limb Movement", concept, onset, dur,
                                       "L Leg" if side == "left" else "R Leg"))
    items.append(_scored_event("Respiratory|Respiratory", "Hypopnea|Hypopnea", 150.0, 8.0,
                               "Airflow"))
    items.append(_scored_event("Arousals|Arousals", "Arousal|Arousal ()", 141.0, 3.0, "C3"))
    text = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<PSGAnnotation>'
            "<SoftwareVersion>Compumedics</SoftwareVersion><EpochLength>30</EpochLength>"
            "<ScoredEvents>" + "".join(items) + "</ScoredEvents></PSGAnnotation>\n")
    path.write_text(text, encoding="utf-8")
    return path


def _run(files: list[Path], out: Path, *extra: str) -> tuple[int, dict, pd.DataFrame]:
    code = main(["score-events", *map(str, files), "--out", str(out), *extra])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8")) if code == 0 else {}
    events = (pd.read_csv(out / "events.tsv", sep="\t", na_values=["n/a"],
                          keep_default_na=False) if code == 0 else pd.DataFrame())
    return code, summary, events


def _index(summary: dict, name: str) -> float:
    return next(ix["value"] for ix in summary["indices"] if ix["name"] == name)


@pytest.mark.parametrize("writer", [write_remlogic, write_nsrr_xml], ids=["remlogic", "nsrr"])
def test_wasm_plm_counts_from_scored_files_match_hand_count(writer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = writer(tmp_path / ("night.txt" if writer is write_remlogic else "night.xml"))
    code, summary, events = _run([src], tmp_path / "out")
    assert code == 0
    lm = events[events["trial_type"] == "leg_movement"]
    assert len(lm) == 4 + 5 + 4            # the 0.3-s LM is not an LM; pairs are combined
    assert int(lm["in_series"].sum()) == 9
    assert (lm["leg"] == "bilateral").sum() == 5
    assert _index(summary, "plms_index") == pytest.approx(9 / TST_H)
    assert _index(summary, "plms_nr_index") == pytest.approx(5 / TST_H)
    assert _index(summary, "plms_arousal_index") == pytest.approx(1 / TST_H)
    assert summary["rule_set"] == "wasm_2016"
    plms = next(ix for ix in summary["indices"] if ix["name"] == "plms_index")
    assert plms["flag"] == "above the adult threshold of 15/h"
    assert plms["denominator_value"] == pytest.approx(TST_H)


@pytest.mark.parametrize("writer", [write_remlogic, write_nsrr_xml], ids=["remlogic", "nsrr"])
def test_aasm_imi_from_5_s_adds_the_series_with_a_6_s_interval(writer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = writer(tmp_path / ("night.txt" if writer is write_remlogic else "night.xml"))
    code, summary, events = _run([src], tmp_path / "out", "--rules", "aasm")
    assert code == 0
    assert int(events["in_series"].sum()) == 13
    assert _index(summary, "plms_index") == pytest.approx(13 / TST_H)
    assert summary["rule_set"] == "aasm"


def test_separate_hypnogram_file_supplies_the_stages(tmp_path: Path) -> None:
    legs = write_nsrr_xml(tmp_path / "legs.xml", stages=False)
    stages = write_nsrr_xml(tmp_path / "stages.xml", legs=False)
    code, summary, _ = _run([legs], tmp_path / "out", "--hypnogram", str(stages))
    assert code == 0
    assert _index(summary, "plms_index") == pytest.approx(9 / TST_H)


def test_without_stages_indices_are_per_hour_of_recording(tmp_path: Path) -> None:
    legs = write_nsrr_xml(tmp_path / "legs.xml", stages=False)
    code, summary, _ = _run([legs], tmp_path / "out")
    assert code == 0
    plm = next(ix for ix in summary["indices"] if ix["name"] == "plm_index")
    assert plm["denominator"] == "hours of recording (no hypnogram)"
    assert not any(ix["name"] == "plms_index" for ix in summary["indices"])


def test_missing_file_is_one_error_line_and_exit_1(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["score-events", str(tmp_path / "nope.xml"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and "does not exist" in err[0]


def test_existing_results_are_not_overwritten_without_overwrite(tmp_path: Path) -> None:
    src = write_nsrr_xml(tmp_path / "night.xml")
    assert _run([src], tmp_path / "out")[0] == 0
    assert main(["score-events", str(src), "--out", str(tmp_path / "out")]) == 1
    assert main(["score-events", str(src), "--out", str(tmp_path / "out"), "--overwrite"]) == 0


def test_events_tsv_has_per_leg_component_rows_with_the_id_of_their_movement(
        tmp_path: Path) -> None:
    src = write_remlogic(tmp_path / "night.txt")
    code, _, events = _run([src], tmp_path / "out")
    assert code == 0
    lm = events[events["trial_type"] == "leg_movement"].set_index("lm_id")
    comp = events[events["trial_type"] == "leg_movement_component"]
    # 13 LMs; 4 + 4 monolateral ones have one component, the 5 bilateral ones two.
    assert len(lm) == 13 and len(comp) == 4 + 4 + 2 * 5
    pair = comp[comp["lm_id"] == lm.index[(lm["onset"] == 300.0).to_numpy()][0]]
    assert list(pair["leg"]) == ["left", "right"]
    assert list(pair["onset"]) == [300.0, 301.0]
    assert list(pair["duration"]) == [2.0, 2.0]
    assert lm.loc[pair["lm_id"].iloc[0], "duration"] == 3.0  # 300.0 .. 303.0 s
    single = comp[comp["onset"] == 600.0]
    assert list(single["leg"]) == ["right"] and len(single) == 1
    assert lm.loc[single["lm_id"].iloc[0], "onset"] == 600.0


def test_reading_events_tsv_back_ignores_the_component_rows(tmp_path: Path) -> None:
    src = write_remlogic(tmp_path / "night.txt")
    assert _run([src], tmp_path / "out")[0] == 0
    events_tsv = tmp_path / "out" / "events.tsv"
    hypnogram = tmp_path / "out" / "hypnogram.tsv"
    code, again, _ = _run([events_tsv], tmp_path / "again", "--hypnogram", str(hypnogram))
    assert code == 0
    # The same file without the component rows, as events.tsv was before they existed.
    lines = events_tsv.read_text(encoding="utf-8").splitlines(keepends=True)
    stripped = tmp_path / "stripped" / "events.tsv"
    stripped.parent.mkdir()
    stripped.write_text("".join(ln for ln in lines if "\tleg_movement_component\t" not in ln),
                        encoding="utf-8")
    assert len(stripped.read_text(encoding="utf-8").splitlines()) < len(lines)
    code, before, _ = _run([stripped], tmp_path / "before", "--hypnogram", str(hypnogram))
    assert code == 0
    values = {ix["name"]: ix["value"] for ix in again["indices"]}
    assert values == {ix["name"]: ix["value"] for ix in before["indices"]}
    assert values["plms_index"] == pytest.approx(9 / TST_H)
