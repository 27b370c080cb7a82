"""Tests of the EDF/BDF reader: real fixtures, lazy per-channel loading, units, bad input."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import edfio
import numpy as np
import pytest

from somnomotor._errors import (
    ChannelNotFoundError,
    InputFileError,
    InputFileNotFoundError,
    ParameterError,
    SomnomotorWarning,
)
from somnomotor.io import edf as edf_module
from somnomotor.io import edf_records
from somnomotor.io.edf import read_recording

DATA = Path(__file__).resolve().parents[1] / "data"
SHORT_EDF = DATA / "short_psg.edf"
SHORT_BDF = DATA / "short_psg.bdf"
SHORT_LABELS = ["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal", "Resp oro-nasal", "EMG submental",
                "Temp rectal", "Event marker"]

try:
    import somnomotor.io.annotations as _annotations

    HAVE_ANNOTATIONS = hasattr(_annotations, "from_labelled_events")
except ImportError:
    HAVE_ANNOTATIONS = False


def _write_edf(path: Path, signals: list[tuple[str, np.ndarray, float, str]], *,
               bdf: bool = False, annotations: list[edfio.EdfAnnotation] | None = None,
               record_s: float = 1.0) -> Path:
    """Write an EDF (or BDF) with edfio; signals are (label, data, fs_hz, unit)."""
    signal_class = edfio.BdfSignal if bdf else edfio.EdfSignal
    built = []
    for label, data, fs, unit in signals:
        span = float(np.max(np.abs(data))) or 1.0
        built.append(signal_class(np.asarray(data, dtype=float), fs, label=label,
                                  physical_dimension=unit, physical_range=(-span, span)))
    cls = edfio.Bdf if bdf else edfio.Edf
    rec = cls(built, starttime=dt.time(22, 30, 0), data_record_duration=record_s,
              annotations=annotations)
    rec.write(path)
    return path


# -- real fixtures -------------------------------------------------------------------------

@pytest.mark.parametrize("path", [SHORT_EDF, SHORT_BDF], ids=["edf", "bdf"])
def test_fixture_labels_rates_units_and_length(path: Path) -> None:
    rec = read_recording(path)
    assert rec.labels == SHORT_LABELS
    rates = {c.label: c.fs_hz for c in rec.channels}
    assert rates["EEG Fpz-Cz"] == 100.0 and rates["EMG submental"] == 1.0
    units = {c.label: c.unit for c in rec.channels}
    assert units["EEG Fpz-Cz"] == units["EOG horizontal"] == units["EMG submental"] == "uV"
    assert units["Temp rectal"] == "DegC" and units["Resp oro-nasal"] == ""
    assert rec.duration_s == 300.0
    assert rec.start == dt.datetime(1989, 4, 24, 16, 13, 0)
    assert rec.source == path
    eeg = rec.channel("EEG Fpz-Cz").data()
    assert eeg.dtype == np.float32 and eeg.shape == (30000,)
    assert rec.roles["eeg"] == ("EEG Fpz-Cz", "EEG Pz-Oz")
    assert rec.roles["chin"] == ("EMG submental",)


@pytest.mark.parametrize("path", [SHORT_EDF, SHORT_BDF], ids=["edf", "bdf"])
def test_fixture_values_equal_edfio_eager_calibration(path: Path) -> None:
    """Our per-channel calibration gives edfio's physical values (eager read) in µV."""
    eager = edfio.read_bdf(path) if path.suffix == ".bdf" else edfio.read_edf(
        path, lazy_load_data=False)
    rec = read_recording(path)
    for signal in eager.signals:
        ours = rec.channel(signal.label).data()
        np.testing.assert_allclose(ours, signal.data, rtol=1e-5, atol=1e-3)


def test_edf_and_bdf_fixtures_hold_the_same_excerpt() -> None:
    edf_rec, bdf_rec = read_recording(SHORT_EDF), read_recording(SHORT_BDF)
    np.testing.assert_allclose(edf_rec.channel("EOG horizontal").data(),
                               bdf_rec.channel("EOG horizontal").data(), atol=1.0)


# -- lazy loading ---------------------------------------------------------------------------

