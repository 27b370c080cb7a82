"""Readers and writers: recordings (EDF/BDF/MNE), annotations, channel roles, atomic output."""
