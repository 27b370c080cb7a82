"""Automatic staging (YASA) plumbing and the agreement statistics (accuracy, Cohen's kappa)."""

from __future__ import annotations

import numpy as np
import pytest

from somnomotor._errors import ChannelNotFoundError, ParameterError, SomnomotorWarning
from somnomotor.hypnogram import Hypnogram
from somnomotor.recording import Channel, Recording
from somnomotor.staging import (
    AUTOMATIC_STAGING_WARNING,
    agreement_from_stages,
    choose_channels,
    compare_hypnograms,
    resolve_staging,
    stage_recording,
)


# -- agreement on hand-made stage pairs ---------------------------------------------------
def test_kappa_matches_hand_computation_of_cohen_1960() -> None:
    # 10 epochs. Reference: W x4, N2 x6; other: W x4, N2 x6, with one W<->N2 swap each way.
    ref = ["W"] * 4 + ["N2"] * 6
    oth = ["W", "W", "W", "N2"] + ["N2"] * 4 + ["W", "N2"]
    assert sum(r == o for r, o in zip(ref, oth, strict=True)) == 8
    p_o = 0.8
    p_e = (4 / 10) * (4 / 10) + (6 / 10) * (6 / 10)  # product of the marginals, summed
    result = agreement_from_stages(ref, oth)
    assert result.n_epochs == 10
    assert result.accuracy == pytest.approx(p_o)
    assert result.kappa == pytest.approx((p_o - p_e) / (1 - p_e))


def test_confusion_matrix_rows_are_reference_columns_are_compared_stage() -> None:
    ref = ["W", "N1", "N2", "N2", "N3", "R", "R"]
    oth = ["W", "N2", "N2", "N3", "N3", "R", "W"]
    result = agreement_from_stages(ref, oth)
    labels = list(result.labels)
    m = np.array(result.confusion)
    assert m[labels.index("N1"), labels.index("N2")] == 1
    assert m[labels.index("N2"), labels.index("N3")] == 1
    assert m[labels.index("R"), labels.index("W")] == 1
    assert np.trace(m) == 4
    assert m.sum() == 7
    assert result.per_stage["R"]["sensitivity"] == pytest.approx(0.5)
    assert result.per_stage["W"]["precision"] == pytest.approx(0.5)


def test_perfect_agreement_gives_kappa_one_and_chance_agreement_kappa_zero() -> None:
    stages = ["W", "N1", "N2", "N3", "R"] * 4
    assert agreement_from_stages(stages, stages).kappa == pytest.approx(1.0)
    # Independent marginals: other always N2 -> p_o = p_e -> kappa 0.
    result = agreement_from_stages(stages, ["N2"] * len(stages))
    assert result.kappa == pytest.approx(0.0)
    assert result.accuracy == pytest.approx(0.2)


def test_unscored_and_movement_epochs_are_left_out_of_agreement() -> None:
    result = agreement_from_stages(["W", "UNS", "N2", "MT"], ["W", "N2", "UNS", "MT"])
    assert result.n_epochs == 1
    assert result.accuracy == 1.0


def test_stage_sequences_of_different_length_are_refused() -> None:
    with pytest.raises(ParameterError, match="one stage per epoch"):
        agreement_from_stages(["W", "N2"], ["W"])


def test_compare_hypnograms_matches_epochs_by_time() -> None:
    ref = Hypnogram(("W", "N1", "N2", "N2", "R"), source="scored: x")
    # Starts one epoch later: its epoch 0 is the reference's epoch 1.
    other = Hypnogram(("N1", "N2", "N3", "R"), onset_s=30.0, source="automatic: test")
    result = compare_hypnograms(ref, other)
    assert result.n_epochs == 4
    assert result.accuracy == pytest.approx(3 / 4)
    assert result.reference_source == "scored: x"
    assert result.to_dict()["compared"] == "automatic: test"


def test_compare_hypnograms_refuses_misaligned_epochs() -> None:
    with pytest.raises(ParameterError, match="not aligned"):
        compare_hypnograms(Hypnogram(("W",) * 3), Hypnogram(("W",) * 3, onset_s=10.0))


# -- channel choice -----------------------------------------------------------------------
def _recording(labels_roles: dict[str, str], seconds: float = 60.0) -> Recording:
    channels = tuple(Channel.from_array(lab, np.zeros(int(seconds * 100)), fs_hz=100.0)
                     for lab in labels_roles)
    roles: dict[str, tuple[str, ...]] = {}
    for lab, role in labels_roles.items():
        roles[role] = roles.get(role, ()) + (lab,)
    return Recording(channels=channels, roles=roles)


def test_central_eeg_is_preferred_for_staging() -> None:
    rec = _recording({"Fpz-Cz": "eeg", "O1-M2": "eeg", "C3-M2": "eeg", "E1-M2": "eog",
                      "Chin": "chin"})
    chosen = choose_channels(rec)
    assert chosen["eeg"].label == "C3-M2"
    assert chosen["eog"].label == "E1-M2"
    assert chosen["emg"].label == "Chin"


def test_recording_without_eeg_cannot_be_staged() -> None:
    rec = _recording({"LAT": "leg_left"})
    with pytest.raises(ChannelNotFoundError, match="EEG"):
        choose_channels(rec)


