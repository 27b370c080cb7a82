"""Atomic file output: a failed run leaves no half-written file and keeps earlier results.

Each file is written to a temporary file in the same folder and renamed over the target
only once it is complete (``os.replace`` is atomic on POSIX and Windows for one volume).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from somnomotor._errors import OutputError, ParameterError

logger = logging.getLogger(__name__)

#: The lock file a run keeps in its output folder while it writes there.
LOCK_FILE = ".somnomotor.lock"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(tmp_name: str, target: Path) -> None:
    """Give the finished temporary file normal permissions and rename it onto ``target``.

    ``mkstemp`` creates files readable by the owner only; results are meant to be shared
    like any file the user writes, so they get ``0o666`` minus the umask.
    """
    os.chmod(tmp_name, 0o666 & ~_umask())
    os.replace(tmp_name, target)


def ensure_writable_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` if needed and check that files can be written there."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {str(folder)!r}: {exc.strerror}") from exc
    if not folder.is_dir():
        raise OutputError(f"output path {str(folder)!r} exists and is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"output folder {str(folder)!r} is not writable")
    return folder


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", **kwargs: object) -> Iterator[IO]:
    """Open a temporary sibling of ``path`` for writing; rename it onto ``path`` on success."""
    target = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write in {str(target.parent)!r}: {exc.strerror}") from exc
    os.close(fd)
    try:
        with open(tmp_name, mode, **kwargs) as handle:  # type: ignore[call-overload]
            yield handle
        _publish(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def atomic_write_with(path: str | os.PathLike[str], writer: Callable[[Path], None]) -> None:
    """Call ``writer(tmp_path)`` and rename the temporary file onto ``path`` on success.

    For libraries that write by file name (edfio, pyarrow, matplotlib).
    """
    target = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix,
                                        dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write in {str(target.parent)!r}: {exc.strerror}") from exc
    os.close(fd)
    try:
        writer(Path(tmp_name))
        _publish(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def check_output_path(path: str | os.PathLike[str], *, option: str = "--out") -> Path:
    """``path`` as a Path; an empty name is refused (it would mean the current folder).

    Raises
    ------
    ParameterError
        ``path`` is empty or only spaces.
    """
    raw = os.fspath(path)
    if not str(raw).strip():
        raise ParameterError(f"{option} must name a folder, received an empty name "
                             "(write '.' to mean the current folder on purpose)")
    return Path(raw)


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet, outermost first."""
    missing: list[Path] = []
    current = folder.absolute()
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    return missing[::-1]


def _process_start_ticks(pid: int) -> int | None:
    """Start time of process ``pid`` in clock ticks since boot (Linux /proc), else None.

    Together with the pid it names one process: a pid reused by a later process has
    another start time.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (IndexError, ValueError):
        return None


def _pid_running(pid: int, start_ticks: int | None) -> bool:
    """Whether the process that wrote a lock (pid and start time) still runs here."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    except OSError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "Z":  # ended, not yet reaped
            return False
    except (OSError, IndexError):
        pass
    now = _process_start_ticks(pid)
    return start_ticks is None or now is None or now == start_ticks


