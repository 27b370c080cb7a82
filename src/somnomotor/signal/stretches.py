"""Reading only the stretches of a channel that a whole-channel measure looks at.

The mains-hum check (:func:`somnomotor.signal.filters.mains_ratios`) averages the spectra of
at most six 10-s stretches spread over the night; reading the whole channel for it would
hold the night in memory for one minute of samples. :func:`mains_stretches` reads those
stretches alone, laid end to end so that ``mains_ratios`` picks exactly them again.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from somnomotor.io.edf_records import window_reader
from somnomotor.recording import Channel

#: Longest stretch of samples, in s, that :func:`somnomotor.signal.filters.mains_ratios`
#: looks at (its ``max_seconds``), and the length of each of its stretches.
MAINS_MAX_S = 60.0
MAINS_STRETCH_S = 10.0


def mains_stretches(channel: Channel, *, max_seconds: float = MAINS_MAX_S,
                    read: Callable[[int, int], np.ndarray] | None = None) -> np.ndarray:
    """The samples of ``channel`` that ``mains_ratios`` uses, one stretch after another.

    ``mains_ratios(mains_stretches(ch), fs, lines)`` equals ``mains_ratios(ch.data(), fs,
    lines)``: the stretches are those it would take from the whole channel (up to
    ``max_seconds / 10`` stretches of 10 s, evenly spread from the start to the end), and
    laid end to end they are exactly the stretches it takes from the result. A channel too
    short for the check is returned whole. ``read`` (default
    :func:`somnomotor.io.edf.window_reader` of the channel) reads samples ``[start, stop)``.
    """
    read = window_reader(channel) if read is None else read
    n = channel.n_samples
    fs = channel.fs_hz
    seg = min(int(MAINS_STRETCH_S * fs), n)
    if n < int(4 * fs) or seg <= 0:
        return np.asarray(read(0, n), dtype=np.float32)
    n_seg = max(1, min(int(max_seconds // MAINS_STRETCH_S), n // seg))
    starts = np.linspace(0, max(0, n - seg), n_seg).astype(np.int64)
    return np.concatenate([np.asarray(read(int(s), int(s) + seg), dtype=np.float32)
                           for s in starts])


__all__ = ["MAINS_MAX_S", "MAINS_STRETCH_S", "mains_stretches"]
