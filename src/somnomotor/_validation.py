"""Checks of parameter values, with one wording for every :class:`ParameterError`.

The frozen parameter objects of the detectors call these in ``__post_init__`` so that a bad
value fails where it is set, with a message that names the field, what was received and
what is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from somnomotor._errors import ParameterError


def _is_finite_number(value: object) -> bool:
    return isinstance(value, (int, float)) and bool(np.isfinite(value))


def check_positive(name: str, value: float) -> None:
    """Raise :class:`ParameterError` unless ``value`` is a finite number > 0."""
    if not (_is_finite_number(value) and value > 0):
        raise ParameterError(f"{name} must be a finite number > 0, received {value!r}")


def check_non_negative(name: str, value: float) -> None:
    """Raise :class:`ParameterError` unless ``value`` is a finite number >= 0."""
    if not (_is_finite_number(value) and value >= 0):
        raise ParameterError(f"{name} must be a finite number >= 0, received {value!r}")


def check_count(name: str, value: int) -> None:
    """Raise :class:`ParameterError` unless ``value`` is an integer >= 1 (a count)."""
    if not isinstance(value, int) or value < 1:
        raise ParameterError(f"{name} must be an integer >= 1, received {value!r}")


def check_range(name: str, pair: Sequence[float]) -> None:
    """Raise :class:`ParameterError` unless ``pair`` is ``(low, high)`` with 0 <= low < high."""
    ok = (
        isinstance(pair, tuple) and len(pair) == 2
        and all(_is_finite_number(v) for v in pair)
        and 0 <= pair[0] < pair[1]
    )
    if not ok:
        raise ParameterError(
            f"{name} must be a pair (low, high) with 0 <= low < high, received {pair!r}"
        )


__all__ = ["check_count", "check_non_negative", "check_positive", "check_range"]
