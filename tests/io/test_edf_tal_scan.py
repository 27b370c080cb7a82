"""The one-pass TAL scan of EDF+ annotations finds exactly what edfio's parser finds (EDF+ 2.2)."""

from __future__ import annotations

from pathlib import Path

import edfio
import numpy as np

from somnomotor.io.edf import _read_layout, _tal_annotations


def _edfio_events(path: Path) -> list[tuple[float, float, str]]:
    edf = edfio.read_edf(path, lazy_load_data=True)
    return sorted((float(a.onset), float(a.duration or 0.0), a.text) for a in edf.annotations)


def test_tal_scan_matches_edfio_on_a_simulated_night(tmp_path):
    from somnomotor.simulate import simulate_night, write_simulated_night

    path = write_simulated_night(simulate_night("plmd", seed=3, duration_h=0.5), tmp_path / "n.edf")
    ours, offset = _tal_annotations(path, _read_layout(path), bytes_per_sample=2)
    theirs = _edfio_events(path)
    assert len(ours) == len(theirs) > 60
    assert sorted(t for _, _, t in ours) == sorted(t for _, _, t in theirs)
    assert np.allclose(sorted(o + offset for o, _, _ in ours), sorted(o for o, _, _ in theirs),
                       atol=1e-6)
    assert np.isclose(sum(d for _, d, _ in ours), sum(d for _, d, _ in theirs))


def test_tal_scan_reads_several_texts_in_one_tal_and_subsecond_starts(tmp_path):
    annotations = [edfio.EdfAnnotation(12.5, 30.0, "Sleep stage N2"),
                   edfio.EdfAnnotation(12.5, 30.0, "Arousal"),
                   edfio.EdfAnnotation(100.25, None, "Lights on")]
    edf = edfio.Edf([edfio.EdfSignal(np.zeros(2560), 256, label="LAT")], annotations=annotations)
    path = tmp_path / "x.edf"
    edf.write(path)
    ours, _ = _tal_annotations(path, _read_layout(path), bytes_per_sample=2)
    assert ours == [(12.5, 30.0, "Arousal"), (12.5, 30.0, "Sleep stage N2"), (100.25, 0.0, "Lights on")]
