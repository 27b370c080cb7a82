"""Cohort channel maps shipped as data: they load, cite a source and apply their roles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from somnomotor._errors import InputFileNotFoundError, ParameterError
from somnomotor.io.channel_maps import apply_channel_map, available_channel_maps, load_channel_map
from somnomotor.io.roles import infer_roles
from somnomotor.recording import ROLES, Channel, Recording

COHORTS = ["cfs", "mesa", "mros", "shhs", "wsc"]


def test_the_five_cohort_maps_are_shipped() -> None:
    assert available_channel_maps() == COHORTS


@pytest.mark.parametrize("name", COHORTS)
def test_every_entry_names_a_role_and_a_source_the_map_defines(name: str) -> None:
    cmap = load_channel_map(name)
    assert cmap.name == name and cmap.entries
    for entry in cmap.entries:
        assert entry.role in ROLES
        assert entry.source in cmap.sources, (name, entry)
        assert "nsrr" in cmap.source_text(entry).lower() or "psgscoring" in cmap.source_text(entry)


@pytest.mark.parametrize(("name", "leg_labels", "kind", "fs_hz"), [
    ("mesa", {"Leg"}, "piezo", {32.0}),
    ("mros", {"Leg L", "Leg R"}, "piezo", {64.0}),
    ("cfs", {"L Leg", "R Leg"}, "piezo", {64.0}),
    ("wsc", {"lleg_r"}, "emg", {100.0, 200.0}),
])
def test_leg_facts_match_the_nsrr_montage_pages(name: str, leg_labels: set[str], kind: str,
                                                fs_hz: set[float]) -> None:
    # expected values copied from the NSRR montage pages (see each map's sources)
    legs = [e for e in load_channel_map(name).entries if e.role.startswith("leg")]
    assert {lab for e in legs for lab in e.labels} == leg_labels
    assert {e.kind for e in legs} == {kind}
    assert {f for e in legs for f in e.fs_hz} == fs_hz
    assert all(e.confirmed for e in legs)


def test_shhs_has_no_leg_channel() -> None:
    cmap = load_channel_map("SHHS")
    assert not [e for e in cmap.entries if e.role.startswith("leg")]
    assert "no" in cmap.no_leg_channel.lower()


@pytest.mark.parametrize("name", COHORTS)
def test_labels_the_map_names_are_inferred_to_the_same_role_without_it(name: str) -> None:
    """The label inference agrees with the maps on the leg, chin and ECG labels (so a
    cohort file read without --channel-map gets the same channels)."""
    for entry in load_channel_map(name).entries:
        if entry.role not in ("leg", "leg_left", "leg_right", "chin", "ecg"):
            continue
        for label in entry.labels:
            roles, _ = infer_roles([label])
            assert roles.get(entry.role) == (label,), (name, label, roles)


def _rec(labels: list[str], fs: float = 256.0) -> Recording:
    channels = tuple(Channel.from_array(lab, np.zeros(int(fs)), fs_hz=fs) for lab in labels)
    roles, _ = infer_roles(labels)
    return Recording(channels=channels, roles=roles)


def test_apply_mesa_sets_kind_and_roles() -> None:
    rec = apply_channel_map(_rec(["EEG3", "EMG", "EKG", "Leg", "EKG_Off"]), "mesa")
    assert rec.sensor_kinds == {"Leg": "piezo", "EMG": "emg"}
    assert rec.roles["leg"] == ("Leg",) and rec.roles["chin"] == ("EMG",)
    assert rec.channel_map == "mesa"
    assert "EKG_Off" not in {lab for v in rec.roles.values() for lab in v}


def test_map_matches_labels_ignoring_case() -> None:
    rec = apply_channel_map(_rec(["leg l", "LEG R"]), "mros")
    assert rec.roles["leg_left"] == ("leg l",) and rec.roles["leg_right"] == ("LEG R",)
    assert rec.sensor_kinds == {"leg l": "piezo", "LEG R": "piezo"}


@pytest.mark.parametrize(("user", "chin", "axial"), [
    ({"chin": "EMG5"}, ("EMG5",), None),      # the user's role keeps the user's channel
    ({"axial": ["EMG"]}, None, ("EMG",)),     # the user's channel keeps the user's role
])
def test_user_roles_win_over_the_map(user: dict, chin: tuple | None,
                                     axial: tuple | None) -> None:
    from dataclasses import replace

    from somnomotor.io.roles import apply_role_overrides

    rec = _rec(["Leg", "EMG", "EMG5"])
    # as read_recording does with --channel, before the map is applied
    rec = replace(rec, roles=apply_role_overrides(rec.roles, user, rec.labels))
    mapped = apply_channel_map(rec, "mesa", user_roles=user)
    assert mapped.roles.get("chin") == chin
    assert mapped.roles.get("axial") == axial
    assert mapped.roles["leg"] == ("Leg",)


def test_wsc_linked_leg_becomes_the_combined_leg_role() -> None:
    rec = apply_channel_map(_rec(["C3_M2", "cchin_l", "lleg_r", "ECG"], fs=200.0), "wsc")
    assert rec.roles["leg"] == ("lleg_r",)
    assert "leg_left" not in rec.roles and rec.roles["chin"] == ("cchin_l",)


def test_unknown_map_name_lists_the_shipped_maps() -> None:
    with pytest.raises(ParameterError, match="shipped maps are cfs, mesa, mros, shhs, wsc"):
        load_channel_map("mesa2")


def test_missing_map_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InputFileNotFoundError, match="does not exist"):
        load_channel_map(tmp_path / "mine.yaml")


def test_a_users_map_file_is_read_and_checked(tmp_path: Path) -> None:
    good = tmp_path / "lab.yaml"
    good.write_text("cohort: lab\nchannels:\n  - {role: leg, labels: [PLM], kind: motion}\n",
                    encoding="utf-8")
    rec = apply_channel_map(_rec(["PLM"]), good)
    assert rec.sensor_kinds == {"PLM": "motion"} and rec.channel_map == "lab"
    bad = tmp_path / "bad.yaml"
    bad.write_text("channels:\n  - {role: legs, labels: [PLM]}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="unknown role 'legs'"):
        load_channel_map(bad)
    bad.write_text("channels:\n  - {role: leg, labels: [PLM], kind: radar}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="unknown kind 'radar'"):
        load_channel_map(bad)
