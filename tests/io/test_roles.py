"""Tests of channel role inference from labels, role overrides and analysis requirements."""

from __future__ import annotations

import pytest

from somnomotor._errors import ChannelNotFoundError, ParameterError
from somnomotor.io.roles import (
    apply_role_overrides,
    infer_roles,
    missing_for_analyses,
    role_of_label,
)
from somnomotor.recording import ROLES

# Real-world labels and the role a sleep technologist would give them. Sources: public cohort
# montages (NSRR SHHS, MESA, CHAT, MrOS, CFS; Sleep-EDF; HMC; DREAMT) and system defaults
# (Compumedics, Embla/RemLogic, SOMNOmedics, Natus, Nihon Kohden). ``None``: no role.
LABELS: list[tuple[str, str | None]] = [
    # tibialis anterior, left
    ("LAT", "leg_left"), ("Leg L", "leg_left"), ("LLEG", "leg_left"),
    ("Lleg1-Lleg2", "leg_left"), ("LAntib1-LAntib2", "leg_left"),
    ("EMG.Tibialis-Leg.Left", "leg_left"), ("L-Leg", "leg_left"), ("Leg/L", "leg_left"),
    ("L Leg", "leg_left"), ("LLEG1-LLEG2", "leg_left"), ("Left Leg", "leg_left"),
    ("Tib L", "leg_left"), ("LAT1-LAT2", "leg_left"), ("PLMl", "leg_left"),
    ("EMG LAT", "leg_left"), ("Tibialis L", "leg_left"), ("Bein li", "leg_left"),
    # tibialis anterior, right
    ("RAT", "leg_right"), ("Tib R", "leg_right"), ("RLEG", "leg_right"),
    ("Leg R", "leg_right"), ("Rleg1-Rleg2", "leg_right"), ("RAntib1-RAntib2", "leg_right"),
    ("EMG.Tibialis-Leg.Right", "leg_right"), ("R-Leg", "leg_right"), ("Leg/R", "leg_right"),
    ("Right Leg", "leg_right"), ("Bein re", "leg_right"),
    # combined leg channel (MESA "Leg", SHHS-2 "EMG Leg")
    ("EMG Leg", "leg"), ("Leg", "leg"), ("Legs", "leg"),
    # chin
    ("EMG Chin", "chin"), ("Chin1-Chin2", "chin"), ("EMG submental", "chin"),
    ("Chin EMG", "chin"), ("EMG", "chin"), ("Chin", "chin"), ("CHIN1", "chin"),
    ("L Chin", "chin"), ("Chin1-Chin3", "chin"), ("EMG1-EMG2", "chin"), ("EMG1", "chin"),
    ("Submental", "chin"),
    # arms
    ("Arm L", "arm_left"), ("FDS R", "arm_right"), ("L-Arm", "arm_left"),
    ("EMG Arm Left", "arm_left"), ("FDS L", "arm_left"), ("Arm R", "arm_right"),
    ("R-Arm", "arm_right"),
    # masseter / temporalis, axial
    ("Masseter L", "masseter"), ("EMG Masseter", "masseter"), ("Temporalis", "masseter"),
    ("Rectus abdominis", "axial"), ("Paraspinal", "axial"), ("SCM", "axial"),
    ("EMG Paraspinal", "axial"),
    # ECG
    ("ECG", "ecg"), ("EKG II", "ecg"), ("ECG II", "ecg"), ("EKG", "ecg"),
    ("ECG1-ECG2", "ecg"), ("ECG L", "ecg"), ("EKG1", "ecg"),
    # EEG
    ("Fpz-Cz", "eeg"), ("C3-A2", "eeg"), ("C4-M1", "eeg"), ("EEG", "eeg"),
    ("EEG Fpz-Cz", "eeg"), ("EEG Pz-Oz", "eeg"), ("EEG(sec)", "eeg"), ("EEG C4-M1", "eeg"),
    ("F4-M1", "eeg"), ("O2-M1", "eeg"), ("C3", "eeg"), ("Fp1-O2", "eeg"), ("EEG2", "eeg"),
    # EOG
    ("E1-M2", "eog"), ("EOG horizontal", "eog"), ("LOC", "eog"), ("ROC", "eog"),
    ("EOG(L)", "eog"), ("EOG E1-M2", "eog"), ("LOC-A2", "eog"), ("E2", "eog"),
    # oximetry
    ("SaO2", "oximetry"), ("SpO2", "oximetry"), ("Pleth", "oximetry"), ("H.R.", "oximetry"),
    ("Pulse", "oximetry"), ("OX stat", "oximetry"),
    # respiratory
    ("Airflow", "respiratory"), ("Thor", "respiratory"), ("Abdo", "respiratory"),
    ("Snore", "respiratory"), ("THOR RES", "respiratory"), ("ABDO RES", "respiratory"),
    ("NEW AIR", "respiratory"), ("Resp oro-nasal", "respiratory"), ("Flow", "respiratory"),
    ("Nasal Pressure", "respiratory"), ("Thorax", "respiratory"), ("Abdomen", "respiratory"),
    ("PTAF", "respiratory"), ("Therm", "respiratory"), ("Pres", "respiratory"),
    # no role
    ("Temp rectal", None), ("Event marker", None), ("EDF Annotations", None),
    ("Position", None), ("Light", None), ("A1", None), ("M2", None), ("Pos", None),
    ("Lateral sensor", None),
    # cohort montages (NSRR montage pages): a derivation between both legs is one combined
    # leg (MESA "Lleg/Rleg", WSC "lleg_r" = linked left and right leg EMG); WSC chin
    # "cchin_l" (linked centre and left chin); MESA 1-Hz electrode offset channels
    ("lleg_r", "leg"), ("Lleg-Rleg", "leg"), ("Leg L-R", "leg"), ("cchin_l", "chin"),
    ("nasalflow", "respiratory"), ("oralflow", "respiratory"), ("EEG1_Off", None),
    ("EKG_Off", None), ("Leg L", "leg_left"), ("R Leg", "leg_right"),
]


