"""Automatic sleep staging (YASA) for recordings without a scored hypnogram, and agreement.

Most motor indices are per hour of sleep (TST) or need the stage of each event (PLMS
in sleep, RSWA in REM). When a recording comes without a scored hypnogram, the stages can
be estimated with the pretrained classifier of YASA (Vallat & Walker, eLife 2021;10:e70092,
doi:10.7554/eLife.70092): a LightGBM model on one central EEG derivation, optionally an EOG
and a chin EMG channel, trained on > 3000 nights of the NSRR. Its agreement with human
scorers is about that between scorers (median accuracy ~ 87 %, kappa ~ 0.8 in the paper),
but it is not a scorer: the outputs always say when the stages are automatic.

A scored hypnogram always wins. :func:`compare_hypnograms` measures how well two
hypnograms agree (accuracy, Cohen's kappa, per-stage confusion matrix), as used by
``somnomotor analyze --compare-staging``.

YASA is an optional dependency: ``pip install somnomotor[staging]``. Its classifiers ship
inside the wheel (``yasa/classifiers/*.joblib``), so staging runs offline.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from somnomotor._errors import ChannelNotFoundError, ParameterError, SomnomotorWarning
from somnomotor.hypnogram import STAGES, UNSCORED, Hypnogram
from somnomotor.recording import Channel, Recording

logger = logging.getLogger(__name__)

#: Sampling rate YASA's features are computed at, Hz (YASA resamples to 100 Hz itself;
#: doing it here first lets channels of different rates share one mne Raw).
YASA_FS_HZ = 100.0

#: YASA needs at least one 30-s epoch; below 5 min it warns the result is unreliable.
MIN_DURATION_S = 30.0

#: YASA's stage names to ours (ART = artefact and UNS are not stages for the indices).
YASA_STAGES: Mapping[str, str] = {
    "WAKE": "W", "W": "W", "N1": "N1", "N2": "N2", "N3": "N3", "REM": "R", "R": "R",
    "ART": UNSCORED, "UNS": UNSCORED,
}

#: Stages compared by :func:`compare_hypnograms` (epochs where either is MT/UNS are left out).
COMPARED_STAGES: tuple[str, ...] = ("W", "N1", "N2", "N3", "R")

# Central derivations first: YASA was trained on C4-M1 / C3-M2 (Vallat & Walker 2021).
_CENTRAL = re.compile(r"(^|[^a-z])c[34]([^0-9]|$)", re.IGNORECASE)
_FRONTAL = re.compile(r"(^|[^a-z])f[34pz]", re.IGNORECASE)


def _require_yasa() -> Any:
    try:
        import yasa
    except ImportError as exc:
        raise ParameterError(
            "automatic sleep staging needs the optional package 'yasa', which is not "
            f"installed ({exc}); install it with: pip install somnomotor[staging]"
        ) from exc
    return yasa


def yasa_version() -> str | None:
    """The installed YASA version, or ``None`` when YASA is not installed."""
    try:
        import yasa
    except ImportError:
        return None
    return str(getattr(yasa, "__version__", "unknown"))


def _pick(recording: Recording, label: str | None, role: str, *,
          prefer: re.Pattern[str] | None = None) -> Channel | None:
    """The channel named by the caller, else the best channel of the role (or None)."""
    if label is not None:
        return recording.channel(label)  # raises ChannelNotFoundError with the labels
    candidates = recording.channels_for(role)
    if prefer is not None:
        preferred = [c for c in candidates if prefer.search(c.label)]
        if preferred:
            return preferred[0]
    return candidates[0] if candidates else None


def choose_channels(recording: Recording, *, eeg: str | None = None, eog: str | None = None,
                    emg: str | None = None) -> dict[str, Channel]:
    """The channels YASA will use: ``{"eeg": ..., "eog": ..., "emg": ...}`` (EOG/EMG optional).

    EEG: the named label, else a central derivation (C4/C3) of the ``eeg`` role, else a
    frontal one, else the first EEG channel. EOG: the named label or the first ``eog``
    channel. EMG: the named label or the ``chin`` channel.

    Raises
    ------
    ChannelNotFoundError
        When no EEG channel is named or has the role ``eeg``, or a named label is not in
        the recording.
    """
    chosen: dict[str, Channel] = {}
    eeg_ch = _pick(recording, eeg, "eeg", prefer=_CENTRAL)
    if eeg_ch is None:
        raise ChannelNotFoundError(
            f"automatic sleep staging needs an EEG channel (preferably central, C4-M1 or "
            f"C3-M2); the recording has none with the role 'eeg'. Channels are "
            f"{recording.labels}. Name one with --channel eeg=LABEL"
        )
    if eeg is None and not _CENTRAL.search(eeg_ch.label):
        frontal = _pick(recording, None, "eeg", prefer=_FRONTAL)
        if frontal is not None:
            eeg_ch = frontal
    chosen["eeg"] = eeg_ch
    eog_ch = _pick(recording, eog, "eog")
    if eog_ch is not None:
        chosen["eog"] = eog_ch
    emg_ch = _pick(recording, emg, "chin")
    if emg_ch is not None:
        chosen["emg"] = emg_ch
    for kind, ch in chosen.items():
        if ch.unit != "uV":
            raise ParameterError(
                f"channel {ch.label!r} chosen as {kind} for staging has unit {ch.unit!r}; "
                f"a voltage channel (uV) is needed"
            )
    return chosen


def _resample(data: np.ndarray, fs_hz: float, target_hz: float) -> np.ndarray:
    """Polyphase resampling (with its anti-alias filter) to ``target_hz``."""
    from scipy.signal import resample_poly

    if fs_hz == target_hz:
        return np.asarray(data, dtype=np.float64)
    ratio = Fraction(target_hz / fs_hz).limit_denominator(1000)
    return np.asarray(resample_poly(np.asarray(data, dtype=np.float64), ratio.numerator,
                                    ratio.denominator), dtype=np.float64)


def _lights(recording: Recording) -> tuple[float | None, float | None]:
    """Lights off / lights on (s) from the recording's annotations, when scored."""
    ann = recording.annotations
    if not len(ann):
        return None, None
    off = ann.select("lights_off").onset_s
    on = ann.select("lights_on").onset_s
    start = float(off.min()) if off.size else None
    end = float(on.max()) if on.size else None
    if start is not None and end is not None and end <= start:
        return None, None
    return start, end


