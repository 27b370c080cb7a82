"""Recording and Channel: roles, lazy data, helpful errors."""

import numpy as np
import pytest

from somnomotor import Channel, ChannelNotFoundError, ParameterError, Recording


def _rec(**roles):
    chans = (
        Channel.from_array("LAT", np.zeros(1000), fs_hz=100.0),
        Channel.from_array("RAT", np.ones(1000), fs_hz=100.0),
        Channel.from_array("Leg", np.ones(500), fs_hz=50.0),
    )
    return Recording(chans, roles=roles)


def test_leg_channels_prefer_separate_legs_over_a_combined_channel():
    rec = _rec(leg_left=("LAT",), leg_right=("RAT",), leg=("Leg",))
    assert set(rec.leg_channels()) == {"left", "right"}
    assert set(_rec(leg=("Leg",)).leg_channels()) == {"bilateral"}


def test_duration_defaults_to_the_longest_channel():
    assert _rec().duration_s == 10.0


def test_missing_role_error_says_how_to_name_a_channel():
    with pytest.raises(ChannelNotFoundError, match="--channel chin=LABEL"):
        _rec().channel_for("chin")


def test_role_naming_an_absent_label_is_refused():
    with pytest.raises(ChannelNotFoundError, match="not in the recording"):
        _rec(chin=("Chin1-Chin2",))


def test_unknown_role_lists_allowed_roles():
    with pytest.raises(ParameterError, match="allowed roles"):
        _rec(tibia=("LAT",))


def test_channel_from_array_refuses_2d_data():
    with pytest.raises(ParameterError, match="one-dimensional"):
        Channel.from_array("X", np.zeros((2, 3)), fs_hz=1.0)
