"""``somnomotor demo`` says where it writes before it starts, and writes only there."""

from __future__ import annotations

from pathlib import Path

import pytest

from somnomotor.cli.main import build_parser, main


def test_demo_names_its_folder_first_and_writes_only_into_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    out = tmp_path / "elsewhere" / "demo"
    assert main(["demo", "--out", str(out), "--duration-h", "0.25", "--seed", "2"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert str(out.absolute()) in err[0] and "MB" in err[0] and "--out" in err[0]
    assert list(cwd.iterdir()) == []
    assert (out / "example_night.edf").is_file() and (out / "results" / "summary.json").is_file()
    assert not (out / ".somnomotor.lock").exists()


def test_the_readme_demo_command_still_writes_to_somnomotor_demo() -> None:
    args = build_parser().parse_args(["demo"])
    assert Path(args.out) == Path("somnomotor-demo")
