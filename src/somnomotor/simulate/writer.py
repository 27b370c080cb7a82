"""Write a simulated night as EDF+ (edfio) with its ground truth beside it.

The EDF+C file holds every channel in physical units and an "EDF Annotations" signal with
one AASM stage label per 30-s epoch ("Sleep stage W", "Sleep stage N1", "Sleep stage N2",
"Sleep stage N3", "Sleep stage R"),
"Obstructive apnea", "Hypopnea", "Arousal", "Lights off" and "Lights on". The truth is
written as ``<stem>.truth.json`` in the same folder. Both files are written atomically.

Physical ranges (by default with the 16-bit digital range -32768..32767):

===============  ============  =========================
channel          range, µV     quantisation step, µV
===============  ============  =========================
EMG (legs,       +-1000        0.031 (well below 0.1)
chin, arms)
EEG              +-1000        0.031
ECG              +-5000        0.153
===============  ============  =========================

The leg channels take the physical and digital range of the night's truth
(:attr:`~somnomotor.simulate.truth.ChannelTruth.physical_range_uV`, ``digital_range``):
±100 to ±1000 µV with -32768..32767, -2048..2047 or 0..4095 under the ``clipping``
condition and in the randomized corpus (a 12-bit range of ±1000 µV has steps of 0.49 µV,
as old amplifiers). The simulator has already clipped the signal at the physical range, as
the amplifier would; samples beyond the range are clipped here too (railing is written at
the physical maximum).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import edfio
import numpy as np

from somnomotor._errors import InputFileError, InputFileNotFoundError, OutputError
from somnomotor.io.atomic import atomic_write_text, atomic_write_with
from somnomotor.simulate.night import SimulatedNight
from somnomotor.simulate.truth import GroundTruth

logger = logging.getLogger(__name__)

#: Physical range per channel kind, µV.
PHYSICAL_RANGE_UV: dict[str, tuple[float, float]] = {
    "emg": (-1000.0, 1000.0), "eeg": (-1000.0, 1000.0), "ecg": (-5000.0, 5000.0),
}
STAGE_LABELS = {"W": "Sleep stage W", "N1": "Sleep stage N1", "N2": "Sleep stage N2",
                "N3": "Sleep stage N3", "R": "Sleep stage R", "MT": "Movement time",
                "UNS": "Sleep stage ?"}
_PREFILTER = {"emg": "HP:10Hz LP:150Hz", "eeg": "HP:0.3Hz LP:35Hz", "ecg": "HP:0.3Hz LP:70Hz"}
_TRANSDUCER = {"emg": "AgAgCl surface electrodes", "eeg": "AgAgCl cup electrodes",
               "ecg": "AgAgCl electrodes"}


def truth_path_for(edf_path: str | os.PathLike[str]) -> Path:
    """``night.edf`` -> ``night.truth.json`` in the same folder."""
    p = Path(edf_path)
    return p.with_name(p.stem + ".truth.json")


def _annotations(night: SimulatedNight) -> list[edfio.EdfAnnotation]:
    hyp = night.recording.hypnogram
    out: list[edfio.EdfAnnotation] = []
    if hyp is not None:
        # The stages as scored (wake before lights off stays "W"); lights off/on are
        # separate annotations, as in clinical exports.
        for i, stage in enumerate(hyp.stages):
            onset = hyp.onset_s + i * hyp.epoch_s
            if onset + hyp.epoch_s <= night.recording.duration_s:
                out.append(edfio.EdfAnnotation(onset, hyp.epoch_s, STAGE_LABELS[str(stage)]))
    frame = night.recording.annotations.frame
    for row in frame.itertuples(index=False):
        duration = float(row.duration_s) or None
        out.append(edfio.EdfAnnotation(float(row.onset_s), duration, str(row.label)))
    out.sort(key=lambda a: a.onset)
    return out


def _build_edf(night: SimulatedNight) -> edfio.Edf:
    truths = {c.label: c for c in night.truth.channels}
    signals = []
    for ch in night.recording.channels:
        ct = truths.get(ch.label)
        kind = ct.kind if ct is not None else "emg"
        lo, hi = PHYSICAL_RANGE_UV[kind]
        digital = (-32768, 32767)
        if ct is not None and ct.physical_range_uV is not None:
            lo, hi = ct.physical_range_uV
        if ct is not None and ct.digital_range is not None:
            digital = ct.digital_range
        data = np.clip(ch.data().astype(np.float64), lo, hi)
        signals.append(edfio.EdfSignal(
            data, ch.fs_hz, label=ch.label, transducer_type=_TRANSDUCER[kind],
            physical_dimension="uV", physical_range=(lo, hi), digital_range=digital,
            prefiltering=_PREFILTER[kind]))
    start = night.recording.start
    return edfio.Edf(
        signals,
        patient=edfio.Patient(name="Simulated", additional=[f"profile_{night.truth.profile}"]),
        recording=edfio.Recording(startdate=start.date() if start else None,
                                  equipment_code="somnomotor_simulator",
                                  additional=[f"seed_{night.truth.seed}"]),
        starttime=start.time() if start else None,
        data_record_duration=1.0,
        annotations=_annotations(night),
    )


def write_simulated_night(night: SimulatedNight, path: str | os.PathLike[str]) -> Path:
    """Write the night as EDF+ and its truth as ``<stem>.truth.json``.

    Parameters
    ----------
    night : SimulatedNight
    path : path-like
        Target EDF file (``.edf``); its folder must exist.

    Returns
    -------
    Path
        The EDF path written.
    """
    target = Path(path)
    if target.suffix.lower() != ".edf":
        raise OutputError(f"the simulated night is written as EDF+; the path must end in "
                          f".edf, received {str(target)!r}")
    if not target.parent.is_dir():
        raise OutputError(f"folder {str(target.parent)!r} does not exist; create it first")
    edf = _build_edf(night)
    atomic_write_with(target, lambda tmp: edf.write(tmp))
    atomic_write_text(truth_path_for(target), night.truth.to_json())
    logger.info("wrote %s and %s", target, truth_path_for(target).name)
    return target


def read_truth(path: str | os.PathLike[str]) -> GroundTruth:
    """Read a ground truth from ``night.truth.json`` or from beside ``night.edf``."""
    p = Path(path)
    if p.suffix.lower() == ".edf":
        p = truth_path_for(p)
    if not p.is_file():
        raise InputFileNotFoundError(f"no simulator truth file at {str(p)!r}")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read the truth file {str(p)!r}: {exc}") from exc
    return GroundTruth.from_json(text)


__all__ = ["PHYSICAL_RANGE_UV", "STAGE_LABELS", "read_truth", "truth_path_for",
           "write_simulated_night"]
