"""Several nights side by side and the diary comparisons, against values worked out by hand."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from somnomotor.io.diary import parse_diary
from somnomotor.report.nights import collect_nights, summarise
from somnomotor.report.nights_page import render_nights_page
from somnomotor.report.triggers import TRIGGERS, bootstrap_median_difference, compare_trigger


def _summary(folder: Path, start: dt.datetime, kind: str, value: float) -> None:
    folder.mkdir(parents=True)
    name = "accel_plm_index" if kind == "accelerometer" else "plms_index"
    doc = {"input": {"file": f"{folder.name}.x", "start": start.isoformat()},
           "indices": [{"name": name, "value": value, "unit": "/h", "denominator_value": 7.0}]}
    if kind == "accelerometer":
        doc["recording_kind"] = "accelerometer"
    (folder / "summary.json").write_text(json.dumps(doc))


def test_median_difference_and_interval_bounds_by_hand() -> None:
    with_v, without_v = [10.0, 20.0, 30.0], [1.0, 2.0, 3.0, 4.0]
    diff, lo, hi = bootstrap_median_difference(with_v, without_v)
    assert diff == pytest.approx(20.0 - 2.5)
    # every resampled median of "with" lies in [10, 30], of "without" in [1, 4]
    assert 10 - 4 <= lo <= diff <= hi <= 30 - 1


def test_trigger_comparison_groups_counted_by_hand() -> None:
    diary = parse_diary(
        "date,bedtime,rise_time,caffeine_drinks,last_caffeine_time\n"
        + "".join(f"2026-01-{d:02d},22:00,06:00,{c},{'15:00' if c else ''}\n"
                  for d, c in zip(range(1, 9), (0, 2, 1, 3, 0, 2, 1, 5)))
    )
    values = [5.0, 30.0, 6.0, 40.0, 4.0, 35.0, 7.0, None]  # the last night has no recording
    coffee = next(t for t in TRIGGERS if t.name == "caffeine_2_or_more")
    c = compare_trigger(coffee, values, diary, "accel_plm_index")
    assert (c.n_with, c.n_without) == (3, 4)  # 2, 3, 2 coffees vs 0, 1, 0, 1
    assert c.median_with == 35.0 and c.median_without == pytest.approx(5.5)
    assert c.difference == pytest.approx(29.5)
    assert c.ci_low > 0
    assert "more often" in c.sentence and "does not show that caffeine caused it" in c.sentence
    # two nights with the trigger are too few
    c2 = compare_trigger(coffee, values[:4] + [None] * 4, diary, "accel_plm_index")
    assert c2.difference is None and "Too few nights" in c2.sentence


def test_median_spread_trend_and_too_few_nights(tmp_path: Path) -> None:
    for k in range(8):
        _summary(tmp_path / f"a{k}", dt.datetime(2026, 1, 1 + k, 22, 30), "accelerometer",
                 10.0 + 2.0 * k)
    for k in range(2):
        _summary(tmp_path / f"p{k}", dt.datetime(2026, 1, 3 + k, 23, 0), "psg", 50.0)
    nights = collect_nights([tmp_path])
    acc = summarise(nights, "accelerometer")
    vals = [10.0 + 2.0 * k for k in range(8)]
    assert acc.n_nights == 8 and acc.median == pytest.approx(np.median(vals))
    assert acc.slope_per_week == pytest.approx(14.0)  # 2/h per night, on a perfect line
    assert "rose by about 14.0" in acc.statement
    psg = summarise(nights, "psg")
    assert psg.n_nights == 2 and psg.median is None and "too few for a median" in psg.statement
    # six nights: a median, but no trend
    six = [n for n in nights if n.kind == "accelerometer"][:6]
    assert "Too few nights for a trend" in summarise(six, "accelerometer").statement


def test_page_keeps_psg_and_accelerometer_apart_and_renders(tmp_path: Path) -> None:
    res = tmp_path / "res"
    for k in range(8):
        _summary(res / f"a{k}", dt.datetime(2026, 1, 1 + k, 22, 30), "accelerometer",
                 40.0 if k % 2 else 5.0 + k)
    _summary(res / "p0", dt.datetime(2026, 1, 2, 23, 0), "psg", 22.0)
    diary = parse_diary(
        "date,bedtime,rise_time,caffeine_drinks,leg_discomfort,medicines\n"
        + "".join(f"2026-01-{d:02d},22:00,06:00,{3 if d % 2 == 0 else 0},{7 if d < 6 else 1},"
                  f"{'iron' if d > 4 else ''}\n" for d in range(1, 9)))
    written = render_nights_page(collect_nights([res]), diary, tmp_path / "out")
    page = written["nights.html"].read_text()
    # nothing fetched: no script, no linked stylesheet, image or font (SVG namespaces are
    # names, not fetches)
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:|//)", page)
    assert "@import" not in page and "url(http" not in page
    acc_part = page[page.index("id='kind-accelerometer'"):]
    psg_part = page[page.index("id='kind-psg'"):page.index("id='kind-accelerometer'")]
    assert "plms_index" in psg_part and "accel_plm_index" not in psg_part
    assert "plms_index</th>" not in acc_part
    assert "Only 1 night(s): too few for a median" in psg_part
    assert "does not show that caffeine caused it" in page
    assert "Please see a doctor" in page and "5 of 8 nights" in page  # discomfort >= 5
    assert "When to see a doctor" in page and "seizure" in page
    assert "is a cramp" not in page  # no cramps in this diary
    assert not re.search(r"\d+(\.\d+)? ?(mg|mcg|ml)\b", page, re.I)
    assert "diagnosis" in page and "r = 0.87" in page
    tsv = written["comparisons.tsv"].read_text()
    assert "medicine_iron" in tsv
    # one table per kind: the two indices never share a table
    acc_tsv = written["nights_accelerometer.tsv"].read_text().splitlines()[0]
    psg_tsv = written["nights_psg.tsv"].read_text().splitlines()[0]
    assert "accel_plm_index" in acc_tsv and "plms_index" not in acc_tsv.replace("accel_plm", "")
    assert "plms_index" in psg_tsv and "accel" not in psg_tsv

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("headless Chromium not installed (Debian package 'chromium')")
    png = tmp_path / "nights.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                    f"--screenshot={png}", "--window-size=1200,2000",
                    written["nights.html"].as_uri()], check=True, capture_output=True, timeout=120)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20000


def test_nights_command_and_missing_folder(tmp_path: Path, capsys) -> None:
    from somnomotor.cli.main import main

    for k in range(3):
        _summary(tmp_path / "r" / f"a{k}", dt.datetime(2026, 1, 1 + k, 22), "accelerometer", 9.0)
    assert main(["nights", str(tmp_path / "r"), "--out", str(tmp_path / "o")]) == 0
    assert "Median of 3 nights: 9.0" in capsys.readouterr().out
    assert main(["nights", str(tmp_path / "none")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_psg_report_refuses_an_accelerometer_folder(tmp_path: Path, capsys) -> None:
    from somnomotor.cli.main import main

    _summary(tmp_path / "a0", dt.datetime(2026, 1, 1, 22), "accelerometer", 9.0)
    assert main(["report", str(tmp_path / "a0")]) == 1
    assert "somnomotor nights" in capsys.readouterr().err
    assert not (tmp_path / "a0" / "report.html").exists()


def test_real_psg_and_accelerometer_outputs_are_gathered_apart(tmp_path: Path) -> None:
    """summary.json as the two pipelines write them (not hand-made)."""
    from somnomotor.accel_night import analyze_accelerometer, write_accel_outputs
    from somnomotor.pipeline import analyze_recording, write_night_outputs
    from somnomotor.simulate import simulate_night
    from somnomotor.simulate.accel import simulate_accel_night

    psg = simulate_night("plmd", seed=1, duration_h=0.5)
    analysis = analyze_recording(psg.recording, auto_stage=False, analyses=["leg_movements"])
    write_night_outputs(analysis, tmp_path / "psg")
    acc = simulate_accel_night(duration_h=0.5, fs_hz=25.0, seed=2,
                               start=dt.datetime(2026, 1, 3, 22, 0))
    write_accel_outputs(analyze_accelerometer(acc.recording), tmp_path / "acc")
    nights = collect_nights([tmp_path])
    kinds = {n.kind: n for n in nights}
    assert set(kinds) == {"psg", "accelerometer"}
    plms = analysis.result("leg_movements").index("plms_index").value
    assert kinds["psg"].indices["plms_index"] == pytest.approx(plms)
    assert "accel_plm_index" not in kinds["psg"].indices
    assert "plms_index" not in kinds["accelerometer"].indices
    assert kinds["accelerometer"].date == dt.date(2026, 1, 3)
