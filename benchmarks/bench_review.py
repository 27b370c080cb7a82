"""Speed of the review screen on an 8-h night with 8 channels at 512 Hz (simulated).

The simulator's rbd night (legs, chin, arms at 512 Hz; EEG and ECG at 256 Hz) is written with
every channel at 512 Hz (EEG and ECG repeated sample by sample) plus an EOG channel, so the
screen has 8 channels of 14.7 M samples each. Measured:

* from process start: ``somnomotor review RESULTS --input EDF --no-browser`` run as a new
  process (imports included) until its address is printed, ``/api/night`` is answered and
  the first 30-s window of every channel (``/api/signal``, filtered, as the page asks) is
  answered; median of ``--runs`` runs, with the CPU seconds the process used until then;
* server side, in this process (modules already imported): start (reading the results and
  the recording's header, SHA-256 check) to the first 30-s window of all 8 channels; paging (one 30-s window of 8 channels per request);
  one edit (delete + rescore with score_plm) and its undo, as HTTP round trips;
* in headless Chromium (when Playwright and Debian's chromium are installed): from opening
  the page to the first screen drawn, and from a key press to the next page drawn.

Usage: ``PYTHONPATH=src python benchmarks/bench_review.py [--folder DIR] [--hours 8] [--runs 5]``
(``--only-start`` measures only the process-start line).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "review"))


def build(folder: Path, hours: float) -> tuple[Path, Path]:
    from somnomotor.pipeline import analyze_recording, load_night, write_night_outputs
    from somnomotor.recording import Channel
    from somnomotor.simulate import simulate_night, write_simulated_night

    edf, results = folder / "night8.edf", folder / "results"
    if (results / "summary.json").is_file():
        return edf, results
    night = simulate_night("rbd", seed=1, duration_h=hours)
    channels = []
    for ch in night.recording.channels:
        x = ch.data()
        if ch.fs_hz == 256.0:
            x = np.repeat(x, 2)
        channels.append(Channel.from_array(ch.label, x, fs_hz=512.0))
    eeg = channels[[c.label for c in channels].index("C4-M1")].data()
    rng = np.random.default_rng(1)
    channels.append(Channel.from_array("E1-M2", 0.5 * eeg + rng.normal(0, 5, eeg.size),
                                       fs_hz=512.0))
    night = replace(night, recording=replace(night.recording, channels=tuple(channels)))
    write_simulated_night(night, edf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = analyze_recording(load_night(edf), auto_stage=False)
    write_night_outputs(analysis, results, input_path=edf)
    return edf, results


def process_start_to_first_window(edf: Path, results: Path) -> dict[str, float]:
    """One ``somnomotor review`` process: seconds from its start to the address printed, to
    ``/api/night`` answered, to the first 30-s window of every channel answered, and the CPU
    seconds (all threads) it had used by then."""
    import urllib.request
    from urllib.parse import quote

    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "somnomotor", "review", str(results),
                             "--input", str(edf), "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        address = time.perf_counter() - t0
        match = re.search(r"open (http://\S+)", line)
        if match is None:
            raise RuntimeError(f"no address printed: {line!r}")
        url = match.group(1)
        with urllib.request.urlopen(url + "api/night") as answer:
            night = json.load(answer)
        night_s = time.perf_counter() - t0
        labels = ",".join(c["label"] for c in night["channels"])
        with urllib.request.urlopen(f"{url}api/signal?channels={quote(labels)}&start=0"
                                    "&duration=30&pixels=1400&filter=1") as answer:
            json.load(answer)
        first = time.perf_counter() - t0
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    finally:
        proc.terminate()
        proc.wait()
    return {"address_s": address, "night_s": night_s, "first_window_s": first, "cpu_s": cpu}


def process_start_summary(edf: Path, results: Path, runs: int) -> dict[str, object]:
    load_before = os.getloadavg()[0]
    rows = [process_start_to_first_window(edf, results) for _ in range(runs)]
    out: dict[str, object] = {"runs": runs, "load_average_1min": [round(load_before, 2),
                                                                  round(os.getloadavg()[0], 2)]}
    for key in ("address_s", "night_s", "first_window_s", "cpu_s"):
        values = [r[key] for r in rows]
        out[f"start_to_{key}_median"] = round(statistics.median(values), 3)
        out[f"start_to_{key}_range"] = [round(min(values), 3), round(max(values), 3)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "bench_review")
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--runs", type=int, default=5,
                        help="process starts measured (median reported)")
    parser.add_argument("--only-start", action="store_true",
                        help="measure only process start -> first window")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    edf, results = build(args.folder, args.hours)
    start_line = process_start_summary(edf, results, args.runs)
    if args.only_start:
        print(json.dumps(start_line, indent=2))
        return
    from _review_helpers import Client

    from somnomotor.review.night import load_review_night
    from somnomotor.review.server import ReviewServer

    t0 = time.perf_counter()
    night = load_review_night(results, recording_path=edf)
    server = ReviewServer(night)
    server.start_thread()
    client = Client(server.url, server.app.token)
    labels = [c["label"] for c in client.get("/api/night")[1]["channels"]]
    state = client.open_session()
    from urllib.parse import quote

    q = f"/api/signal?channels={quote(','.join(labels))}&duration=30&pixels=1400&filter=1"
    client.get(q + "&start=0")
    first = time.perf_counter() - t0
    pages = []
    for k in range(1, 41):
        t = time.perf_counter()
        client.get(q + f"&start={k * 30}")
        pages.append(time.perf_counter() - t)
    edits = []
    legs = [e for e in state["events"] if e["trial_type"] == "leg_movement"]
    for ev in legs[:10]:
        t = time.perf_counter()
        client.post("/api/edit", {"op": "delete", "id": ev["id"]})
        client.post("/api/undo")
        edits.append((time.perf_counter() - t) / 2)
    out = {
        "channels": len(labels), "hours": args.hours, "leg_movements": len(state["leg_movements"]),
        "process_start": start_line,
        "server_first_screen_s": round(first, 3),
        "page_median_s": round(statistics.median(pages), 4), "page_max_s": round(max(pages), 4),
        "edit_median_s": round(statistics.median(edits), 4), "edit_max_s": round(max(edits), 4),
    }
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(
                tempfile.mkdtemp(), executable_path="/usr/bin/chromium", headless=True,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                      "--no-first-run", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync"],
                viewport={"width": 1500, "height": 850})
            page = ctx.new_page()
            t = time.perf_counter()
            page.goto(server.url)
            page.wait_for_function("() => window.review.traces && window.review.traces.length > 0",
                                   timeout=30000)
            out["browser_first_screen_s"] = round(time.perf_counter() - t, 3)
            keys = []
            for k in range(1, 21):
                t = time.perf_counter()
                page.keyboard.press("ArrowRight")
                page.wait_for_function(
                    f"() => window.review.traces && window.review.traces[0].t0 >= {k * 30 - 0.01}")
                keys.append(time.perf_counter() - t)
            out["browser_page_median_s"] = round(statistics.median(keys), 4)
            out["browser_page_max_s"] = round(max(keys), 4)
            ctx.close()
    except ImportError:
        out["browser"] = "Playwright not installed"
    server.shutdown()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
