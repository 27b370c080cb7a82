"""EDF+ output of a simulated night, the truth sidecar, and ``somnomotor simulate``."""

from __future__ import annotations

from pathlib import Path

import edfio
import numpy as np
import pytest

from somnomotor._errors import InputFileError, OutputError
from somnomotor.cli.main import main
from somnomotor.simulate import (
    GroundTruth,
    read_truth,
    simulate_night,
    truth_path_for,
    write_simulated_night,
)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    night = simulate_night("plmd", seed=5, duration_h=0.2)
    path = write_simulated_night(night, tmp_path_factory.mktemp("sim") / "night.edf")
    return night, path


def test_edf_plus_has_labels_rates_and_uV_units(written) -> None:  # type: ignore[no-untyped-def]
    night, path = written
    edf = edfio.read_edf(path)
    assert list(edf.labels) == night.recording.labels
    rates = {s.label: s.sampling_frequency for s in edf.signals}
    assert rates["LAT"] == 512.0 and rates["RAT"] == 512.0 and rates["Chin1-Chin2"] == 512.0
    assert rates["C4-M1"] == 256.0 and rates["ECG"] == 256.0
    assert {s.physical_dimension for s in edf.signals} == {"uV"}


def test_edf_emg_quantisation_stays_below_0_1_uV(written) -> None:  # type: ignore[no-untyped-def]
    night, path = written
    edf = edfio.read_edf(path)
    sig = edf.get_signal("LAT")
    step = (sig.physical_max - sig.physical_min) / (sig.digital_max - sig.digital_min)
    assert step < 0.1
    original = night.recording.channel("LAT").data()
    np.testing.assert_allclose(sig.data[: original.size], original, atol=step)


def test_edf_annotations_hold_stages_events_and_lights(written) -> None:  # type: ignore[no-untyped-def]
    night, path = written
    texts = [a.text for a in edfio.read_edf(path).annotations]
    hyp = night.recording.hypnogram
    n_stage = sum(t.startswith("Sleep stage ") for t in texts)
    assert n_stage == len(hyp)
    assert texts.count("Lights off") == 1 and texts.count("Lights on") == 1
    resp = night.truth.events_of(("apnea", "hypopnea"))
    assert texts.count("Obstructive apnea") + texts.count("Hypopnea") == len(resp)
    assert texts.count("Arousal") == len(night.truth.events_of("arousal"))
    assert {t for t in texts if t.startswith("Sleep stage ")} <= {
        "Sleep stage W", "Sleep stage N1", "Sleep stage N2", "Sleep stage N3", "Sleep stage R"}


def test_truth_sidecar_is_written_beside_and_round_trips(written) -> None:  # type: ignore[no-untyped-def]
    night, path = written
    assert truth_path_for(path) == path.with_name("night.truth.json")
    back = read_truth(path)
    assert back.to_json() == night.truth.to_json()
    assert len(back.leg_movements_table()) == len(night.truth.leg_movements_table())
    assert back.hypnogram.stages == night.truth.hypnogram.stages


def test_truth_from_json_rejects_other_json_with_one_message() -> None:
    with pytest.raises(InputFileError, match="not a somnomotor simulation truth"):
        GroundTruth.from_json('{"hello": 1}')
    with pytest.raises(InputFileError, match="not valid JSON"):
        GroundTruth.from_json("{")


def test_writer_refuses_a_non_edf_path(tmp_path: Path) -> None:
    night = simulate_night("healthy", seed=0, duration_h=0.1)
    with pytest.raises(OutputError, match=".edf"):
        write_simulated_night(night, tmp_path / "night.bdf")
    assert not list(tmp_path.iterdir())


def test_cli_simulate_writes_edf_and_truth_and_prints_summary(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "n.edf"
    code = main(["simulate", "--out", str(out), "--profile", "plmd", "--seed", "3",
                 "--duration-h", "0.1", "--condition", "mains", "--condition", "pops"])
    assert code == 0
    assert out.is_file() and (tmp_path / "n.truth.json").is_file()
    printed = capsys.readouterr().out
    assert str(out) in printed and "leg movements" in printed and "PLMS index" in printed
    truth = read_truth(out)
    assert truth.profile == "plmd" and truth.seed == 3
    assert {"mains", "pops"} <= set(truth.conditions)


def test_cli_simulate_bad_duration_is_one_line_error(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["simulate", "--out", str(tmp_path / "x.edf"), "--duration-h", "0.001"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and "duration_h" in err and "\n" not in err
