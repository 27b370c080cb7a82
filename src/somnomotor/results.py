"""What every analysis returns: events, named indices with their denominators, provenance.

A detector or scorer returns a :class:`AnalysisResult`, never ``None``; an analysis that
found nothing returns an empty event table and indices of 0 (or ``None`` where the
denominator is zero). Results keep no copy of the signal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any

from somnomotor.events import EventTable


@dataclass(frozen=True)
class Index:
    """One reported figure.

    Parameters
    ----------
    name : str
        Stable machine name, e.g. ``"plms_index"``; documented in docs/indices.md.
    value : float or None
        ``None`` when the denominator is zero (e.g. no REM sleep for a REM index).
    unit : str
        e.g. ``"/h"``, ``"%"``, ``"s"``, ``"count"``, ``"ratio"``.
    denominator : str
        What the value is divided by, e.g. ``"hours of sleep (TST)"``; ``""`` for counts.
    denominator_value : float or None
        Its size, in ``denominator_unit``.
    denominator_unit : str
        e.g. ``"h"``, ``"mini-epochs"``.
    description : str
        One line a clinician can read.
    standard : str
        The rule set and source, e.g. ``"WASM 2016 (Ferri et al., Sleep Med 2016;26:86)"``.
    cutoff : str
        Published cut-off or normal range in words, when there is one.
    flag : str
        A finding next to the cut-off (e.g. ``"above 15/h"``), never a diagnosis.
    """

    name: str
    value: float | None
    unit: str
    denominator: str = ""
    denominator_value: float | None = None
    denominator_unit: str = ""
    description: str = ""
    standard: str = ""
    cutoff: str = ""
    flag: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return asdict(self)


@dataclass(frozen=True)
class AnalysisResult:
    """Output of one analysis family (leg movements, RSWA, ...).

    Parameters
    ----------
    family : str
        e.g. ``"leg_movements"``.
    events : EventTable
        Detected or scored events; columns beyond the required four are documented per family.
    indices : tuple of Index
    params : Mapping
        Every parameter used (the rule set's fields), for summary.json.
    unscorable : EventTable
        Intervals that could not be scored, per channel, with a ``reason`` column;
        they are left out of the denominators.
    warnings : tuple of str
    """

    family: str
    events: EventTable
    indices: tuple[Index, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    unscorable: EventTable = field(default_factory=EventTable.empty)
    warnings: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def index(self, name: str) -> Index:
        """The index with this name (KeyError listing the names otherwise)."""
        for ix in self.indices:
            if ix.name == name:
                return ix
        raise KeyError(f"no index {name!r}; indices are {[i.name for i in self.indices]}")

    def index_values(self) -> dict[str, float | None]:
        """``{name: value}`` of all indices."""
        return {ix.name: ix.value for ix in self.indices}


def params_to_dict(params: Any) -> dict[str, Any]:
    """A parameter object (dataclass or mapping) as a plain JSON-ready dict."""
    if is_dataclass(params) and not isinstance(params, type):
        return asdict(params)
    if isinstance(params, Mapping):
        return dict(params)
    raise TypeError(f"cannot turn {type(params).__name__} into a parameter dict")


def merge_indices(results: Iterable[AnalysisResult]) -> list[dict[str, Any]]:
    """All indices of several results as dicts, each tagged with its family."""
    out: list[dict[str, Any]] = []
    for res in results:
        for ix in res.indices:
            d = ix.to_dict()
            d["family"] = res.family
            out.append(d)
    return out


__all__ = ["AnalysisResult", "Index", "merge_indices", "params_to_dict"]
