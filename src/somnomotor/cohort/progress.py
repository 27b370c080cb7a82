"""How far a cohort run is: nights done and failed, nights per hour, time left."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any


class CohortProgress:
    """Counts the rows of a run as they arrive and says how far it is in one line.

    The rate counts every finished night since the run started (kept nights too, which take
    only their hashing), so the time left is an estimate that settles once the first
    analysed nights are in.
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.kept = 0
        self.t0 = time.monotonic()

    def add(self, row: Mapping[str, Any]) -> None:
        self.done += 1
        status = row.get("status")
        self.failed += status == "error"
        self.kept += status == "kept"

    @property
    def nights_per_h(self) -> float | None:
        elapsed_s = time.monotonic() - self.t0
        return None if self.done == 0 or elapsed_s <= 0 else 3600.0 * self.done / elapsed_s

    @property
    def left_s(self) -> float | None:
        rate = self.nights_per_h
        return None if not rate else 3600.0 * (self.total - self.done) / rate

    def text(self) -> str:
        """E.g. ``"12/40 nights, 1 failed, 2 kept, 310 nights/h, about 5 min left"``."""
        parts = [f"{self.done}/{self.total} nights", f"{self.failed} failed"]
        if self.kept:
            parts.append(f"{self.kept} kept")
        rate, left = self.nights_per_h, self.left_s
        if rate is not None:
            parts.append(f"{rate:.0f} nights/h")
        if left is not None and self.done < self.total:
            parts.append(f"about {_duration(left)} left")
        return ", ".join(parts)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


__all__ = ["CohortProgress"]
