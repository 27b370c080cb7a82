"""Exception and warning types of somnomotor.

Every error raised on bad input is a :class:`SomnomotorError` that also inherits the
matching builtin, so callers may catch either. Messages say what was wrong, what was
received and what is allowed.
"""

from __future__ import annotations


class SomnomotorError(Exception):
    """Base class of all errors raised by somnomotor on bad input or bad parameters."""


class InputFileError(SomnomotorError, ValueError):
    """A recording or annotation file cannot be read or is inconsistent."""


class InputFileNotFoundError(SomnomotorError, FileNotFoundError):
    """A file named by the caller does not exist."""


class ChannelNotFoundError(SomnomotorError, KeyError):
    """A channel or channel role needed by an analysis is not in the recording."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ParameterError(SomnomotorError, ValueError):
    """A parameter has a value outside what is allowed."""


class AnnotationError(SomnomotorError, ValueError):
    """Annotations do not fit the recording (outside it, misaligned, unparseable)."""


class SignalQualityError(SomnomotorError, ValueError):
    """A signal cannot be analysed at all (constant, all zero, disconnected)."""


class OutputError(SomnomotorError, OSError):
    """Results cannot be written where asked."""


class SomnomotorWarning(UserWarning):
    """Something about the input is doubtful but the analysis can go on."""


__all__ = [
    "AnnotationError",
    "ChannelNotFoundError",
    "InputFileError",
    "InputFileNotFoundError",
    "OutputError",
    "ParameterError",
    "SignalQualityError",
    "SomnomotorError",
    "SomnomotorWarning",
]
