"""How one analysis run reads the channels: never whole from a file, at most once per step
from memory."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from somnomotor.io.edf import read_recording
from somnomotor.io.edf_records import _WindowedLoader
from somnomotor.pipeline import analyze_recording
from somnomotor.recording import Channel
from somnomotor.simulate import simulate_night
from somnomotor.simulate.writer import write_simulated_night

EMG_ROLES = ("leg_left", "leg_right", "chin", "arm_left", "arm_right")


def test_file_channels_are_read_in_windows_never_whole(tmp_path: Path) -> None:
    # memory bounded by the channels read, not by the night's length: every analysis reads
    # an EDF channel a part (or a stretch) at a time
    night = simulate_night("rbd", seed=2, duration_h=0.75)
    path = write_simulated_night(night, tmp_path / "night.edf")
    rec = read_recording(path)
    whole: Counter[str] = Counter()
    windows: Counter[str] = Counter()

    def counting(ch: Channel) -> Channel:
        inner = ch.loader
        assert isinstance(inner, _WindowedLoader)

        def read(start: int, stop: int | None) -> np.ndarray:
            if start <= 0 and stop is None:
                whole[ch.label] += 1
            else:
                windows[ch.label] += 1
            return inner.read(start, stop)

        return replace(ch, loader=_WindowedLoader(read))

    rec = replace(rec, channels=tuple(counting(ch) for ch in rec.channels))
    result = analyze_recording(rec, auto_stage=False)
    assert {r.family for r in result.results} >= {"leg_movements", "rswa",
                                                  "fragmentary_myoclonus"}
    read = [lab for role in (*EMG_ROLES, "ecg") for lab in rec.roles.get(role, ())]
    assert read and not any(whole[lab] for lab in read), dict(whole)
    assert all(windows[lab] > 0 for lab in read), dict(windows)


def test_in_memory_channels_are_read_at_most_once_per_step() -> None:
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
    # two steps: leg movements (legs, ECG), then RSWA with the motor events (every EMG, ECG)
    legs = [lab for role in ("leg_left", "leg_right") for lab in rec.roles.get(role, ())]
    others = [lab for role in ("chin", "arm_left", "arm_right") for lab in rec.roles.get(role, ())]
    assert legs and others
    assert all(calls[lab] == 1 for lab in others), dict(calls)
    assert all(calls[lab] <= 2 for lab in legs), dict(calls)
    assert max(calls.values()) <= 2, dict(calls)


def test_callers_own_arrays_stay_writable() -> None:
    rec = simulate_night("plmd", seed=2, duration_h=0.5).recording
    own = {ch.label: np.array(ch.data(), copy=True) for ch in rec.channels}
    rec = replace(rec, channels=tuple(Channel.from_array(ch.label, own[ch.label],
                                                         fs_hz=ch.fs_hz, unit=ch.unit)
                                      for ch in rec.channels))
    analyze_recording(rec, analyses=["leg_movements"], auto_stage=False)
    assert all(a.flags.writeable for a in own.values())


def test_reading_in_parts_from_the_file_gives_the_results_of_the_samples_in_memory(
        tmp_path: Path) -> None:
    # 1.2 h at 512 Hz is 2.2 M samples per channel: the leg detector reads it in two parts,
    # the motor events in three, the EDF in 1-s records - every boundary falls inside
    night = simulate_night("rbd", seed=5, duration_h=1.2)
    path = write_simulated_night(night, tmp_path / "night.edf")
    from_file = read_recording(path)
    in_memory = replace(from_file, channels=tuple(
        Channel.from_array(ch.label, np.array(ch.data(), copy=True), fs_hz=ch.fs_hz,
                           unit=ch.unit, physical_range=ch.physical_range)
        for ch in from_file.channels))
    a = analyze_recording(from_file, auto_stage=False)
    b = analyze_recording(in_memory, auto_stage=False)
    assert [r.family for r in a.results] == [r.family for r in b.results]
    assert len(a.result("leg_movements").events) > 10
    assert len(a.result("rswa").events) > 10
    for ra, rb in zip(a.results, b.results, strict=True):
        assert ra.events.frame.equals(rb.events.frame), ra.family
        assert ra.indices == rb.indices, ra.family