def _many_channels(tmp_path: Path, *, bdf: bool) -> tuple[Path, dict[str, np.ndarray]]:
    rng = np.random.default_rng(7)
    truth = {f"EMG{i:02d}": rng.normal(0, 20 + i, 200) for i in range(30)}
    signals = [(label, data, 20.0, "uV") for label, data in truth.items()]
    path = _write_edf(tmp_path / ("many.bdf" if bdf else "many.edf"), signals, bdf=bdf)
    return path, truth


def test_lazy_edf_reads_only_the_requested_signals(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path, truth = _many_channels(tmp_path, bdf=False)
    rec = read_recording(path)
    reads: list[int] = []
    original = edf_module.BdfSignalReader.read_bytes

    def counting(self):  # type: ignore[no-untyped-def]
        reads.append(self.start_byte)
        return original(self)

    monkeypatch.setattr(edf_module.BdfSignalReader, "read_bytes", counting)
    wanted = ["EMG03", "EMG17", "EMG29"]
    for label in wanted:
        data = rec.channel(label).data()
        np.testing.assert_allclose(data, truth[label], atol=0.01)
    # 30 signals of 20 two-byte samples per 1-s record: signal i starts at byte 40*i
    assert sorted(reads) == [40 * 3, 40 * 17, 40 * 29]


@pytest.mark.parametrize("bdf", [False, True])
def test_samples_are_read_in_blocks_without_a_memory_map(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bdf: bool) -> None:
    """A memory map would keep every page of the night in resident memory (all channels
    share each record); blocks of a few records must give the same samples."""
    path, truth = _many_channels(tmp_path, bdf=bdf)
    rec = read_recording(path)

    def no_memmap(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the data records were memory-mapped")

    monkeypatch.setattr(np, "memmap", no_memmap)
    # 30 x 20 samples x 2-3 bytes per record: 1.6 records per block, so blocks end inside
    # records' worth of bytes and the last block is short
    monkeypatch.setattr(edf_records, "_READ_BLOCK_BYTES", 2000)
    for label in ["EMG00", "EMG13", "EMG29"]:
        np.testing.assert_allclose(rec.channel(label).data(), truth[label],
                                   atol=1e-3 if bdf else 0.01)


def test_a_file_cut_after_opening_is_an_input_error(tmp_path: Path) -> None:
    path, _ = _many_channels(tmp_path, bdf=False)
    rec = read_recording(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 500])
    with pytest.raises(InputFileError, match="ended inside its data records"):
        rec.channel("EMG05").data()


def test_lazy_bdf_reads_only_the_requested_signals(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path, truth = _many_channels(tmp_path, bdf=True)
    rec = read_recording(path)
    reads: list[int] = []
    original = edf_module.BdfSignalReader.read_bytes

    def counting(self):  # type: ignore[no-untyped-def]
        reads.append(self.start_byte)
        return original(self)

    monkeypatch.setattr(edf_module.BdfSignalReader, "read_bytes", counting)
    for label in ["EMG00", "EMG12"]:
        np.testing.assert_allclose(rec.channel(label).data(), truth[label], atol=1e-3)
    assert sorted(reads) == [0, 3 * 20 * 12]


def test_recording_keeps_no_copy_of_the_samples(tmp_path: Path) -> None:
    """Two calls give equal but distinct arrays: nothing is cached in the Recording."""
    path, _ = _many_channels(tmp_path, bdf=False)
    channel = read_recording(path).channel("EMG05")
    first, second = channel.data(), channel.data()
    np.testing.assert_array_equal(first, second)
    assert first is not second and not np.shares_memory(first, second)


def test_channels_argument_keeps_only_the_named_channels(tmp_path: Path) -> None:
    path, _ = _many_channels(tmp_path, bdf=False)
    rec = read_recording(path, channels=["emg02", "EMG07"])
    assert rec.labels == ["EMG02", "EMG07"]


def test_channels_argument_rejects_an_unknown_label_with_suggestion(tmp_path: Path) -> None:
    path, _ = _many_channels(tmp_path, bdf=False)
    with pytest.raises(ChannelNotFoundError, match=r"EMG2X.*Did you mean"):
        read_recording(path, channels=["EMG2X"])


# -- units ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("unit", "factor"), [("uV", 1.0), ("mV", 1e3), ("V", 1e6),
                                              ("microV", 1.0)])
