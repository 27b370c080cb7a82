"""Windows served before a channel is decoded (read from the records they span) equal the
windows served from the decoded channel, filtered and raw, at the start, middle and end."""

from __future__ import annotations

import warnings

import pytest

from somnomotor.io.edf import read_recording
from somnomotor.review.signals import SignalStore


@pytest.mark.parametrize("filtered", [True, False], ids=["filtered", "raw"])
def test_window_before_decoding_equals_window_after(analysed_night, filtered: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        recording = read_recording(analysed_night.recording)
    store = SignalStore(recording)  # no background thread: nothing is decoded
    duration = recording.duration_s
    windows = [(0.0, 30.0), (0.0, 2.0), (1.3, 30.0), (duration / 2 - 7.7, 30.0),
               (duration - 30.0, 30.0), (duration - 1.0, 30.0), (duration - 0.2, 5.0),
               (120.0, 300.0)]
    before = {(lab, w): store.window(lab, *w, 1400, filtered=filtered)
              for lab in store.labels for w in windows}
    assert not store._data, "a window must not decode the whole channel"
    for lab in store.labels:
        store.samples(lab)
    for (lab, w), doc in before.items():
        assert store.window(lab, *w, 1400, filtered=filtered) == doc, (lab, w)