def stage_recording(recording: Recording, *, eeg: str | None = None, eog: str | None = None,
                    emg: str | None = None) -> Hypnogram:
    """Estimate the sleep stages of a night with YASA's pretrained classifier.

    Parameters
    ----------
    recording : Recording
        The night; channels in µV, each starting at the recording start.
    eeg, eog, emg : str, optional
        Channel labels to use; by default a central EEG of the ``eeg`` role, the first
        ``eog`` channel and the ``chin`` EMG (see :func:`choose_channels`).

    Returns
    -------
    Hypnogram
        One stage (W N1 N2 N3 R) per 30-s epoch from the recording start (a trailing
        part-epoch is left out), ``source = "automatic: YASA <version>"``; the analysis
        period is lights off..lights on when the annotations hold them.

    Raises
    ------
    ParameterError
        YASA is not installed (``pip install somnomotor[staging]``), or a channel is not
        a voltage channel.
    ChannelNotFoundError
        No EEG channel.
    SignalQualityError
        Never; a flat EEG gives a (meaningless) hypnogram and a warning from YASA.

    References
    ----------
    Vallat R, Walker MP. An open-source, high-performance tool for automated sleep staging.
    eLife 2021;10:e70092. doi:10.7554/eLife.70092
    """
    yasa = _require_yasa()
    import mne

    chosen = choose_channels(recording, eeg=eeg, eog=eog, emg=emg)
    duration_s = min(ch.duration_s for ch in chosen.values())
    if duration_s < MIN_DURATION_S:
        raise ParameterError(
            f"automatic sleep staging needs at least {MIN_DURATION_S:.0f} s of signal; "
            f"received {duration_s:.1f} s"
        )
    if duration_s < 300:
        warnings.warn(
            f"automatic sleep staging of only {duration_s:.0f} s of signal is unreliable "
            f"(YASA recommends at least 5 min)", SomnomotorWarning, stacklevel=2,
        )
    n = int(np.floor(duration_s * YASA_FS_HZ))
    rows, names, types = [], [], []
    for kind, ch in chosen.items():
        # Our channels are in µV; mne holds volts.
        rows.append(_resample(ch.data(), ch.fs_hz, YASA_FS_HZ)[:n] * 1e-6)
        names.append(ch.label)
        types.append(kind)
    n = min(r.size for r in rows)
    data = np.vstack([r[:n] for r in rows])
    info = mne.create_info(names, YASA_FS_HZ, types, verbose=False)
    raw = mne.io.RawArray(data, info, verbose=False)
    del data, rows  # keep no copy of the signal beyond the call
    logger.info("automatic staging with YASA %s on %s", yasa.__version__,
                ", ".join(f"{k}={c.label}" for k, c in chosen.items()))
    with warnings.catch_warnings():
        # The pickled classifiers carry a scikit-learn version note that is no help here.
        warnings.filterwarnings("ignore", message=".*Trying to unpickle estimator.*")
        staging = yasa.SleepStaging(
            raw, eeg_name=chosen["eeg"].label,
            eog_name=chosen["eog"].label if "eog" in chosen else None,
            emg_name=chosen["emg"].label if "emg" in chosen else None,
        )
        predicted = staging.predict()
    values = getattr(predicted, "hypno", predicted)
    stages = tuple(YASA_STAGES.get(str(v).upper(), UNSCORED) for v in np.asarray(values))
    start, end = _lights(recording)
    return Hypnogram(stages=stages, epoch_s=30.0, onset_s=0.0, analysis_start_s=start,
                     analysis_end_s=end, source=f"automatic: YASA {yasa.__version__}")