def test_scored_hypnogram_wins_over_automatic_staging() -> None:
    rec = _recording({"C4-M1": "eeg"}).with_hypnogram(
        Hypnogram(("W", "N2"), source="scored: night.xml"))
    outcome = resolve_staging(rec)
    assert outcome.recording.hypnogram is not None
    assert outcome.recording.hypnogram.source == "scored: night.xml"
    assert outcome.staging == "scored"
    assert outcome.summary["staging"] == "scored"


def test_no_eeg_means_no_staging_and_a_warning() -> None:
    rec = _recording({"LAT": "leg_left"})
    with pytest.warns(SomnomotorWarning, match="no automatic staging"):
        outcome = resolve_staging(rec)
    assert outcome.recording.hypnogram is None
    assert outcome.staging == "none"


def test_compare_staging_without_scored_hypnogram_is_an_error() -> None:
    with pytest.raises(ParameterError, match="compare"):
        resolve_staging(_recording({"C4-M1": "eeg"}), compare_staging=True)


def test_missing_yasa_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "yasa", None)  # import yasa -> ImportError
    with pytest.raises(ParameterError, match=r"pip install somnomotor\[staging\]"):
        stage_recording(_recording({"C4-M1": "eeg"}))


# -- YASA on a simulated night ------------------------------------------------------------
@pytest.fixture(scope="module")
def simulated_night():  # type: ignore[no-untyped-def]
    pytest.importorskip("yasa")
    from somnomotor.simulate import simulate_night

    return simulate_night("healthy", seed=3, duration_h=0.15)


@pytest.fixture(scope="module")
def yasa_hypnogram(simulated_night):  # type: ignore[no-untyped-def]
    """YASA's stages of the simulated night, computed once (YASA is the slow part)."""
    return stage_recording(simulated_night.recording)


@pytest.fixture
def cached_yasa(monkeypatch, yasa_hypnogram):  # type: ignore[no-untyped-def]
    """The pipeline tests check plumbing: reuse the one YASA run instead of repeating it."""
    from somnomotor import staging

    monkeypatch.setattr(staging, "stage_recording", lambda recording, **_: yasa_hypnogram)


def test_yasa_hypnogram_covers_every_whole_epoch_and_names_its_source(simulated_night,  # type: ignore[no-untyped-def]
                                                                      yasa_hypnogram) -> None:
    import yasa

    rec = simulated_night.recording
    hyp = yasa_hypnogram
    assert len(hyp) == int(rec.duration_s // 30)
    assert hyp.epoch_s == 30.0 and hyp.onset_s == 0.0
    assert hyp.source == f"automatic: YASA {yasa.__version__}"
    assert set(hyp.stages) <= {"W", "N1", "N2", "N3", "R"}
    # The simulator's EEG is simple: do not require a high accuracy, only that the
    # comparison runs over every epoch and gives numbers in range.
    agreement = compare_hypnograms(simulated_night.truth.hypnogram, hyp)
    assert agreement.n_epochs > 0
    assert 0.0 <= agreement.accuracy <= 1.0
    assert -1.0 <= agreement.kappa <= 1.0


def test_automatic_staging_is_used_and_flagged_when_no_hypnogram(simulated_night,  # type: ignore[no-untyped-def]
                                                                 cached_yasa) -> None:
    rec = simulated_night.recording.with_hypnogram(None)
    with pytest.warns(SomnomotorWarning, match="automatic staging"):
        outcome = resolve_staging(rec)
    assert outcome.staging == "automatic"
    assert outcome.recording.hypnogram is not None
    assert outcome.recording.hypnogram.source.startswith("automatic: YASA")
    assert outcome.summary["automatic_staging"]["channels"]["eeg"] == "C4-M1"
    assert AUTOMATIC_STAGING_WARNING in outcome.warnings


# -- wiring into the pipeline and summary.json --------------------------------------------
def test_summary_says_staging_was_automatic_when_no_hypnogram(simulated_night, tmp_path,  # type: ignore[no-untyped-def]
                                                             cached_yasa) -> None:
    import json

    from somnomotor.pipeline import analyze_recording, write_night_outputs

    rec = simulated_night.recording.with_hypnogram(None)
    with pytest.warns(SomnomotorWarning):
        analysis = analyze_recording(rec, analyses=["leg_movements"])
    written = write_night_outputs(analysis, tmp_path / "out")
    summary = json.loads(written["summary.json"].read_text(encoding="utf-8"))
    assert summary["hypnogram"]["source"].startswith("automatic: YASA")
    assert summary["staging"] == "automatic"
    assert AUTOMATIC_STAGING_WARNING in summary["warnings"]
    assert "staging_agreement" not in summary


def test_compare_staging_keeps_scored_hypnogram_and_reports_agreement(simulated_night,  # type: ignore[no-untyped-def]
                                                                      tmp_path,
                                                                      cached_yasa) -> None:
    import json

    from somnomotor.pipeline import analyze_recording, write_night_outputs

    rec = simulated_night.recording
    analysis = analyze_recording(rec, analyses=["leg_movements"], compare_staging=True)
    written = write_night_outputs(analysis, tmp_path / "out")
    summary = json.loads(written["summary.json"].read_text(encoding="utf-8"))
    assert summary["hypnogram"]["source"] == rec.hypnogram.source
    assert summary["staging"] == "scored"
    agreement = summary["staging_agreement"]
    assert agreement["compared"].startswith("automatic: YASA")
    matrix = np.array(agreement["confusion_matrix"])
    assert matrix.sum() == agreement["n_epochs"] > 0
    assert agreement["accuracy"] == pytest.approx(np.trace(matrix) / matrix.sum())
