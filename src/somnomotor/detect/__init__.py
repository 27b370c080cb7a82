"""Detectors: one module per event family; each takes a Recording and a parameter set."""
