"""``questionnaire`` without answers on standard input, or with a binary answers file: one
clear line and exit 1, never an internal error."""

from __future__ import annotations

import io

import pytest

from somnomotor.cli.main import main


def _one_error_line(capsys) -> str:  # type: ignore[no-untyped-def]
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 1, err
    assert "internal error" not in err[0] and "Traceback" not in err[0]
    return err[0]


def test_end_of_input_is_one_clear_line(capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["questionnaire"]) == 1
    assert "standard input ended" in _one_error_line(capsys)


@pytest.mark.parametrize(("name", "content"), [
    ("answers.json", bytes(range(256)) * 4),
    ("answers.yaml", b"\x00\x01\xff\xfe garbage"),
    ("answers.yaml", b"irls: \x00\x00\x00"),
])
def test_binary_answers_file_is_one_clear_line(capsys, tmp_path, name, content) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["questionnaire", "--answers", str(path)]) == 1
    line = _one_error_line(capsys)
    assert name in line and "binary" in line
