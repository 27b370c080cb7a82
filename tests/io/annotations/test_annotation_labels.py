"""The shared label normaliser: stage names, event kinds, leg side, epoch expansion.

Expected values come from the task's label list and the vendor layouts in
docs/annotation-formats.md, not from running the code.
"""

from __future__ import annotations

import numpy as np
import pytest

from somnomotor._errors import AnnotationError
from somnomotor.io.annotations import from_labelled_events
from somnomotor.io.annotations.labels import classify_event, normalise_stage, side_of

STAGE_CASES = [
    # Sleep-EDF (R&K)
    ("Sleep stage W", "W"), ("Sleep stage 1", "N1"), ("Sleep stage 2", "N2"),
    ("Sleep stage 3", "N3"), ("Sleep stage 4", "N3"), ("Sleep stage R", "R"),
    ("Sleep stage ?", "UNS"), ("Movement time", "MT"),
    # AASM EDF+
    ("Sleep stage N1", "N1"), ("Sleep stage N2", "N2"), ("Sleep stage N3", "N3"),
    # short forms
    ("W", "W"), ("N1", "N1"), ("N4", "N3"), ("REM", "R"), ("R", "R"), ("Wake", "W"),
    ("S0", "W"), ("S3", "N3"), ("S4", "N3"),
    # SOMNOmedics German
    ("Wach", "W"), ("Rem", "R"), ("Movement", "MT"),
    # RemLogic
    ("SLEEP-S0", "W"), ("SLEEP-S1", "N1"), ("SLEEP-S2", "N2"), ("SLEEP-S3", "N3"),
    ("SLEEP-S4", "N3"), ("SLEEP-REM", "R"), ("SLEEP-MT", "MT"), ("SLEEP-UNSCORED", "UNS"),
    # NSRR concepts
    ("Stage 2 sleep|2", "N2"), ("Wake|0", "W"), ("REM sleep|5", "R"), ("Stage 4 sleep|4", "N3"),
    ("Stage 1 sleep|1", "N1"), ("Stage 3 sleep|3", "N3"), ("Unscored|9", "UNS"),
    # MNE-written EDF+ with channel suffix
    ("Sleep stage W@@EEG Fpz-Cz", "W"),
    # the same words with other separators and wording, as scoring programs and exports
    # vary them: underscores, hyphens, "Stage - X", "stage: X", "NREM n", trailing "sleep"
    ("Sleep_stage_N2", "N2"), ("Sleep-stage-W", "W"), ("Stage - W", "W"),
    ("Stage - N3", "N3"), ("Stage - R", "R"), ("Stage - 2", "N2"), ("stage: N1", "N1"),
    ("NREM 2", "N2"), ("Sleep Stage NREM 3", "N3"), ("N2 sleep", "N2"),
    ("Stage N2 sleep", "N2"), ("Schlafstadium N2", "N2"), ("Sleep_stage_?", "UNS"),
]


@pytest.mark.parametrize(("label", "stage"), STAGE_CASES)
def test_stage_labels_normalise_to_aasm_stages(label: str, stage: str) -> None:
    assert normalise_stage(label) == stage


@pytest.mark.parametrize("label", ["Hypopnea", "AROUSAL-SPONT", "PLM-LM", "Lights off",
                                   "LeftLegPhasic", "SNORE", "Limb Movement (Left)",
                                   # "sleep"/"stage" words around something that is no stage
                                   "Sleep apnea", "Sleep spindle", "Sleep onset", "Leg R",
                                   "Stage - No Stage", "Stage 2 arousal", "2"])
def test_non_stage_labels_are_not_stages(label: str) -> None:
    assert normalise_stage(label) is None