def test_label_table_is_large_and_covers_every_role() -> None:
    assert len(LABELS) >= 60
    assert {role for _, role in LABELS if role} == set(ROLES)


@pytest.mark.parametrize(("label", "expected"), LABELS)
def test_real_world_label_gets_expected_role(label: str, expected: str | None) -> None:
    assert role_of_label(label) == expected


def test_infer_roles_maps_a_typical_aasm_montage() -> None:
    labels = ["F4-M1", "C4-M1", "O2-M1", "E1-M2", "E2-M1", "Chin1-Chin2", "ECG II",
              "LAT", "RAT", "Airflow", "Thor", "Abdo", "SpO2", "Position"]
    roles, warnings = infer_roles(labels)
    assert roles["leg_left"] == ("LAT",) and roles["leg_right"] == ("RAT",)
    assert roles["chin"] == ("Chin1-Chin2",) and roles["ecg"] == ("ECG II",)
    assert roles["eeg"] == ("F4-M1", "C4-M1", "O2-M1")
    assert roles["eog"] == ("E1-M2", "E2-M1")
    assert roles["respiratory"] == ("Airflow", "Thor", "Abdo")
    assert warnings == []


def test_combined_leg_channel_is_one_bilateral_channel_with_warning() -> None:
    roles, warnings = infer_roles(["EEG", "EMG", "Leg"])
    assert roles["leg"] == ("Leg",)
    assert any("'Leg'" in w and "bilateral" in w for w in warnings)


def test_several_candidates_for_a_one_channel_role_take_the_first_with_warning() -> None:
    roles, warnings = infer_roles(["Chin1-Chin2", "Chin1-Chin3", "EEG"])
    assert roles["chin"] == ("Chin1-Chin2",)
    assert any("Chin1-Chin3" in w and "--channel chin=" in w for w in warnings)


def test_unrecognised_emg_label_warns() -> None:
    roles, warnings = infer_roles(["EMG Aux"])
    assert roles == {}
    assert any("'EMG Aux'" in w for w in warnings)


# -- overrides ------------------------------------------------------------------------------

