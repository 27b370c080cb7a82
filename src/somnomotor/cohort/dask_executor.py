"""Run cohort nights as tasks on a running ``dask.distributed`` cluster.

Each night is one task: :func:`somnomotor.cohort.executor.run_night` on its
:class:`~somnomotor.cohort.executor.NightTask`, the very code the local executors run. The
worker reads the recording and writes the night's folder itself (atomically, manifest last),
so **every worker must see the recordings and the output folder at the same paths as the
client** (a shared filesystem). Rows come back to the client as nights finish, in any order.

Failures, and how often a night is tried:

* A problem of the night (a broken file, an analysis the montage does not allow) is caught
  inside the night and comes back as an ``error`` row, as in a local run.
* A night whose task raised outside the night's own error handling (rare: e.g. the worker
  cannot import somnomotor) is tried again up to ``retries`` times (distributed's
  ``retries=``), then becomes an ``error`` row.
* A night whose worker died (killed, out of memory) is given to another worker by the
  scheduler; after the scheduler's ``distributed.scheduler.allowed-failures`` deaths (3 by
  default, set where the scheduler runs, e.g.
  ``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=1``) one more death makes it a
  ``KilledWorker`` error row. A night that is run again after a death finds no finished
  manifest of this run in its folder (it is written last), so it is analysed again, never
  read back half-written.
* Each night's future gives exactly one row, however often the night was tried.
* When the cluster is lost (the scheduler stops), the nights without a result come back as
  ``interrupted`` rows; run the command again to do them.

Stopping the client (Ctrl-C) cancels the nights not started; nights already running on a
worker cannot be stopped from outside (they run in a worker thread) and finish writing their
folders, atomically; the next run keeps them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from somnomotor._errors import ParameterError
from somnomotor.cohort.executor import NightTask, ctrl_c_ignored, run_night

#: Times a night's task is run again when it raised (distributed's ``retries=``).
DEFAULT_RETRIES = 2
#: Seconds to wait for the scheduler when connecting.
CONNECT_TIMEOUT_S = 30.0


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ParameterError(
            "--scheduler needs dask.distributed, which is not installed; install it with "
            "pip install 'somnomotor[dask]' (or pip install 'dask[distributed]')") from None
    return distributed


def failure_row(task: NightTask, exc: BaseException | None, *, lost: bool = False,
                retries: int = DEFAULT_RETRIES) -> dict[str, Any]:
    """The table row of a night whose task gave no row (raised, its workers died, lost)."""
    from somnomotor.cohort.run import STATUS_INTERRUPTED

    row: dict[str, Any] = {"recording": str(task.recording), "output": str(task.out_dir),
                           "status": "error", "reason": "", "error": "", "seconds": None}
    name = type(exc).__name__ if exc is not None else ""
    if lost:
        row["status"] = STATUS_INTERRUPTED
        row["reason"] = ("the cluster lost this night before it finished (scheduler stopped "
                         "or unreachable); its folder is as the last finished run left it")
        return row
    if name == "KilledWorker":
        allowed = getattr(exc, "allowed_failures", None)
        last = getattr(getattr(exc, "last_worker", None), "address", None)
        tries = "" if allowed is None else f" {allowed + 1} times"
        row["reason"] = "every worker that ran this night died"
        row["error"] = (f"KilledWorker: the worker running this night died{tries} (the "
                        "scheduler's allowed-failures was reached; out of memory?)"
                        + (f", last on {last}" if last else ""))
    else:
        row["reason"] = f"the night's task failed on the cluster {retries + 1} times"
        row["error"] = f"cluster task failed: {name}: {exc}"
    row["error"] = row["error"].splitlines()[0] if row["error"] else row["error"]
    return row


def run_dask(tasks: Sequence[NightTask], scheduler: str, *,
             retries: int = DEFAULT_RETRIES) -> Iterator[dict[str, Any]]:
    """Nights as tasks on the cluster at ``scheduler``; one row per night as each finishes.

    Connects at once (an unreachable scheduler fails here, before anything is written);
    the nights are submitted when the returned iterator is first read.

    Parameters
    ----------
    tasks : sequence of NightTask
    scheduler : str
        Address of a running scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
    retries : int
        Times a task that raised is run again (a worker's death is counted by the
        scheduler's ``allowed-failures`` instead; see the module docstring).
    """
    distributed = _import_distributed()
    if retries < 0:
        raise ParameterError(f"retries must be >= 0, received {retries!r}")
    try:
        client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT_S,
                                    set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ParameterError(f"cannot reach the dask scheduler at {scheduler!r}: {exc}") from None
    return _rows(distributed, client, tasks, retries)


def _rows(distributed: Any, client: Any, tasks: Sequence[NightTask],
          retries: int) -> Iterator[dict[str, Any]]:
    futures: dict[Any, NightTask] = {}
    if not tasks:
        _close(client)
        return
    try:
        run_tag = (tasks[0].run_id or "run")[:12]
        for i, task in enumerate(tasks):
            fut = client.submit(run_night, task, key=f"somnomotor-night-{run_tag}-{i:06d}",
                                retries=retries, pure=False)
            futures[fut] = task
        seen: set[str] = set()
        for fut in distributed.as_completed(list(futures), loop=client.loop):
            task = futures[fut]
            if fut.key in seen:  # as_completed yields a future once; kept as a guard
                continue
            seen.add(fut.key)
            if fut.status == "finished":
                try:
                    row = fut.result()
                except Exception as exc:  # result lost between finish and fetch
                    row = failure_row(task, exc, retries=retries)
            elif fut.status == "cancelled":
                row = failure_row(task, None, lost=True)
            else:
                try:
                    exc = fut.exception()
                except Exception as other:  # the cluster went away while asking
                    exc = other
                row = failure_row(task, exc, retries=retries)
            fut.release()  # the scheduler may forget it: its row is here
            yield row
    except BaseException:  # Ctrl-C, the caller closing the generator
        with ctrl_c_ignored():
            pending = [f for f in futures if not f.done()]
            if pending:
                try:
                    client.cancel(pending, force=True)
                except Exception:  # the cluster may already be gone
                    pass
            _close(client)
        raise
    _close(client)


def _close(client: Any) -> None:
    try:
        client.close(timeout=10)
    except Exception:  # closing a client of a lost cluster must not hide the table
        pass


__all__ = ["CONNECT_TIMEOUT_S", "DEFAULT_RETRIES", "failure_row", "run_dask"]
