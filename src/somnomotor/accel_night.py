"""One accelerometer night from file to results: read, calibrate, non-wear, time in bed,
leg movements, PLM series, outputs.

The library call behind ``somnomotor analyze FILE`` when FILE is a raw accelerometer
recording (``.cwa``, ``.bin``, ``.gt3x``, ``.csv``); EDF nights go through
:mod:`somnomotor.pipeline`. The two kinds of result are kept apart: the summary says
``"recording_kind": "accelerometer"`` and its indices are named ``accel_*``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from somnomotor._errors import ParameterError
from somnomotor._version import __version__
from somnomotor.detect.accel_movements import AccelMovementParams, detect_accel_movements
from somnomotor.io.accel import AccelRecording, read_accelerometer
from somnomotor.results import AnalysisResult, params_to_dict
from somnomotor.score.accel_plm import LITERATURE, NOT_PSG, analysed_intervals, score_accel_night
from somnomotor.signal.accel import Calibration, autocalibrate, detect_nonwear, detect_rest_period

RECORDING_KIND = "accelerometer"


@dataclass(frozen=True)
class AccelNightAnalysis:
    """Everything one analysed accelerometer night produced (no copy of the signal)."""

    result: AnalysisResult
    calibration: Calibration
    nonwear: tuple[tuple[float, float], ...]
    in_bed: tuple[float, float] | None
    time_in_bed_source: str
    start: dt.datetime | None
    duration_s: float
    fs_hz: float
    device: str
    source: str
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _in_bed_from_times(rec: AccelRecording, bed: tuple[dt.datetime, dt.datetime]) -> tuple[float, float]:
    if rec.start is None:
        raise ParameterError(
            f"{rec.source!r} has no start time, so a bedtime from the diary cannot be placed; "
            "give the CSV ISO date-times"
        )
    a = (bed[0] - rec.start).total_seconds()
    b = (bed[1] - rec.start).total_seconds()
    if b <= a:
        raise ParameterError(f"rise time {bed[1]} must follow bedtime {bed[0]}")
    if b <= 0 or a >= rec.duration_s:
        raise ParameterError(
            f"time in bed {bed[0]} .. {bed[1]} lies outside the recording "
            f"({rec.start} + {rec.duration_s:.0f} s)"
        )
    return max(0.0, a), min(rec.duration_s, b)


def analyze_accelerometer(
    recording: AccelRecording | str | os.PathLike[str],
    *,
    time_in_bed: tuple[dt.datetime, dt.datetime] | None = None,
    params: AccelMovementParams | None = None,
) -> AccelNightAnalysis:
    """Analyse one ankle-accelerometer night.

    Parameters
    ----------
    recording : AccelRecording or path
    time_in_bed : (bedtime, rise time), optional
        Wall-clock times, e.g. from the diary. Without them the recording's rest period
        (van Hees 2018) is used, and without a rest period the whole worn recording.
    params : AccelMovementParams, optional
    """
    rec = recording if isinstance(recording, AccelRecording) else read_accelerometer(recording)
    warnings: list[str] = list(rec.warnings)
    cal = autocalibrate(rec.acceleration_g, rec.fs_hz)
    if not cal.applied:
        warnings.append(f"no autocalibration: {cal.reason}; the device's own calibration is used")
    xyz = cal.apply(rec.acceleration_g)
    nonwear = detect_nonwear(xyz, rec.fs_hz)
    if time_in_bed is not None:
        in_bed: tuple[float, float] | None = _in_bed_from_times(rec, time_in_bed)
        source = "diary"
    else:
        in_bed = detect_rest_period(xyz, rec.fs_hz, nonwear)
        source = "rest period of the recording (van Hees 2018, HDCZA)"
        if in_bed is None:
            in_bed = (0.0, rec.duration_s)
            source = "whole recording (no diary, no rest period found)"
            warnings.append("no time in bed in a diary and no rest period found: the whole "
                            "worn recording counts as time in bed")
    analysed = analysed_intervals(in_bed, nonwear)
    detection = detect_accel_movements(xyz, rec.fs_hz, analysed=analysed, params=params)
    del xyz
    result = score_accel_night(detection.events, duration_s=rec.duration_s, analysed=analysed,
                               time_in_bed_source=source)
    result = AnalysisResult(
        family=result.family, events=result.events, indices=result.indices,
        params={"detection": params_to_dict(detection.params),
                "on_threshold_g": detection.on_threshold_g, **result.params},
        unscorable=result.unscorable,
        warnings=tuple(detection.warnings) + tuple(result.warnings),
    )
    return AccelNightAnalysis(result, cal, tuple(nonwear), in_bed, source, rec.start,
                              rec.duration_s, rec.fs_hz, rec.device, rec.source, tuple(warnings))


#: Recordings longer than this are split into nights (noon to noon).
MULTI_NIGHT_MIN_S = 30 * 3600.0
#: A noon-to-noon window needs this much recording to be analysed as a night.
MIN_NIGHT_WINDOW_S = 2 * 3600.0


def split_nights(rec: AccelRecording) -> list[tuple[dt.date, AccelRecording]]:
    """Noon-to-noon windows of a multi-day recording, each as its own recording (views of
    the samples, no copy), labelled by the evening's date; windows shorter than
    :data:`MIN_NIGHT_WINDOW_S` are left out. Home devices record a week or more in one file.
    """
    if rec.start is None:
        raise ParameterError(f"{rec.source!r} has no start time, so it cannot be split into "
                             "nights; give the CSV ISO date-times")
    first_noon = dt.datetime.combine(rec.start.date(), dt.time(12))
    if rec.start < first_noon:
        first_noon -= dt.timedelta(days=1)
    out = []
    noon = first_noon
    end = rec.start + dt.timedelta(seconds=rec.duration_s)
    while noon < end:
        a = max(0, int(round((noon - rec.start).total_seconds() * rec.fs_hz)))
        b = min(rec.n_samples,
                int(round((noon + dt.timedelta(days=1) - rec.start).total_seconds() * rec.fs_hz)))
        if (b - a) / rec.fs_hz >= MIN_NIGHT_WINDOW_S:
            piece_start = rec.start + dt.timedelta(seconds=a / rec.fs_hz)
            out.append((noon.date(), AccelRecording(rec.acceleration_g[a:b], rec.fs_hz,
                                                    piece_start, rec.device, rec.source,
                                                    rec.warnings)))
        noon += dt.timedelta(days=1)
    return out


def build_accel_summary(analysis: AccelNightAnalysis, input_path: str | os.PathLike[str] | None
                        ) -> dict[str, Any]:
    """summary.json content of an accelerometer night."""
    from somnomotor.report.outputs import InputFileInfo

    info = InputFileInfo.of(input_path) if input_path is not None else None
    res = analysis.result
    cal = analysis.calibration
    return {
        "somnomotor_version": __version__,
        "created_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "recording_kind": RECORDING_KIND,
        "input": {"file": info.file if info else analysis.source,
                  "sha256": info.sha256 if info else None,
                  "start": analysis.start.isoformat() if analysis.start else None,
                  "duration_s": analysis.duration_s, "device": analysis.device,
                  "fs_hz": analysis.fs_hz},
        "calibration": {"applied": cal.applied, "offset_g": list(cal.offset_g),
                        "scale": list(cal.scale), "error_before_mg": cal.error_before_mg,
                        "error_after_mg": cal.error_after_mg,
                        "still_windows": cal.n_still_windows, "reason": cal.reason},
        "nonwear_s": [list(x) for x in analysis.nonwear],
        "time_in_bed": {"start_s": analysis.in_bed[0] if analysis.in_bed else None,
                        "end_s": analysis.in_bed[1] if analysis.in_bed else None,
                        "source": analysis.time_in_bed_source},
        "analyses": {res.family: {"params": dict(res.params), "warnings": list(res.warnings)}},
        "indices": [{**ix.to_dict(), "family": res.family} for ix in res.indices],
        "not_psg": NOT_PSG,
        "literature": LITERATURE,
        "warnings": list(analysis.warnings),
    }


def write_accel_outputs(analysis: AccelNightAnalysis, out_dir: str | os.PathLike[str], *,
                        input_path: str | os.PathLike[str] | None = None) -> dict[str, Path]:
    """Write events.tsv and summary.json of an accelerometer night, atomically."""
    from somnomotor.io.atomic import atomic_write_text, ensure_writable_dir
    from somnomotor.events import EventTable
    from somnomotor.report.outputs import (EVENTS_FILE, SUMMARY_FILE, _clean_floats,
                                           _json_default, events_to_tsv)

    out = ensure_writable_dir(out_dir)
    events = EventTable.concat([analysis.result.events, analysis.result.unscorable])
    summary = _clean_floats(build_accel_summary(analysis, input_path))
    atomic_write_text(out / EVENTS_FILE, events_to_tsv(events))
    atomic_write_text(out / SUMMARY_FILE, json.dumps(summary, indent=2, default=_json_default))
    return {EVENTS_FILE: out / EVENTS_FILE, SUMMARY_FILE: out / SUMMARY_FILE}


def format_accel_summary(summary: dict[str, Any]) -> str:
    """Terminal summary of an accelerometer night (plain, labelled as not PSG)."""
    ix = {i["name"]: i for i in summary["indices"]}

    def val(name: str) -> str:
        v = ix[name]["value"]
        return "n/a" if v is None else f"{v:.1f}"

    lines = [
        f"Accelerometer night: {summary['input']['file']} ({summary['input']['device']}, "
        f"{summary['input']['fs_hz']:g} Hz)",
        f"  time in bed with the device worn: {val('accel_time_in_bed_worn_h')} h "
        f"(from the {summary['time_in_bed']['source']})",
        f"  accel_lm_index:  {val('accel_lm_index')} /h in bed "
        f"({int(ix['accel_lm_count']['value'])} leg movements)",
        f"  accel_plm_index: {val('accel_plm_index')} /h in bed "
        f"({int(ix['accel_plm_count']['value'])} in periodic series)",
        f"  These are {NOT_PSG}.",
        f"  {LITERATURE}",
        "  A measurement of one night, not a diagnosis.",
    ]
    for w in summary.get("warnings", []):
        lines.append(f"  warning: {w}")
    return "\n".join(lines)


__all__ = ["MULTI_NIGHT_MIN_S", "RECORDING_KIND", "AccelNightAnalysis", "split_nights", "analyze_accelerometer", "build_accel_summary",
           "format_accel_summary", "write_accel_outputs"]
