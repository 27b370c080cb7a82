"""Run every "other motor event" detector on one night, filtering each EMG channel only once.

:func:`detect_motor_events` runs fragmentary myoclonus, sleep starts, rhythmic leg activity
(HFT/ALMA), bruxism and large muscle group movements with one shared
:class:`~somnomotor.detect._bursts.EnvelopeCache`, so the band-pass filter and the power
envelope of each channel are computed once for all five. Large movements are run last and
exclude the stretches already explained by another movement type (sleep starts, HFT/ALMA
trains, bruxism episodes), as the IRLSSG 2021 definition asks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from somnomotor.detect._bursts import EMG_ROLES, MIN_FS_HZ, EnvelopeCache
from somnomotor.detect.bruxism import BruxismParams, detect_bruxism
from somnomotor.detect.large_movements import LargeMovementParams, detect_large_movements
from somnomotor.detect.myoclonus import MyoclonusParams, detect_fragmentary_myoclonus
from somnomotor.detect.rhythmic import RhythmicParams, detect_rhythmic_leg_activity
from somnomotor.detect.sleep_starts import SleepStartParams, detect_sleep_starts
from somnomotor.events import EventTable
from somnomotor.recording import Recording
from somnomotor.results import AnalysisResult

logger = logging.getLogger(__name__)

#: Result keys, in the order the results are returned.
MOTOR_FAMILIES: tuple[str, ...] = ("fragmentary_myoclonus", "sleep_starts",
                                   "rhythmic_leg_activity", "bruxism", "large_movements")


@dataclass(frozen=True)
class MotorEventParams:
    """The parameter sets of the five detectors (each with its own defaults)."""

    myoclonus: MyoclonusParams = field(default_factory=MyoclonusParams)
    sleep_starts: SleepStartParams = field(default_factory=SleepStartParams)
    rhythmic: RhythmicParams = field(default_factory=RhythmicParams)
    bruxism: BruxismParams = field(default_factory=BruxismParams)
    large_movements: LargeMovementParams = field(default_factory=LargeMovementParams)


def shared_envelopes(
    recording: Recording, params: MotorEventParams | None = None, *, n_threads: int = 2,
) -> EnvelopeCache:
    """Band-pass every EMG channel of the night once (in ``n_threads`` threads).

    The returned cache can be passed as ``envelopes=`` to :func:`detect_motor_events` and to
    :func:`somnomotor.score.rswa.analyze_rswa`, so both use one filtered signal per channel.
    Call its ``clear()`` when done (it holds a float32 copy of every EMG channel).
    """
    params = params or MotorEventParams()
    cache = EnvelopeCache(band_hz=params.myoclonus.band_hz, window_s=params.myoclonus.window_s)
    labels: dict[str, str] = {}
    for role in EMG_ROLES:
        for label in recording.roles.get(role, ()):
            if recording.channel(label).fs_hz >= MIN_FS_HZ:
                labels.setdefault(label, role)
    cache.prefill(recording, list(labels.items()), n_threads=n_threads)
    return cache


def detect_motor_events(
    recording: Recording, params: MotorEventParams | None = None, *,
    skip: tuple[str, ...] = (), n_threads: int = 2, envelopes: EnvelopeCache | None = None,
) -> Mapping[str, AnalysisResult]:
    """Run the other-motor-event detectors on one night.

    Parameters
    ----------
    recording : Recording
    params : MotorEventParams, optional
    skip : tuple of str
        Families (see :data:`MOTOR_FAMILIES`) not to run, e.g. ``("bruxism",)``.
    n_threads : int
        Threads that filter the EMG channels, and run the first four detectors, in
        parallel (2).
    envelopes : EnvelopeCache, optional
        From :func:`shared_envelopes` (same ``params``); kept for the caller, not cleared.

    Returns
    -------
    mapping of str to AnalysisResult
        One result per family run, keyed as in :data:`MOTOR_FAMILIES`.
    """
    params = params or MotorEventParams()
    out: dict[str, AnalysisResult] = {}
    if (envelopes is not None and envelopes.band_hz == params.myoclonus.band_hz
            and envelopes.window_s == params.myoclonus.window_s):
        cache, own = envelopes, False
    else:
        cache, own = shared_envelopes(recording, params, n_threads=n_threads), True
    try:
        # The first four families run side by side (their per-sample work is in numba and
        # numpy, which release the GIL); fragmentary myoclonus waits for the sleep starts
        # (a potential inside a jerk is not FM), found once with the caller's parameters.
        found: dict[str, Future[AnalysisResult]] = {}

        def sleep_start_events() -> EventTable | None:
            return found["sleep_starts"].result().events if "sleep_starts" in found else None

        jobs: dict[str, Callable[[], AnalysisResult]] = {
            "sleep_starts": lambda: detect_sleep_starts(recording, params.sleep_starts,
                                                        envelopes=cache),
            "fragmentary_myoclonus": lambda: detect_fragmentary_myoclonus(
                recording, params.myoclonus, envelopes=cache,
                sleep_starts=sleep_start_events()),
            "rhythmic_leg_activity": lambda: detect_rhythmic_leg_activity(
                recording, params.rhythmic, envelopes=cache),
            "bruxism": lambda: detect_bruxism(recording, params.bruxism, envelopes=cache),
        }
        todo = [k for k in jobs if k not in skip]  # sleep starts first (see above)
        if n_threads <= 1 or len(todo) <= 1:
            for k in todo:
                out[k] = jobs[k]()
                if k == "sleep_starts":
                    done: Future[AnalysisResult] = Future()
                    done.set_result(out[k])
                    found[k] = done
        else:
            with ThreadPoolExecutor(max_workers=n_threads) as pool:
                for k in todo:
                    found[k] = pool.submit(jobs[k])
                for k in todo:
                    out[k] = found[k].result()
        if "large_movements" not in skip:
            other = EventTable.concat(
                [out[k].events for k in ("sleep_starts", "rhythmic_leg_activity", "bruxism")
                 if k in out])
            out["large_movements"] = detect_large_movements(
                recording, params.large_movements, envelopes=cache, exclude=other)
    finally:
        if own:
            cache.clear()  # the filtered signals are not kept beyond this call
    return {k: out[k] for k in MOTOR_FAMILIES if k in out}


def analyze_rswa_and_motor_events(
    recording: Recording, *, families: tuple[str, ...] = MOTOR_FAMILIES, rswa: bool = True,
    leg_movements: EventTable | None = None, params: MotorEventParams | None = None,
    n_threads: int = 2,
) -> tuple[AnalysisResult | None, Mapping[str, AnalysisResult]]:
    """RSWA and the other motor events of one night, side by side, filtering each EMG once.

    Every EMG channel is band-passed once (:func:`shared_envelopes`); then RSWA
    (:func:`somnomotor.score.rswa.analyze_rswa`) runs in a thread of its own while
    :func:`detect_motor_events` runs its detectors in ``n_threads`` threads. The per-sample
    work is in numba and numpy, which release the GIL, so on two cores the two overlap
    (measured 0.85 s instead of 1.1 s of wall time for an 8-h five-EMG night).

    Parameters
    ----------
    recording : Recording
    families : tuple of str
        Motor-event families to run (see :data:`MOTOR_FAMILIES`); may be empty.
    rswa : bool
        Also run the RSWA analysis (needs a chin channel and REM sleep in the hypnogram).
    leg_movements : EventTable, optional
        Scored leg movements, for the Montreal leg movements per hour of REM.
    params : MotorEventParams, optional
    n_threads : int
        Threads for the filtering and the motor-event detectors (2).

    Returns
    -------
    (AnalysisResult or None, mapping of str to AnalysisResult)
        The RSWA result (None when ``rswa`` is False) and one result per family run.
    """
    from somnomotor.score.rswa import analyze_rswa

    skip = tuple(f for f in MOTOR_FAMILIES if f not in families)
    if not rswa:
        return None, (detect_motor_events(recording, params, skip=skip, n_threads=n_threads)
                      if families else {})
    cache = shared_envelopes(recording, params, n_threads=n_threads)
    try:
        if not families:
            return analyze_rswa(recording, leg_movements=leg_movements, envelopes=cache), {}
        with ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(analyze_rswa, recording, leg_movements=leg_movements,
                                 envelopes=cache)
            motor = detect_motor_events(recording, params, skip=skip, n_threads=n_threads,
                                        envelopes=cache)
            return future.result(), motor
    finally:
        cache.clear()  # the filtered signals are not kept beyond this call


__all__ = ["MOTOR_FAMILIES", "MotorEventParams", "analyze_rswa_and_motor_events",
           "detect_motor_events", "shared_envelopes"]
