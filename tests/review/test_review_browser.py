"""The review screen in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

A simulated 1-h night is loaded, paged by keyboard, a movement is drawn on a leg channel,
two PLMs are deleted and the second deletion undone, the version is saved and the page
reloaded. The saved files are then checked against values computed here: the PLMS index as
PLM rows in sleep over the sleep time of hypnogram.tsv.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _review_helpers import AnalysedNight, serving

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    pytest.skip("Playwright for Python is not installed (pip install playwright)",
                allow_module_level=True)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):  # pragma: no cover - depends on the machine
    pytest.skip("no Chromium browser (Debian: apt-get install chromium)",
                allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SLEEP = ("N1", "N2", "N3", "R")


def _events(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", na_values=["n/a"], keep_default_na=False)


def _plm_in_sleep(events: pd.DataFrame) -> int:
    lm = events[events["trial_type"] == "leg_movement"]
    return int(((lm["in_series"] == 1) & lm["stage"].isin(SLEEP)).sum())


def _interior_plms(state: dict) -> list[dict]:
    """Marks of PLMs inside a series of >= 5, removable without breaking it (IMI sum <= 80 s)."""
    lms, out = state["leg_movements"], []
    for k in range(2, len(lms) - 2):
        prev, lm, nxt = lms[k - 1], lms[k], lms[k + 1]
        if (lm.get("in_series") and len({m.get("series_id") for m in lms[k - 2:k + 3]}) == 1
                and lm["n_components"] == 1 and lm["stage"] in SLEEP
                and 20 <= nxt["onset_s"] - prev["onset_s"] <= 80):
            marks = [e for e in state["events"] if e.get("lm_id") == lm["lm_id"]]
            if len(marks) == 1:
                out.append(marks[0])
    return out


def test_review_in_chromium_pages_edits_undoes_saves_and_reloads(
        results_copy: Path, analysed_night: AnalysedNight, tmp_path: Path) -> None:
    auto = _events(results_copy / "events.tsv")
    with serving(results_copy, analysed_night.recording) as (server, _client), \
            sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=ARGS, headless=True,
            viewport={"width": 1500, "height": 850})
        page = ctx.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        page.goto(server.url)
        page.wait_for_selector("body[data-ready='1']", timeout=15000)
        review = "window.review"

        def wait_revision(previous: int) -> int:
            try:
                page.wait_for_function(f"() => {review}.revision > {previous}", timeout=10000)
            except Exception:
                page.screenshot(path=str(tmp_path / "failed.png"))
                raise AssertionError(page.inner_text("#status") + " | " + str(problems)) from None
            return int(page.evaluate(f"{review}.revision"))

        # -- paging by keyboard ------------------------------------------------------
        page.wait_for_function(f"() => {review}.traces !== null", timeout=10000)
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            f"() => {review}.view.start === 90 && {review}.traces && {review}.traces[0].t0 >= 89.99")
        page.keyboard.press("ArrowLeft")
        assert page.evaluate(f"{review}.view.start") == 60
        page.keyboard.press("-")
        assert page.evaluate(f"{review}.view.len") == 60
        page.keyboard.press("+")
        assert page.evaluate(f"{review}.view.len") == 30
        page.keyboard.press("?")
        assert page.is_visible("#help")
        page.keyboard.press("Escape")
        assert not page.is_visible("#help")
        assert "epoch 3" in page.inner_text("#clock")

        state = page.evaluate(f"{review}.state")
        marks = _interior_plms(state)
        first, second = marks[0], next(m for m in marks if m["onset_s"] > marks[0]["onset_s"] + 120)

        # -- add a movement by dragging on LAT in the longest quiet stretch -------------
        bounds = sorted([0.0, 3600.0] + [m["onset_s"] for m in state["leg_movements"]]
                        + [m["onset_s"] + m["duration_s"] for m in state["leg_movements"]])
        gaps = np.diff(bounds)
        i = int(np.argmax(gaps))
        t_add = float(np.floor((bounds[i] + gaps[i] / 2) / 30) * 30 + 10)
        page.fill("#goto", str(t_add))
        page.press("#goto", "Enter")
        page.wait_for_function(f"() => {review}.view.start === {np.floor(t_add / 30) * 30}")
        a = page.evaluate(f"{review}.toScreen({t_add}, 'LAT')")
        b = page.evaluate(f"{review}.toScreen({t_add + 2.0}, 'LAT')")
        rev = int(page.evaluate(f"{review}.revision"))
        page.mouse.move(a["x"], a["y"])
        page.mouse.down()
        page.mouse.move(b["x"], b["y"], steps=6)
        page.mouse.up()
        rev = wait_revision(rev)
        page.screenshot(path=str(tmp_path / "added.png"))

        # -- delete two PLMs with the Delete key, undo the second -------------------------
        for mark in (first, second):
            page.fill("#goto", str(mark["onset_s"]))
            page.press("#goto", "Enter")
            page.wait_for_function(
                f"() => {review}.view.start === {np.floor(mark['onset_s'] / 30) * 30}")
            mid = page.evaluate(
                f"{review}.toScreen({mark['onset_s'] + mark['duration_s'] / 2}, "
                f"'{mark['channel']}')")
            page.mouse.click(mid["x"], mid["y"])
            assert page.evaluate(f"{review}.selected.id") == mark["id"]
            page.keyboard.press("Delete")
            rev = wait_revision(rev)
        page.screenshot(path=str(tmp_path / "deleted.png"))
        page.keyboard.press("Control+z")
        rev = wait_revision(rev)
        ids = {e["id"] for e in page.evaluate(f"{review}.state.events")}
        assert first["id"] not in ids and second["id"] in ids

        # -- the indices on screen follow at once ----------------------------------------
        count = page.inner_text("#ix-plms_count").split("\t")
        assert "changed" in (page.get_attribute("#ix-plms_count", "class") or "")
        assert count[1] == f"{_plm_in_sleep(auto) - 1:.2f}"

        # -- save with the scorer's name, reload -----------------------------------------
        page.fill("#scorer", "Test Scorer")
        page.click("#traces", position={"x": 5, "y": 5})
        page.keyboard.press("Control+s")
        page.wait_for_function(
            "() => document.getElementById('status').textContent.includes('saved version 1')")
        page.reload()
        page.wait_for_selector("body[data-ready='1']", timeout=15000)
        assert "version 1" in page.inner_text("#title")
        assert page.evaluate(f"{review}.state.base_version") == 1
        page.screenshot(path=str(tmp_path / "reloaded.png"))
        ctx.close()
    assert problems == []

    vdir = results_copy / "reviewed" / "v001"
    saved = _events(vdir / "events.tsv")
    hyp = pd.read_csv(vdir / "hypnogram.tsv", sep="\t", keep_default_na=False)
    tst_h = hyp["stage"].isin(SLEEP).sum() * 30.0 / 3600.0
    assert _plm_in_sleep(saved) == _plm_in_sleep(auto) - 1
    summary = json.loads((vdir / "summary.json").read_text())
    plms = next(ix["value"] for ix in summary["indices"] if ix["name"] == "plms_index")
    assert plms == pytest.approx(_plm_in_sleep(saved) / tst_h)
    assert plms == pytest.approx((_plm_in_sleep(auto) - 1) / tst_h)
    comp = saved[saved["trial_type"] == "leg_movement_component"]
    new = comp[(comp["channel"] == "LAT") & np.isclose(comp["onset"], t_add, atol=0.1)]
    assert len(new) == 1 and new["duration"].iloc[0] == pytest.approx(2.0, abs=0.15)
    gone = comp[(comp["channel"] == first["channel"])
                & np.isclose(comp["onset"], first["onset_s"], atol=1e-3)]
    kept = comp[(comp["channel"] == second["channel"])
                & np.isclose(comp["onset"], second["onset_s"], atol=1e-3)]
    assert gone.empty and len(kept) == 1
    log = [json.loads(x) for x in (vdir / "edits.jsonl").read_text().splitlines()]
    assert [e["action"] for e in log] == ["add", "delete", "delete", "undo delete"]
    assert {e["scorer"] for e in log} <= {None, "Test Scorer"}
