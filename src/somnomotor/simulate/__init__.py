"""The night simulator: realistic overnight EMG with a ground-truth sidecar.

``simulate_night(profile, seed=..., duration_h=...)`` returns a :class:`SimulatedNight`
(a :class:`~somnomotor.recording.Recording` and its :class:`GroundTruth`);
``write_simulated_night(night, path)`` writes it as EDF+ with ``<stem>.truth.json`` beside
it. ``simulate_random_night(seed)`` and ``simulate_corpus(seed, n_nights)`` draw nights of
the randomized corpus (leg hard cases, rates, ranges). See docs/simulator.md.
"""

from somnomotor.simulate.artefacts import CONDITIONS
from somnomotor.simulate.hard_cases import LEG_CASES, LegSettings, draw_random_night
from somnomotor.simulate.night import (
    SimulatedNight,
    corpus_seeds,
    simulate_corpus,
    simulate_night,
    simulate_random_night,
)
from somnomotor.simulate.profiles import PROFILES, Profile, get_profile
from somnomotor.simulate.truth import GroundTruth, TruthEvent, true_plms_rate
from somnomotor.simulate.writer import read_truth, truth_path_for, write_simulated_night

__all__ = [
    "CONDITIONS",
    "LEG_CASES",
    "PROFILES",
    "GroundTruth",
    "LegSettings",
    "Profile",
    "SimulatedNight",
    "TruthEvent",
    "corpus_seeds",
    "draw_random_night",
    "get_profile",
    "read_truth",
    "simulate_corpus",
    "simulate_night",
    "simulate_random_night",
    "true_plms_rate",
    "truth_path_for",
    "write_simulated_night",
]
