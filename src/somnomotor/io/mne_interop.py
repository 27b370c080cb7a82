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
from somnomotor.io.units import normalize_unit
from somnomotor.recording import Recording

logger = logging.getLogger(__name__)

#: MNE channel types whose data MNE stores in volts.
VOLTAGE_TYPES: frozenset[str] = frozenset(
    {"eeg", "eog", "emg", "ecg", "seeg", "ecog", "dbs", "bio"}
)

#: MNE keeps no physical range per channel; the unit check (which only judges ranges) is
#: given a typical ±1 mV in V, since MNE guarantees volts for these channel types.
_VOLT_RANGE = (-1e-3, 1e-3)


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
        written = str(orig_units.get(name, "")).strip()
        # read_raw_edf types every channel "eeg" but scales only voltages to V; it marks
        # the others (degC, %, no unit) "n/a" and leaves their values as in the file.
        not_scaled = written.lower() == "n/a" or (
            bool(written) and not normalize_unit(written).is_voltage)
        if written.lower() == "n/a":
            written = ""
        if kind in VOLTAGE_TYPES and not not_scaled:
            # MNE holds volts; unit "V" makes the common unit step scale them to µV.
            unit, header_range = "V", _VOLT_RANGE
        else:
            unit, header_range = written, (-1.0, 1.0)
        specs.append((name, fs_hz, unit, int(raw.n_times), _loader(raw, name, 1.0),
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


__all__ = ["VOLTAGE_TYPES", "from_mne_raw"]
