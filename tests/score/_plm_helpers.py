"""Hand-made event tables for the PLM rule tests."""

from __future__ import annotations

from collections.abc import Sequence

from somnomotor.events import EventTable
from somnomotor.hypnogram import Hypnogram


def movements(spec: Sequence[tuple[float, float] | tuple[float, float, str]]) -> EventTable:
    """Monolateral LMs from ``(onset_s, duration_s[, side])``; side defaults to left."""
    onsets = [float(s[0]) for s in spec]
    durations = [float(s[1]) for s in spec]
    sides = [s[2] if len(s) > 2 else "left" for s in spec]  # type: ignore[misc]
    channels = [{"left": "LAT", "right": "RAT"}.get(x, "LEG") for x in sides]
    return EventTable.from_arrays(onsets, durations, "limb_movement", channels, side=sides)


def events(spec: Sequence[tuple[float, float]], kind: str) -> EventTable:
    """Events of one kind (apnea, arousal, unscorable ...) from ``(onset_s, duration_s)``."""
    return EventTable.from_arrays([s[0] for s in spec], [s[1] for s in spec], kind)


def sleep(n_epochs: int = 120, stage: str = "N2") -> Hypnogram:
    """A hypnogram of one stage (default 1 h of N2)."""
    return Hypnogram((stage,) * n_epochs, source="test")


def series_onsets(start: float, imi: float, n: int) -> list[float]:
    """``n`` onsets ``imi`` s apart (rounded to 1 µs, as a scorer's file would give)."""
    return [round(start + i * imi, 6) for i in range(n)]
