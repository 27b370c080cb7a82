"""Interoperability with MNE-Python: turn an ``mne.io.Raw`` into a :class:`Recording`.

MNE keeps every voltage in volts (SI); somnomotor works in µV, so voltage channels are
scaled by 1e6 when loaded. MNE is an optional dependency (``pip install somnomotor[mne]``)
and is imported only when needed.

References
----------
Gramfort A et al. (2013). MEG and EEG data analysis with MNE-Python. Front Neurosci 7:267.
https://doi.org/10.3389/fnins.2013.00267
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from somnomotor._errors import ParameterError
from somnomotor.events import EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.recording import Recording

logger = logging.getLogger(__name__)

#: MNE channel types whose data MNE stores in volts.
VOLTAGE_TYPES: frozenset[str] = frozenset(
    {"eeg", "eog", "emg", "ecg", "seeg", "ecog", "dbs", "bio"}
)

#: Volts to µV.
_V_TO_UV = 1e6


def _require_mne() -> Any:
    try:
        import mne
    except ImportError as exc:
        raise ImportError(
            "reading MNE objects needs MNE-Python, which is not installed; install it with "
            "'pip install somnomotor[mne]' (or 'pip install mne')"
        ) from exc
    return mne


def _loader(raw: Any, name: str, factor: float) -> Callable[[], np.ndarray]:
    scale = np.float32(factor)

    def load() -> np.ndarray:
        # get_data reads only this channel from disk when the Raw is not preloaded.
        data = raw.get_data(picks=[name])[0].astype(np.float32)
        data *= scale
        return data

    return load


def _annotations(raw: Any) -> tuple[Hypnogram | None, EventTable, list[str]]:
    ann = raw.annotations
    if len(ann) == 0:
        return None, EventTable.empty(), []
    onsets = np.asarray(ann.onset, dtype=float)
    if ann.orig_time is not None:
        # Attached annotations with an orig_time count from meas_date, and the first sample
        # of a cropped Raw lies raw.first_time s after it: make onsets relative to it.
        onsets = onsets - float(raw.first_time)
    durations = np.asarray(ann.duration, dtype=float)
    labels = [str(d) for d in ann.description]
    try:
        from somnomotor.io.annotations import from_labelled_events
    except ImportError:
        message = (f"{len(labels)} MNE annotations were not read "
                   "(annotation support is not available)")
        logger.warning(message)
        return None, EventTable.empty(), [message]
    hypnogram, table, messages = from_labelled_events(onsets, durations, labels,
                                                      source="mne.Raw annotations")
    return hypnogram, table, list(messages)


def from_mne_raw(
    raw: Any,
    *,
    roles: Mapping[str, str | Sequence[str]] | None = None,
    channels: Sequence[str] | None = None,
) -> Recording:
    """Wrap an ``mne.io.Raw`` as a :class:`Recording` (lazily, voltages in µV).

    Parameters
    ----------
    raw : mne.io.BaseRaw
        The recording; preloaded or not. It is referenced, not copied: each channel's loader
        calls ``raw.get_data`` for that channel only.
    roles : mapping of str to str or sequence of str, optional
        Role overrides (see :func:`somnomotor.io.edf.read_recording`).
    channels : sequence of str, optional
        Keep only these channels.

    Returns
    -------
    Recording
        Voltage channels (MNE types eeg, eog, emg, ecg, seeg, ecog, dbs, bio) in µV as float32,
        others in the unit MNE read them in (``raw._orig_units`` when known, else ``""``);
        roles inferred from the channel names; annotations converted with
        ``from_labelled_events`` with onsets in s from the first sample; start =
        ``meas_date`` + first sample time (naive, clock time as MNE stored it).

    Raises
    ------
    ImportError
        MNE-Python is not installed.
    ParameterError
        ``raw`` is not an MNE Raw object.
    """
    mne = _require_mne()
    if not isinstance(raw, mne.io.BaseRaw):
        raise ParameterError(
            f"from_mne_raw takes an mne.io.Raw object, received {type(raw).__name__}"
        )
    from somnomotor.io.edf import assemble_recording

    fs_hz = float(raw.info["sfreq"])
    types = raw.get_channel_types()
    orig_units = getattr(raw, "_orig_units", None) or {}
    specs = []
    for name, kind in zip(raw.ch_names, types):
        if kind in VOLTAGE_TYPES:
            # MNE already converted to V; passing unit "V" lets the common unit check judge
            # the range with the right scale.
            unit, factor = "V", 1.0
        else:
            unit, factor = str(orig_units.get(name, "")), 1.0
        header_range = _physical_range(raw, name, kind)
        specs.append((name, fs_hz, unit, int(raw.n_times), _loader(raw, name, factor),
                      header_range[0], header_range[1]))
    hypnogram, annotations, messages = _annotations(raw)
    start: dt.datetime | None = None
    meas_date = raw.info.get("meas_date")
    if meas_date is not None:
        start = (meas_date + dt.timedelta(seconds=float(raw.first_time))).replace(tzinfo=None)
    filenames = [f for f in getattr(raw, "filenames", ()) if f]
    source = Path(filenames[0]) if filenames else None
    return assemble_recording(specs, roles=roles, channels=channels,
                              duration_s=raw.n_times / fs_hz, start=start, source=source,
                              hypnogram=hypnogram, annotations=annotations,
                              messages=messages)


def _physical_range(raw: Any, name: str, kind: str) -> tuple[float, float]:
    """A range for the unit check without reading data: the channel's calibration range.

    MNE keeps no physical min/max; for voltage channels we report a typical
    ±1 mV (in V) so that the unit check passes, since MNE guarantees volts.
    """
    if kind in VOLTAGE_TYPES:
        return -1e-3, 1e-3
    return -1.0, 1.0


__all__ = ["VOLTAGE_TYPES", "from_mne_raw"]