def test_override_replaces_inferred_channel_and_removes_it_elsewhere() -> None:
    labels = ["EMG1", "EMG2", "EMG3", "C3-M2"]
    inferred, _ = infer_roles(labels)
    assert inferred["chin"] == ("EMG1",)
    roles = apply_role_overrides(inferred, {"leg_left": "EMG1", "leg_right": "EMG2",
                                            "chin": ["EMG3"]}, labels)
    assert roles["leg_left"] == ("EMG1",) and roles["leg_right"] == ("EMG2",)
    assert roles["chin"] == ("EMG3",) and roles["eeg"] == ("C3-M2",)


def test_override_label_matches_case_insensitively() -> None:
    roles = apply_role_overrides({}, {"chin": "emg1"}, ["EMG1"])
    assert roles["chin"] == ("EMG1",)


def test_override_with_unknown_role_suggests_the_closest_role() -> None:
    with pytest.raises(ParameterError, match=r"'chn'.*allowed roles are.*Did you mean 'chin'"):
        apply_role_overrides({}, {"chn": "EMG1"}, ["EMG1"])


def test_override_with_unknown_label_suggests_the_closest_label() -> None:
    with pytest.raises(ChannelNotFoundError, match=r"'Chin2'.*Did you mean 'Chin1-Chin2'"):
        apply_role_overrides({}, {"chin": "Chin2"}, ["Chin1-Chin2", "LAT"])


def test_override_with_several_labels_for_a_one_channel_role_is_refused() -> None:
    with pytest.raises(ParameterError, match=r"'leg_left' takes one channel"):
        apply_role_overrides({}, {"leg_left": ["LAT", "RAT"]}, ["LAT", "RAT"])


def test_override_with_several_labels_for_a_multi_channel_role_is_kept() -> None:
    roles = apply_role_overrides({}, {"eeg": ["C3", "C4"]}, ["C3", "C4"])
    assert roles["eeg"] == ("C3", "C4")


# -- what each analysis lacks ---------------------------------------------------------------

def test_leg_movements_need_both_legs_or_a_combined_channel() -> None:
    assert missing_for_analyses({"leg_left": ("LAT",), "leg_right": ("RAT",)})[
        "leg_movements"] == []
    assert missing_for_analyses({"leg": ("Leg",)})["leg_movements"] == []
    lacking = missing_for_analyses({"leg_left": ("LAT",)})["leg_movements"]
    assert len(lacking) == 1 and "leg_right" in lacking[0] and "leg_left" not in lacking[0]


def test_rswa_needs_chin_and_arms_are_optional() -> None:
    assert missing_for_analyses({"chin": ("Chin",)})["rswa"] == []
    assert missing_for_analyses({"arm_left": ("FDS L",), "arm_right": ("FDS R",)})["rswa"]


def test_fragmentary_myoclonus_needs_any_emg() -> None:
    assert missing_for_analyses({"axial": ("SCM",)})["fragmentary_myoclonus"] == []
    assert missing_for_analyses({"eeg": ("C3",)})["fragmentary_myoclonus"]


def test_sleep_starts_need_at_least_two_emg_channels() -> None:
    assert missing_for_analyses({"chin": ("Chin",)})["sleep_starts"]
    assert missing_for_analyses({"chin": ("Chin",), "leg": ("Leg",)})["sleep_starts"] == []
    assert missing_for_analyses({"axial": ("SCM", "Paraspinal")})["sleep_starts"] == []


def test_bruxism_needs_masseter_and_staging_needs_eeg() -> None:
    result = missing_for_analyses({"masseter": ("Masseter",)})
    assert result["bruxism"] == [] and result["automatic_staging"]
    result = missing_for_analyses({"eeg": ("C4-M1",)})
    assert result["automatic_staging"] == [] and result["bruxism"]


def test_missing_for_analyses_lists_every_analysis() -> None:
    assert list(missing_for_analyses({})) == ["leg_movements", "rswa", "fragmentary_myoclonus",
                                              "sleep_starts", "bruxism", "automatic_staging"]
