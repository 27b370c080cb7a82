"""The EMG band-pass and power of :mod:`somnomotor.detect._bursts`, read from the file in parts.

:func:`somnomotor.detect._emg_kernels.filtfilt2_power` filters a whole channel held in memory
and returns the filtered signal at the full rate beside its power. For a night that is two
float32 copies of every EMG channel (59 MB each per 8 h at 512 Hz, three times that for
24 h) although the detectors need only the power (at 128 Hz) and the filtered samples of
short stretches around their events. Here:

* :func:`streamed_power` reads the channel a few minutes at a time
  (:func:`somnomotor.io.edf.read_window`) and returns only the power;
* :class:`FilteredWindows` gives the filtered samples of any stretch on demand (sliced like
  an array), filtering again only the groups of samples that hold the stretch.

Both use the group layout of :func:`~somnomotor.detect._emg_kernels.filtfilt2_power` (groups
of 16 lanes, each lane started ``warm`` samples early), so every value is the same, bit for
bit, as the whole-channel computation: the output of a group depends only on the samples
it reads, wherever they come from.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from somnomotor.detect import _emg_kernels as K

#: Reads samples ``[start, stop)`` of a channel as float32 (e.g. ``io.edf.read_window``).
Reader = Callable[[int, int], np.ndarray]

#: Groups of :func:`~somnomotor.detect._emg_kernels.filtfilt2_power` read and filtered per
#: part: 8 groups of 16 x 8012 samples are about 1 M samples (4 MB, 33 min at 512 Hz).
PART_GROUPS = 8
#: Filtered groups :class:`FilteredWindows` remembers per channel (0.5 MB each): detectors
#: in two threads ask for stretches of the same channel in turn.
REMEMBERED_GROUPS = 2

_NO_POWER = np.empty(0, np.float32)


def _read(read: Reader, start: int, stop: int) -> np.ndarray:
    return np.ascontiguousarray(read(start, stop), dtype=np.float32)


def streamed_power(read: Reader, n: int, sos: np.ndarray, warm: int, win: int, step: int,
                   *, part_groups: int = PART_GROUPS) -> np.ndarray:
    """The power of :func:`~somnomotor.detect._emg_kernels.filtfilt2_power` (same values),
    reading the channel of ``n`` samples part by part through ``read``.

    Holds one part of raw and filtered samples at a time (a few MB) besides the power.
    """
    m = (n + step - 1) // step
    power = np.empty(m, np.float32)
    if n == 0:
        return power
    rows = K.power_group_rows(step)
    group = K.N_LANES * rows
    part = max(1, part_groups) * group
    h = win // 2
    keep = 2 * h + 2 * step  # filtered samples before a part that its edge windows reach
    full_end = (n // group) * group
    carry = np.empty(0, np.float32)
    y_part, y_base = carry, 0
    for a in range(0, n, part):
        b = min(n, a + part)
        x_base = max(0, a - warm)
        x_part = _read(read, x_base, min(n, b + warm))
        y_base = a - carry.size
        y_part = np.empty(carry.size + (b - a), np.float32)
        y_part[:carry.size] = carry
        K.filter_groups_part(x_part, x_base, n, sos, warm, K.N_LANES, rows, a, b, y_part,
                             y_base, win, step, power)
        del x_part
        # windows across the lane edges of this part's whole groups, as filtfilt2_power
        for g0 in range(a, min(b, full_end), group):
            for lane in range(K.N_LANES):
                edge = g0 + lane * rows
                K._power_direct_at(y_part, y_base, n, power, (edge - h) // step,
                                   (edge + h) // step + 1, win, step)
        carry = y_part[-keep:].copy()
    # everything after the whole groups (the last part holds it, with its carry)
    K._power_direct_at(y_part, y_base, n, power, (full_end - h) // step, m, win, step)
    return power


class FilteredWindows:
    """The band-passed samples of one channel, computed for the stretch asked for.

    ``filtered[a:b]`` equals ``filtfilt2_power(x, ...)[0][a:b]`` bit for bit; ``size`` is
    the channel's number of samples. Only the groups of samples holding the stretch are
    read and filtered. The last :data:`REMEMBERED_GROUPS` groups computed for short
    stretches are kept, so many short stretches in time order (the potentials of a night,
    asked for by detectors in two threads in turn) cost about one pass over the night.
    Thread-safe.
    """

    def __init__(self, read: Reader, n: int, sos: np.ndarray, warm: int, step: int) -> None:
        self._read = read
        self.size = int(n)
        self._sos = sos
        self._warm = int(warm)
        self._rows = K.power_group_rows(step)
        self._group = K.N_LANES * self._rows
        self._lock = threading.Lock()
        self._groups: OrderedDict[int, np.ndarray] = OrderedDict()

    @property
    def shape(self) -> tuple[int]:
        return (self.size,)

    def __len__(self) -> int:
        return self.size

    def _filter(self, g_lo: int, g_end: int) -> np.ndarray:
        """Filtered samples ``[g_lo, g_end)``, both group boundaries (or the end)."""
        n, warm = self.size, self._warm
        x_base = max(0, g_lo - warm)
        x_part = _read(self._read, x_base, min(n, g_end + warm))
        y = np.empty(g_end - g_lo, np.float32)
        K.filter_groups_part(x_part, x_base, n, self._sos, warm, K.N_LANES, self._rows, g_lo,
                             g_end, y, g_lo, 1, 1, _NO_POWER)
        return y

    def _group_samples(self, index: int) -> np.ndarray:
        """Filtered samples of group ``index`` (remembered); call with the lock held."""
        y = self._groups.get(index)
        if y is None:
            g_lo = index * self._group
            y = self._filter(g_lo, min(self.size, g_lo + self._group))
            self._groups[index] = y
            while len(self._groups) > REMEMBERED_GROUPS:
                self._groups.popitem(last=False)
        else:
            self._groups.move_to_end(index)
        return y

    def __getitem__(self, key: slice) -> np.ndarray:
        if not isinstance(key, slice):
            raise TypeError(f"FilteredWindows takes a slice, received {type(key).__name__}")
        start, stop, stride = key.indices(self.size)
        if stride != 1:
            raise ValueError(f"FilteredWindows takes a slice of step 1, received {stride}")
        if stop <= start:
            return np.empty(0, np.float32)
        group = self._group
        first, last = start // group, (stop - 1) // group
        if last - first >= 2:  # a long stretch (a REM period): filtered once, not kept
            g_lo = first * group
            y = self._filter(g_lo, min(self.size, (last + 1) * group))
            return y[start - g_lo:stop - g_lo].copy()
        with self._lock:
            parts = [self._group_samples(i) for i in range(first, last + 1)]
        y = parts[0] if len(parts) == 1 else np.concatenate(parts)
        g_lo = first * group
        return y[start - g_lo:stop - g_lo].copy()


__all__ = ["PART_GROUPS", "REMEMBERED_GROUPS", "FilteredWindows", "Reader", "streamed_power"]
