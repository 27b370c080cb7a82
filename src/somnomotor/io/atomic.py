"""Atomic file output: a failed run leaves no half-written file and keeps earlier results.

Each file is written to a temporary file in the same folder and renamed over the target
only once it is complete (``os.replace`` is atomic on POSIX and Windows for one volume).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from somnomotor._errors import OutputError


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


__all__ = ["atomic_open", "atomic_write_text", "atomic_write_with", "ensure_writable_dir"]