@pytest.mark.parametrize("bdf", [False, True], ids=["edf", "bdf"])
def test_voltage_units_are_converted_to_microvolt(tmp_path: Path, unit: str, factor: float,
                                                  bdf: bool) -> None:
    truth_uv = np.sin(np.linspace(0, 20, 512)) * 80.0  # ±80 µV, plausible leg EMG
    path = _write_edf(tmp_path / ("u.bdf" if bdf else "u.edf"),
                      [("LAT", truth_uv / factor, 256.0, unit)], bdf=bdf)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SomnomotorWarning)
        rec = read_recording(path)
    channel = rec.channel("LAT")
    assert channel.unit == "uV"
    np.testing.assert_allclose(channel.data(), truth_uv, atol=0.01)


@pytest.mark.parametrize("raw_unit", [b"\xb5V", b"\xc2\xb5V", b"\xce\xbcV"],
                         ids=["latin1-micro", "utf8-micro", "utf8-greek-mu"])
def test_non_ascii_micro_sign_in_header_reads_as_microvolt(tmp_path: Path,
                                                            raw_unit: bytes) -> None:
    truth_uv = np.cos(np.linspace(0, 10, 256)) * 40.0
    path = _write_edf(tmp_path / "mu.edf", [("LAT", truth_uv, 128.0, "uV")])
    raw = bytearray(path.read_bytes())
    unit_offset = 256 + 1 * (16 + 80)  # one signal: label (16) + transducer (80)
    assert raw[unit_offset:unit_offset + 2] == b"uV"
    raw[unit_offset:unit_offset + 8] = raw_unit.ljust(8)
    path.write_bytes(bytes(raw))
    channel = read_recording(path).channel("LAT")
    assert channel.unit == "uV"
    np.testing.assert_allclose(channel.data(), truth_uv, atol=0.01)


def test_leg_emg_without_unit_and_tiny_values_is_read_as_volts_with_warning(
        tmp_path: Path) -> None:
    truth_uv = np.sin(np.linspace(0, 20, 256)) * 50.0
    path = _write_edf(tmp_path / "v.edf", [("RAT", truth_uv * 1e-6, 128.0, "")])
    with pytest.warns(SomnomotorWarning, match="'RAT'.*volts"):
        rec = read_recording(path)
    np.testing.assert_allclose(rec.channel("RAT").data(), truth_uv, atol=0.01)
    assert any("RAT" in w for w in rec.warnings)


def test_millivolt_label_on_microvolt_values_warns(tmp_path: Path) -> None:
    path = _write_edf(tmp_path / "m.edf",
                      [("Chin1-Chin2", np.linspace(-3000, 3000, 256), 128.0, "mV")])
    with pytest.warns(SomnomotorWarning, match="'Chin1-Chin2'.*probably wrong"):
        read_recording(path)


def test_non_voltage_units_are_kept(tmp_path: Path) -> None:
    path = _write_edf(tmp_path / "o.edf", [("SpO2", np.full(16, 95.0), 1.0, "%"),
                                           ("Pulse", np.full(16, 60.0), 1.0, "bpm")],
                      record_s=16.0)
    rec = read_recording(path)
    assert [c.unit for c in rec.channels] == ["%", "bpm"]
    np.testing.assert_allclose(rec.channel("SpO2").data(), 95.0, atol=0.01)


# -- roles ----------------------------------------------------------------------------------

def test_role_override_replaces_inferred_role(tmp_path: Path) -> None:
    path, _ = _many_channels(tmp_path, bdf=False)
    rec = read_recording(path, roles={"leg_left": "EMG01", "leg_right": ["EMG02"]})
    assert rec.roles["leg_left"] == ("EMG01",) and rec.roles["leg_right"] == ("EMG02",)


def test_role_override_with_unknown_role_suggests_the_closest() -> None:
    with pytest.raises(ParameterError, match=r"'leg_lft'.*Did you mean 'leg_left'"):
        read_recording(SHORT_EDF, roles={"leg_lft": "EEG Pz-Oz"})


