"""The event table: one row per scored or detected event, onset in seconds from the recording start.

An :class:`EventTable` is the one currency between readers, detectors, scoring rules and
writers. It wraps a :class:`pandas.DataFrame` with four required columns

========== ===== ==============================================================
column     unit  meaning
========== ===== ==============================================================
onset_s    s     start of the event, seconds from the recording start
duration_s s     length of the event (0 for instants such as lights off)
trial_type       normalised event kind, see :data:`EVENT_TYPES`
channel          channel label (or ``"n/a"`` when the event is not on one channel)
========== ===== ==============================================================

plus any further columns a producer declares (``label`` for the original text of an
annotation, ``side`` for the leg of a limb movement, ``stage`` ...). On disk the
BIDS-events names are used: ``onset``, ``duration``, ``trial_type``, ``channel``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from somnomotor._errors import ParameterError

REQUIRED_COLUMNS: tuple[str, ...] = ("onset_s", "duration_s", "trial_type", "channel")

#: Normalised kinds of annotation events read from scored files.
RESPIRATORY_TYPES: tuple[str, ...] = ("apnea", "hypopnea", "rera")
EVENT_TYPES: tuple[str, ...] = (
    *RESPIRATORY_TYPES,
    "arousal",
    "lights_off",
    "lights_on",
    "limb_movement",
    "other",
)

#: Renaming between the in-memory columns (units in names) and BIDS-events files.
BIDS_NAMES: Mapping[str, str] = {"onset_s": "onset", "duration_s": "duration"}

NOT_APPLICABLE = "n/a"


@dataclass(frozen=True)
class EventTable:
    """A columnar table of events; empty is valid.

    Parameters
    ----------
    frame : pandas.DataFrame
        Must hold the columns of :data:`REQUIRED_COLUMNS`; ``onset_s`` and ``duration_s`` in
        seconds. Rows are kept sorted by onset.
    """

    frame: pd.DataFrame = field(repr=False)

    def __post_init__(self) -> None:
        missing = [c for c in REQUIRED_COLUMNS if c not in self.frame.columns]
        if missing:
            raise ParameterError(
                f"an EventTable needs the columns {list(REQUIRED_COLUMNS)}; "
                f"missing {missing} in received columns {list(self.frame.columns)}"
            )
        frame = self.frame.sort_values("onset_s", kind="stable").reset_index(drop=True)
        frame["onset_s"] = frame["onset_s"].astype(float)
        frame["duration_s"] = frame["duration_s"].astype(float)
        frame["trial_type"] = frame["trial_type"].astype(str)
        frame["channel"] = frame["channel"].astype(str)
        object.__setattr__(self, "frame", frame)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def empty(cls, extra_columns: Sequence[str] = ()) -> EventTable:
        """An event table without rows (with optional further columns)."""
        cols = {c: pd.Series(dtype=float) for c in ("onset_s", "duration_s")}
        cols.update({c: pd.Series(dtype=str) for c in ("trial_type", "channel")})
        cols.update({c: pd.Series(dtype=object) for c in extra_columns})
        return cls(pd.DataFrame(cols))

    @classmethod
    def from_arrays(
        cls,
        onset_s: Iterable[float],
        duration_s: Iterable[float],
        trial_type: str | Iterable[str],
        channel: str | Iterable[str] = NOT_APPLICABLE,
        **extra: Any,
    ) -> EventTable:
        """Build a table from column arrays; scalars are broadcast."""
        onsets = np.asarray(list(onset_s) if not isinstance(onset_s, np.ndarray) else onset_s,
                            dtype=float)
        n = onsets.size
        data: dict[str, Any] = {
            "onset_s": onsets,
            "duration_s": np.asarray(
                list(duration_s) if not isinstance(duration_s, np.ndarray) else duration_s,
                dtype=float,
            ),
            "trial_type": [trial_type] * n if isinstance(trial_type, str) else list(trial_type),
            "channel": [channel] * n if isinstance(channel, str) else list(channel),
        }
        for key, value in extra.items():
            if isinstance(value, (str, bytes)) or np.isscalar(value) or value is None:
                data[key] = [value] * n
            else:
                data[key] = list(value) if not isinstance(value, np.ndarray) else value
        return cls(pd.DataFrame(data))

    @classmethod
    def concat(cls, tables: Iterable[EventTable]) -> EventTable:
        """Stack tables; columns missing in one table are filled with ``n/a``."""
        frames = [t.frame for t in tables if len(t)]
        if not frames:
            return cls.empty()
        return cls(pd.concat(frames, ignore_index=True, sort=False))

    # -- access -----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.frame)

    @property
    def onset_s(self) -> np.ndarray:
        """Onsets in s from the recording start (float64 array)."""
        return self.frame["onset_s"].to_numpy(dtype=float)

    @property
    def duration_s(self) -> np.ndarray:
        """Durations in s (float64 array)."""
        return self.frame["duration_s"].to_numpy(dtype=float)

    @property
    def offset_s(self) -> np.ndarray:
        """Ends in s from the recording start (onset + duration)."""
        return self.onset_s + self.duration_s

    def select(self, trial_type: str | Iterable[str]) -> EventTable:
        """Rows whose ``trial_type`` is one of the given kinds."""
        kinds = {trial_type} if isinstance(trial_type, str) else set(trial_type)
        return EventTable(self.frame[self.frame["trial_type"].isin(kinds)].copy())

    def shifted(self, seconds: float) -> EventTable:
        """The same events with every onset moved by ``seconds``."""
        frame = self.frame.copy()
        frame["onset_s"] = frame["onset_s"] + seconds
        return EventTable(frame)

    def to_bids_frame(self) -> pd.DataFrame:
        """The table with BIDS-events column names (``onset``, ``duration`` first)."""
        frame = self.frame.rename(columns=dict(BIDS_NAMES))
        first = ["onset", "duration", "trial_type", "channel"]
        rest = [c for c in frame.columns if c not in first]
        return frame[first + rest]

    @classmethod
    def from_bids_frame(cls, frame: pd.DataFrame) -> EventTable:
        """Inverse of :meth:`to_bids_frame`."""
        inverse = {v: k for k, v in BIDS_NAMES.items()}
        renamed = frame.rename(columns=inverse)
        if "channel" not in renamed.columns:
            renamed["channel"] = NOT_APPLICABLE
        return cls(renamed)


__all__ = ["EVENT_TYPES", "NOT_APPLICABLE", "RESPIRATORY_TYPES", "EventTable"]
