"""The widened FM simulator: potentials alone, beside and inside movements, truth by the rule."""

from __future__ import annotations

import numpy as np
import pytest

from somnomotor.simulate.emg import Envelope
from somnomotor.simulate.motor_events import fm_counts
from somnomotor.simulate.night import simulate_night


def _env() -> Envelope:
    env = Envelope.constant("LAT", "leg_left", fs_hz=256.0, duration_s=60.0, rest_uV=3.0)
    env.add_burst(10.0, 1.0, 30.0)  # a 1-s leg movement, 10-11 s
    env.add_burst(30.0, 0.12, 80.0)  # an FM-sized potential
    return env


@pytest.mark.parametrize(("onset_s", "counts"), [
    (11.49, False), (11.51, True),            # after the movement: gap 0.49 / 0.51 s
    (10.0 - 0.1 - 0.49, False), (10.0 - 0.1 - 0.51, True),  # before it
    (10.4, False),                            # inside
    (30.3, True), (29.6, True),               # beside a brief (<= 150 ms) potential
])
def test_truth_counts_a_potential_only_0_5_s_or_more_from_longer_activity(
        onset_s: float, counts: bool) -> None:
    assert fm_counts(_env(), onset_s, 0.1, [])[0] is counts


def test_truth_does_not_count_a_potential_beside_a_sleep_start_in_that_muscle() -> None:
    env = _env()
    jerk = [(40.0, 40.2, ("LAT", "Chin1-Chin2"))]
    assert fm_counts(env, 40.5, 0.1, jerk)[0] is False
    assert fm_counts(env, 40.75, 0.1, jerk)[0] is True
    assert fm_counts(env, 40.5, 0.1, [(40.0, 40.2, ("Arm L", "Chin1-Chin2"))])[0] is True


@pytest.mark.parametrize("profile", ["fm", "sleep_starts"])
def test_simulated_truth_follows_the_rule_and_covers_its_boundary(profile: str) -> None:
    night = simulate_night(profile, seed=3, duration_h=1.0, leg_fs_hz=256.0)
    ev = night.truth.events
    longer = [e for e in ev if e.kind in ("leg_movement", "arm_movement", "chin_burst")
              or (e.kind == "fm_near_miss" and e.duration_s > 0.15)]
    jerks = [e for e in ev if e.kind == "sleep_start"]

    def gap_to_longer(p) -> float:
        gaps = [max(o.onset_s - p.offset_s, p.onset_s - o.offset_s) for o in longer
                if o.channel == p.channel]
        gaps += [max(j.onset_s - p.offset_s, p.onset_s - j.offset_s) for j in jerks
                 if p.channel in str(j.flags.get("muscles", "")).split(",")]
        return min(gaps, default=np.inf)

    counted = [gap_to_longer(p) for p in ev if p.kind == "fragmentary_myoclonus"]
    not_counted = [gap_to_longer(p) for p in ev if p.kind == "fm_like_potential"]
    assert min(counted) >= 0.5
    assert max(not_counted) < 0.5
    # the night holds potentials inside movements, just inside and just outside the margin
    assert sum(g < 0 for g in not_counted) >= 3
    assert sum(0.3 <= g < 0.5 for g in not_counted) >= 2
    assert sum(0.5 <= g < 0.8 for g in counted) >= 2
