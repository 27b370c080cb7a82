"""Properties every PLM scoring must keep, whatever the movements (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from _plm_helpers import sleep
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from somnomotor.events import EventTable
from somnomotor.hypnogram import Hypnogram
from somnomotor.score.plm import score_plm
from somnomotor.score.plm_rules import PLMRules

RULES = st.sampled_from([PLMRules.wasm_2016(), PLMRules.aasm()])
HYP = Hypnogram(tuple(["W", "N1", "N2", "N2", "N3", "R", "N2", "W"] * 15), source="test")

# Onsets on a 0.01-s grid inside the first hour; durations 0.2-16 s.
movement = st.tuples(
    st.integers(min_value=0, max_value=300_000).map(lambda x: x / 100),
    st.integers(min_value=20, max_value=1600).map(lambda x: x / 100),
    st.sampled_from(["left", "right"]),
)
movement_lists = st.lists(movement, min_size=0, max_size=40)
FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def _table(spec: list[tuple[float, float, str]]) -> EventTable:
    return EventTable.from_arrays([s[0] for s in spec], [s[1] for s in spec], "limb_movement",
                                  side=[s[2] for s in spec])


RESP = EventTable.from_arrays([500.0, 1500.0], [20.0, 30.0], "apnea")
AROUSALS = EventTable.from_arrays([130.0, 1200.0, 2500.0], [5.0, 10.0, 3.0], "arousal")


def _score(spec, rules):  # type: ignore[no-untyped-def]
    return score_plm(_table(spec), hypnogram=HYP, respiratory=RESP, arousals=AROUSALS,
                     rules=rules)


@FAST
@given(movement_lists, RULES)
def test_indices_are_never_negative(spec, rules) -> None:  # type: ignore[no-untyped-def]
    res = _score(spec, rules)
    for ix in res.indices:
        if ix.name.startswith("ln_imi_mean"):
            continue  # a log of seconds, may be any real number (>= ln 10 here)
        assert ix.value is None or ix.value >= 0, ix.name


@FAST
@given(movement_lists, RULES)
def test_plm_count_at_most_clm_count_at_most_lm_count(spec, rules) -> None:  # type: ignore[no-untyped-def]
    f = _score(spec, rules).events.frame
    n_plm, n_clm = int(f["in_series"].sum()), int(f["candidate"].sum())
    assert n_plm <= n_clm <= len(f)
    assert int(f["in_series_nr"].sum()) <= n_clm
    # A PLM is always a candidate; a series holds >= 4 members.
    assert not (f["in_series"] & ~f["candidate"]).any()
    if n_plm:
        assert f.loc[f["in_series"], "series_id"].value_counts().min() >= 4


@FAST
@given(movement_lists, RULES, st.data())
def test_a_movement_far_from_all_others_changes_no_existing_series(spec, rules, data) -> None:  # type: ignore[no-untyped-def]
    before = _score(spec, rules).events.frame
    occupied = [(s[0], s[0] + s[1]) for s in spec]
    far = data.draw(st.integers(min_value=0, max_value=3_500).map(float))
    if any(abs(far - a) <= 200 or abs(far - b) <= 200 for a, b in occupied):
        return
    after = _score(spec + [(far, 1.0, "left")], rules).events.frame
    after = after[after["onset_s"] != far].reset_index(drop=True)
    pd.testing.assert_series_equal(before["in_series"], after["in_series"])
    pd.testing.assert_series_equal(before["series_id"], after["series_id"])


@FAST
@given(movement_lists, RULES, st.randoms(use_true_random=False))
def test_permuting_input_rows_changes_nothing(spec, rules, rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(spec)
    rnd.shuffle(shuffled)
    a, b = _score(spec, rules), _score(shuffled, rules)
    pd.testing.assert_frame_equal(a.events.frame, b.events.frame)
    assert a.index_values() == b.index_values()


@FAST
@given(movement_lists, RULES)
def test_left_right_mirror_swaps_only_the_side_indices(spec, rules) -> None:  # type: ignore[no-untyped-def]
    swap = {"left": "right", "right": "left"}
    a = _score(spec, rules)
    b = _score([(o, d, swap[s]) for o, d, s in spec], rules)
    fa, fb = a.events.frame, b.events.frame
    assert list(fa["leg"].map(lambda x: swap.get(x, x))) == list(fb["leg"])
    for col in ("onset_s", "duration_s", "in_series", "series_id", "candidate", "imi_s"):
        pd.testing.assert_series_equal(fa[col], fb[col])
    va, vb = a.index_values(), b.index_values()
    for name, value in va.items():
        mirrored = name.replace("left", "@").replace("right", "left").replace("@", "right")
        assert vb[mirrored] == value, name


@FAST
@given(movement_lists)
def test_wasm_plms_nr_never_exceeds_plms(spec) -> None:  # type: ignore[no-untyped-def]
    res = _score(spec, PLMRules.wasm_2016())
    plms, nr = res.index("plms_index").value, res.index("plms_nr_index").value
    assert nr is not None and plms is not None and nr <= plms


def test_three_thousand_movements_score_in_well_under_a_second() -> None:
    import time

    rng = np.random.default_rng(1)
    onsets = np.cumsum(rng.uniform(3, 18, 3000))
    spec = list(zip(onsets, rng.uniform(0.3, 12, 3000), rng.choice(["left", "right"], 3000),
                    strict=True))
    hyp = sleep(int(onsets[-1] // 30) + 2)
    start = time.perf_counter()
    score_plm(_table(spec), hypnogram=hyp, respiratory=RESP, arousals=AROUSALS)
    assert time.perf_counter() - start < 1.0