def test_role_override_with_unknown_label_lists_the_channels() -> None:
    with pytest.raises(ChannelNotFoundError, match=r"'EMG sub'.*EMG submental"):
        read_recording(SHORT_EDF, roles={"chin": "EMG sub"})


# -- embedded annotations ---------------------------------------------------------------------

@pytest.mark.skipif(not HAVE_ANNOTATIONS, reason="somnomotor.io.annotations not available")
@pytest.mark.parametrize("bdf", [False, True], ids=["edf", "bdf"])
def test_embedded_stage_annotations_become_a_hypnogram(tmp_path: Path, bdf: bool) -> None:
    stages = ["Sleep stage W", "Sleep stage 1", "Sleep stage 2", "Sleep stage R"]
    annotations = [edfio.EdfAnnotation(30.0 * i, 30.0, text) for i, text in enumerate(stages)]
    path = _write_edf(tmp_path / ("a.bdf" if bdf else "a.edf"),
                      [("C3-M2", np.zeros(120 * 64) + 1.0, 64.0, "uV")], bdf=bdf,
                      annotations=annotations)
    rec = read_recording(path)
    assert rec.hypnogram is not None
    assert list(rec.hypnogram.stages[:4]) == ["W", "N1", "N2", "R"]


def test_file_without_annotations_has_empty_annotations() -> None:
    rec = read_recording(SHORT_EDF)
    assert rec.hypnogram is None and len(rec.annotations.frame) == 0


# -- bad input ------------------------------------------------------------------------------

def test_missing_file_raises_input_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(InputFileNotFoundError, match="not found.*nowhere.edf"):
        read_recording(tmp_path / "nowhere.edf")


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="not a file"):
        read_recording(tmp_path)


def test_text_file_is_not_edf(tmp_path: Path) -> None:
    path = tmp_path / "notes.edf"
    path.write_text("onset,duration,label\n0,30,W\n")
    with pytest.raises(InputFileError, match=r"notes\.edf: not an EDF or BDF file"):
        read_recording(path)


def test_png_is_not_edf(tmp_path: Path) -> None:
    path = tmp_path / "picture.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(300))
    with pytest.raises(InputFileError, match=r"picture\.png: not an EDF or BDF file"):
        read_recording(path)


def test_empty_file_is_not_edf(tmp_path: Path) -> None:
    path = tmp_path / "empty.edf"
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty.edf"):
        read_recording(path)


@pytest.mark.parametrize("source", [SHORT_EDF, SHORT_BDF], ids=["edf", "bdf"])
def test_truncated_file_is_refused(tmp_path: Path, source: Path) -> None:
    path = tmp_path / ("cut" + source.suffix)
    path.write_bytes(source.read_bytes()[:-1000])
    with pytest.raises(InputFileError, match=rf"cut\{source.suffix}: truncated"):
        read_recording(path)


def test_file_cut_inside_the_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "head.edf"
    path.write_bytes(SHORT_EDF.read_bytes()[:600])
    with pytest.raises(InputFileError, match="head.edf: truncated"):
        read_recording(path)


def _patch_header(source: Path, target: Path, offset: int, text: str, width: int) -> Path:
    raw = bytearray(source.read_bytes())
    raw[offset:offset + width] = text.ljust(width).encode("ascii")
    target.write_bytes(bytes(raw))
    return target


def test_header_record_count_not_matching_file_size_is_refused(tmp_path: Path) -> None:
    # short_psg.edf has 10 data records; the header now claims 12
    path = _patch_header(SHORT_EDF, tmp_path / "count.edf", 236, "12", 8)
    with pytest.raises(InputFileError, match=r"count\.edf.*12 data records.*holds"):
        read_recording(path)


def test_header_samples_per_record_not_matching_file_size_is_refused(tmp_path: Path) -> None:
    n_signals = 7
    spr_offset = 256 + n_signals * 216  # first signal's "samples per data record" field
    path = _patch_header(SHORT_EDF, tmp_path / "spr.edf", spr_offset, "2999", 8)
    with pytest.raises(InputFileError, match=r"spr\.edf: (truncated|inconsistent)"):
        read_recording(path)


