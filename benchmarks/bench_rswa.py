"""Time the RSWA analysis on a simulated 8-h night (chin EMG at 512 Hz, ~90 min REM).

Run: ``python benchmarks/bench_rswa.py``. The side-by-side comparison with Luna's ``RAI``
command (lunapi) is not written yet; see docs/rswa.md.
"""

from __future__ import annotations

import time

import numpy as np

from somnomotor.detect.rswa import detect_rswa, detect_rswa_standards
from somnomotor.hypnogram import Hypnogram
from somnomotor.recording import Channel, Recording


def main() -> None:
    fs = 512.0
    rng = np.random.default_rng(0)
    stages = tuple((["W"] * 20 + (["N2"] * 180 + ["R"] * 45) * 4)[:960])
    x = rng.standard_normal(int(len(stages) * 30 * fs)).astype(np.float32)
    rec = Recording(channels=(Channel.from_array("Chin", x, fs_hz=fs),),
                    roles={"chin": ("Chin",)}, hypnogram=Hypnogram(stages))
    for name, call in (("sinbar", lambda: detect_rswa(rec)),
                       ("sinbar+aasm+montreal", lambda: detect_rswa_standards(rec))):
        best = min(_timed(call) for _ in range(3))
        print(f"{name}: {best:.3f} s (best of 3)")


def _timed(call: object) -> float:
    t = time.perf_counter()
    call()  # type: ignore[operator]
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
