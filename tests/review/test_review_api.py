"""The review web app's API: every endpoint, its safety checks, edits, rescoring and saving.

Reference values are computed here from the files (events.tsv, hypnogram.tsv, the EDF read
with edfio), not by the review code: the PLMS index as PLM rows in sleep over the sleep time
of hypnogram.tsv, the intervals as differences of onsets, signal windows from the samples.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from somnomotor.cli.main import main

from _review_helpers import AnalysedNight, Client, serving

SLEEP = ("N1", "N2", "N3", "R")


def _events(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", na_values=["n/a"], keep_default_na=False)


def _tst_h(folder: Path) -> float:
    hyp = pd.read_csv(folder / "hypnogram.tsv", sep="\t", keep_default_na=False)
    return float(hyp["stage"].isin(SLEEP).sum() * 30.0 / 3600.0)


def _plm_in_sleep(events: pd.DataFrame) -> int:
    lm = events[events["trial_type"] == "leg_movement"]
    return int(((lm["in_series"] == 1) & lm["stage"].isin(SLEEP)).sum())


def _index(summary: dict[str, Any], name: str) -> float:
    return next(ix["value"] for ix in summary["indices"] if ix["name"] == name)


def _deletable_plm(state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """An interior PLM of a series of >= 5 whose removal keeps the series (IMI sum <= 80 s)."""
    lms = state["leg_movements"]
    for k in range(2, len(lms) - 2):
        prev, lm, nxt = lms[k - 1], lms[k], lms[k + 1]
        same = {m.get("series_id") for m in lms[k - 2:k + 3]}
        if (lm.get("in_series") and len(same) == 1 and lm["n_components"] == 1
                and lm["stage"] in SLEEP and 20 <= nxt["onset_s"] - prev["onset_s"] <= 80):
            marks = [e for e in state["events"] if e.get("lm_id") == lm["lm_id"]]
            if len(marks) == 1:
                return prev, marks[0], nxt
    raise AssertionError("the simulated night has no interior PLM to delete")


def _quiet_place(state: dict[str, Any], duration_s: float) -> float:
    """Middle of the longest stretch without leg movements (>= 200 s)."""
    onsets = sorted([0.0] + [m["onset_s"] + m["duration_s"] for m in state["leg_movements"]]
                    + [m["onset_s"] for m in state["leg_movements"]] + [duration_s])
    gaps = np.diff(onsets)
    i = int(np.argmax(gaps))
    assert gaps[i] >= 200.0, gaps[i]
    return round(onsets[i] + gaps[i] / 2, 3)


# -- pages, static files, safety --------------------------------------------------------
def test_page_carries_the_token_and_static_files_are_served_by_name_only(review) -> None:
    server, client = review
    status, page, headers = client.get("/")
    assert status == 200 and server.app.token.encode() in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    for name in ("review.js", "review.css"):
        assert client.get(f"/static/{name}")[0] == 200
    for path in ("/static/../night.py", "/static/%2e%2e/night.py", "/static/nope.js",
                 "/static/index.html", "/summary.json", "/events.tsv", "/etc/passwd"):
        assert client.get(path)[0] == 404, path


def test_a_foreign_host_header_is_refused(review) -> None:
    _, client = review
    status, doc, _ = client.get("/api/night", headers={"Host": "evil.example:80"})
    assert status == 421, doc


def test_changes_need_the_token_a_json_body_and_a_same_site_origin(review) -> None:
    _, client = review
    assert client.post("/api/session", token=False, session=False)[0] == 403
    status, doc, _ = client.post("/api/session", session=False,
                                 headers={"X-Review-Token": "wrong"}, token=False)
    assert status == 403 and "token" in doc["error"].lower()
    status, doc, _ = client.post("/api/session", session=False,
                                 headers={"Origin": "http://evil.example"})
    assert status == 403 and "Origin" in doc["error"]
    status, doc, _ = client.post("/api/session", session=False,
                                 headers={"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    status, doc, _ = client.request("POST", "/api/session", None, session=False)
    assert status == 403 and "JSON" in doc["error"]  # a form post has no JSON content type
    port = client.base.rsplit(":", 1)[1]
    status, _, _ = client.post("/api/session", session=False,
                               headers={"Origin": f"http://localhost:{port}"})
    assert status == 201


def test_server_listens_on_loopback_with_a_random_port(review) -> None:
    server, _ = review
    host, port = server.httpd.server_address[:2]
    assert host == "127.0.0.1" and port > 0


# -- reading ----------------------------------------------------------------------------
def test_night_document_describes_channels_hypnogram_and_fixed_events(
        review, analysed_night: AnalysedNight) -> None:
    _, client = review
    status, doc, _ = client.get("/api/night")
    assert status == 200
    labels = {c["label"]: c for c in doc["channels"]}
    assert labels["LAT"]["role"] == "leg_left" and labels["LAT"]["fs_hz"] == 512.0
    assert doc["leg_channels"] == {"LAT": "left", "RAT": "right"}
    hyp = pd.read_csv(analysed_night.results / "hypnogram.tsv", sep="\t", keep_default_na=False)
    assert doc["hypnogram"]["stages"] == list(hyp["stage"])
    events = _events(analysed_night.results / "events.tsv")
    n_mini = int((events["trial_type"] == "rswa_mini_epoch").sum())
    assert sum(e["trial_type"] == "rswa_mini_epoch" for e in doc["fixed_events"]) == n_mini
    assert any(ix["family"] == "rswa" for ix in doc["other_indices"])


def test_unedited_session_reproduces_the_automatic_indices(review, analysed_night) -> None:
    _, client = review
    state = client.open_session()
    summary = json.loads((analysed_night.results / "summary.json").read_text())
    auto = {ix["name"]: ix["value"] for ix in summary["indices"]
            if ix["family"] == "leg_movements"}
    now = {ix["name"]: ix["value"] for ix in state["indices"]}
    assert set(now) == set(auto)
    for name, value in auto.items():
        if value is None:
            assert now[name] is None, name
        else:  # events.tsv keeps times to 1 ms: durations and ln(IMI) move in the 4th digit
            assert now[name] == pytest.approx(value, rel=1e-3, abs=1e-3), name
    events = _events(analysed_night.results / "events.tsv")
    n_components = int((events["trial_type"] == "leg_movement_component").sum())
    assert sum(e["trial_type"] == "leg_movement" for e in state["events"]) == n_components
    assert len(state["leg_movements"]) == int((events["trial_type"] == "leg_movement").sum())
    status, again, headers = client.get("/api/state")
    assert status == 200 and again["revision"] == 0 and headers["ETag"].endswith('-0"')


def test_signal_window_is_the_recording_itself_at_full_resolution(
        review, analysed_night: AnalysedNight) -> None:
    import edfio

    _, client = review
    edf = edfio.read_edf(analysed_night.recording)
    lat = next(s for s in edf.signals if s.label == "LAT").data
    status, doc, _ = client.get("/api/signal?channels=LAT&start=100&duration=2&pixels=2000&filter=0")
    assert status == 200
    trace = doc["traces"][0]
    assert trace["kind"] == "raw" and trace["dt"] == pytest.approx(1 / 512)
    assert np.allclose(trace["y"], lat[51200:51200 + 1024], atol=0.006)
    # 30 s on 500 pixels: min/max of each of 500 equal slices of the 15,360 samples
    status, doc, _ = client.get("/api/signal?channels=LAT&start=100&duration=30&pixels=500&filter=0")
    trace = doc["traces"][0]
    seg = lat[51200:51200 + 15360]
    edges = np.linspace(0, seg.size, 501).astype(int)
    assert trace["kind"] == "minmax" and len(trace["min"]) == 500
    assert np.allclose(trace["min"], [seg[a:b].min() for a, b in zip(edges[:-1], edges[1:])],
                       atol=0.006)
    assert np.allclose(trace["max"], [seg[a:b].max() for a, b in zip(edges[:-1], edges[1:])],
                       atol=0.006)


def test_band_pass_removes_an_offset_from_the_displayed_emg(review) -> None:
    server, client = review
    raw = client.get("/api/signal?channels=LAT&start=600&duration=10&pixels=6000&filter=0")[1]
    flt = client.get("/api/signal?channels=LAT&start=600&duration=10&pixels=6000&filter=1")[1]
    y_raw, y_flt = np.array(raw["traces"][0]["y"]), np.array(flt["traces"][0]["y"])
    assert y_raw.size == y_flt.size == 5120
    # a 10-100 Hz band-pass leaves no mean and differs from the raw samples
    assert abs(y_flt.mean()) < 0.2 * y_flt.std()
    assert not np.allclose(y_raw, y_flt)


def test_overview_is_min_max_of_each_second(review, analysed_night: AnalysedNight) -> None:
    import edfio

    _, client = review
    status, doc, _ = client.get("/api/overview?channel=RAT")
    assert status == 200
    rat = next(s for s in edfio.read_edf(analysed_night.recording).signals
               if s.label == "RAT").data.reshape(-1, 512)
    assert len(doc["min"]) == 3600
    assert np.allclose(doc["min"], rat.min(axis=1), atol=0.06)
    assert np.allclose(doc["max"], rat.max(axis=1), atol=0.06)


def test_bad_signal_requests_are_clear_errors(review) -> None:
    _, client = review
    assert client.get("/api/signal?channels=NOPE&start=0&duration=30")[0] == 404
    assert client.get("/api/signal?channels=LAT&start=0&duration=-1")[0] == 400
    assert client.get("/api/signal?channels=LAT&start=x&duration=30")[0] == 400
    assert client.get("/api/state")[0] == 404  # no session yet
    assert client.get("/api/versions")[1] == {"versions": [], "shown": 0}


# -- editing ----------------------------------------------------------------------------
def test_delete_add_modify_undo_redo_rescore_with_the_plm_rules(review, analysed_night) -> None:
    _, client = review
    state = client.open_session(scorer="A. Scorer")
    tst_h = _tst_h(analysed_night.results)
    summary = json.loads((analysed_night.results / "summary.json").read_text())
    assert tst_h * 3600 == pytest.approx(summary["hypnogram"]["total_sleep_time_s"])
    plms0 = _index(summary, "plms_count")
    prev, mark, nxt = _deletable_plm(state)

    status, doc, _ = client.post("/api/edit", {"op": "delete", "id": mark["id"]},
                                 headers={"If-Match": '"0"'})
    assert status == 200, doc
    ix = {i["name"]: i["value"] for i in doc["indices"]}
    assert ix["plms_count"] == plms0 - 1
    assert ix["plms_index"] == pytest.approx((plms0 - 1) / tst_h)
    after_next = next(m for m in doc["leg_movements"] if m["onset_s"] == nxt["onset_s"])
    assert after_next["in_series"] and after_next["imi_s"] == pytest.approx(
        nxt["onset_s"] - prev["onset_s"], abs=1e-6)

    # a movement in the longest quiet stretch: counted, a candidate, not in a series
    t = _quiet_place(doc, summary["input"]["duration_s"])
    status, doc, _ = client.post("/api/edit", {"op": "add", "onset_s": t, "duration_s": 1.5,
                                               "channel": "LAT"})
    assert status == 200, doc
    added = next(m for m in doc["leg_movements"] if m["onset_s"] == t)
    assert added["candidate"] and not added["in_series"] and added["leg"] == "left"
    new_id = next(e["id"] for e in doc["events"] if e["onset_s"] == t)

    # drag its offset: 1.5 s -> 12 s is no longer a candidate (WASM monolateral CLM <= 10 s)
    status, doc, _ = client.post("/api/edit", {"op": "modify", "id": new_id, "duration_s": 12.0})
    assert not next(m for m in doc["leg_movements"] if m["onset_s"] == t)["candidate"]
    status, doc, _ = client.post("/api/edit", {"op": "modify", "id": new_id, "duration_s": 9.99})
    assert next(m for m in doc["leg_movements"] if m["onset_s"] == t)["candidate"]
    # change its kind: no longer a leg movement
    status, doc, _ = client.post("/api/edit", {"op": "modify", "id": new_id,
                                               "trial_type": "fragmentary_myoclonus"})
    assert not any(m["onset_s"] == t for m in doc["leg_movements"])
    assert doc["can_undo"] == 5

    for _ in range(4):
        status, doc, _ = client.post("/api/undo")
    assert {i["name"]: i["value"] for i in doc["indices"]}["plms_count"] == plms0 - 1
    assert not any(m["onset_s"] == t for m in doc["leg_movements"])
    status, doc, _ = client.post("/api/undo")
    assert {i["name"]: i["value"] for i in doc["indices"]}["plms_count"] == plms0
    assert doc["can_undo"] == 0 and doc["can_redo"] == 5
    status, doc, _ = client.post("/api/undo")
    assert status == 200 and doc["revision"] == 10  # nothing left to undo: no change
    client.revision = doc["revision"]
    status, doc, _ = client.post("/api/redo")
    assert {i["name"]: i["value"] for i in doc["indices"]}["plms_count"] == plms0 - 1
    assert doc["pending_edits"] == 11


def test_stale_revision_and_bad_edits_are_refused(review) -> None:
    _, client = review
    state = client.open_session()
    some = next(e for e in state["events"] if e["trial_type"] == "leg_movement")
    status, doc, _ = client.post("/api/edit", {"op": "delete", "id": some["id"]},
                                 headers={"If-Match": '"7"'})
    assert status == 409 and "revision" in doc["error"]
    bad = [
        {"op": "add", "onset_s": 10, "duration_s": 1, "channel": "Chin1-Chin2"},
        {"op": "add", "onset_s": -1, "duration_s": 1, "channel": "LAT"},
        {"op": "add", "onset_s": 3599.5, "duration_s": 1, "channel": "LAT"},
        {"op": "add", "onset_s": 10, "duration_s": 0.01, "channel": "LAT"},
        {"op": "add", "onset_s": 10, "duration_s": 1, "channel": "LAT", "trial_type": "x"},
        {"op": "delete", "id": 10 ** 6},
        {"op": "rename"},
    ]
    for body in bad:
        status, doc, _ = client.post("/api/edit", body)
        assert status in (400, 404), (body, doc)
    assert client.get("/api/state")[1]["revision"] == 0


# -- saving -----------------------------------------------------------------------------
def test_save_writes_a_new_version_and_keeps_the_automatic_scoring(
        review, results_copy: Path, analysed_night: AnalysedNight) -> None:
    server, client = review
    auto_bytes = {p.name: p.read_bytes() for p in results_copy.iterdir() if p.is_file()}
    state = client.open_session(scorer="A. Scorer")
    prev, mark, nxt = _deletable_plm(state)
    client.post("/api/edit", {"op": "delete", "id": mark["id"]})
    t = _quiet_place(client.get("/api/state")[1], 3600.0)
    client.post("/api/edit", {"op": "add", "onset_s": t, "duration_s": 2.0, "channel": "RAT"})
    status, doc, _ = client.post("/api/save", {"scorer": "A. Scorer"})
    assert status == 200, doc
    vdir = results_copy / "reviewed" / "v001"
    assert doc["saved"]["version"] == 1 and Path(doc["saved"]["path"]) == vdir
    assert {p.name: p.read_bytes() for p in results_copy.iterdir() if p.is_file()} == auto_bytes
    assert sorted(p.name for p in vdir.iterdir()) == [
        "edits.jsonl", "events.tsv", "hypnogram.tsv", "summary.json"]

    auto_ev, saved_ev = _events(results_copy / "events.tsv"), _events(vdir / "events.tsv")
    tst_h = _tst_h(vdir)
    assert _plm_in_sleep(saved_ev) == _plm_in_sleep(auto_ev) - 1
    saved = json.loads((vdir / "summary.json").read_text())
    assert _index(saved, "plms_index") == pytest.approx(_plm_in_sleep(saved_ev) / tst_h)
    assert saved["review"]["version"] == 1 and saved["review"]["scorer"] == "A. Scorer"
    assert saved["input"]["sha256"] == json.loads(
        (results_copy / "summary.json").read_text())["input"]["sha256"]
    lm = saved_ev[saved_ev["trial_type"] == "leg_movement"]
    assert len(lm) == int((auto_ev["trial_type"] == "leg_movement").sum())  # -1 + 1
    new = lm[np.isclose(lm["onset"], t)]
    assert len(new) == 1 and new["channel"].iloc[0] == "RAT" and new["duration"].iloc[0] == 2.0
    comp = saved_ev[(saved_ev["trial_type"] == "leg_movement_component")
                    & np.isclose(saved_ev["onset"], t)]
    assert comp["lm_id"].iloc[0] == new["lm_id"].iloc[0]
    assert not ((saved_ev["trial_type"] == "leg_movement_component")
                & np.isclose(saved_ev["onset"], mark["onset_s"])
                & (saved_ev["channel"] == mark["channel"])).any()
    # rows no edit touches are kept as they were
    for kind in ("rswa_mini_epoch", "rswa_epoch", "large_movement"):
        assert (saved_ev["trial_type"] == kind).sum() == (auto_ev["trial_type"] == kind).sum()

    log = [json.loads(line) for line in (vdir / "edits.jsonl").read_text().splitlines()]
    assert [e["action"] for e in log] == ["delete", "add"]
    assert log[0]["before"]["onset_s"] == mark["onset_s"] and log[0]["after"] is None
    assert log[1]["after"]["channel"] == "RAT" and log[1]["scorer"] == "A. Scorer"
    assert all(e["time_utc"].endswith("Z") for e in log)
    session_logs = list((results_copy / "reviewed" / "sessions").glob("*.jsonl"))
    assert len(session_logs) == 1
    assert [json.loads(x)["action"] for x in session_logs[0].read_text().splitlines()] == [
        "delete", "add", "save"]

    # re-opening shows the latest version
    from somnomotor.review.night import load_review_night

    again = load_review_night(results_copy)
    assert again.version == 1
    assert len(again.events.select("leg_movement")) == len(lm)


def test_second_tab_saving_after_the_first_gets_a_conflict(review, results_copy: Path) -> None:
    server, first = review
    second = Client(first.base, first.token)
    first.open_session()
    second.open_session()
    ev = next(e for e in first.get("/api/state")[1]["events"] if e["trial_type"] == "leg_movement")
    first.post("/api/edit", {"op": "delete", "id": ev["id"]})
    second.post("/api/edit", {"op": "modify", "id": ev["id"], "duration_s": 0.7})
    assert first.post("/api/save")[0] == 200
    status, doc, _ = second.post("/api/save")
    assert status == 409 and "version 1" in doc["error"]
    assert [p.name for p in (results_copy / "reviewed").glob("v*")] == ["v001"]
    # a new tab starts from version 1, where the movement is gone
    third = Client(first.base, first.token)
    state = third.open_session()
    assert state["base_version"] == 1
    assert not any(e["onset_s"] == ev["onset_s"] and e["channel"] == ev["channel"]
                   for e in state["events"] if e["trial_type"] == "leg_movement")
    status, doc, _ = third.post("/api/save")
    assert status == 200 and doc["saved"]["version"] == 2
    log = (results_copy / "reviewed" / "v002" / "edits.jsonl").read_text().splitlines()
    assert len(log) == 1  # version 1's edit, carried forward; version 2 added none


def test_saved_version_is_accepted_by_score_events_and_export(
        review, results_copy: Path, tmp_path: Path) -> None:
    _, client = review
    state = client.open_session()
    _, mark, _ = _deletable_plm(state)
    client.post("/api/edit", {"op": "delete", "id": mark["id"]})
    assert client.post("/api/save")[0] == 200
    vdir = results_copy / "reviewed" / "v001"
    saved = json.loads((vdir / "summary.json").read_text())
    out = tmp_path / "rescored"
    assert main(["score-events", str(vdir / "events.tsv"), "--hypnogram",
                 str(vdir / "hypnogram.tsv"), "--out", str(out)]) == 0
    rescored = json.loads((out / "summary.json").read_text())
    # score-events reads no respiratory events, and plms_index keeps respiratory CLMs
    assert _index(rescored, "plms_index") == pytest.approx(_index(saved, "plms_index"), rel=1e-3)
    assert main(["export", str(vdir), "--format", "csv", "--format", "bids",
                 "--out", str(tmp_path / "export")]) == 0
    assert any((tmp_path / "export").iterdir())


# -- command line -----------------------------------------------------------------------
def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    return err


def test_folder_without_results_is_one_line(tmp_path: Path, capsys) -> None:
    err = _one_line_error(capsys, ["review", str(tmp_path), "--no-browser"])
    assert "holds no results" in err
    err = _one_line_error(capsys, ["review", str(tmp_path / "nope"), "--no-browser"])
    assert "does not exist" in err


def test_recording_with_another_checksum_is_one_line(results_copy: Path, tmp_path: Path,
                                                     capsys) -> None:
    other = tmp_path / "other.edf"
    other.write_bytes(b"0" * 1000)
    err = _one_line_error(capsys, ["review", str(results_copy), "--input", str(other),
                                   "--no-browser"])
    assert "SHA-256" in err and "night.edf" in err


def test_busy_port_is_one_line(results_copy: Path, capsys) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        err = _one_line_error(capsys, ["review", str(results_copy), "--port", str(port),
                                       "--no-browser"])
    assert f"port {port}" in err and "busy" in err


def test_results_without_recording_are_served_without_signals(results_copy: Path) -> None:
    with serving(results_copy, None) as (server, client):
        doc = client.get("/api/night")[1]
        assert doc["channels"] == [] and any("no recording" in w for w in doc["warnings"])
        assert any("respiratory" in w for w in doc["warnings"])
        assert client.get("/api/signal?channels=LAT")[0] == 404
        state = client.open_session()
        assert state["indices"] and not math.isnan(state["indices"][0]["value"])


def test_score_events_results_are_reviewed_on_their_own_channels(
        analysed_night: AnalysedNight, tmp_path: Path) -> None:
    res = analysed_night.results
    out = tmp_path / "rescored"
    assert main(["score-events", str(res / "events.tsv"), "--hypnogram",
                 str(res / "hypnogram.tsv"), "--out", str(out)]) == 0
    with serving(out, None) as (server, client):
        night = client.get("/api/night")[1]
        state = client.open_session()
        scored = json.loads((out / "summary.json").read_text())
        assert _index({"indices": state["indices"]}, "plms_index") == pytest.approx(
            _index(scored, "plms_index"), rel=1e-3)
        # every movement can be edited on the channel it was scored on
        for ev in [e for e in state["events"] if e["trial_type"] == "leg_movement"][:3]:
            assert ev["channel"] in night["leg_channels"]
            status, doc, _ = client.post("/api/edit", {"op": "modify", "id": ev["id"],
                                                       "duration_s": ev["duration_s"] + 0.2})
            assert status == 200, doc


def test_a_change_the_edit_log_cannot_record_is_not_made(review, results_copy: Path) -> None:
    _, client = review
    state = client.open_session()
    (results_copy / "reviewed").write_text("not a folder")  # the log cannot be created
    ev = next(e for e in state["events"] if e["trial_type"] == "leg_movement")
    status, doc, _ = client.post("/api/edit", {"op": "delete", "id": ev["id"]})
    assert status == 400 and "edit log" in doc["error"]
    after = client.get("/api/state")[1]
    assert after["revision"] == 0 and after["events"] == state["events"]
    assert client.post("/api/save")[0] >= 400
