"""The hypnogram: one sleep stage per 30-s epoch, anchored to the recording start.

Stages are the AASM labels ``W N1 N2 N3 R`` plus ``MT`` (movement time) and ``UNS``
(unscored, or outside the analysis period). R&K stage 4 is read as N3 by the readers; the
two non-sleep codes stay distinct because neither is wake nor sleep for the indices.

The *analysis period* runs from lights off to lights on when those are known, otherwise
over the whole scored span. Epochs outside it count as ``UNS`` in every denominator, as
the WASM 2016 denominators (TST between lights off and lights on) require.

References
----------
AASM Manual for the Scoring of Sleep and Associated Events, v2.6 (2020): 30-s epochs from
the start of the study, stages W, N1, N2, N3, R.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from somnomotor._errors import ParameterError

STAGES: tuple[str, ...] = ("W", "N1", "N2", "N3", "R", "MT", "UNS")
SLEEP_STAGES: tuple[str, ...] = ("N1", "N2", "N3", "R")
NREM_STAGES: tuple[str, ...] = ("N1", "N2", "N3")
UNSCORED = "UNS"


@dataclass(frozen=True)
class Hypnogram:
    """Sleep stages per epoch.

    Parameters
    ----------
    stages : sequence of str
        One of :data:`STAGES` per epoch.
    epoch_s : float
        Epoch length in s (30 by the AASM rules).
    onset_s : float
        Start of the first epoch in s from the recording start (may be negative when the
        scoring began before the signals).
    analysis_start_s, analysis_end_s : float or None
        Lights off and lights on in s from the recording start; ``None`` means the start
        or end of the scored span.
    source : str
        Where the stages come from, e.g. ``"scored: night.xml"``, ``"automatic: YASA"``,
        ``"simulated"``. Every output reports it.
    """

    stages: tuple[str, ...]
    epoch_s: float = 30.0
    onset_s: float = 0.0
    analysis_start_s: float | None = None
    analysis_end_s: float | None = None
    source: str = "unknown"
    _codes: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        stages = tuple(str(s) for s in self.stages)
        bad = sorted(set(stages) - set(STAGES))
        if bad:
            raise ParameterError(
                f"unknown sleep stage label(s) {bad[:5]}; allowed are {list(STAGES)}"
            )
        if not self.epoch_s > 0:
            raise ParameterError(f"epoch_s must be > 0 s, received {self.epoch_s!r}")
        object.__setattr__(self, "stages", stages)
        codes = np.array([STAGES.index(s) for s in stages], dtype=np.int8)
        # Epochs outside lights off..lights on are not part of any denominator.
        if len(codes):
            starts = self.onset_s + np.arange(len(codes)) * self.epoch_s
            mids = starts + self.epoch_s / 2
            outside = np.zeros(len(codes), dtype=bool)
            if self.analysis_start_s is not None:
                outside |= mids < self.analysis_start_s
            if self.analysis_end_s is not None:
                outside |= mids > self.analysis_end_s
            codes[outside] = STAGES.index(UNSCORED)
        object.__setattr__(self, "_codes", codes)

    # -- basic properties -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.stages)

    @property
    def end_s(self) -> float:
        """End of the last epoch in s from the recording start."""
        return self.onset_s + len(self.stages) * self.epoch_s

    @property
    def effective_stages(self) -> np.ndarray:
        """Stages with epochs outside the analysis period replaced by ``UNS`` (str array)."""
        return np.asarray(STAGES, dtype=object)[self._codes]

    # -- queries ----------------------------------------------------------------------
    def stage_at(self, times_s: float | Iterable[float] | np.ndarray) -> np.ndarray:
        """Stage of the epoch holding each time (``UNS`` outside the hypnogram).

        Parameters
        ----------
        times_s : array-like of float
            Times in s from the recording start.

        Returns
        -------
        numpy.ndarray of str
        """
        t = np.atleast_1d(np.asarray(times_s, dtype=float))
        idx = np.floor((t - self.onset_s) / self.epoch_s).astype(np.int64)
        inside = (idx >= 0) & (idx < len(self._codes))
        codes = np.full(t.shape, STAGES.index(UNSCORED), dtype=np.int8)
        codes[inside] = self._codes[idx[inside]]
        return np.asarray(STAGES, dtype=object)[codes]

    def duration_s(self, stages: str | Sequence[str]) -> float:
        """Total time in s spent in the given stage(s) within the analysis period."""
        wanted = [stages] if isinstance(stages, str) else list(stages)
        codes = [STAGES.index(s) for s in wanted if s in STAGES]
        return float(np.isin(self._codes, codes).sum() * self.epoch_s)

    @property
    def total_sleep_time_s(self) -> float:
        """TST in s: N1 + N2 + N3 + R between lights off and lights on."""
        return self.duration_s(SLEEP_STAGES)

    def sample_mask(
        self, stages: str | Sequence[str], *, fs_hz: float, n_samples: int
    ) -> np.ndarray:
        """Boolean mask over the samples of a signal: True where the stage is one of ``stages``."""
        wanted = [stages] if isinstance(stages, str) else list(stages)
        codes = np.array([STAGES.index(s) for s in wanted if s in STAGES])
        epoch_ok = np.isin(self._codes, codes)
        sample_epoch = np.floor(
            (np.arange(n_samples) / fs_hz - self.onset_s) / self.epoch_s
        ).astype(np.int64)
        inside = (sample_epoch >= 0) & (sample_epoch < len(epoch_ok))
        mask = np.zeros(n_samples, dtype=bool)
        mask[inside] = epoch_ok[sample_epoch[inside]]
        return mask

    def as_intervals(self) -> list[tuple[float, float, str]]:
        """Runs of equal (effective) stage as ``(start_s, end_s, stage)``."""
        out: list[tuple[float, float, str]] = []
        if not len(self._codes):
            return out
        change = np.flatnonzero(np.diff(self._codes)) + 1
        starts = np.concatenate([[0], change])
        ends = np.concatenate([change, [len(self._codes)]])
        for a, b in zip(starts, ends, strict=True):
            out.append(
                (float(self.onset_s + a * self.epoch_s), float(self.onset_s + b * self.epoch_s),
                 STAGES[int(self._codes[a])])
            )
        return out


__all__ = ["NREM_STAGES", "SLEEP_STAGES", "STAGES", "UNSCORED", "Hypnogram"]
