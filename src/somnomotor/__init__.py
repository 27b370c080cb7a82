"""somnomotor: score the body's movements in sleep, to the published standards.

The public API: read a night (:func:`somnomotor.io.read_recording`), run analyses
(:mod:`somnomotor.detect`, :mod:`somnomotor.score`), write the output contract
(:mod:`somnomotor.report`). Importing the package has no side effects.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from somnomotor._errors import (
    AnnotationError,
    ChannelNotFoundError,
    InputFileError,
    InputFileNotFoundError,
    OutputError,
    ParameterError,
    SignalQualityError,
    SomnomotorError,
    SomnomotorWarning,
)
from somnomotor._version import __version__

# The data types are imported on first use (PEP 562): ``somnomotor --version`` and the
# command line's help must not pay for pandas, which EventTable wraps.
_LAZY_NAMES: dict[str, str] = {
    "EventTable": "somnomotor.events",
    "Hypnogram": "somnomotor.hypnogram",
    "Channel": "somnomotor.recording",
    "Recording": "somnomotor.recording",
    "AnalysisResult": "somnomotor.results",
    "Index": "somnomotor.results",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY_NAMES.get(name)
    if module_name is None:
        raise AttributeError(f"module 'somnomotor' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_NAMES))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from somnomotor.events import EventTable
    from somnomotor.hypnogram import Hypnogram
    from somnomotor.recording import Channel, Recording
    from somnomotor.results import AnalysisResult, Index

__all__ = [
    "AnalysisResult",
    "AnnotationError",
    "Channel",
    "ChannelNotFoundError",
    "EventTable",
    "Hypnogram",
    "Index",
    "InputFileError",
    "InputFileNotFoundError",
    "OutputError",
    "ParameterError",
    "Recording",
    "SignalQualityError",
    "SomnomotorError",
    "SomnomotorWarning",
    "__version__",
]
