"""Readers and writers: recordings (EDF/BDF/MNE), annotations, channel roles, atomic output."""

from somnomotor.io.edf import read_recording
from somnomotor.io.mne_interop import from_mne_raw
from somnomotor.io.roles import infer_roles

__all__ = ["from_mne_raw", "infer_roles", "read_recording"]
