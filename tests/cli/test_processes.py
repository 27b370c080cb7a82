"""Real processes: two runs into one folder, Ctrl-C on a parallel cohort, a killed parent.

Processes are found and checked through /proc (Linux), not through the code under test.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from somnomotor.simulate import simulate_night, write_simulated_night

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _cli(*args: str, **kwargs: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "somnomotor", *args], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **kwargs)  # type: ignore[call-overload]


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it counts as ended)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        children = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                fields = _stat(int(entry.name))
                if fields is not None and int(fields[1]) in frontier:
                    children.add(int(entry.name))
        children -= found
        found |= children
        frontier = children
    return found


def _wait_for(condition, timeout_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.01)


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("proc") / "night.edf"
    write_simulated_night(simulate_night("plmd", seed=8, duration_h=1.0), path)
    return path


def test_a_second_run_into_a_folder_in_use_is_refused(night: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    first = _cli("analyze", str(night), "--out", str(out), "--only", "leg_movements")
    try:
        _wait_for(lambda: (out / ".somnomotor.lock").exists(), 120, "the first run's lock")
        os.kill(first.pid, signal.SIGSTOP)  # hold it there, whatever the machine's speed
        assert json.loads((out / ".somnomotor.lock").read_text())["pid"] == first.pid
        second = subprocess.run([sys.executable, "-m", "somnomotor", "analyze", str(night),
                                 "--out", str(out), "--overwrite"], env=_env(),
                                capture_output=True, text=True, timeout=300, check=False)
        assert second.returncode == 1
        assert "in use" in second.stderr and str(first.pid) in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1 and "Traceback" not in second.stderr
    finally:
        os.kill(first.pid, signal.SIGCONT)
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert not (out / ".somnomotor.lock").exists()
    assert (out / "summary.json").exists()


def test_the_lock_of_a_run_that_no_longer_runs_is_taken_over(night: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(gone.stdout)
    assert not _alive(dead_pid)
    (out / ".somnomotor.lock").write_text(json.dumps({"pid": dead_pid}))
    run = subprocess.run([sys.executable, "-m", "somnomotor", "analyze", str(night), "--out",
                          str(out), "--only", "leg_movements"], env=_env(),
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    assert "took over" in run.stderr and str(dead_pid) in run.stderr
    assert not (out / ".somnomotor.lock").exists()


def test_a_lock_whose_pid_now_names_another_process_is_taken_over(tmp_path: Path) -> None:
    from somnomotor.io.atomic import OutputLock

    # this very pid, but a start time no process with this pid had: the pid was reused
    (tmp_path / ".somnomotor.lock").write_text(json.dumps({"pid": os.getpid(),
                                                           "start_ticks": 1}))
    with OutputLock(tmp_path, "test") as lock:
        assert json.loads(lock.path.read_text())["start_ticks"] != 1
    assert not (tmp_path / ".somnomotor.lock").exists()


@pytest.fixture
def many_nights(night: Path, tmp_path: Path) -> Path:
    """Twelve nights (links to one file: each is its own recording to the cohort)."""
    folder = tmp_path / "nights"
    folder.mkdir()
    for i in range(12):
        os.link(night, folder / f"n{i:02d}.edf")
    return folder


def _finished(out: Path) -> list[str]:
    done = []
    for manifest in out.glob("*/cohort-night.json"):
        try:
            if json.loads(manifest.read_text()).get("night_key"):
                done.append(manifest.parent.name)
        except ValueError:
            pass
    return done


def test_ctrl_c_stops_a_parallel_cohort_within_seconds_and_keeps_the_finished_nights(
        many_nights: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    proc = _cli("cohort", str(many_nights), "--out", str(out), "--jobs", "2", "--only",
                "leg_movements", "--no-auto-staging", start_new_session=True)
    try:
        _wait_for(lambda: len(_finished(out)) >= 1, 300, "a finished night")
        workers = _descendants(proc.pid)
        assert workers
        # Ctrl-C goes to the whole foreground group; impatient users press it again
        os.killpg(proc.pid, signal.SIGINT)
        t0 = time.monotonic()
        time.sleep(0.3)
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.3)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=20)
        stop_s = time.monotonic() - t0
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert stop_s < 10, stop_s
    assert proc.returncode == 130, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "interrupted" in err
    _wait_for(lambda: not any(_alive(p) for p in workers), 5, "the workers to end")
    table = pd.read_csv(out / "cohort.tsv", sep="\t")
    assert len(table) == 12
    ok = table[table["status"] == "ok"]
    assert len(ok) >= 1 and (table["status"] == "interrupted").sum() >= 1
    assert set(table["status"]) <= {"ok", "interrupted"}
    # every night the table calls finished is finished on disk, and no other one
    assert sorted(Path(o).name for o in ok["output"]) == sorted(_finished(out))
    assert not (out / ".somnomotor.lock").exists()
    assert not [p for p in out.rglob(".*") if p.name.endswith((".tmp", ".parquet"))]
    # started again, it keeps those nights and does the rest
    again = subprocess.run([sys.executable, "-m", "somnomotor", "cohort", str(many_nights),
                            "--out", str(out), "--jobs", "1", "--only", "leg_movements",
                            "--no-auto-staging"], env=_env(), capture_output=True, text=True,
                           timeout=600, check=False)
    assert again.returncode == 0, again.stderr
    table = pd.read_csv(out / "cohort.tsv", sep="\t")
    assert (table["status"] == "kept").sum() == len(ok)
    assert (table["status"] == "ok").sum() == 12 - len(ok)


def test_workers_end_when_the_cohort_process_is_killed(many_nights: Path,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "o"
    proc = _cli("cohort", str(many_nights), "--out", str(out), "--jobs", "2", "--only",
                "leg_movements", "--no-auto-staging", start_new_session=True)
    try:
        _wait_for(lambda: len(_descendants(proc.pid)) >= 2, 120, "worker processes")
        time.sleep(1.0)  # let them start on a night
        workers = _descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=20)
        _wait_for(lambda: not any(_alive(p) for p in workers), 15,
                  f"workers {sorted(workers)} to end after their parent was killed")
    finally:  # never leave a process behind, whatever failed (they share one group)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def test_sigterm_stops_a_parallel_cohort_like_ctrl_c(many_nights: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    proc = _cli("cohort", str(many_nights), "--out", str(out), "--jobs", "2", "--only",
                "leg_movements", "--no-auto-staging", start_new_session=True)
    try:
        _wait_for(lambda: len(_finished(out)) >= 1, 300, "a finished night")
        workers = _descendants(proc.pid)
        os.kill(proc.pid, signal.SIGTERM)  # the parent only, as a scheduler would
        _, err = proc.communicate(timeout=20)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, err
    _wait_for(lambda: not any(_alive(p) for p in workers), 5, "the workers to end")
    table = pd.read_csv(out / "cohort.tsv", sep="\t")
    assert sorted(Path(o).name for o in table.loc[table["status"] == "ok", "output"]) == \
        sorted(_finished(out))
