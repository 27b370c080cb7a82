"""--stage-map reaches the hypnogram embedded in an EDF+ recording, not only separate files."""

from __future__ import annotations

import numpy as np
import pytest

from somnomotor.pipeline import load_night


def _night(make_edf):
    rng = np.random.default_rng(0)
    fs = 256.0
    n_epochs = 20
    data = rng.normal(0, 3, size=int(n_epochs * 30 * fs))
    stages = ["Sleep stage W"] * 4 + ["Stage Q"] * 10 + ["Sleep stage 2"] * 6
    annotations = [(30.0 * i, 30.0, label) for i, label in enumerate(stages)]
    return make_edf("night.edf", signals={"LAT": (data, fs), "RAT": (data[::-1].copy(), fs)},
                    annotations=annotations)


def test_unknown_embedded_stage_label_is_unscored_and_named(make_edf):
    path = _night(make_edf)
    with pytest.warns(UserWarning, match="Stage Q"):
        night = load_night(path)
    # 6 epochs of N2 only: the 10 'Stage Q' epochs are not sleep
    assert night.hypnogram.total_sleep_time_s == pytest.approx(6 * 30.0)


def test_stage_map_maps_an_embedded_stage_label(make_edf):
    path = _night(make_edf)
    night = load_night(path, stage_map={"Stage Q": "N2"})
    assert night.hypnogram.total_sleep_time_s == pytest.approx(16 * 30.0)