def _read_lock(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return doc if isinstance(doc, dict) else {}
    except (OSError, ValueError):
        return {}


class OutputLock:
    """An output folder held by one run: ``LOCK_FILE``, created atomically with its content
    (hard link of a finished temporary file; ``O_CREAT | O_EXCL`` where links are missing).

    The file holds the pid, host and start time of the process. A second run into the same
    folder is refused while that process runs; the lock of a process that no longer runs
    (killed, power cut) is taken over with a warning. Locks written on another host are
    never taken over (that process cannot be checked from here).
    """

    def __init__(self, folder: str | os.PathLike[str], command: str = "somnomotor") -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self.command = command
        self._held = False

    def _create(self) -> bool:
        doc = {"pid": os.getpid(), "host": socket.gethostname(),
               "start_ticks": _process_start_ticks(os.getpid()), "command": self.command,
               "since_unix_s": round(time.time(), 3)}
        # written beside it first and then linked into place: the lock appears with its
        # content (another run never reads it empty), and linking fails if it exists
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=f"{LOCK_FILE}.", suffix=".tmp",
                                            dir=self.folder)
        except OSError as exc:
            raise OutputError(f"cannot write in {str(self.folder)!r}: {exc.strerror}") from exc
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(doc, handle)
            os.chmod(tmp_name, 0o644)
            try:
                os.link(tmp_name, self.path)
            except FileExistsError:
                return False
            except OSError:  # a file system without hard links
                try:
                    lock_fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                except FileExistsError:
                    return False
                with os.fdopen(lock_fd, "w", encoding="utf-8") as handle:
                    json.dump(doc, handle)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
        self._held = True
        return True

    def acquire(self) -> OutputLock:
        """Take the folder, or raise OutputError naming the run that holds it."""
        if self._held:
            return self
        for _ in range(5):
            if self._create():
                return self
            holder = _read_lock(self.path)
            pid = holder.get("pid")
            if not holder and self.path.exists():
                # being written this instant by another run, or an empty file left by a
                # crash between create and write
                age_s = time.time() - self.path.stat().st_mtime if self.path.exists() else 0.0
                if age_s < 2.0:
                    time.sleep(0.2)
                    continue
            if isinstance(pid, int) and holder.get("host") not in (None, socket.gethostname()):
                raise OutputError(
                    f"{str(self.folder)!r} is in use by a somnomotor run on host "
                    f"{holder.get('host')} (pid {pid}); wait for it to finish, choose another "
                    f"--out, or delete {str(self.path)!r} if that run is gone")
            if isinstance(pid, int) and _pid_running(pid, holder.get("start_ticks")):
                raise OutputError(
                    f"{str(self.folder)!r} is in use by another somnomotor run "
                    f"({holder.get('command', 'somnomotor')}, pid {pid}); wait for it to "
                    "finish or choose another --out")
            # stale: move it aside under a name of our own, so that two runs taking over
            # at once cannot both believe they removed it
            aside = self.path.with_name(f"{LOCK_FILE}.stale.{os.getpid()}")
            try:
                os.replace(self.path, aside)
            except FileNotFoundError:
                continue
            moved = _read_lock(aside)
            if moved.get("pid") != pid:  # someone else's fresh lock: give it back
                with contextlib.suppress(OSError):
                    os.link(aside, self.path)
                with contextlib.suppress(OSError):
                    os.unlink(aside)
                continue
            with contextlib.suppress(OSError):
                os.unlink(aside)
            logger.warning("took over the lock of %s left by a run that no longer runs (pid %s)",
                           self.folder, pid if pid is not None else "unknown")
        raise OutputError(f"cannot lock {str(self.folder)!r}: another run keeps taking it")

    def release(self) -> None:
        """Remove the lock file if this process holds it."""
        if self._held:
            self._held = False
            if _read_lock(self.path).get("pid") == os.getpid():
                with contextlib.suppress(OSError):
                    os.unlink(self.path)

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextlib.contextmanager
def output_folder(path: str | os.PathLike[str], *, command: str = "somnomotor",
                  option: str = "--out") -> Iterator[Path]:
    """Hold an output folder for one run: create it, lock it, undo what failed.

    The folder and any missing parents are created and locked (:class:`OutputLock`). When
    the block raises (an error, Ctrl-C), the lock is released and the folders this run
    created are removed again if they are empty, so a failed run leaves nothing behind;
    folders that existed before are never removed.

    Raises
    ------
    ParameterError
        ``path`` is empty.
    OutputError
        The folder cannot be created or written, or another run holds it.
    """
    folder = check_output_path(path, option=option)
    created = _missing_folders(folder)
    lock: OutputLock | None = None
    try:
        ensure_writable_dir(folder)
        lock = OutputLock(folder, command).acquire()
        yield folder
    except BaseException:
        if lock is not None:
            lock.release()
            lock = None
        for made in reversed(created):
            with contextlib.suppress(OSError):
                made.rmdir()  # only when empty: never a file this run did not write
        raise
    finally:
        if lock is not None:
            lock.release()


__all__ = ["LOCK_FILE", "OutputLock", "atomic_open", "atomic_write_text", "atomic_write_with",
           "check_output_path", "ensure_writable_dir", "output_folder"]
