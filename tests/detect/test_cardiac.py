"""Cardiac-bleed and synchrony tests of brief EMG potentials (detect._cardiac) at their limits."""

from __future__ import annotations

import numpy as np
import pytest

from somnomotor.detect._cardiac import cardiac_locked, coincident_channels

#: one beat per second, centred in each second, for two 60-s blocks
BEATS = np.arange(120) + 0.5


@pytest.mark.parametrize(("offset_s", "locked"), [(0.09, True), (-0.09, True),
                                                  (0.11, False), (-0.11, False)])
def test_potential_within_0_1_s_of_a_beat_is_locked(offset_s: float, locked: bool) -> None:
    centres = BEATS + offset_s
    assert cardiac_locked(centres, BEATS).all() == locked
    assert cardiac_locked(centres, BEATS).any() == locked


@pytest.mark.parametrize(("n_locked", "bleeding"), [(17, False), (19, True)])
def test_a_block_shows_bleed_from_30_percent_of_its_beats(n_locked: int, bleeding: bool) -> None:
    # 60 beats in the first block: 17 is 28 %, 19 is 32 %
    centres = BEATS[:n_locked]
    assert cardiac_locked(centres, BEATS).all() == bleeding


def test_locking_is_judged_against_chance_halfway_between_beats() -> None:
    # potentials near every beat AND halfway between: the locked fraction (100 %) is not
    # 3x the control fraction (100 %), so nothing is rejected (a busy channel, not bleed)
    centres = np.sort(np.concatenate((BEATS, BEATS[:-1] + 0.5)))
    assert not cardiac_locked(centres, BEATS).any()


def test_blocks_are_judged_separately() -> None:
    # bleed only in the second minute: the potentials at the first minute's beats stay
    centres = np.concatenate((BEATS[:10], BEATS[60:]))
    out = cardiac_locked(centres, BEATS)
    assert not out[:10].any() and out[10:].all()


def test_potential_of_another_size_near_a_beat_is_kept() -> None:
    amp = np.full(BEATS.size, 100.0)
    amp[5] = 160.0  # more than 1.5x the typical bleed amplitude
    amp[6] = 140.0  # within 1.5x
    out = cardiac_locked(BEATS, BEATS, amplitude_uv=amp)
    assert not out[5] and out[6] and out.sum() == BEATS.size - 1


def test_coincident_channels_counts_other_channels_overlapping_in_time() -> None:
    onset = np.array([10.0, 10.05, 10.099, 10.2, 20.0])
    end = onset + 0.1
    chan = np.array(["A", "B", "C", "C", "A"])
    # A@10.0, B@10.05 and C@10.099 overlap each other; C@10.2 starts after A (10.1) and
    # B (10.15) have ended; a channel's own other potential never counts
    assert coincident_channels(onset, end, chan).tolist() == [2, 2, 2, 0, 0]
