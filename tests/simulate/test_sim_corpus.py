"""Randomized corpus: deterministic per seed, draws every hard case, rates and ranges, and the
CLI (--randomize, --corpus)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from somnomotor._errors import ParameterError
from somnomotor.cli.main import main
from somnomotor.simulate import (
    CONDITIONS,
    LEG_CASES,
    corpus_seeds,
    draw_random_night,
    read_truth,
    simulate_corpus,
    simulate_random_night,
)


def test_every_leg_case_is_a_named_condition() -> None:
    assert set(LEG_CASES) <= set(CONDITIONS)


def test_corpus_seeds_are_deterministic_and_distinct_between_corpora() -> None:
    assert corpus_seeds(3, 5) == corpus_seeds(3, 5)
    assert len(set(corpus_seeds(3, 20))) == 20
    assert not set(corpus_seeds(3, 20)) & set(corpus_seeds(4, 20))
    with pytest.raises(ParameterError, match="n_nights"):
        corpus_seeds(3, 0)


def test_twenty_draws_cover_every_case_rate_range_and_profile() -> None:
    draws = [draw_random_night(s) for s in corpus_seeds(0, 20)]
    assert {c for d in draws for c in d.conditions} == set(LEG_CASES)
    assert {d.leg_fs_hz for d in draws} == {200.0, 256.0, 500.0, 512.0}
    assert {d.settings.physical_range_uV for d in draws} == {100.0, 200.0, 500.0, 1000.0}
    assert {d.settings.digital_range for d in draws} == {(-32768, 32767), (-2048, 2047),
                                                         (0, 4095)}
    assert {d.profile for d in draws} == {"healthy", "plmd"}
    rests = [d.settings.rest_uV for d in draws]
    assert min(rests) >= 0.8 and max(rests) <= 3.0
    for d in draws:
        spiky = d.settings.carrier_excess_kurtosis
        # the sub-threshold case brings the spiky carrier with it (see docs/simulator.md)
        assert (spiky > 0) == bool({"spiky", "subthreshold"} & set(d.conditions))
        assert (d.settings.strong_fraction > 0) == ("clipping" in d.conditions)
        assert (d.settings.subthreshold_per_h > 0) == ("subthreshold" in d.conditions)


def test_random_night_is_deterministic_and_records_its_draw() -> None:
    seed = corpus_seeds(1, 1)[0]
    a = simulate_random_night(seed, duration_h=0.1)
    b = simulate_random_night(seed, duration_h=0.1)
    assert a.truth.to_json() == b.truth.to_json()
    for ca, cb in zip(a.recording.channels, b.recording.channels, strict=True):
        np.testing.assert_array_equal(ca.data(), cb.data())
    draw = draw_random_night(seed)
    assert a.truth.parameters["randomized"] == draw.to_dict()
    assert a.truth.profile == draw.profile and set(draw.conditions) <= set(a.truth.conditions)
    rail = draw.settings.physical_range_uV
    assert a.truth.channel("LAT").physical_range_uV == (-rail, rail)
    assert a.recording.channel("LAT").fs_hz == draw.leg_fs_hz
    assert np.abs(a.recording.channel("LAT").data()).max() <= rail


def test_simulate_corpus_yields_the_random_nights_with_their_index() -> None:
    nights = list(simulate_corpus(2, 2, duration_h=0.1))
    seeds = corpus_seeds(2, 2)
    assert [n.truth.seed for n in nights] == seeds
    assert [n.truth.parameters["corpus_index"] for n in nights] == [0, 1]
    alone = simulate_random_night(seeds[1], duration_h=0.1)
    assert alone.truth.events == nights[1].truth.events


def test_cli_randomize_and_corpus_write_nights(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.edf"
    assert main(["simulate", "--randomize", "--seed", "7", "--duration-h", "0.1",
                 "--out", str(out)]) == 0
    truth = read_truth(out)
    assert truth.seed == 7 and "randomized" in truth.parameters
    folder = tmp_path / "corpus"
    folder.mkdir()
    assert main(["simulate", "--corpus", "2", "--seed", "1", "--duration-h", "0.1",
                 "--out", str(folder)]) == 0
    assert sorted(p.name for p in folder.glob("*.edf")) == ["night_000.edf", "night_001.edf"]
    assert read_truth(folder / "night_001.edf").parameters["corpus_index"] == 1
    capsys.readouterr()


@pytest.mark.parametrize("argv, needle", [
    (["--randomize", "--profile", "plmd"], "--profile"),
    (["--corpus", "0"], "--corpus"),
    (["--corpus", "2", "--randomize"], "not both"),
])
def test_cli_bad_corpus_input_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                argv: list[str], needle: str) -> None:
    code = main(["simulate", "--out", str(tmp_path), *argv])
    err = capsys.readouterr().err.strip()
    assert code == 1 and needle in err and "\n" not in err


def test_cli_simulate_condition_clipping_works(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "c.edf"
    assert main(["simulate", "--condition", "clipping", "--duration-h", "0.1", "--seed", "1",
                 "--out", str(out)]) == 0
    assert "clipping" in read_truth(out).conditions
    capsys.readouterr()


def test_cli_simulate_help_lists_the_new_conditions(capsys: pytest.CaptureFixture[str]) -> None:
    # the condition lines hold "%", which argparse would expand (TypeError before the fix)
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in LEG_CASES:
        assert name in out
    assert "--randomize" in out and "--corpus" in out and "%" in out