EVENT_CASES = [
    ("APNEA", "apnea"), ("APNEA-OBSTRUCTIVE", "apnea"), ("APNEA-CENTRAL", "apnea"),
    ("APNEA-MIXED", "apnea"), ("Obstructive apnea|Obstructive Apnea", "apnea"),
    ("Central Apnea", "apnea"), ("Obstruktive Apnoe", "apnea"),
    ("HYPOPNEA", "hypopnea"), ("HYPOPNEA-OBSTRUCTIVE", "hypopnea"), ("Hypopnea", "hypopnea"),
    ("Hypopnoe", "hypopnea"),
    ("AROUSAL-RERA", "rera"), ("RERA", "rera"),
    ("AROUSAL", "arousal"), ("AROUSAL-SPONT", "arousal"), ("AROUSAL-LM", "arousal"),
    ("AROUSAL-PLM", "arousal"), ("AROUSAL-RESP", "arousal"), ("AROUSAL-APNEA", "arousal"),
    ("AROUSAL-HYPOPNEA", "arousal"), ("AROUSAL-DESAT", "arousal"), ("AROUSAL-SNORE", "arousal"),
    ("Arousal|Arousal ()", "arousal"), ("EEG arousal", "arousal"),
    ("PLM Arousal (EEG)", "arousal"), ("Respiratory Arousal (EEG)", "arousal"),
    ("LM Arousal (EMG)", "arousal"), ("Cardiac Arousal (EEG)", "arousal"),
    ("Lights off", "lights_off"), ("LIGHTS OFF", "lights_off"), ("Lights-Off", "lights_off"),
    ("Lights on", "lights_on"), ("LIGHTS ON", "lights_on"),
    ("PLM-LM", "limb_movement"), ("LM", "limb_movement"), ("LM-LEFT", "limb_movement"),
    ("LM-RIGHT", "limb_movement"), ("PLM", "limb_movement"),
    ("Limb movement - left|Limb Movement (Left)", "limb_movement"),
    ("Limb Movement (Right)", "limb_movement"), ("PLM links", "limb_movement"),
    ("DESAT", "other"), ("SNORE", "other"), ("RESP-MOVEMENT-STOP", "other"),
    ("PEDIATRIC-RESP-BASELINE", "other"), ("LeftLegPhasic", "other"), ("Flow Limitation", "other"),
]


@pytest.mark.parametrize(("label", "kind"), EVENT_CASES)
def test_event_labels_map_to_kinds(label: str, kind: str) -> None:
    assert classify_event(label) == kind


SIDE_CASES = [
    ("PLM-LM", "LAntib1-LAntib2", "left"), ("PLM-LM", "RAntib1-RAntib2", "right"),
    ("PLM-LM", "EMG.Tibialis-Leg.Left", "left"), ("PLM-LM", "EMG.Tibialis-Leg-Left", "left"),
    ("PLM-LM", "EMG.Tibialis-Leg.Right", "right"), ("LM-LEFT", None, "left"),
    ("LM-RIGHT", "ECG1-ECG2", "right"), ("Limb movement - left|Limb Movement (Left)", None, "left"),
    ("Limb Movement (Right)", None, "right"), ("PLM", None, "unknown"),
    ("LM", "Leg", "unknown"), ("LM bilateral", None, "bilateral"), ("PLM", "LAT", "left"),
    ("PLM", "RAT", "right"), ("LM", "Tib L", "left"), ("LM", "TIB-R", "right"),
    ("LM", "Leg/L", "left"), ("LM", "EMG Tibialis R", "right"),
]


@pytest.mark.parametrize(("label", "channel", "side"), SIDE_CASES)
def test_leg_side_from_label_then_channel(label: str, channel: str | None, side: str) -> None:
    assert side_of(label, channel) == side


def test_multi_epoch_stage_annotations_expand_into_30s_epochs() -> None:
    hyp, events, _ = from_labelled_events(
        [0.0, 90.0, 150.0], [90.0, 60.0, 30.0],
        ["Sleep stage W", "Sleep stage 2", "Sleep stage R"], source="t")
    assert hyp is not None
    assert hyp.stages == ("W", "W", "W", "N2", "N2", "R")
    assert hyp.epoch_s == 30.0 and hyp.onset_s == 0.0
    assert len(events) == 0
    assert list(events.frame.columns)[-2:] == ["label", "side"]


