"""EventTable: required columns, sorting, BIDS names, empty tables."""

import numpy as np
import pandas as pd
import pytest

from somnomotor import EventTable, ParameterError


def test_rows_are_sorted_by_onset_and_offsets_add_duration():
    table = EventTable.from_arrays([5.0, 1.0], [1.0, 0.5], "arousal")
    assert list(table.onset_s) == [1.0, 5.0]
    assert list(table.offset_s) == [1.5, 6.0]


def test_missing_required_column_names_what_is_missing():
    with pytest.raises(ParameterError, match="duration_s"):
        EventTable(pd.DataFrame({"onset_s": [1.0], "trial_type": ["x"], "channel": ["a"]}))


def test_empty_table_is_valid_and_concat_of_empties_is_empty():
    assert len(EventTable.empty()) == 0
    assert len(EventTable.concat([EventTable.empty(), EventTable.empty()])) == 0


def test_bids_frame_round_trip_keeps_extra_columns():
    table = EventTable.from_arrays([1.0, 2.0], [0.5, 0.7], "limb_movement", "LAT", side=["left", "right"])
    frame = table.to_bids_frame()
    assert list(frame.columns[:4]) == ["onset", "duration", "trial_type", "channel"]
    back = EventTable.from_bids_frame(frame)
    assert np.allclose(back.onset_s, table.onset_s)
    assert list(back.frame["side"]) == ["left", "right"]


def test_select_keeps_only_the_named_kinds():
    table = EventTable.concat([
        EventTable.from_arrays([1.0], [10.0], "apnea"),
        EventTable.from_arrays([2.0], [3.0], "arousal"),
        EventTable.from_arrays([3.0], [12.0], "hypopnea"),
    ])
    assert list(table.select(("apnea", "hypopnea")).frame["trial_type"]) == ["apnea", "hypopnea"]
