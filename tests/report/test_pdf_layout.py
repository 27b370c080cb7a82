"""Layout of PDF page 1 and the PLMS-per-hour figure, checked on the rendered text boxes:
no two texts overlap, every table cell stays inside its column, the cut-off label sits clear
of the bars."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from _night import Night, make_night
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from somnomotor.report import plots
from somnomotor.report.guidance import guidance_for_outputs
from somnomotor.report.pdf import TABLE_COLUMNS, build_pages


@pytest.fixture(scope="module")
def simulated_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated RBD night (45 min, arms, scored hypnogram) analysed by the pipeline: real
    index names, cut-off texts and findings, and the short-night caveats."""
    from somnomotor.pipeline import analyze_recording, write_night_outputs
    from somnomotor.simulate import simulate_night

    night = simulate_night("rbd", seed=2, duration_h=0.75)
    analysis = analyze_recording(night.recording, auto_stage=False)
    out = tmp_path_factory.mktemp("rbd")
    write_night_outputs(analysis, out)
    return out


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Night:
    return make_night(tmp_path_factory.mktemp("made"), plms_per_h=40.0, rswa_flagged=True)


@pytest.fixture(scope="module")
def made_folder(made: Night) -> Path:
    return made.out_dir


def _page_one(folder: Path) -> tuple[Figure, object]:
    night = plots.load_night(folder)
    page = build_pages(night, guidance=guidance_for_outputs(night.summary, night.events))[0]
    canvas = FigureCanvasAgg(page)
    page.set_dpi(100)
    canvas.draw()
    return page, canvas.get_renderer()


#: Smallest space between two texts side by side, in pixels at 100 dpi (5 pt): closer than
#: that, "adults or" and "above the" read as one phrase across two columns.
GUTTER_PX = 5 / 72 * 100


def _overlaps(a: object, b: object, gutter_px: float = 0.0) -> bool:
    """Whether two boxes overlap, or stand closer side by side than ``gutter_px``."""
    return (a.x0 - gutter_px < b.x1 and b.x0 - gutter_px < a.x1  # type: ignore[attr-defined]
            and a.y0 < b.y1 and b.y0 < a.y1)  # type: ignore[attr-defined]


@pytest.mark.parametrize("which", ["simulated", "made"])
def test_no_two_texts_on_page_one_overlap_or_touch(which: str, simulated_folder: Path,
                                          made_folder: Path) -> None:
    page, renderer = _page_one(simulated_folder if which == "simulated" else made_folder)
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in page.texts
             if t.get_text().strip()]
    assert len(boxes) > 30  # the table was drawn
    clashes = [(a[0][:30], b[0][:30]) for a, b in itertools.combinations(boxes, 2)
               if _overlaps(a[1], b[1], GUTTER_PX)]
    assert not clashes, clashes


@pytest.mark.parametrize("which", ["simulated", "made"])
def test_table_cells_stay_inside_their_columns_and_above_the_figures(
        which: str, simulated_folder: Path, made_folder: Path) -> None:
    page, renderer = _page_one(simulated_folder if which == "simulated" else made_folder)
    width_px = page.bbox.width
    lefts = [x for _, x, _ in TABLE_COLUMNS]
    cells = [t for t in page.texts if str(t.get_gid() or "").startswith("ixtable-")]
    assert cells
    figure_top = max(ax.get_window_extent(renderer).y1 for ax in page.axes)
    for t in cells:
        box = t.get_window_extent(renderer)
        x = t.get_position()[0]
        col = lefts.index(x) if x in lefts else 0
        right = lefts[col + 1] if col + 1 < len(lefts) else 0.94
        assert box.x1 <= right * width_px - 1, (t.get_text(), box.x1, right * width_px)
        assert box.y0 >= figure_top, t.get_text()


def test_page_one_names_indices_in_words_with_counts(made: Night) -> None:
    page, _ = _page_one(made.out_dir)
    texts = " ".join(t.get_text().replace("\n", " ") for t in page.texts)
    assert "PLMS index, respiratory-related kept" in texts and "plms_index" in texts
    assert f"{made.n_plms} PLMS in {made.tst_h:.1f} h of sleep" in texts
    assert "Published cut-off" in texts


def _night_with_hourly_plms(per_hour: tuple[int, ...]) -> plots.NightData:
    """Hours of N2 sleep holding ``per_hour`` PLMS each (the rates the bars must show)."""
    import pandas as pd

    onsets = np.concatenate([h * 3600.0 + np.linspace(30.0, 3500.0, n)
                             for h, n in enumerate(per_hour)])
    events = pd.DataFrame({"onset_s": onsets, "duration_s": 1.0, "trial_type": "leg_movement",
                           "channel": "LAT", "candidate": 1.0, "in_series": 1.0, "stage": "N2"})
    n_epochs = 120 * len(per_hour)
    hyp = pd.DataFrame({"onset_s": np.arange(n_epochs) * 30.0, "duration_s": 30.0,
                        "stage": "N2"})
    summary = {"input": {"duration_s": n_epochs * 30.0}, "indices": []}
    return plots.NightData(out_dir=Path("."), summary=summary, events=events, hypnogram=hyp)


def test_plms_cutoff_label_sits_clear_of_the_bars() -> None:
    # the demo night's pattern: every hour far above the 15/h line, the last one too
    night = _night_with_hourly_plms((104, 88, 77))
    with plots.report_style():
        fig = plots.fig_plms_per_hour(night)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    labels = [t.get_window_extent(renderer) for t in fig.findobj(Text)
              if "cut-off" in t.get_text()]
    bars = [p for p in fig.axes[0].patches if isinstance(p, Rectangle) and p.get_height() > 0]
    assert [round(b.get_height()) for b in bars] == [104, 88, 77]
    assert len(labels) == 1
    boxes = [b.get_window_extent(renderer) for b in bars]
    assert not [b for b in boxes if _overlaps(labels[0], b)]


def test_text_wrapping_measures_the_font() -> None:
    from somnomotor.report.pdf import wrap_to_width

    lines = wrap_to_width("ICSD-3: a PLMS index > 15/h in adults or > 5/h in children", 0.1, 7.0)
    assert len(lines) >= 3 and all(lines)
    assert " ".join(lines) == "ICSD-3: a PLMS index > 15/h in adults or > 5/h in children"
    cut = wrap_to_width(" ".join(["word"] * 80), 0.1, 7.0, max_lines=2)
    assert len(cut) == 2 and cut[-1].endswith("...")
    assert np.all([len(x) > 0 for x in cut])
