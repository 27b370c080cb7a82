"""One night from file to results: read, align annotations, run every analysis the montage allows.

This is the library call behind ``somnomotor analyze`` and ``somnomotor demo``; the CLI only
parses arguments and prints.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from somnomotor._errors import (
    ChannelNotFoundError,
    ParameterError,
    SignalQualityError,
)
from somnomotor.events import RESPIRATORY_TYPES, EventTable
from somnomotor.recording import Channel, Recording
from somnomotor.results import AnalysisResult, params_to_dict

logger = logging.getLogger(__name__)

#: Analyses in the order they run; each needs the channel roles listed.
ANALYSES: Mapping[str, str] = {
    "leg_movements": "leg movements and periodic limb movements (tibialis EMG)",
    "rswa": "REM sleep without atonia (chin EMG, arms optional)",
    "fragmentary_myoclonus": "fragmentary myoclonus (any EMG)",
    "sleep_starts": "sleep starts / hypnic jerks (two or more EMG channels)",
    "rhythmic_leg_activity": "rhythmic leg activity: HFT/HFLM and ALMA (tibialis EMG)",
    "large_movements": "large muscle group movements (two or more EMG channels)",
    "bruxism": "rhythmic masticatory muscle activity (masseter EMG)",
}

RULE_SETS: tuple[str, ...] = ("wasm_2016", "aasm")

ProgressCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class NightAnalysis:
    """Everything one analysed night produced.

    Attributes
    ----------
    recording : Recording
        The night as analysed (hypnogram and annotations attached).
    results : tuple of AnalysisResult
        One per analysis that ran.
    skipped : dict
        Analysis name -> why it did not run (missing channel, no REM ...).
    rule_set : str
        ``"wasm_2016"`` or ``"aasm"``.
    """

    recording: Recording
    results: tuple[AnalysisResult, ...]
    skipped: Mapping[str, str] = field(default_factory=dict)
    rule_set: str = "wasm_2016"
    #: summary.json entries from somnomotor.staging ("staging", "automatic_staging",
    #: "staging_agreement") and the warnings staging raised.
    staging: Mapping[str, Any] = field(default_factory=dict)
    staging_warnings: tuple[str, ...] = ()
    #: summary.json ``leg_sensor`` entry (somnomotor.io.leg_sensors): what the leg channel
    #: is and whether it was scored with the EMG rules.
    leg_sensor: Mapping[str, Any] = field(default_factory=dict)

    def result(self, family: str) -> AnalysisResult:
        """The result of one analysis family."""
        for res in self.results:
            if res.family == family:
                return res
        raise KeyError(f"no result for {family!r}; ran {[r.family for r in self.results]}")


def load_night(
    path: str | os.PathLike[str] | Any,
    *,
    annotation_files: Sequence[str | os.PathLike[str]] = (),
    roles: Mapping[str, str | Sequence[str]] | None = None,
    stage_map: Mapping[str, str] | None = None,
    channel_map: str | os.PathLike[str] | None = None,
) -> Recording:
    """Read a recording and attach scored annotations from separate files.

    A hypnogram from a separate annotation file replaces one embedded in the recording
    (the caller named that file on purpose); the replacement is reported as a warning.
    ``stage_map`` maps stage labels that somnomotor does not know, in the annotation files or
    embedded in an EDF+ recording, to a stage (``{"Stage Q": "N2"}``), see
    :func:`somnomotor.io.annotations.read_annotations`.
    ``channel_map`` names a cohort map (``"mesa"``, or a YAML file) whose roles and sensor
    kinds are applied under the user's ``roles`` (:mod:`somnomotor.io.channel_maps`).
    """
    from somnomotor.io.edf import read_recording

    recording = read_recording(path, roles=roles, stage_map=stage_map)
    if channel_map is not None:
        from somnomotor.io.channel_maps import apply_channel_map

        recording = apply_channel_map(recording, channel_map, user_roles=roles)
    if not annotation_files:
        return recording
    from somnomotor.io.annotations import read_annotations

    files = [os.fspath(f) for f in annotation_files]
    ann = read_annotations(
        files if len(files) > 1 else files[0],
        recording_start=recording.start,
        recording_duration_s=recording.duration_s,
        stage_map=stage_map,
    )
    extra_warnings = list(ann.warnings)
    hypnogram = recording.hypnogram
    if ann.hypnogram is not None:
        if hypnogram is not None:
            extra_warnings.append(
                f"the hypnogram from {ann.source} replaces the one embedded in the recording"
            )
        hypnogram = ann.hypnogram
    events = EventTable.concat([recording.annotations, ann.events])
    return replace(
        recording,
        hypnogram=hypnogram,
        annotations=events,
        warnings=tuple(recording.warnings) + tuple(extra_warnings),
    )


def _requirements_met(recording: Recording, analysis: str) -> str | None:
    """None when the analysis can run, else the reason it cannot."""
    emg_roles = ("leg_left", "leg_right", "leg", "chin", "arm_left", "arm_right", "masseter", "axial")
    n_emg = sum(len(recording.roles.get(r, ())) for r in emg_roles)
    if analysis in ("leg_movements", "rhythmic_leg_activity"):
        if not recording.leg_channels():
            return "no tibialis (leg) EMG channel"
    elif analysis == "rswa":
        if not recording.has_role("chin"):
            return "no chin EMG channel"
        if recording.hypnogram is None:
            return "no hypnogram (REM epochs are needed)"
        if recording.hypnogram.duration_s("R") <= 0:
            return "no REM sleep in the hypnogram"
    elif analysis == "fragmentary_myoclonus":
        if n_emg == 0:
            return "no EMG channel"
    elif analysis in ("sleep_starts", "large_movements"):
        if n_emg < 2:
            return "fewer than two EMG channels"
    elif analysis == "bruxism":
        if not recording.has_role("masseter"):
            return "no masseter/temporalis EMG channel"
    return None


def _without_leg_roles(recording: Recording) -> Recording:
    """The recording without its leg roles, for the EMG analyses (the leg channel is not
    an EMG they may use)."""
    roles = {r: v for r, v in recording.roles.items() if r not in ("leg", "leg_left", "leg_right")}
    return replace(recording, roles=roles)


def _run_leg_movements(recording: Recording, rule_set: str) -> AnalysisResult:
    from somnomotor.detect.leg_movements import LegMovementDetectionParams, detect_leg_movements
    from somnomotor.score.plm import score_plm
    from somnomotor.score.plm_rules import PLMRules

    det_params = getattr(LegMovementDetectionParams, rule_set)()
    detection = detect_leg_movements(recording, det_params)
    left_out = dict(detection.legs_left_out)
    notes: list[str] = []
    for side, (why, told) in _missing_legs(recording).items():
        left_out[side] = why
        note = (f"{side} leg left out: {why}; leg movements are scored on "
                f"{', '.join(detection.legs_scored)} only")
        if not told:  # one stderr line: the reader's, when it skipped the channel
            logger.warning("%s", note)
        notes.append(note)
    rules = getattr(PLMRules, rule_set)()
    result = score_plm(
        detection.events,
        hypnogram=recording.hypnogram,
        respiratory=recording.annotations.select(RESPIRATORY_TYPES),
        arousals=recording.annotations.select("arousal"),
        unscorable=detection.unscorable,
        rules=rules,
        recording_duration_s=recording.duration_s,
    )
    return replace(
        result,
        unscorable=detection.unscorable,
        params={"detection": params_to_dict(detection.params), "scoring": dict(result.params)},
        warnings=tuple(detection.warnings) + tuple(notes) + tuple(result.warnings),
        extra={**result.extra, "legs_scored": list(detection.legs_scored),
               "legs_left_out": left_out},
    )


def _missing_legs(recording: Recording) -> dict[str, tuple[str, bool]]:
    """Side -> (why, whether the reader already warned about it), for a left or right leg
    that has no channel while the other has one (a single combined channel is not a
    missing leg)."""
    legs = recording.leg_channels()
    if "bilateral" in legs or not legs or len(legs) == 2:
        return {}
    from somnomotor.io.roles import role_of_label

    side = "right" if "left" in legs else "left"
    # a channel the reader skipped (e.g. an empty physical range) may have been that leg
    for note in recording.warnings:
        marker = "skipped as unusable: "
        if marker in note and "channel '" in note:
            label = note.split("channel '", 1)[1].split("'", 1)[0]
            if role_of_label(label) == f"leg_{side}":
                return {side: (f"channel {label!r} skipped as unusable: "
                               f"{note.split(marker, 1)[1]}", True)}
    return {side: (f"no {side}-leg (tibialis) channel in the recording", False)}


def _run_rswa(recording: Recording, leg: AnalysisResult | None) -> AnalysisResult:
    """SINBAR, AASM and Montreal measures and the atonia index, filtering the chin once."""
    from somnomotor.score.rswa import analyze_rswa

    leg_events = leg.events if leg is not None else None
    return analyze_rswa(recording, leg_movements=leg_events)


#: The families detected together by score.motor_events (one envelope per EMG channel).
MOTOR_EVENT_FAMILIES: tuple[str, ...] = (
    "fragmentary_myoclonus", "sleep_starts", "rhythmic_leg_activity", "bruxism", "large_movements",
)


def _run_motor_events(recording: Recording, families: Sequence[str]) -> list[AnalysisResult]:
    from somnomotor.score.motor_events import detect_motor_events

    skip = tuple(f for f in MOTOR_EVENT_FAMILIES if f not in families)
    found = detect_motor_events(recording, skip=skip)
    return [found[f] for f in MOTOR_EVENT_FAMILIES if f in found]


def _read_once(recording: Recording) -> Recording:
    """The same recording, with each channel read whole from its file at most once.

    An analysis that reads a whole channel (the leg-motion count of a movement sensor) may
    ask for it more than once, and every :meth:`Channel.data` call of a file-backed channel
    decodes the EDF again (~0.1 s per 8-h 512-Hz channel); a channel that is not from a file
    (an MNE object) may copy the whole channel on each call. Here the
    first whole read keeps the samples (read-only, so no detector can change them for the
    others) for as long as the returned recording lives: one step of the analysis, so that
    the channels of one step are not held through the next. Reads of a window
    (:func:`somnomotor.io.edf.read_window`, how the leg and motor-event detectors read) go
    to the file and keep nothing, unless the channel is already held whole.
    """
    from somnomotor.io.edf_records import _WindowedLoader

    def remembered(ch: Channel) -> Channel:
        kept: list[Any] = []
        lock = threading.Lock()  # detectors run in threads

        def load() -> Any:
            with lock:
                if not kept:
                    # a read-only view: the caller's own array (Channel.from_array) stays
                    # writable for the caller
                    samples = ch.data().view()
                    samples.setflags(write=False)
                    kept.append(samples)
                return kept[0]

        inner = ch.loader
        if not isinstance(inner, _WindowedLoader):
            return replace(ch, loader=load)

        def read(start: int, stop: int | None) -> Any:
            if start <= 0 and stop is None:
                return load()
            if kept:
                return kept[0][start:stop]
            return inner.read(start, stop)

        return replace(ch, loader=_WindowedLoader(read))

    return replace(recording, channels=tuple(remembered(ch) for ch in recording.channels))


def analyze_recording(
    recording: Recording,
    *,
    rule_set: str = "wasm_2016",
    analyses: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    auto_stage: bool = True,
    compare_staging: bool = False,
) -> NightAnalysis:
    """Run the analyses on one night.

    Parameters
    ----------
    recording : Recording
    rule_set : {"wasm_2016", "aasm"}
        Rule set for leg movements and periodic limb movements.
    analyses : sequence of str, optional
        Names from :data:`ANALYSES`. ``None`` runs every analysis the montage allows and
        skips the others with a reason; naming an analysis whose channels are missing is
        an error (e.g. no leg channel when leg analysis is asked for).
    progress : callable, optional
        Called as ``progress(analysis_name, fraction_done)``.
    auto_stage : bool, default True
        Without a scored hypnogram, stage the night automatically with YASA (see
        :mod:`somnomotor.staging`); a scored hypnogram always wins.
    compare_staging : bool, default False
        Also stage automatically when a hypnogram is scored, use the scored one and
        report their agreement in summary.json ``"staging_agreement"``.

    Notes
    -----
    A leg channel that is a movement sensor (piezo, motion) or an EMG sampled below 100 Hz
    (:func:`somnomotor.io.leg_sensors.classify_leg_sensor`) is never scored with the EMG
    rules: leg movements and rhythmic leg activity are skipped with the reason, the leg
    channels are left out of every EMG analysis, one warning is logged, and a movement
    sensor gets the separate ``leg_motion`` count instead (not a WASM index).
    """
    if rule_set not in RULE_SETS:
        raise ParameterError(f"unknown rule set {rule_set!r}; allowed are {list(RULE_SETS)}")
    explicit = analyses is not None
    wanted = list(ANALYSES) if analyses is None else list(dict.fromkeys(analyses))
    unknown = [a for a in wanted if a not in ANALYSES]
    if unknown:
        raise ParameterError(f"unknown analysis {unknown}; allowed are {list(ANALYSES)}")

    # -- automatic staging (somnomotor.staging) --
    from somnomotor.staging import resolve_staging

    staged = resolve_staging(recording, auto_stage=auto_stage, compare_staging=compare_staging)
    recording = staged.recording
    # -- end automatic staging --

    results: list[AnalysisResult] = []
    skipped: dict[str, str] = {}
    leg_result: AnalysisResult | None = None
    runnable: list[str] = []
    # -- leg sensor: a movement sensor (piezo, motion) or too slow an EMG is never scored with
    # the EMG rules, and leaves every EMG analysis (somnomotor.io.leg_sensors)
    from somnomotor.io.leg_sensors import classify_leg_sensor

    leg_sensor = classify_leg_sensor(recording)
    mapped_roles = recording.roles  # kept in summary.json's channel mapping
    if recording.leg_channels() and not leg_sensor.scored:
        logger.warning("%s: %s", recording.source.name if recording.source else "recording",
                       leg_sensor.reason)
        recording = _without_leg_roles(recording)
    # -- end leg sensor
    for name in wanted:
        reason = _requirements_met(recording, name)
        if reason is not None and leg_sensor.reason and leg_sensor.kind != "none" and name in (
                "leg_movements", "rhythmic_leg_activity"):
            reason = leg_sensor.reason
        if reason is None:
            runnable.append(name)
            continue
        if explicit:
            raise ChannelNotFoundError(
                f"cannot run {name} ({ANALYSES[name]}): {reason}; channels are "
                f"{recording.labels}. Name a channel with --channel ROLE=LABEL"
            )
        skipped[name] = reason
        logger.info("skipping %s: %s", name, reason)
    motor = [n for n in runnable if n in MOTOR_EVENT_FAMILIES]
    steps = [n for n in runnable if n not in MOTOR_EVENT_FAMILIES] + (["motor_events"] if motor else [])
    if leg_sensor.kind in ("piezo", "motion") and not explicit:
        # a separate count on the movement sensor, never a WASM index (detect.leg_motion)
        steps.insert(0, "leg_motion")
    staged_recording = replace(recording, roles=mapped_roles)
    lazy = recording
    for i, name in enumerate(steps):
        if progress:
            progress(name, i / len(steps))
        # the samples a step read whole are dropped when it ends (memory: one step's channels)
        recording = _read_once(lazy)
        if name == "leg_motion":
            from somnomotor.detect.leg_motion import count_leg_motion

            results.append(count_leg_motion(
                recording, channels=[c.label for c in leg_sensor.channels]))
        elif name == "leg_movements":
            try:
                leg_result = _run_leg_movements(recording, rule_set)
            except SignalQualityError as exc:
                if explicit:
                    raise
                # no leg channel has anything to score (flat, saturated ... all night):
                # the night's other analyses still run
                skipped[name] = str(exc)
                logger.warning("skipping %s: %s", name, exc)
                continue
            if leg_sensor.warnings:
                leg_result = replace(leg_result,
                                     warnings=tuple(leg_result.warnings) + leg_sensor.warnings)
            results.append(leg_result)
        elif name == "rswa" and motor:
            # issue-4 speed: RSWA and the other motor events share one band-passed signal
            # per EMG channel and run side by side (score.motor_events)
            from somnomotor.score.motor_events import analyze_rswa_and_motor_events

            rswa_result, found = analyze_rswa_and_motor_events(
                recording, families=tuple(motor),
                leg_movements=leg_result.events if leg_result is not None else None)
            results.append(rswa_result)  # type: ignore[arg-type]
            results.extend(found[f] for f in MOTOR_EVENT_FAMILIES if f in found)
            motor = []
        elif name == "rswa":
            results.append(_run_rswa(recording, leg_result))
        elif motor:
            results.extend(_run_motor_events(recording, motor))
    recording = lazy
    if progress:
        progress("done", 1.0)
    if not results:
        reasons = "; ".join(f"{k}: {v}" for k, v in skipped.items())
        raise ChannelNotFoundError(
            f"no analysis could run on this recording ({reasons}); channels are {recording.labels}"
        )
    # Analyses skipped for a missing channel are listed in NightAnalysis.skipped (and
    # summary.json "skipped_analyses"), not warned about: most montages lack some channel
    # (a masseter for bruxism), and an analysis the caller asked for raised above instead.
    if not leg_sensor.scored and leg_sensor.kind != "none":
        # the reader's "combined tibialis channel" note does not apply to a leg not scored
        from somnomotor.io.roles import combined_leg_warning

        note = combined_leg_warning(staged_recording.roles)
        staged_recording = replace(staged_recording, warnings=tuple(
            w for w in staged_recording.warnings if w != note) + (leg_sensor.reason,))
    # the result refers to the lazy recording, not to the samples read for this run
    return NightAnalysis(recording=staged_recording, results=tuple(results), skipped=skipped,
                         rule_set=rule_set, staging=dict(staged.summary),
                         staging_warnings=tuple(staged.warnings),
                         leg_sensor=leg_sensor.to_dict())


def write_night_outputs(
    analysis: NightAnalysis,
    out_dir: str | os.PathLike[str],
    *,
    input_path: str | os.PathLike[str] | None = None,
    annotation_files: Sequence[str | os.PathLike[str]] = (),
    input_checksums: Sequence[tuple[str, str | None]] | None = None,
) -> dict[str, Path]:
    """Write the output contract for an analysed night (see report.outputs).

    ``input_checksums`` gives ``(file name, SHA-256)`` of the recording then of each
    annotation file when the caller has them already (a cohort hashes every night's inputs
    for its key; hashing an 8-h recording again costs about 0.3 s); otherwise the files
    named by ``input_path`` and ``annotation_files`` are hashed here (see also
    :class:`somnomotor.report.outputs.BackgroundChecksums`).
    """
    from somnomotor.report.outputs import InputFileInfo, write_outputs

    if input_checksums is not None:
        given = [InputFileInfo(file=name, sha256=digest) for name, digest in input_checksums]
        input_file, infos = (given[0] if given else None), given[1:]
    else:
        input_file = InputFileInfo.of(input_path)
        infos = [i for i in (InputFileInfo.of(p) for p in annotation_files) if i is not None]
    return write_outputs(
        out_dir,
        recording=analysis.recording,
        results=analysis.results,
        rule_set=analysis.rule_set,
        input_file=input_file,
        annotation_files=infos,
        warnings=analysis.staging_warnings,
        extra={"skipped_analyses": dict(analysis.skipped), **analysis.staging,
               **({"leg_sensor": dict(analysis.leg_sensor)} if analysis.leg_sensor else {})},
    )


__all__ = ["ANALYSES", "RULE_SETS", "NightAnalysis", "analyze_recording", "load_night",
           "write_night_outputs"]
