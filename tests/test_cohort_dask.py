"""Cohort nights on a real dask.distributed cluster: a scheduler and two worker processes.

The cluster is started here with the ``dask`` command (``dask scheduler``, ``dask worker
--nworkers 1 --nthreads 1``) on 127.0.0.1 at free ports, and torn down in the fixture's
finally block. Each night's reference PLMS index is that of the same recording analysed by
a plain local (serial) run in this process; the table is checked against the files on disk,
not against the code that wrote it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from somnomotor.cohort import CohortSettings, run_cohort  # noqa: E402
from somnomotor.simulate import simulate_night, write_simulated_night  # noqa: E402

SRC = str(Path(__file__).resolve().parents[1] / "src")
LEGS = dict(analyses=("leg_movements",), auto_stage=False)
N_NIGHTS = 5


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(condition, timeout_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.02)


@contextlib.contextmanager
def _cluster(n_workers: int, **scheduler_env: str) -> Iterator[str]:
    """A scheduler and ``n_workers`` single-threaded workers; yields the scheduler's address."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    dask_cli = [sys.executable, "-m", "dask"]
    procs: list[subprocess.Popen] = []
    try:
        procs.append(subprocess.Popen(
            [*dask_cli, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
             "--no-dashboard"], env={**_env(), **scheduler_env}, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True))
        for _ in range(n_workers):
            procs.append(subprocess.Popen(
                [*dask_cli, "worker", address, "--nworkers", "1", "--nthreads", "1",
                 "--no-dashboard", "--host", "127.0.0.1"], env=_env(),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        with distributed.Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(n_workers, timeout=120)
        yield address
    finally:  # each process leads its own group: the nanny and its worker go together
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        for proc in procs:
            proc.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A scheduler and two single-threaded workers (the default allowed-failures, 3)."""
    with _cluster(2) as address:
        yield address


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five short simulated PLMD nights and one file that is not an EDF."""
    folder = tmp_path_factory.mktemp("dask_nights")
    for seed in range(N_NIGHTS):
        write_simulated_night(simulate_night("plmd", seed=seed, duration_h=0.3),
                              folder / f"night{seed}.edf")
    (folder / "broken.edf").write_bytes(b"0       not an EDF file at all")
    return folder


@pytest.fixture(scope="module")
def local_plms(nights: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    """PLMS index of each night from a plain serial run in this process (the reference)."""
    table = run_cohort([nights], tmp_path_factory.mktemp("local") / "o", CohortSettings(**LEGS),
                       jobs=1)
    ok = table[table["status"] == "ok"]
    assert len(ok) == N_NIGHTS
    return dict(zip(ok["recording"], ok["plms_index"].astype(float), strict=True))


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "somnomotor", "cohort", *args], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _finished(out: Path) -> list[str]:
    done = []
    for manifest in out.glob("*/cohort-night.json"):
        with contextlib.suppress(ValueError, OSError):
            if json.loads(manifest.read_text()).get("night_key"):
                done.append(manifest.parent.name)
    return done


def _check_one_row_per_night(out: Path, nights: Path) -> pd.DataFrame:
    """cohort.tsv, the Parquet dataset and cohort_qc.tsv each hold every night exactly once."""
    expected = sorted(str(p.resolve()) for p in nights.glob("*.edf"))
    tsv = pd.read_csv(out / "cohort.tsv", sep="\t", float_precision="round_trip")
    parquet = pd.read_parquet(out / "cohort.parquet")
    qc = pd.read_csv(out / "cohort_qc.tsv", sep="\t")
    for frame in (tsv, parquet, qc):
        assert sorted(frame["recording"]) == expected
    assert len(list((out / "cohort.parquet").glob("part-*.parquet"))) == len(expected)
    assert not [p for p in out.rglob(".*") if p.name != ".somnomotor.lock"], "temporary files"
    assert not (out / ".somnomotor.lock").exists()
    merged = tsv.merge(parquet, on="recording", suffixes=("", "_pq"))
    assert (merged["status"] == merged["status_pq"]).all()
    assert (merged["plms_index"].fillna(-1) == merged["plms_index_pq"].fillna(-1)).all()
    return parquet


def test_a_worker_killed_mid_run_loses_no_night_and_counts_none_twice(
        cluster: str, nights: Path, local_plms: dict[str, float], tmp_path: Path) -> None:
    out = tmp_path / "o"
    proc = _cli(str(nights), "--out", str(out), "--scheduler", cluster, "--only",
                "leg_movements", "--no-auto-staging")
    killed: list[int] = []  # nights finished when the worker was killed
    try:
        with distributed.Client(cluster, timeout=30, set_as_default=False) as client:
            def kill_a_busy_worker() -> bool:
                # the first night on each fresh worker also loads somnomotor (seconds):
                # a worker busy now is killed in the middle of a night
                for addr, keys in client.processing().items():
                    if keys:
                        pid = int(client.run(os.getpid, workers=[addr])[addr])
                        os.kill(pid, signal.SIGKILL)
                        killed.append(len(_finished(out)))
                        return True
                return proc.poll() is not None

            _wait_for(kill_a_busy_worker, 120, "a worker busy with a night")
            assert killed, "the run ended before a worker could be killed"
            assert killed[0] < N_NIGHTS  # nights were left when the worker died
        stdout, stderr = proc.communicate(timeout=180)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 1, stderr  # the broken file, and nothing else
    assert "1 of 6 nights failed" in stderr and "Traceback" not in stderr
    assert f"{N_NIGHTS} analysed" in stdout
    assert "nights/h" in stderr  # the progress line of a cluster run
    table = _check_one_row_per_night(out, nights).set_index("recording")
    broken = str((nights / "broken.edf").resolve())
    assert table.loc[broken, "status"] == "error" and table.loc[broken, "error"]
    ok = table.drop(index=broken)
    assert (ok["status"] == "ok").all(), ok[["status", "error"]]
    for rec, plms in local_plms.items():
        assert ok.loc[rec, "plms_index"] == plms, rec
    # the quality table: the simulator's legs are EMG at 512 Hz on 0.3-h (18-min) nights
    qc = pd.read_csv(out / "cohort_qc.tsv", sep="\t").set_index("recording")
    assert (qc.loc[ok.index, "leg_sensor_kind"] == "emg").all()
    assert (qc.loc[ok.index, "leg_rate_hz"] == 512.0).all()
    assert (qc.loc[ok.index, "recording_min"] == 18.0).all()
    assert (qc.loc[ok.index, "usable_min_leg_left"] <= 18.0).all()
    # each night's folder holds one finished manifest of this run
    run_ids = {json.loads((Path(o) / "cohort-night.json").read_text())["run_id"]
               for o in ok["output"]}
    assert len(run_ids) == 1 and all(_finished(out))


def test_a_rule_change_recomputes_every_night_once_and_a_killed_client_loses_nothing(
        cluster: str, nights: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    # a first run whose client is killed after a night finished
    proc = _cli(str(nights), "--out", str(out), "--scheduler", cluster, "--only",
                "leg_movements", "--no-auto-staging")
    try:
        _wait_for(lambda: len(_finished(out)) >= 1 or proc.poll() is not None, 120,
                  "a finished night")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    with distributed.Client(cluster, timeout=30, set_as_default=False) as client:
        # nights already running on a worker finish (they cannot be stopped from outside;
        # the scheduler forgets them when their client goes, the worker's thread does not)
        def idle() -> bool:
            return not any(client.processing().values()) and not any(client.run(
                lambda dask_worker: len(dask_worker.active_threads)).values())

        for _ in range(2):  # idle twice, 0.5 s apart: no night between two others
            _wait_for(idle, 120, "an idle cluster")
            time.sleep(0.5)
        _wait_for(idle, 120, "an idle cluster")
    done_before = set(_finished(out))
    assert done_before
    # nothing half-written: every folder with a finished manifest has its summary
    for name in done_before:
        assert json.loads((out / name / "summary.json").read_text())["rule_set"] == "wasm_2016"
    again = run_cohort([nights], out, CohortSettings(**LEGS), scheduler=cluster)
    _check_one_row_per_night(out, nights)
    by_name = {Path(o).name: s for o, s in zip(again["output"], again["status"], strict=True)}
    assert {n for n, s in by_name.items() if s == "kept"} == done_before
    assert sorted(again["status"].value_counts().items()) == sorted(
        {"kept": len(done_before), "ok": N_NIGHTS - len(done_before), "error": 1}.items())
    # another rule set: every night analysed again, each exactly once, and says why
    aasm = run_cohort([nights], out, CohortSettings(**LEGS, rule_set="aasm"), scheduler=cluster)
    parquet = _check_one_row_per_night(out, nights)
    ok = aasm[aasm["status"] != "error"]
    assert (ok["status"] == "ok").all() and len(ok) == N_NIGHTS
    assert ok["reason"].str.contains("rule_set").all(), ok["reason"].tolist()
    assert (parquet.loc[parquet["status"] == "ok", "rule_set"] == "aasm").all()
    for folder in ok["output"]:
        manifest = json.loads((Path(folder) / "cohort-night.json").read_text())
        assert manifest["settings"]["rule_set"] == "aasm"
        assert "rule_set" in manifest["reason"]
        assert json.loads((Path(folder) / "summary.json").read_text())["rule_set"] == "aasm"
    # the same rules once more: nothing to do
    kept = run_cohort([nights], out, CohortSettings(**LEGS, rule_set="aasm"), scheduler=cluster)
    assert (kept.loc[kept["status"] != "error", "status"] == "kept").all()
    for folder in ok["output"]:  # the manifest says why it was computed, and why kept
        manifest = json.loads((Path(folder) / "cohort-night.json").read_text())
        assert "rule_set" in manifest["reason"]
        assert manifest["kept_by"]["reason"].startswith("kept: same recording")


def test_ctrl_c_on_the_client_writes_the_table_and_running_nights_finish_whole(
        cluster: str, nights: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    proc = _cli(str(nights), "--out", str(out), "--scheduler", cluster, "--only",
                "leg_movements", "--no-auto-staging")
    try:
        _wait_for(lambda: len(_finished(out)) >= 1 or proc.poll() is not None, 120,
                  "a finished night")
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode in (130, 1), stderr  # 1: it had finished before Ctrl-C arrived
    assert "Traceback" not in stderr
    table = pd.read_csv(out / "cohort.tsv", sep="\t")
    assert len(table) == N_NIGHTS + 1 and table["recording"].is_unique
    assert set(table["status"]) <= {"ok", "error", "interrupted"}
    assert len(pd.read_parquet(out / "cohort.parquet")) == N_NIGHTS + 1
    # what the table calls finished is finished on disk (nights still running on a worker
    # may finish after the table was written: they are whole, and kept by the next run)
    ok = {Path(o).name for o in table.loc[table["status"] == "ok", "output"]}
    assert ok <= set(_finished(out))
    with distributed.Client(cluster, timeout=30, set_as_default=False) as client:
        _wait_for(lambda: not any(client.run(lambda dask_worker: len(
            dask_worker.active_threads)).values()), 120, "an idle cluster")
    finished_before = set(_finished(out))
    again = run_cohort([nights], out, CohortSettings(**LEGS), scheduler=cluster)
    kept = {Path(o).name for o in again.loc[again["status"] == "kept", "output"]}
    assert kept == finished_before
    assert (again["status"] != "interrupted").all()


def test_a_night_whose_worker_dies_more_often_than_allowed_is_an_error_row(
        nights: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    night = nights / "night0.edf"
    # allowed-failures 0: the first death of a worker running the night is one too many
    with _cluster(1, DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="0") as address:
        proc = _cli(str(night), "--out", str(out), "--scheduler", address, "--only",
                    "leg_movements", "--no-auto-staging")
        try:
            with distributed.Client(address, timeout=30, set_as_default=False) as client:
                _wait_for(lambda: any(client.processing().values()) or proc.poll() is not None,
                          120, "the night to start")
                assert proc.poll() is None and not _finished(out)
                (pid,) = client.run(os.getpid).values()
                os.kill(pid, signal.SIGKILL)
            stdout, stderr = proc.communicate(timeout=120)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 1 and "Traceback" not in stderr, stderr
    table = pd.read_csv(out / "cohort.tsv", sep="\t")
    assert table["status"].tolist() == ["error"]
    assert table["error"].item().startswith("KilledWorker"), table["error"].item()
    assert len(pd.read_parquet(out / "cohort.parquet")) == 1
    assert not _finished(out)  # no finished manifest: the next run analyses it


def test_a_night_whose_workers_died_is_an_error_row_that_says_so(tmp_path: Path) -> None:
    from somnomotor.cohort.dask_executor import failure_row
    from somnomotor.cohort.executor import NightTask

    task = NightTask(tmp_path / "a.edf", tmp_path / "o" / "a", CohortSettings(**LEGS), "r")
    exc = distributed.KilledWorker(task="somnomotor-night-r-000001",
                                   last_worker=None, allowed_failures=3)  # type: ignore[arg-type]
    row = failure_row(task, exc)
    assert row["status"] == "error" and row["error"].startswith("KilledWorker")
    assert "4 times" in row["error"]  # allowed failures + the last one
    assert "\n" not in row["error"] and row["recording"] == str(task.recording)
    lost = failure_row(task, None, lost=True)
    assert lost["status"] == "interrupted" and "cluster" in lost["reason"]


def test_an_unreachable_scheduler_fails_before_anything_is_written(nights: Path,
                                                                   tmp_path: Path) -> None:
    from somnomotor._errors import ParameterError
    from somnomotor.cohort import dask_executor

    out = tmp_path / "o"
    address = f"tcp://127.0.0.1:{_free_port()}"
    old = dask_executor.CONNECT_TIMEOUT_S
    dask_executor.CONNECT_TIMEOUT_S = 2.0
    try:
        with pytest.raises(ParameterError, match="cannot reach"):
            run_cohort([nights], out, CohortSettings(**LEGS), scheduler=address)
    finally:
        dask_executor.CONNECT_TIMEOUT_S = old
    assert not out.exists() or not any(out.iterdir())
    shutil.rmtree(out, ignore_errors=True)
