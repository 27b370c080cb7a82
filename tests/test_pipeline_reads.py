"""One analysis run reads each channel of the file at most once."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np

from somnomotor.pipeline import analyze_recording
from somnomotor.recording import Channel
from somnomotor.simulate import simulate_night


def test_every_channel_is_read_at_most_once_per_run() -> None:
    rec = simulate_night("rbd", seed=2, duration_h=0.75).recording
    calls: Counter[str] = Counter()

    def counting(ch: Channel) -> Channel:
        inner = ch.loader

        def load() -> np.ndarray:
            calls[ch.label] += 1
            return np.array(inner(), copy=True)  # a fresh array, as a file reader returns

        return replace(ch, loader=load)

    rec = replace(rec, channels=tuple(counting(ch) for ch in rec.channels))
    night = analyze_recording(rec, auto_stage=False)
    assert {r.family for r in night.results} >= {"leg_movements", "rswa",
                                                 "fragmentary_myoclonus"}
    emg = [lab for role in ("leg_left", "leg_right", "chin", "arm_left", "arm_right")
           for lab in rec.roles.get(role, ())]
    assert emg and all(calls[lab] == 1 for lab in emg), dict(calls)
    assert max(calls.values()) == 1


def test_callers_own_arrays_stay_writable() -> None:
    rec = simulate_night("plmd", seed=2, duration_h=0.5).recording
    own = {ch.label: np.array(ch.data(), copy=True) for ch in rec.channels}
    rec = replace(rec, channels=tuple(Channel.from_array(ch.label, own[ch.label],
                                                         fs_hz=ch.fs_hz, unit=ch.unit)
                                      for ch in rec.channels))
    analyze_recording(rec, analyses=["leg_movements"], auto_stage=False)
    assert all(a.flags.writeable for a in own.values())
