"""Run cohort nights one after another or in local worker processes, and stop cleanly.

An executor takes :class:`NightTask` items and yields one table row per finished night, in
any order. :func:`run_night` is the whole work of one night (it needs nothing but its task),
so a distributed executor (e.g. Dask) can map it the same way.

Stopping (Ctrl-C, or the parent being killed):

* Workers ignore SIGINT: the parent alone decides. On Ctrl-C it cancels every night not yet
  started, asks the workers to stop (SIGTERM: the night in progress unwinds, so its
  temporary files are removed and nothing half-written is left), kills any that has not
  ended after :data:`STOP_GRACE_S`, and ignores further Ctrl-C until then.
* Each worker checks every :data:`PARENT_POLL_S` that its parent still runs; when the parent
  is gone (SIGKILL, crash) it stops itself the same way, so no worker outlives its run.
* Workers are started fresh ("spawn"), never forked from a process that may hold numba's and
  the filter threads' locks.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from somnomotor.cohort.run import CohortSettings

#: How often a worker checks that its parent still runs (s).
PARENT_POLL_S = 0.5
#: How long stopping workers may take before they are killed (s).
STOP_GRACE_S = 3.0


@dataclass(frozen=True)
class NightTask:
    """One night of a cohort: the recording, its output folder and the settings."""

    recording: Path
    out_dir: Path
    settings: CohortSettings
    #: Names the run in each manifest it writes, so a stopped run can tell which nights
    #: finished before it stopped although their rows never reached it.
    run_id: str = ""


def run_night(task: NightTask) -> dict[str, Any]:
    """Analyse (or keep) one night and return its table row (see cohort.run.analyze_one)."""
    from somnomotor.cohort.run import analyze_one

    return analyze_one(task.recording, task.out_dir, task.settings, run_id=task.run_id)


def run_serial(tasks: Sequence[NightTask]) -> Iterator[dict[str, Any]]:
    """Nights one after another in this process (Ctrl-C stops in the night in progress)."""
    for task in tasks:
        yield run_night(task)


# -- worker side --------------------------------------------------------------------------
class _Stopped(BaseException):
    """Raised in a worker's night when it is asked to stop (not an error of the night)."""


_in_night = False


def _on_terminate(signum: int, frame: object) -> None:
    if _in_night:
        raise _Stopped()  # unwind the night: atomic writers remove their temporary files
    os._exit(128 + signum)


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(PARENT_POLL_S)
        if os.getppid() != parent_pid:
            os.kill(os.getpid(), signal.SIGTERM)
            # the handler runs when the main thread leaves a long C call; do not wait forever
            time.sleep(STOP_GRACE_S)
            os._exit(128 + signal.SIGTERM)


def _init_worker(parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_terminate)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                     name="somnomotor-parent-watch").start()


def _run_night_in_worker(task: NightTask) -> dict[str, Any]:
    global _in_night
    _in_night = True
    try:
        return run_night(task)
    except _Stopped:
        os._exit(128 + signal.SIGTERM)
    finally:
        _in_night = False


# -- parent side --------------------------------------------------------------------------
@contextlib.contextmanager
def ctrl_c_ignored() -> Iterator[None]:
    """Ignore further Ctrl-C while a stop is being carried out (it takes a few seconds at
    most); a second Ctrl-C must not leave workers or a table half-done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started, stop the workers, kill those that do not stop."""
    with ctrl_c_ignored():
        workers = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in workers:
            with contextlib.suppress(Exception):
                proc.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        for proc in workers:
            proc.join(max(0.0, deadline - time.monotonic()))
        for proc in workers:
            if proc.is_alive():
                with contextlib.suppress(Exception):
                    proc.kill()
                proc.join(1.0)


def run_processes(tasks: Sequence[NightTask], jobs: int) -> Iterator[dict[str, Any]]:
    """Nights in ``jobs`` worker processes; rows as nights finish (see the module docstring)."""
    if jobs <= 1 or len(tasks) <= 1:
        yield from run_serial(tasks)
        return
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn"),
                               initializer=_init_worker, initargs=(os.getpid(),))
    try:
        futures = [pool.submit(_run_night_in_worker, task) for task in tasks]
        for fut in as_completed(futures):
            yield fut.result()
    except BaseException:  # Ctrl-C, the caller closing the generator, a broken pool
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


__all__ = ["PARENT_POLL_S", "STOP_GRACE_S", "NightTask", "ctrl_c_ignored", "run_night",
           "run_processes", "run_serial"]
