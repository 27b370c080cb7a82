"""Tests of the MNE-Python bridge: volts to µV, roles, annotations relative to the first sample."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pytest

from somnomotor._errors import ParameterError
from somnomotor.io import from_mne_raw, read_recording

mne = pytest.importorskip("mne")

try:
    import somnomotor.io.annotations as _annotations

    HAVE_ANNOTATIONS = hasattr(_annotations, "from_labelled_events")
except ImportError:
    HAVE_ANNOTATIONS = False

FS = 100.0
MEAS_DATE = dt.datetime(2024, 3, 1, 22, 15, 0, tzinfo=dt.UTC)


def _raw(seconds: float = 120.0) -> tuple[object, dict[str, np.ndarray]]:
    rng = np.random.default_rng(3)
    n = int(seconds * FS)
    truth_uv = {"LAT": rng.normal(0, 30, n), "RAT": rng.normal(0, 25, n),
                "C4-M1": rng.normal(0, 40, n)}
    spo2 = np.full(n, 96.0)
    data = np.vstack([truth_uv["LAT"] * 1e-6, truth_uv["RAT"] * 1e-6,
                      truth_uv["C4-M1"] * 1e-6, spo2])
    info = mne.create_info(["LAT", "RAT", "C4-M1", "SpO2"], FS,
                           ch_types=["emg", "emg", "eeg", "misc"], verbose=False)
    raw = mne.io.RawArray(data, info, verbose=False)
    raw.set_meas_date(MEAS_DATE)
    return raw, truth_uv


def test_voltages_come_back_in_microvolt_as_float32() -> None:
    raw, truth = _raw()
    rec = from_mne_raw(raw)
    for label in ("LAT", "RAT", "C4-M1"):
        channel = rec.channel(label)
        assert channel.unit == "uV" and channel.fs_hz == FS
        data = channel.data()
        assert data.dtype == np.float32
        np.testing.assert_allclose(data, truth[label], rtol=1e-5, atol=1e-3)
    assert rec.channel("SpO2").unit == ""
    np.testing.assert_allclose(rec.channel("SpO2").data(), 96.0)


def test_roles_duration_and_start_from_the_raw() -> None:
    raw, _ = _raw()
    rec = from_mne_raw(raw)
    assert rec.roles["leg_left"] == ("LAT",) and rec.roles["leg_right"] == ("RAT",)
    assert rec.roles["eeg"] == ("C4-M1",) and rec.roles["oximetry"] == ("SpO2",)
    assert rec.duration_s == pytest.approx(120.0)
    assert rec.start == dt.datetime(2024, 3, 1, 22, 15, 0)


def test_read_recording_dispatches_an_mne_raw() -> None:
    raw, truth = _raw()
    rec = read_recording(raw, roles={"chin": "C4-M1"})
    assert rec.roles["chin"] == ("C4-M1",) and "eeg" not in rec.roles
    np.testing.assert_allclose(rec.channel("LAT").data(), truth["LAT"], atol=1e-3)


def test_cropped_raw_starts_at_its_first_sample() -> None:
    raw, truth = _raw()
    raw.crop(tmin=30.0)
    rec = from_mne_raw(raw)
    assert rec.start == dt.datetime(2024, 3, 1, 22, 15, 30)
    np.testing.assert_allclose(rec.channel("LAT").data(), truth["LAT"][3000:], atol=1e-3)


@pytest.mark.skipif(not HAVE_ANNOTATIONS, reason="somnomotor.io.annotations not available")
def test_annotations_count_from_the_first_sample_of_a_cropped_raw() -> None:
    raw, _ = _raw()
    raw.set_annotations(mne.Annotations(onset=[40.0, 70.0], duration=[30.0, 30.0],
                                        description=["Sleep stage 2", "Sleep stage R"],
                                        orig_time=MEAS_DATE))
    raw.crop(tmin=10.0)
    rec = from_mne_raw(raw)
    assert rec.hypnogram is not None
    # stage N2 began 40 s after the original start, i.e. 30 s after the cropped first sample
    assert rec.hypnogram.onset_s == pytest.approx(30.0)
    assert list(rec.hypnogram.stages[:2]) == ["N2", "R"]


@pytest.mark.filterwarnings("ignore:.*(highpass|lowpass|Highpass).*:RuntimeWarning")
def test_mne_raw_read_from_edf_matches_our_reader(tmp_path: Path) -> None:
    fixture = Path(__file__).resolve().parents[1] / "data" / "short_psg.edf"
    raw = mne.io.read_raw_edf(fixture, preload=False, verbose=False)
    rec = from_mne_raw(raw)
    assert rec.source is not None and rec.source.name == "short_psg.edf"
    ours = read_recording(fixture)
    for label in ("EEG Fpz-Cz", "EOG horizontal"):  # 100-Hz channels (MNE upsamples others)
        assert rec.channel(label).unit == "uV"
        np.testing.assert_allclose(rec.channel(label).data(), ours.channel(label).data(),
                                   atol=1e-2)
    # MNE types every EDF channel "eeg" but leaves non-voltages (unit "n/a") unscaled
    temperature = rec.channel("Temp rectal")
    assert temperature.unit != "uV"
    assert 34.0 <= float(temperature.data().min()) <= float(temperature.data().max()) <= 40.0


def test_non_raw_object_is_refused() -> None:
    with pytest.raises(ParameterError, match="mne.io.Raw.*ndarray"):
        from_mne_raw(np.zeros(3))


def test_missing_mne_gives_a_clear_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mne", None)
    with pytest.raises(ImportError, match="pip install"):
        from_mne_raw(object())