def test_header_with_unreadable_number_is_refused(tmp_path: Path) -> None:
    path = _patch_header(SHORT_EDF, tmp_path / "nan.edf", 236, "ten", 8)
    with pytest.raises(InputFileError, match=r"nan\.edf: invalid EDF header"):
        read_recording(path)


def test_discontinuous_edf_plus_d_is_refused(tmp_path: Path) -> None:
    source = _write_edf(tmp_path / "c.edf", [("LAT", np.zeros(64), 32.0, "uV")],
                        annotations=[edfio.EdfAnnotation(0.5, None, "x")])
    assert source.read_bytes()[192:197] == b"EDF+C"
    path = _patch_header(source, tmp_path / "d.edf", 192, "EDF+D", 44)
    with pytest.raises(InputFileError, match=r"d\.edf: EDF\+D \(discontinuous\).*not supported"):
        read_recording(path)


def test_invalid_start_time_leaves_start_unknown_with_warning(tmp_path: Path) -> None:
    path = _patch_header(SHORT_EDF, tmp_path / "time.edf", 176, "99.99.99", 8)
    with pytest.warns(SomnomotorWarning, match="time.edf: no valid start time"):
        rec = read_recording(path)
    assert rec.start is None and rec.duration_s == 300.0


def test_anonymised_edf_plus_date_keeps_the_clock_time(tmp_path: Path) -> None:
    # edfio writes "Startdate X" (anonymised) when no date is given; the clock time stays
    path = _write_edf(tmp_path / "anon.edf", [("LAT", np.ones(64), 32.0, "uV")])
    assert b"Startdate X" in path.read_bytes()[88:168]
    rec = read_recording(path)
    assert rec.start is not None and rec.start.time() == dt.time(22, 30, 0)


def test_unparseable_signal_header_field_names_file_and_channel(tmp_path: Path) -> None:
    n_signals = 7
    physical_min_offset = 256 + n_signals * (16 + 80 + 8)  # first signal's physical minimum
    path = _patch_header(SHORT_EDF, tmp_path / "pmin.edf", physical_min_offset, "abc", 8)
    with pytest.raises(InputFileError, match=r"pmin\.edf: invalid EDF header for signal 1 "
                                             r"\('EEG Fpz-Cz'\)"):
        read_recording(path)


def test_non_path_argument_is_refused() -> None:
    with pytest.raises(ParameterError, match="file path or an mne.io.Raw.*int"):
        read_recording(42)


def test_unknown_record_count_minus_one_is_read_from_the_file_size(tmp_path: Path) -> None:
    # EDF spec: -1 data records is allowed while recording; the size then gives the count
    path = _patch_header(SHORT_EDF, tmp_path / "open.edf", 236, "-1", 8)
    rec = read_recording(path)
    assert rec.duration_s == 300.0 and rec.channel("EEG Fpz-Cz").n_samples == 30000


def test_channels_given_as_a_single_string_is_refused() -> None:
    with pytest.raises(ParameterError, match=r"sequence of labels.*\['EEG Fpz-Cz'\]"):
        read_recording(SHORT_EDF, channels="EEG Fpz-Cz")


def test_combined_leg_warning_follows_the_role_overrides(tmp_path: Path) -> None:
    # 256 Hz: a 32-Hz 'Leg' is a movement sensor and gets no note on how EMG is scored
    signals = [(label, np.sin(np.arange(512.0)) * 50, 256.0, "uV")
               for label in ("Leg", "EMG5", "EMG6")]
    path = _write_edf(tmp_path / "legs.edf", signals)
    with pytest.warns(SomnomotorWarning, match="'Leg' has no side"):
        rec = read_recording(path)
    assert any("several channels look like chin" in w for w in rec.warnings)
    rec = read_recording(path, roles={"leg_left": "EMG5", "leg_right": "EMG6", "chin": "Leg"})
    assert rec.warnings == ()
    rec = read_recording(path, roles={"leg": "EMG5"})
    assert any("'EMG5' has no side" in w for w in rec.warnings)
