"""somnomotor: score the body's movements in sleep, to the published standards.

The public API: read a night (:func:`somnomotor.io.read_recording`), run analyses
(:mod:`somnomotor.detect`, :mod:`somnomotor.score`), write the output contract
(:mod:`somnomotor.report`). Importing the package has no side effects.
"""

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
