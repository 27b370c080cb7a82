"""Atomic output: a failed write keeps the earlier file and leaves no temporary behind."""

import os

import pytest

from somnomotor import OutputError
from somnomotor.io.atomic import atomic_open, atomic_write_text, ensure_writable_dir


def test_failed_write_keeps_the_earlier_file_and_no_temporary(tmp_path):
    target = tmp_path / "summary.json"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_open(target, "w") as handle:
            handle.write("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_successful_write_replaces_the_file(tmp_path):
    target = tmp_path / "a.txt"
    atomic_write_text(target, "new")
    assert target.read_text() == "new"


def test_unwritable_folder_is_an_output_error(tmp_path):
    if os.geteuid() == 0:  # root writes through permission bits; /proc refuses everyone
        with pytest.raises(OutputError, match="cannot create output folder"):
            ensure_writable_dir("/proc/somnomotor-test-out")
        return
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="not writable"):
            ensure_writable_dir(folder)
    finally:
        folder.chmod(0o700)


def test_output_path_that_is_a_file_is_an_output_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError):
        ensure_writable_dir(blocker / "sub")


def test_written_files_get_the_usual_permissions_not_owner_only(tmp_path):
    mask = os.umask(0o022)
    try:
        target = tmp_path / "events.tsv"
        atomic_write_text(target, "x")
    finally:
        os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o644
