"""Stanford SEV ``.SCO`` events and ``.STA`` stages.

The files in tests/data are synthetic (values made up here) in the layout of
``SEV_Tutorial.SCO`` / ``SEV_Tutorial.STA`` of informaton/sev (commit d41a523e), whose only
licence text is "All rights reserved", so no excerpt is copied. Layout kept: a tab-only
first line and ``\\r\\n`` line ends in the SCO, ``\\r`` alone in the STA, trailing blanks
after labels, empty durations for leg movements.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from somnomotor._errors import AnnotationError
from somnomotor.cli.main import main
from somnomotor.io.annotations import detect_format, read_annotations

DATA = Path(__file__).resolve().parents[2] / "data" / "annotations"
SCO = DATA / "sev_style_synthetic.SCO"
STA = DATA / "sev_style_synthetic.STA"


def test_formats_are_detected_from_content() -> None:
    assert detect_format(SCO) == "sev_sco"
    assert detect_format(STA) == "sev_sta"


def test_sta_stages_with_code_7_unscored() -> None:
    hyp = read_annotations(STA).hypnogram
    assert hyp is not None
    assert hyp.stages == ("UNS", "UNS", "W", "W", "N1", "N2", "N2", "N2", "N3", "N3", "N2",
                          "R", "R", "N2", "N2", "W", "MT", "N2", "UNS", "UNS")
    assert hyp.onset_s == 0.0
    assert hyp.total_sleep_time_s == 12 * 30.0


def test_sco_events_at_200_hz_with_the_sev_default_duration() -> None:
    ann = read_annotations(SCO)
    legs = ann.events.select("limb_movement")
    # start samples / 200 Hz
    assert list(legs.onset_s) == pytest.approx([327.0, 339.75, 360.65, 383.0])
    # empty durations take SEV's 300 samples (1.5 s); 500 samples are 2.5 s
    assert list(legs.duration_s) == pytest.approx([1.5, 1.5, 1.5, 2.5])
    assert list(legs.frame["label"]) == ["LM", "LMA", "LM", "LM"]
    hypopnea = ann.events.select("hypopnea")
    assert list(hypopnea.onset_s) == pytest.approx([426.05])
    assert list(hypopnea.duration_s) == pytest.approx([16.5])
    assert any("3 event(s) have no duration" in w for w in ann.warnings)


def test_sco_and_sta_together_score_on_the_command_line(capsys, tmp_path) -> None:
    assert main(["score-events", str(SCO), "--hypnogram", str(STA),
                 "--out", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.startswith("4 leg movements")


def test_sco_row_outside_its_epoch_names_the_line(tmp_path) -> None:
    text = SCO.read_bytes().replace(b"13\t72130", b"13\t36065")
    path = tmp_path / "other_rate.SCO"
    path.write_bytes(text)
    with pytest.raises(AnnotationError, match=r"other_rate\.SCO', line 4.*another sample rate"):
        read_annotations(path)


def test_sta_with_an_unknown_code_names_the_line(tmp_path) -> None:
    path = tmp_path / "bad.STA"
    path.write_bytes(STA.read_bytes().replace(b"\r4\t0\r", b"\r4\t8\r"))
    with pytest.raises(AnnotationError, match=r"bad\.STA', line 4"):
        read_annotations(path, format="sev_sta")
