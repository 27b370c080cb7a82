"""Input checksums computed in a background thread equal hashlib's over the whole file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from somnomotor.report.outputs import BackgroundChecksums


def test_background_checksums_in_order_with_none_for_a_folder(tmp_path: Path) -> None:
    big = tmp_path / "night.edf"
    big.write_bytes(bytes(range(256)) * 20_000 + b"tail")  # several 1-MiB chunks and a rest
    small = tmp_path / "scoring.tsv"
    small.write_text("onset\tduration\n0\t30\n", encoding="utf-8")
    got = BackgroundChecksums([big, str(small), tmp_path]).result()
    assert got == [("night.edf", hashlib.sha256(big.read_bytes()).hexdigest()),
                   ("scoring.tsv", hashlib.sha256(small.read_bytes()).hexdigest()),
                   (tmp_path.name, None)]


def test_background_checksum_error_is_raised_in_the_caller(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from somnomotor.report import outputs

    def failing(path: object, **_: object) -> str:
        raise OSError(f"cannot read {path}")

    monkeypatch.setattr(outputs, "sha256_of", failing)
    night = tmp_path / "night.edf"
    night.write_bytes(b"x")
    with pytest.raises(OSError, match="cannot read"):
        BackgroundChecksums([night]).result()


def test_analyze_writes_the_recordings_sha256(tmp_path: Path, make_edf, two_leg_signals) -> None:  # type: ignore[no-untyped-def]
    from somnomotor.cli.main import main

    edf = make_edf(signals=two_leg_signals)
    out = tmp_path / "out"
    assert main(["-q", "analyze", str(edf), "--out", str(out), "--only", "leg_movements",
                 "--no-auto-staging"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["input"]["file"] == edf.name
    assert summary["input"]["sha256"] == hashlib.sha256(edf.read_bytes()).hexdigest()
