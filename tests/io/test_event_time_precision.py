"""Onsets and durations keep 1 ms all night in every table we write.

A relative format (``%.6g``) keeps only 6 significant digits: 28,800.123 s (8 h) became
28800.1. Expected texts are written out by hand.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from somnomotor.events import EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.io.export import (
    ExportInput,
    export_files,
    write_edf_annotations,
    write_nsrr_xml,
)
from somnomotor.recording import Recording
from somnomotor.report.outputs import events_to_tsv, write_outputs
from somnomotor.results import AnalysisResult

ONSETS = [12.5, 10_000.001, 28_800.123]
DURATIONS = [0.75, 1.234, 2.001]


def _events() -> EventTable:
    return EventTable.from_arrays(ONSETS, DURATIONS, "leg_movement", "LAT", leg="left",
                                  candidate=True, in_series=False)


def _tsv_rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines()[1:]]


def test_events_tsv_writes_onsets_and_durations_to_the_millisecond() -> None:
    rows = _tsv_rows(events_to_tsv(_events()))
    assert [r[0] for r in rows] == ["12.500", "10000.001", "28800.123"]
    assert [r[1] for r in rows] == ["0.750", "1.234", "2.001"]


def test_write_outputs_keeps_the_millisecond_after_8_h(tmp_path: Path) -> None:
    hyp = Hypnogram(("N2",) * 961, source="test")
    result = AnalysisResult(family="leg_movements", events=_events())
    write_outputs(tmp_path, recording=Recording(channels=(), duration_s=28_830.0,
                                                hypnogram=hyp),
                  results=[result], rule_set="wasm_2016")
    frame = pd.read_csv(tmp_path / "events.tsv", sep="\t", dtype=str)
    assert "28800.123" in set(frame["onset"])
    assert "2.001" in set(frame["duration"])


@pytest.mark.parametrize("fmt", ["csv", "bids"])
def test_text_exports_write_onsets_to_the_millisecond(fmt: str, tmp_path: Path) -> None:
    data = ExportInput(_events(), None, start=dt.datetime(2026, 1, 1, 22, 0),
                       duration_s=28_830.0, stem="night")
    path = export_files(tmp_path, data, formats=[fmt])[fmt][0]
    frame = pd.read_csv(path, sep="," if fmt == "csv" else "\t", dtype=str)
    legs = frame[frame["trial_type"] == "leg_movement"]
    assert list(legs["onset"]) == ["12.500", "10000.001", "28800.123"]
    assert list(legs["duration"]) == ["0.750", "1.234", "2.001"]


def test_nsrr_xml_and_edf_plus_keep_the_millisecond(tmp_path: Path) -> None:
    import edfio

    xml = write_nsrr_xml(tmp_path / "a.xml", _events(), duration_s=28_830.0)
    starts = [e.findtext("Start") for e in ET.parse(xml).getroot().iter("ScoredEvent")]
    assert "28800.123" in starts
    edf = write_edf_annotations(tmp_path / "a.edf", _events(),
                                start=dt.datetime(2026, 1, 1, 22, 0))
    onsets = [a.onset for a in edfio.read_edf(edf).annotations]
    assert min(abs(o - 28_800.123) for o in onsets) < 0.5e-3
