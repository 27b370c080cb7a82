"""Exports (EDF+, NSRR XML, BIDS, CSV, Parquet) round-trip through our readers and pandas."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from somnomotor._errors import InputFileNotFoundError, OutputError, ParameterError
from somnomotor.events import EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.io.annotations import read_annotations
from somnomotor.io.export import (
    EXPORT_FORMATS,
    STAGE_TRIAL_TYPE,
    ExportInput,
    export_files,
    export_folder,
    export_frame,
    load_output_folder,
    write_bids_events,
    write_edf_annotations,
    write_nsrr_xml,
    write_parquet,
)
from somnomotor.io.export_labels import event_label, kind_of_label
from somnomotor.recording import Channel, Recording
from somnomotor.report.outputs import write_outputs
from somnomotor.results import AnalysisResult

START = dt.datetime(2026, 1, 1, 22, 15, 30)
DURATION_S = 600.0

# Leg movements at rule-relevant durations (0.5 s minimum, 10 s candidate limit) and every
# side; onsets with sub-ms parts to check the 1-ms round trip.
LEGS = pd.DataFrame({
    "onset_s": [12.0005, 40.25, 71.125, 101.999, 130.5],
    "duration_s": [0.5, 2.75, 10.5, 1.0, 14.0],
    "leg": ["left", "right", "left", "bilateral", "bilateral"],
    "candidate": [True, True, False, True, True],
    "in_series": [True, True, False, False, False],
})


def _events() -> EventTable:
    legs = EventTable.from_arrays(
        LEGS["onset_s"], LEGS["duration_s"], "leg_movement",
        ["LAT", "RAT", "LAT", "LAT+RAT", "LAT+RAT"], leg=LEGS["leg"],
        candidate=LEGS["candidate"], in_series=LEGS["in_series"], imi_s=[np.nan, 28.25, 30.875,
                                                                         30.874, 28.501])
    rswa = EventTable.from_arrays(
        [300.0, 330.0, 360.0], [30.0] * 3, "rswa_epoch", "Chin1-Chin2",
        chin_tonic=[True, False, False], chin_phasic_aasm=[True, True, False],
        excluded=[False, False, False], chin_tonic_pct=[80.0, 10.0, 0.0], reason="")
    noise = EventTable.from_arrays([500.0], [12.5], "unscorable", "RAT", reason="noise")
    return EventTable.concat([legs, rswa, noise])


def _hypnogram() -> Hypnogram:
    stages = ("W", "W", "N1", "N2", "N2", "N3", "N3", "N2", "R", "R", "R", "R", "R", "MT",
              "W", "N1", "N2", "N2", "UNS", "W")
    return Hypnogram(stages, analysis_start_s=15.0, analysis_end_s=585.0, source="scored: x")


def _data() -> ExportInput:
    return ExportInput(_events(), _hypnogram(), start=START, duration_s=DURATION_S,
                       stem="night")


def _check_events_round_trip(read: EventTable, original: EventTable, *, tol_s: float) -> None:
    """Leg movements come back as limb movements with the leg; other kinds by their label."""
    read = read.frame[~read.frame["trial_type"].isin(["lights_off", "lights_on"])]
    legs = read[read["trial_type"] == "limb_movement"].reset_index(drop=True)
    orig_legs = original.select("leg_movement").frame
    assert len(legs) == len(orig_legs)
    np.testing.assert_allclose(legs["onset_s"], orig_legs["onset_s"], atol=tol_s)
    np.testing.assert_allclose(legs["duration_s"], orig_legs["duration_s"], atol=tol_s)
    assert list(legs["side"]) == list(orig_legs["leg"])
    # Every event (leg or not) maps back to its kind through its label.
    assert len(read) == len(original)
    kinds = [kind_of_label(lab)[0] for lab in read["label"]]
    assert kinds == list(original.frame["trial_type"])
    expected = [event_label(r) for r in original.frame.to_dict("records")]
    for text, wanted, kind in zip(read["label"], expected, kinds, strict=True):
        if kind != "leg_movement":  # NSRR spells leg movements its own way (checked above)
            assert str(text).split("|", 1)[0] == wanted


def _check_stages(hyp: Hypnogram | None) -> None:
    ref = _hypnogram()
    assert hyp is not None
    assert hyp.stages == ref.stages
    assert hyp.onset_s == pytest.approx(ref.onset_s)
    assert hyp.analysis_start_s == pytest.approx(ref.analysis_start_s)
    assert hyp.analysis_end_s == pytest.approx(ref.analysis_end_s)


# -- labels -------------------------------------------------------------------------------
def test_leg_movement_labels_name_series_membership_and_side() -> None:
    labels = [event_label(r) for r in _events().select("leg_movement").frame.to_dict("records")]
    assert labels == ["PLM left", "PLM right", "LM left non-candidate", "LM bilateral",
                      "LM bilateral"]
    assert kind_of_label("PLM left") == ("leg_movement", "left")
    assert kind_of_label("Periodic leg movement - right|PLM (Right)") == ("leg_movement",
                                                                          "right")


def test_rswa_epoch_labels_name_the_finding() -> None:
    labels = [event_label(r) for r in _events().select("rswa_epoch").frame.to_dict("records")]
    assert labels == ["RSWA tonic+phasic epoch", "RSWA phasic epoch", "RSWA no RSWA epoch"]


# -- EDF+ ---------------------------------------------------------------------------------
def test_edf_annotation_file_round_trips_through_read_annotations(tmp_path: Path) -> None:
    path = write_edf_annotations(tmp_path / "a.edf", _events(), _hypnogram(), start=START,
                                 findings_only=False)
    ann = read_annotations(path, recording_start=START, recording_duration_s=DURATION_S)
    _check_stages(ann.hypnogram)
    _check_events_round_trip(ann.events, _events(), tol_s=1e-3)


def test_edf_annotation_file_is_edf_plus_c_with_only_an_annotation_signal(
        tmp_path: Path) -> None:
    import edfio

    path = write_edf_annotations(tmp_path / "a.edf", _events(), _hypnogram(), start=START)
    header = path.read_bytes()[:256 + 256]
    assert header[192:197] == b"EDF+C"
    assert int(header[252:256]) == 1  # one signal
    assert header[256:272].strip() == b"EDF Annotations"
    edf = edfio.read_edf(path)
    assert edf.signals == ()
    assert dt.datetime.combine(edf.startdate, edf.starttime) == START
    texts = [a.text for a in edf.annotations]
    assert "Sleep stage N2" in texts and "Sleep stage R" in texts
    assert "PLM left" in texts and "LM bilateral" in texts
    assert "RSWA tonic+phasic epoch" in texts
    # findings_only (the default for viewers) leaves out epochs without RSWA.
    assert "RSWA no RSWA epoch" not in texts


# -- NSRR XML -----------------------------------------------------------------------------
def test_nsrr_xml_round_trips_through_read_annotations(tmp_path: Path) -> None:
    path = write_nsrr_xml(tmp_path / "a.xml", _events(), _hypnogram(), start=START,
                          duration_s=DURATION_S, findings_only=False)
    ann = read_annotations(path, recording_duration_s=DURATION_S)
    _check_stages(ann.hypnogram)
    _check_events_round_trip(ann.events, _events(), tol_s=1e-6)
    text = path.read_text(encoding="utf-8")
    assert "<EventConcept>Stage 2 sleep|2</EventConcept>" in text
    assert "<EventConcept>Limb movement - bilateral|Limb Movement (Bilateral)</EventConcept>" \
        in text
    assert "<SignalLocation>Chin1-Chin2</SignalLocation>" in text


# -- CSV ----------------------------------------------------------------------------------
def test_csv_round_trips_through_read_annotations(tmp_path: Path) -> None:
    written = export_files(tmp_path, _data(), formats=["csv"])
    ann = read_annotations(written["csv"][0], recording_duration_s=DURATION_S)
    _check_stages(ann.hypnogram)
    # Times are written to the millisecond (%.3f s) in every text table.
    _check_events_round_trip(ann.events, _events(), tol_s=0.5e-3 + 1e-9)


# -- BIDS and Parquet (pandas) ------------------------------------------------------------
def test_bids_events_and_sidecar_describe_every_column(tmp_path: Path) -> None:
    tsv, sidecar = write_bids_events(tmp_path / "sub-01_task-sleep_events.tsv", _events(),
                                     _hypnogram())
    frame = pd.read_csv(tsv, sep="\t", na_values=["n/a"], keep_default_na=False)
    assert list(frame.columns[:2]) == ["onset", "duration"]
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    assert set(frame.columns) <= set(meta)
    assert meta["onset"]["Units"] == "s"
    assert set(meta["trial_type"]["Levels"]) == set(frame["trial_type"])
    assert set(meta["stage"]["Levels"]) == {"W", "N1", "N2", "N3", "R", "MT", "UNS"}
    stages = frame[frame["trial_type"] == STAGE_TRIAL_TYPE]
    assert tuple(stages["stage"]) == _hypnogram().stages
    legs = frame[frame["trial_type"] == "leg_movement"].reset_index(drop=True)
    # Times are written to the millisecond (%.3f s).
    np.testing.assert_allclose(legs["onset"], LEGS["onset_s"], atol=0.5e-3 + 1e-9)
    assert list(legs["leg"]) == list(LEGS["leg"])
    assert list(legs["in_series"]) == [int(v) for v in LEGS["in_series"]]


def test_bids_file_name_must_end_in_events_tsv(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="_events.tsv"):
        write_bids_events(tmp_path / "night.tsv", _events())


def test_parquet_keeps_types_and_values(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "e.parquet", _events(), _hypnogram())
    frame = pd.read_parquet(path)
    assert frame["onset"].dtype == np.float64
    assert str(frame["in_series"].dtype) == "boolean"
    legs = frame[frame["trial_type"] == "leg_movement"].reset_index(drop=True)
    np.testing.assert_allclose(legs["onset"], LEGS["onset_s"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(legs["duration"], LEGS["duration_s"], rtol=0, atol=1e-9)
    assert list(legs["candidate"]) == list(LEGS["candidate"])
    assert tuple(frame.loc[frame["trial_type"] == STAGE_TRIAL_TYPE, "stage"]) == \
        _hypnogram().stages
    unscorable = frame[frame["trial_type"] == "unscorable"]
    assert list(unscorable["reason"]) == ["noise"]


# -- from an analysis output folder -------------------------------------------------------
def _output_folder(tmp_path: Path) -> Path:
    channel = Channel.from_array("LAT", np.zeros(100), fs_hz=10.0)
    recording = Recording(channels=(channel,), roles={"leg_left": ("LAT",)},
                          duration_s=DURATION_S, start=START, hypnogram=_hypnogram())
    ev = _events()
    result = AnalysisResult(family="leg_movements",
                            events=EventTable(ev.frame[ev.frame["trial_type"] != "unscorable"]),
                            unscorable=ev.select("unscorable"))
    out = tmp_path / "night.somnomotor"
    write_outputs(out, recording=recording, results=[result], rule_set="wasm_2016")
    return out


def test_every_format_exports_from_an_output_folder_and_round_trips(tmp_path: Path) -> None:
    folder = _output_folder(tmp_path)
    data = load_output_folder(folder)
    assert data.start == START
    assert data.duration_s == DURATION_S
    _check_stages(data.hypnogram)
    written = export_folder(folder, formats=EXPORT_FORMATS, findings_only=False)
    assert set(written) == set(EXPORT_FORMATS)
    assert all(p.parent == folder / "export" and p.exists() for ps in written.values()
               for p in ps)
    # events.tsv writes flags as 1/0 and orders by onset; the table read back is the truth.
    original = data.events
    for fmt in ("edf", "nsrr", "csv"):
        ann = read_annotations(written[fmt][0], recording_start=START,
                               recording_duration_s=DURATION_S)
        _check_stages(ann.hypnogram)
        _check_events_round_trip(ann.events, original, tol_s=1e-3)
    parquet = pd.read_parquet(written["parquet"][0])
    assert (parquet["trial_type"] == "leg_movement").sum() == len(LEGS)


def test_export_refuses_to_overwrite_without_permission(tmp_path: Path) -> None:
    export_files(tmp_path, _data(), formats=["csv"])
    with pytest.raises(OutputError, match="already exists"):
        export_files(tmp_path, _data(), formats=["csv"])
    export_files(tmp_path, _data(), formats=["csv"], overwrite=True)


def test_unknown_export_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="allowed are"):
        export_files(tmp_path, _data(), formats=["xlsx"])


def test_folder_without_events_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputFileNotFoundError, match="events.tsv"):
        load_output_folder(tmp_path)


def test_export_frame_without_hypnogram_has_no_stage_rows() -> None:
    frame = export_frame(_events(), None)
    assert STAGE_TRIAL_TYPE not in set(frame["trial_type"])
    assert len(frame) == len(_events())


# -- a real scored hypnogram (AASM labels, lights off/on) ---------------------------------
REAL_HYPNOGRAM = Path(__file__).parents[1] / "data" / "annotations" / \
    "hmc_style_hypnogram_annotations.edf"


@pytest.mark.parametrize("fmt", ["edf", "nsrr", "csv"])
def test_real_scored_hypnogram_survives_every_viewer_format(tmp_path: Path, fmt: str) -> None:
    original = read_annotations(REAL_HYPNOGRAM)
    assert original.hypnogram is not None
    data = ExportInput(EventTable.empty(), original.hypnogram, start=original.start,
                       duration_s=original.hypnogram.end_s, stem="hmc")
    written = export_files(tmp_path, data, formats=[fmt])
    again = read_annotations(written[fmt][0], recording_start=original.start)
    assert again.hypnogram is not None
    assert again.hypnogram.stages == original.hypnogram.stages
    assert again.hypnogram.onset_s == pytest.approx(original.hypnogram.onset_s, abs=1e-3)
    for attr in ("analysis_start_s", "analysis_end_s"):
        a, b = getattr(again.hypnogram, attr), getattr(original.hypnogram, attr)
        assert (a is None and b is None) or a == pytest.approx(b, abs=1e-3)
    assert again.hypnogram.total_sleep_time_s == original.hypnogram.total_sleep_time_s


# -- command line -------------------------------------------------------------------------
def test_export_command_writes_the_formats_asked_for(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from somnomotor.cli.main import main

    folder = _output_folder(tmp_path)
    out = tmp_path / "x"
    code = main(["export", str(folder), "--format", "edf", "--format", "bids", "--out",
                 str(out)])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "night_annotations.edf", "night_events.json", "night_events.tsv"]
    assert "edf:" in capsys.readouterr().out


def test_export_command_on_a_missing_folder_fails_with_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from somnomotor.cli.main import main

    code = main(["export", str(tmp_path / "nope"), "--format", "csv"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert len(err) == 1 and "does not exist" in err[0]
