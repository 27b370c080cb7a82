"""The sleep diary: every field at its limits, errors naming the line, the CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from somnomotor.io.diary import COLUMNS, DiaryError, parse_diary, parse_field, read_diary

HEADER = ",".join(COLUMNS)
GOOD = "2026-01-01,22:30,06:45,2,16:00,1,30,18:00,4,7.5,3,no,iron; Vitamin-D"


@pytest.mark.parametrize("name, ok, bad", [
    ("caffeine_drinks", ["0", "20"], ["-1", "21", "2.5", "two"]),
    ("alcohol_drinks", ["0", "20"], ["-1", "21"]),
    ("exercise_minutes", ["0", "600"], ["601", "-5"]),
    ("stress", ["0", "10"], ["11", "-1", "5.5"]),
    ("leg_discomfort", ["0", "10"], ["11"]),
    ("sleep_hours_night_before", ["0", "16", "6,5"], ["16.1", "-0.1", "lots"]),
    ("bedtime", ["00:00", "23:59", "7:05"], ["24:00", "23:60", "22.30", ""]),
    ("last_caffeine_time", ["00:00", "23:59", ""], ["25:00"]),
    ("date", ["2026-02-28"], ["2026-02-30", "01/02/2026", ""]),
    ("cramps", ["yes", "no", "Y", "0"], ["maybe"]),
    ("medicines", ["iron", "iron; magnesium", "St. John's wort", ""], ["iron 100", "iron 100 mg",
                                                                        "x" * 61, "2x daily"]),
])
def test_each_field_at_its_limits(name: str, ok: list[str], bad: list[str]) -> None:
    for text in ok:
        parse_field(name, text)
    for text in bad:
        with pytest.raises(ValueError, match=name if name != "medicines" else "medicine"):
            parse_field(name, text)


def test_bedtime_after_midnight_and_time_in_bed() -> None:
    (e,) = parse_diary(f"{HEADER}\n2026-01-01,00:30,07:00,,,,,,,,,,\n")
    assert e.bed_datetime == dt.datetime(2026, 1, 2, 0, 30)
    assert e.rise_datetime == dt.datetime(2026, 1, 2, 7, 0)
    (e,) = parse_diary(f"{HEADER}\n2026-01-01,22:00,06:00,,,,,,,,,,\n")
    assert e.hours_in_bed == 8.0


def test_errors_name_the_line_and_the_field(tmp_path: Path) -> None:
    text = f"{HEADER}\n{GOOD}\n" + GOOD.replace("2026-01-01", "2026-01-02").replace(",4,7.5", ",12,7.5")
    with pytest.raises(DiaryError, match=r"line 3: stress must be a whole number from 0 to 10"):
        parse_diary(text)
    with pytest.raises(DiaryError, match=r"line 3: date 2026-01-01 is already on line 2"):
        parse_diary(f"{HEADER}\n{GOOD}\n{GOOD}\n")
    with pytest.raises(DiaryError, match=r"line 1: .*missing \['rise_time'\]"):
        parse_diary("date,bedtime\n2026-01-01,22:00\n")
    with pytest.raises(DiaryError, match=r"unknown column.*dose_mg.*no dose fields"):
        parse_diary("date,bedtime,rise_time,dose_mg\n2026-01-01,22:00,06:00,5\n")
    with pytest.raises(DiaryError, match="line 2: last_caffeine_time is given but caffeine"):
        parse_diary("date,bedtime,rise_time,caffeine_drinks,last_caffeine_time\n"
                    "2026-01-01,22:00,06:00,0,15:00\n")
    with pytest.raises(DiaryError, match="line 2: exercise_time is given"):
        parse_diary("date,bedtime,rise_time,exercise_time\n2026-01-01,22:00,06:00,15:00\n")
    with pytest.raises(DiaryError, match="at most 16 h"):
        parse_diary("date,bedtime,rise_time\n2026-01-01,13:00,06:00\n")


def test_check_and_add_on_the_command_line(tmp_path: Path, monkeypatch, capsys) -> None:
    from somnomotor.cli.main import main

    path = tmp_path / "diary.csv"
    path.write_text(f"{HEADER}\n{GOOD}\n")
    assert main(["diary", "check", str(path)]) == 0
    assert "1 night(s) OK" in capsys.readouterr().out
    # stress 25 is refused and asked again ("3"); "maybe" for cramps is refused ("no");
    # the medicine with a number is refused and asked again
    answers = iter(["2026-01-02", "23:00", "7:00", "1", "15:00", "0", "0", "", "25", "3", "",
                    "", "maybe", "no", "magnesium 5", "magnesium"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert main(["diary", "add", str(path)]) == 0
    out = capsys.readouterr().out
    assert "stress must be a whole number from 0 to 10" in out
    assert "medicines are names only" in out
    entries = read_diary(path)
    assert [e.date for e in entries] == [dt.date(2026, 1, 1), dt.date(2026, 1, 2)]
    assert entries[1].stress == 3 and entries[1].medicines == ("magnesium",)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\n{GOOD.replace('22:30', '22:75')}\n")
    assert main(["diary", "check", str(bad)]) == 1
    assert "line 2: bedtime" in capsys.readouterr().err
