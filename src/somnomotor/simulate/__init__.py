"""The night simulator: realistic overnight EMG with a ground-truth sidecar.

``simulate_night(profile, seed=..., duration_h=...)`` returns a :class:`SimulatedNight`
(a :class:`~somnomotor.recording.Recording` and its :class:`GroundTruth`);
``write_simulated_night(night, path)`` writes it as EDF+ with ``<stem>.truth.json`` beside
it. See docs/simulator.md.
"""

from somnomotor.simulate.artefacts import CONDITIONS
from somnomotor.simulate.night import SimulatedNight, simulate_night
from somnomotor.simulate.profiles import PROFILES, Profile, get_profile
from somnomotor.simulate.truth import GroundTruth, TruthEvent, true_plms_rate
from somnomotor.simulate.writer import read_truth, truth_path_for, write_simulated_night

__all__ = [
    "CONDITIONS",
    "PROFILES",
    "GroundTruth",
    "Profile",
    "SimulatedNight",
    "TruthEvent",
    "get_profile",
    "read_truth",
    "simulate_night",
    "true_plms_rate",
    "truth_path_for",
    "write_simulated_night",
]