@dataclass(frozen=True)
class StagingAgreement:
    """Epoch-by-epoch agreement of two hypnograms.

    Attributes
    ----------
    n_epochs : int
        Epochs compared (both hypnograms staged W/N1/N2/N3/R).
    accuracy : float
        Fraction of compared epochs with the same stage (0-1); NaN without epochs.
    kappa : float
        Cohen's kappa (Cohen 1960, doi:10.1177/001316446002000104); NaN without epochs.
    labels : tuple of str
        Row/column order of :attr:`confusion`.
    confusion : tuple of tuple of int
        ``confusion[i][j]`` = epochs with reference stage ``labels[i]`` and other stage
        ``labels[j]``.
    reference_source, other_source : str
        ``Hypnogram.source`` of the two.
    """

    n_epochs: int
    accuracy: float
    kappa: float
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]
    reference_source: str = ""
    other_source: str = ""
    per_stage: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for summary.json ``"staging_agreement"``)."""
        return {
            "reference": self.reference_source,
            "compared": self.other_source,
            "n_epochs": self.n_epochs,
            "accuracy": self.accuracy,
            "cohen_kappa": self.kappa,
            "labels": list(self.labels),
            "confusion_matrix": [list(r) for r in self.confusion],
            "confusion_matrix_note": "rows: reference (scored) stage; columns: compared stage",
            "per_stage": {k: dict(v) for k, v in self.per_stage.items()},
        }


def agreement_from_stages(reference: Sequence[str], other: Sequence[str], *,
                          labels: Sequence[str] = COMPARED_STAGES) -> StagingAgreement:
    """Accuracy, Cohen's kappa and confusion matrix of two equally long stage sequences.

    Pairs where either stage is not in ``labels`` (MT, UNS) are left out.

    Parameters
    ----------
    reference, other : sequence of str
        One stage per epoch each; same length.
    labels : sequence of str
        Stages compared, also the order of the confusion matrix.

    Returns
    -------
    StagingAgreement
        Per stage: ``sensitivity`` (recall against the reference), ``precision`` and
        ``f1`` (NaN when undefined).
    """
    ref = np.asarray([str(s) for s in reference], dtype=object)
    oth = np.asarray([str(s) for s in other], dtype=object)
    if ref.shape != oth.shape:
        raise ParameterError(
            f"the two stage sequences must have one stage per epoch each; received "
            f"{ref.size} and {oth.size} epochs"
        )
    bad = sorted((set(ref) | set(oth)) - set(STAGES))
    if bad:
        raise ParameterError(f"unknown sleep stage(s) {bad[:5]}; allowed are {list(STAGES)}")
    labs = tuple(labels)
    index = {s: i for i, s in enumerate(labs)}
    keep = np.array([r in index and o in index for r, o in zip(ref, oth, strict=True)],
                    dtype=bool)
    k = len(labs)
    matrix = np.zeros((k, k), dtype=np.int64)
    for r, o in zip(ref[keep], oth[keep], strict=True):
        matrix[index[r], index[o]] += 1
    n = int(matrix.sum())
    if n:
        observed = float(np.trace(matrix)) / n
        expected = float((matrix.sum(axis=1) * matrix.sum(axis=0)).sum()) / n**2
        # Cohen's kappa: (p_o - p_e) / (1 - p_e); 1 when both agree and use one stage only.
        kappa = (observed - expected) / (1 - expected) if expected < 1 else 1.0
    else:
        observed = kappa = float("nan")
    per_stage: dict[str, dict[str, float]] = {}
    for i, s in enumerate(labs):
        tp = float(matrix[i, i])
        row, col = float(matrix[i].sum()), float(matrix[:, i].sum())
        sens = tp / row if row else float("nan")
        prec = tp / col if col else float("nan")
        f1 = 2 * tp / (row + col) if row + col else float("nan")
        per_stage[s] = {"n_reference": row, "n_compared": col, "sensitivity": sens,
                        "precision": prec, "f1": f1}
    return StagingAgreement(
        n_epochs=n, accuracy=observed, kappa=float(kappa), labels=labs,
        confusion=tuple(tuple(int(v) for v in r) for r in matrix), per_stage=per_stage,
    )


def compare_hypnograms(reference: Hypnogram, other: Hypnogram) -> StagingAgreement:
    """Agreement of two hypnograms of one night over the epochs both cover.

    Epochs are matched by time (both must have the same epoch length); epochs outside
    the reference's analysis period, or scored MT/UNS in either, are left out.

    Raises
    ------
    ParameterError
        Different epoch lengths, or epoch grids that are not aligned.
    """
    if reference.epoch_s != other.epoch_s:
        raise ParameterError(
            f"hypnograms with different epoch lengths cannot be compared epoch by epoch; "
            f"received {reference.epoch_s} s and {other.epoch_s} s"
        )
    shift = (other.onset_s - reference.onset_s) / reference.epoch_s
    if abs(shift - round(shift)) > 1e-6:
        raise ParameterError(
            f"the epochs of the two hypnograms are not aligned: onsets {reference.onset_s} s "
            f"and {other.onset_s} s differ by a fraction of the {reference.epoch_s} s epoch"
        )
    offset = round(shift)
    ref = reference.effective_stages
    oth = np.asarray(other.stages, dtype=object)
    # Epoch i of the reference is epoch i - offset of the other hypnogram.
    lo = max(0, offset)
    hi = min(len(ref), len(oth) + offset)
    if hi <= lo:
        agreement = agreement_from_stages([], [])
    else:
        agreement = agreement_from_stages(list(ref[lo:hi]), list(oth[lo - offset:hi - offset]))
    return StagingAgreement(
        n_epochs=agreement.n_epochs, accuracy=agreement.accuracy, kappa=agreement.kappa,
        labels=agreement.labels, confusion=agreement.confusion,
        reference_source=reference.source, other_source=other.source,
        per_stage=agreement.per_stage,
    )


#: Warning written whenever indices rely on automatic stages.
AUTOMATIC_STAGING_WARNING = (
    "indices per hour of sleep use automatic staging (YASA); no scored hypnogram was given, "
    "so total sleep time, stage-specific indices and REM-based RSWA rest on estimated "
    "stages; have the stages reviewed before relying on them"
)


@dataclass(frozen=True)
class StagingOutcome:
    """Which hypnogram an analysis used and what staging produced.

    Attributes
    ----------
    recording : Recording
        The recording with the hypnogram to use attached.
    staging : str
        ``"scored"``, ``"automatic"`` or ``"none"``.
    summary : dict
        Entries for summary.json (``"staging"``, ``"automatic_staging"``,
        ``"staging_agreement"``).
    warnings : tuple of str
    """

    recording: Recording
    staging: str
    summary: Mapping[str, Any]
    warnings: tuple[str, ...] = ()


def resolve_staging(recording: Recording, *, auto_stage: bool = True,
                    compare_staging: bool = False) -> StagingOutcome:
    """Decide on the hypnogram of an analysis; stage automatically when none is scored.

    A scored hypnogram always wins. Without one, and with ``auto_stage``, YASA stages
    the night; when that is impossible (YASA missing, no EEG) the analysis goes on
    without stages and says why. With ``compare_staging`` both are computed, the scored
    one is used and their agreement is reported (needs a scored hypnogram and YASA; an
    error otherwise, since the caller asked for it).
    """
    scored = recording.hypnogram
    notes: list[str] = []
    summary: dict[str, Any] = {}
    if compare_staging:
        if scored is None:
            raise ParameterError(
                "--compare-staging compares automatic stages with a scored hypnogram, but "
                "the recording has none; give one with --annotations FILE"
            )
        automatic = stage_recording(recording)
        agreement = compare_hypnograms(scored, automatic)
        summary["staging_agreement"] = agreement.to_dict()
        summary["automatic_staging"] = {"source": automatic.source,
                                        "n_epochs": len(automatic)}
        logger.info("staging agreement with %s: accuracy %.3f, kappa %.3f over %d epochs",
                    automatic.source, agreement.accuracy, agreement.kappa, agreement.n_epochs)
    if scored is not None:
        summary["staging"] = "scored" if not scored.source.startswith("automatic") else \
            "automatic"
        return StagingOutcome(recording, str(summary["staging"]), summary, tuple(notes))
    if not auto_stage:
        summary["staging"] = "none"
        return StagingOutcome(recording, "none", summary, ())
    try:
        chosen = choose_channels(recording)
        hypnogram = stage_recording(recording)
    except (ParameterError, ChannelNotFoundError) as exc:
        message = f"no scored hypnogram and no automatic staging possible: {exc}"
        warnings.warn(message, SomnomotorWarning, stacklevel=2)
        summary["staging"] = "none"
        return StagingOutcome(recording, "none", summary, (message,))
    except Exception as exc:  # staging is optional: the analysis goes on without it
        logger.debug("automatic staging failed", exc_info=True)
        message = (f"no scored hypnogram, and automatic staging failed "
                   f"({type(exc).__name__}: {exc}); indices per hour of sleep are not computed")
        warnings.warn(message, SomnomotorWarning, stacklevel=2)
        summary["staging"] = "none"
        return StagingOutcome(recording, "none", summary, (message,))
    summary["staging"] = "automatic"
    summary["automatic_staging"] = {
        "source": hypnogram.source,
        "n_epochs": len(hypnogram),
        "channels": {kind: ch.label for kind, ch in chosen.items()},
        "reference": "Vallat & Walker, eLife 2021;10:e70092, doi:10.7554/eLife.70092",
    }
    warnings.warn(AUTOMATIC_STAGING_WARNING, SomnomotorWarning, stacklevel=2)
    return StagingOutcome(recording.with_hypnogram(hypnogram), "automatic", summary,
                          (AUTOMATIC_STAGING_WARNING,))


__all__ = [
    "AUTOMATIC_STAGING_WARNING",
    "COMPARED_STAGES",
    "StagingAgreement",
    "StagingOutcome",
    "agreement_from_stages",
    "choose_channels",
    "compare_hypnograms",
    "resolve_staging",
    "stage_recording",
    "yasa_version",
]
