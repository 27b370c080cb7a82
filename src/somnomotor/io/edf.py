"""Read EDF, EDF+C, BDF and BDF+C recordings lazily, one channel at a time, in µV.

:func:`read_recording` checks the file's layout against its size, parses the header with
edfio, and returns a :class:`~somnomotor.recording.Recording` whose channels each read only
their own samples from disk when :meth:`~somnomotor.recording.Channel.data` is called:

edfio parses the header; the samples are read by :class:`BdfSignalReader`, which reads the
data records in blocks of a few MB and copies out one signal's columns per call (16-bit for
EDF, 24-bit for BDF). edfio reads BDF files only as a whole (its lazy loading is EDF-only),
which for an 8-h, 30-channel, 512-Hz night means gigabytes; and a memory map of the records
(edfio's lazy EDF loading) keeps every page of the night that was touched - all of them, as
each record holds every channel - in the process's resident memory.

Values are calibrated with the header's physical and digital ranges and voltages scaled to
µV (:mod:`somnomotor.io.units`); the result is float32.

EDF+D / BDF+D (discontinuous) files are refused with :class:`InputFileError`: placing
their records on a continuous time axis would put unscorable gaps inside every detector's
input, and no public sleep cohort we know of stores PSG as EDF+D. Convert such files to
EDF+C first (e.g. fill the gaps and mark them), or read them with MNE and pass the
``Raw`` object.

References
----------
Kemp B, Värri A, Rosa AC, Nielsen KD, Gade J (1992). A simple format for exchange of
digitized polygraphic recordings. Electroencephalogr Clin Neurophysiol 82:391-393.
https://doi.org/10.1016/0013-4694(92)90009-7
Kemp B, Olivan J (2003). European data format 'plus' (EDF+). Clin Neurophysiol
114:1755-1761. https://doi.org/10.1016/S1388-2457(03)00123-8
BDF (24-bit EDF variant of BioSemi): https://www.biosemi.com/faq/file_format.htm
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from somnomotor._errors import (
    InputFileError,
    InputFileNotFoundError,
    ParameterError,
    SomnomotorWarning,
)
from somnomotor.events import EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.io.roles import (
    apply_role_overrides,
    combined_leg_warning,
    infer_roles,
    resolve_label,
)
from somnomotor.io.units import check_voltage_unit
from somnomotor.recording import Channel, Recording

logger = logging.getLogger(__name__)

from somnomotor.io.edf_records import (  # noqa: F401 - re-exported
    _ANNOTATION_LABELS,
    _HEADER_ENCODING,
    BdfSignalReader,
    _calibrated_loader,
    _Layout,
    _read_layout,
    _WindowedLoader,
    read_window,
)


def _parse_tals(data: bytes) -> list[tuple[float, float, str]]:
    """Annotations (onset s, duration s, text) of one EDF+/BDF+ annotation data record."""
    found: list[tuple[float, float, str]] = []
    for tal in data.split(b"\x00"):
        if not tal:
            continue
        parts = tal.split(b"\x14")
        stamp = parts[0].split(b"\x15")
        try:
            onset = float(stamp[0])
            duration = float(stamp[1]) if len(stamp) > 1 and stamp[1] else 0.0
        except ValueError:
            continue
        for text in parts[1:]:
            if text:
                found.append((onset, duration, text.decode("utf-8", errors="replace")))
        if len(parts) > 1 and not any(parts[1:]):
            found.append((onset, duration, ""))  # timekeeping TAL
    return found


#: One TAL: onset, optional duration, then the \x14-separated texts, closed by \x00.
_TAL = re.compile(rb"([+-][0-9.]+)(?:\x15([0-9.]*))?\x14([^\x00]*)\x00")


def _tal_annotations(
    path: Path, layout: _Layout, *, bytes_per_sample: int
) -> tuple[list[tuple[float, float, str]], float]:
    """Annotations of an EDF+/BDF+ file (onsets from the first sample), and that sample's onset.

    The annotation signal is read straight from the data records and all its TALs are found
    with one regular-expression scan (EDF+ spec section 2.2): an 8-h night has ~30 000
    records, almost all holding only the time-keeping TAL, which a per-record parser (or
    edfio's) spends most of the time of opening the file on.
    """
    events: list[tuple[float, float, str]] = []
    first_record_onset: float | None = None
    for index, label in enumerate(layout.labels):
        if label not in _ANNOTATION_LABELS:
            continue
        raw = BdfSignalReader(path, layout, index, bytes_per_sample=bytes_per_sample).read_bytes()
        per_record = raw.reshape(layout.n_records, -1)
        if first_record_onset is None and layout.n_records:
            first = _parse_tals(per_record[0].tobytes())
            if first:
                first_record_onset = first[0][0]
        for match in _TAL.finditer(raw.tobytes()):
            texts = [t for t in match.group(3).split(b"\x14") if t]
            if not texts:
                continue  # time-keeping TAL
            try:
                onset = float(match.group(1))
                duration = float(match.group(2)) if match.group(2) else 0.0
            except ValueError:
                continue
            events.extend((onset, duration, t.decode("utf-8", errors="replace")) for t in texts)
    offset = first_record_onset or 0.0
    return sorted((onset - offset, duration, text) for onset, duration, text in events), offset


def _convert_annotations(
    events: Sequence[tuple[float, float, str]], path: Path,
    stage_map: Mapping[str, str] | None = None,
) -> tuple[Hypnogram | None, EventTable, list[str]]:
    if not events:
        return None, EventTable.empty(), []
    try:
        from somnomotor.io.annotations import from_labelled_events
    except ImportError:
        message = (f"{path.name}: {len(events)} embedded annotations were not read "
                   "(annotation support is not available)")
        logger.warning(message)
        return None, EventTable.empty(), [message]
    onsets = np.array([e[0] for e in events], dtype=float)
    durations = np.array([e[1] for e in events], dtype=float)
    labels = [e[2] for e in events]
    hypnogram, table, messages = from_labelled_events(onsets, durations, labels,
                                                      source=path.name, stage_map=stage_map)
    return hypnogram, table, list(messages)


def assemble_recording(
    specs: Sequence[tuple[str, float, str, int, Callable[[], np.ndarray], float, float]],
    *,
    roles: Mapping[str, str | Sequence[str]] | None,
    channels: Sequence[str] | None,
    duration_s: float,
    start: dt.datetime | None,
    source: Path | None,
    hypnogram: Hypnogram | None = None,
    annotations: EventTable | None = None,
    messages: Sequence[str] = (),
    transducers: Mapping[str, str] | None = None,
    ranges_are_physical: bool = False,
) -> Recording:
    """Select channels, infer roles, normalise units and build a :class:`Recording`.

    ``specs`` holds per channel ``(label, fs_hz, unit_as_written, n_samples, loader_factory,
    physical_min, physical_max)`` where ``loader_factory`` is called with nothing and
    returns physical values in the written unit; the unit factor is applied on top.
    ``transducers`` maps labels to the header's transducer text (kept on the channel). With
    ``ranges_are_physical`` (a file header's range, which clips the samples), each channel's
    :attr:`~somnomotor.recording.Channel.physical_range` is that range in the channel's
    unit (µV for voltages); otherwise it is None.
    """
    all_labels = [s[0] for s in specs]
    if channels is not None:
        if isinstance(channels, str):
            raise ParameterError(
                f"channels must be a sequence of labels, received the string {channels!r}; "
                f"write channels=[{channels!r}]"
            )
        wanted = [resolve_label(label, all_labels) for label in channels]
        specs = [s for s in specs if s[0] in wanted]
    labels = [s[0] for s in specs]
    inferred, notes = infer_roles(labels)
    final_roles = apply_role_overrides(inferred, roles or {}, labels)
    # The combined-leg note must describe the roles after the user's overrides.
    # Notes about several candidates for a role the user has chosen no longer apply.
    chosen = set(roles or {})
    notes = [n for n in notes if n != combined_leg_warning(inferred)
             and not any(f"(role {role!r})" in n for role in chosen)]
    leg_note = combined_leg_warning(final_roles)
    if leg_note:
        notes.append(leg_note)
    role_of = {label: role for role, assigned in final_roles.items() for label in assigned}
    built: list[Channel] = []
    all_messages = list(messages) + notes
    for label, fs_hz, unit, n_samples, read_physical, pmin, pmax in specs:
        info, doubt = check_voltage_unit(label, unit, role=role_of.get(label),
                                         physical_min=pmin, physical_max=pmax)
        if doubt:
            all_messages.append(doubt)
        factor = info.to_uv if info.to_uv is not None else 1.0
        loader = read_physical if factor == 1.0 else _scaled(read_physical, factor)
        physical_range = None
        if ranges_are_physical and np.isfinite(pmin) and np.isfinite(pmax) and pmin != pmax:
            # the samples are scaled by the float32 factor: the range the same way
            ends = np.array(sorted((pmin, pmax)), dtype=np.float32) * np.float32(factor)
            physical_range = (float(ends[0]), float(ends[1]))
        built.append(Channel(label=label, fs_hz=fs_hz, unit=info.unit, n_samples=n_samples,
                             loader=loader, transducer=(transducers or {}).get(label, ""),
                             physical_range=physical_range))
    if leg_note and not _leg_is_emg(built, final_roles):
        # a movement sensor is not scored at all (io.leg_sensors): no note on how it is used
        all_messages.remove(leg_note)
    for message in all_messages:
        warnings.warn(message, SomnomotorWarning, stacklevel=3)
    return Recording(channels=tuple(built), roles=final_roles, duration_s=duration_s,
                     start=start, hypnogram=hypnogram,
                     annotations=annotations if annotations is not None else EventTable.empty(),
                     source=source, warnings=tuple(all_messages))


def _leg_is_emg(channels: Sequence[Channel], roles: Mapping[str, tuple[str, ...]]) -> bool:
    from somnomotor.io.leg_sensors import classify_leg_sensor

    return classify_leg_sensor(Recording(channels=tuple(channels), roles=roles)).scored


def _scaled(load: Callable[[], np.ndarray], factor: float) -> Callable[[], np.ndarray]:
    scale = np.float32(factor)

    def scaled() -> np.ndarray:
        data = load()
        data *= scale
        return data

    if not isinstance(load, _WindowedLoader):
        return scaled
    inner = load

    def read(start: int, stop: int | None) -> np.ndarray:
        data = inner.read(start, stop)
        data *= scale
        return data

    return _WindowedLoader(read)


def _is_mne_raw(obj: object) -> bool:
    return type(obj).__module__.startswith("mne.") and hasattr(obj, "get_data")


def read_recording(
    path: str | os.PathLike[str] | Any,
    *,
    roles: Mapping[str, str | Sequence[str]] | None = None,
    channels: Sequence[str] | None = None,
    stage_map: Mapping[str, str] | None = None,
) -> Recording:
    """Read an EDF, EDF+C, BDF or BDF+C file (or an MNE ``Raw``) into a lazy Recording.

    Parameters
    ----------
    path : str, path-like or mne.io.BaseRaw
        The recording. An MNE ``Raw`` object is passed to
        :func:`somnomotor.io.mne_interop.from_mne_raw`.
    roles : mapping of str to str or sequence of str, optional
        Role overrides, e.g. ``{"leg_left": "EMG5", "eeg": ["C3-M2", "C4-M1"]}``; they replace
        the roles inferred from the labels (:func:`somnomotor.io.roles.infer_roles`).
    channels : sequence of str, optional
        Keep only these channels (labels, case-insensitive); default all.
    stage_map : mapping of str to str, optional
        Stage labels of the embedded EDF+ annotations that somnomotor does not know, mapped
        to a stage (``{"Stage Q": "N2"}``), as for separate annotation files.

    Returns
    -------
    Recording
        Channels in file order (the EDF+ annotation signal excluded), each read from disk
        on every :meth:`Channel.data` call as float32, voltages in µV; roles; start from the
        header (local clock time, naive); ``duration_s`` = data records × record duration (s);
        hypnogram and annotations from an embedded EDF+ annotation signal, if any.

    Raises
    ------
    InputFileNotFoundError
        The file does not exist.
    InputFileError
        Not an EDF/BDF file, truncated, header inconsistent with the file size, EDF+D/BDF+D
        (discontinuous), or edfio cannot parse it.
    ParameterError, ChannelNotFoundError
        Unknown role or label in ``roles`` or ``channels``.

    Warns
    -----
    SomnomotorWarning
        Missing or implausible units, a combined leg channel, several candidates for a role.
    """
    if _is_mne_raw(path):
        from somnomotor.io.mne_interop import from_mne_raw

        return from_mne_raw(path, roles=roles, channels=channels)
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterError(
            f"read_recording takes a file path or an mne.io.Raw, received {type(path).__name__}"
        )
    file = Path(path).expanduser()
    if not file.exists():
        raise InputFileNotFoundError(f"recording file not found: {file}")
    if not file.is_file():
        raise InputFileError(f"{file}: not a file (a directory?); give an EDF or BDF file")
    layout = _read_layout(file)
    if re.match(r"^(EDF|BDF)\+D", layout.reserved):
        raise InputFileError(
            f"{file}: {layout.reserved[:5]} (discontinuous) files are not supported: only "
            "continuous EDF, EDF+C, BDF and BDF+C. Convert it to a continuous file first"
        )
    edf = _open_with_edfio(file, layout)
    specs = []
    transducers: dict[str, str] = {}
    messages: list[str] = []
    signals = list(edf.signals)
    positions = [i for i, label in enumerate(layout.labels) if label not in _ANNOTATION_LABELS]
    for index, signal in zip(positions, signals):
        meta = _signal_header(file, layout, index, signal)
        label = meta["label"]
        problem = _unusable_reason(layout, index, meta)
        if problem:
            messages.append(f"{file.name}: channel {label!r} skipped as unusable: {problem}")
            continue
        reader = BdfSignalReader(file, layout, index, bytes_per_sample=layout.bytes_per_sample)
        loader = _calibrated_loader(
            reader.read_digital, digital_min=int(meta["dmin"]), digital_max=int(meta["dmax"]),
            physical_min=meta["pmin"], physical_max=meta["pmax"], to_unit=1.0,
            read_digital_window=reader.read_digital_window)
        transducers[label] = meta["transducer"]
        specs.append((label, meta["fs"], meta["unit"],
                      layout.samples_per_record[index] * layout.n_records, loader,
                      meta["pmin"], meta["pmax"]))
    if layout.reserved.startswith(("EDF+", "BDF+")):
        events, subsecond = _tal_annotations(
            file, layout, bytes_per_sample=3 if layout.fmt == "BDF" else 2)
    else:
        events, subsecond = [], 0.0
    hypnogram, annotations, notes = _convert_annotations(events, file, stage_map)
    messages.extend(notes)
    start, note = _start_of(edf, layout, file, subsecond)
    if note:
        messages.append(note)
    return assemble_recording(
        specs, roles=roles, channels=channels,
        duration_s=layout.n_records * layout.record_duration_s, start=start, source=file,
        hypnogram=hypnogram, annotations=annotations, messages=messages,
        transducers=transducers, ranges_are_physical=True)


def _legacy_date(text: str) -> dt.date:
    day, month, year = (int(x) for x in text.split("."))
    # EDF spec: years 85-99 are 1985-1999, 00-84 are 2000-2084
    return dt.date(1900 + year if year >= 85 else 2000 + year, month, day)


def _start_of(
    edf: Any, layout: _Layout, file: Path, subsecond_s: float
) -> tuple[dt.datetime | None, str | None]:
    """Start date and time from the header, and a warning when they are unusable.

    The EDF+ "Startdate dd-MMM-yyyy" subfield wins over the legacy dd.mm.yy field; when it
    is anonymised ("Startdate X") the legacy field's date is used, since the clock time is
    still valid and matters for lights off/on. ``subsecond_s`` is the onset of the first
    data record from the EDF+ timekeeping annotation.
    """
    import edfio

    try:
        clock = dt.datetime.strptime(layout.legacy_starttime, "%H.%M.%S").time()
    except ValueError:
        return None, (f"{file.name}: no valid start time in the header "
                      f"({layout.legacy_starttime!r}); clock times are unknown, times count "
                      "from the recording start")
    try:
        date = edf.recording.startdate
    except edfio.AnonymizedDateError:
        date = None
        logger.info("%s: anonymised EDF+ start date; using the legacy date field", file)
    except Exception:  # noqa: BLE001 - not EDF+ conformant: use the legacy field
        date = None
    if date is None:
        try:
            date = _legacy_date(layout.legacy_startdate)
        except ValueError:
            return None, (f"{file.name}: no valid start date in the header (date field "
                          f"{layout.legacy_startdate!r}); clock times are unknown, times "
                          "count from the recording start")
    return dt.datetime.combine(date, clock) + dt.timedelta(seconds=subsecond_s), None


#: The digital values a sample can hold: 16-bit (EDF) and 24-bit (BDF) two's complement.
_DIGITAL_LIMITS: Mapping[str, tuple[int, int]] = {
    "EDF": (-(2**15), 2**15 - 1),
    "BDF": (-(2**23), 2**23 - 1),
}


def _unusable_reason(layout: _Layout, index: int, meta: Mapping[str, Any]) -> str | None:
    """Why a signal's header makes its samples meaningless, or None when it is usable.

    A digital range the sample width cannot hold (e.g. 40000..50000 in a 16-bit EDF) would
    be used as the calibration and rescale every value; 0 samples per data record leaves a
    channel without samples and without a sampling rate.
    """
    if layout.samples_per_record[index] == 0:
        return ("0 samples per data record (sampling rate 0 Hz): the channel holds no "
                "samples; a usable channel has at least 1 sample per record")
    lowest, highest = _DIGITAL_LIMITS[layout.fmt]
    dmin, dmax = meta["dmin"], meta["dmax"]
    if not lowest <= dmin < dmax <= highest:
        width = "16-bit EDF" if layout.fmt == "EDF" else "24-bit BDF"
        return (f"its digital range [{dmin}, {dmax}] is not possible in a {width} file; "
                f"allowed is digital min < digital max within [{lowest}, {highest}]")
    if meta["pmax"] == meta["pmin"]:
        return f"its physical range [{meta['pmin']}, {meta['pmax']}] is empty"
    return None


def unusable_channels(path: str | os.PathLike[str]) -> dict[str, str]:
    """The channels of an EDF/BDF file that :func:`read_recording` skips, with the reason.

    Only the header is read. Used by ``somnomotor channels`` to list such channels.

    Returns
    -------
    dict of str to str
        Channel label -> why it cannot be used (empty when every channel is usable).
    """
    file = Path(path).expanduser()
    layout = _read_layout(file)
    edf = _open_with_edfio(file, layout)
    positions = [i for i, label in enumerate(layout.labels) if label not in _ANNOTATION_LABELS]
    found: dict[str, str] = {}
    for index, signal in zip(positions, list(edf.signals)):
        meta = _signal_header(file, layout, index, signal)
        problem = _unusable_reason(layout, index, meta)
        if problem:
            found[meta["label"]] = problem
    return found


def _signal_header(file: Path, layout: _Layout, index: int, signal: Any) -> dict[str, Any]:
    """The header fields of one signal; edfio parses them lazily, so errors surface here."""
    try:
        return {
            "label": str(signal.label),
            "unit": str(signal.physical_dimension),
            "fs": float(signal.sampling_frequency),
            "pmin": float(signal.physical_min),
            "pmax": float(signal.physical_max),
            "dmin": int(signal.digital_min),
            "dmax": int(signal.digital_max),
            "transducer": str(getattr(signal, "transducer_type", "") or "").strip(),
        }
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise InputFileError(
            f"{file}: invalid {layout.fmt} header for signal {index + 1} "
            f"({layout.labels[index]!r}): {exc}"
        ) from None


def _open_with_edfio(file: Path, layout: _Layout) -> Any:
    import edfio

    edf: Any
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if layout.fmt == "EDF":
                edf = edfio.read_edf(file, lazy_load_data=True, header_encoding=_HEADER_ENCODING)
            else:
                # Header only: the data records are read per signal by BdfSignalReader.
                with file.open("rb") as handle:
                    header = handle.read(layout.header_bytes)
                edf = edfio.read_bdf(header, header_encoding=_HEADER_ENCODING)
    except Exception as exc:  # edfio raises ValueError and others on bad headers
        raise InputFileError(
            f"{file}: cannot read this {layout.fmt} file: {type(exc).__name__}: {exc}"
        ) from exc
    for item in caught:
        # Reading the BDF header alone makes edfio report 0 data records; that is expected.
        if layout.fmt == "BDF" and "data records" in str(item.message):
            continue
        logger.info("%s: edfio: %s", file.name, item.message)
    return edf


__all__ = ["BdfSignalReader", "assemble_recording", "read_recording", "read_window",
           "unusable_channels"]