def test_gaps_between_stage_annotations_become_unscored() -> None:
    hyp, _, warnings = from_labelled_events(
        [0.0, 30.0, 120.0], [30.0, 30.0, 30.0], ["W", "N1", "N2"], source="t")
    assert hyp is not None
    assert hyp.stages == ("W", "N1", "UNS", "UNS", "N2")
    assert any("2 epoch(s)" in w for w in warnings)


def test_stages_without_duration_last_one_epoch() -> None:
    hyp, _, _ = from_labelled_events([0.0, 30.0], [np.nan, 0.0], ["N2", "N3"], source="t")
    assert hyp is not None and hyp.stages == ("N2", "N3")


def test_lights_off_and_on_set_the_analysis_period() -> None:
    onsets = [0.0, 30.0, 60.0, 90.0, 45.0, 100.0]
    labels = ["N2", "N2", "N2", "N2", "Lights off", "LIGHTS ON"]
    hyp, events, _ = from_labelled_events(onsets, [30, 30, 30, 30, 0, 0], labels, source="t")
    assert hyp is not None
    assert hyp.analysis_start_s == 45.0 and hyp.analysis_end_s == 100.0
    # epoch mids 15 and 105 fall outside lights off..on: 2 of 4 epochs count
    assert hyp.total_sleep_time_s == 60.0
    assert sorted(events.frame["trial_type"]) == ["lights_off", "lights_on"]


def test_limb_movements_shorter_than_half_a_second_are_not_limb_movements() -> None:
    _, events, warnings = from_labelled_events(
        [10.0, 20.0, 30.0, 40.0], [0.0, 0.49, 0.5, 2.0], ["PLM-LM"] * 4,
        channels=["LAntib1-LAntib2"] * 4, source="t")
    kinds = list(events.frame["trial_type"])
    assert kinds == ["other", "other", "limb_movement", "limb_movement"]
    assert list(events.frame["label"]) == ["PLM-LM"] * 4
    assert list(events.frame["side"])[2:] == ["left", "left"]
    assert any("2 limb-movement" in w for w in warnings)


def test_unknown_labels_are_kept_as_other_with_their_label() -> None:
    _, events, _ = from_labelled_events([5.0], [3.0], ["DESAT"], source="t")
    assert events.frame.loc[0, "trial_type"] == "other"
    assert events.frame.loc[0, "label"] == "DESAT"


def test_no_stage_labels_give_no_hypnogram() -> None:
    hyp, events, _ = from_labelled_events([5.0], [3.0], ["HYPOPNEA"], source="t")
    assert hyp is None and len(events) == 1


def test_stage_onsets_off_the_30s_grid_raise() -> None:
    with pytest.raises(AnnotationError, match="grid"):
        from_labelled_events([0.0, 30.0, 45.0], [30.0, 15.0, 30.0], ["W", "N1", "N2"],
                             source="t")


def test_stage_onsets_within_half_a_second_of_the_grid_are_accepted() -> None:
    hyp, _, _ = from_labelled_events([0.0, 30.4, 59.6], [30.0] * 3, ["W", "N1", "N2"],
                                     source="t")
    assert hyp is not None and hyp.stages == ("W", "N1", "N2")


def test_stage_durations_not_a_whole_number_of_epochs_raise() -> None:
    with pytest.raises(AnnotationError, match="whole"):
        from_labelled_events([0.0, 60.0], [45.0, 30.0], ["W", "N1"], source="t")


def test_mne_channel_suffix_is_split_into_label_and_channel() -> None:
    hyp, events, _ = from_labelled_events(
        [0.0, 10.0, 12.0], [30.0, 0.0, 2.0],
        ["Sleep stage W@@EEG Fpz-Cz", "Lights off@@EEG F4-A1", "LM@@Tib L"], source="t")
    assert hyp is not None and hyp.stages == ("W",)
    frame = events.frame
    assert list(frame["label"]) == ["Lights off", "LM"]
    assert list(frame["channel"]) == ["EEG F4-A1", "Tib L"]
    assert frame.loc[1, "side"] == "left"
