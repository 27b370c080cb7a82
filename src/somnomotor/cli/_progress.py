"""Progress bars on stderr for long work (only when stderr is a terminal and not --quiet).

The bar shares stderr with warnings and log lines. While it is shown, both are written
through tqdm (the bar is cleared, the line printed, the bar drawn again below it), so a
warning always starts on its own line and never runs into the bar.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any, Iterator

#: Bar layout: percentage, bar, then the label and the current step ("analysing: reading").
#: tqdm's own postfix field would put ", " before the step, so the step goes in the label.
BAR_FORMAT = "{percentage:3.0f}%|{bar}| {desc}"


def step_label(desc: str, step: str) -> str:
    """The text after the bar: ``"analysing: leg movements"`` (no leading punctuation)."""
    step = step.replace("_", " ").strip()
    return f"{desc}: {step}" if step else desc


@contextmanager
def progress_bar(args: Any, *, desc: str) -> Iterator[Callable[[str, float], None]]:
    """Yield a ``callback(step_name, fraction)`` that drives a tqdm bar (or does nothing)."""
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        yield lambda step, fraction: None
        return
    from tqdm import tqdm

    stream = sys.stderr
    bar = tqdm(total=100, desc=desc, file=stream, leave=False, bar_format=BAR_FORMAT)
    shown_before = warnings.showwarning

    def show_warning(message: Any, category: type[Warning], filename: str, lineno: int,
                     file: Any = None, line: str | None = None) -> None:
        # clear the bar, print the warning on its own line, draw the bar again
        with tqdm.external_write_mode(file=stream):
            shown_before(message, category, filename, lineno, file, line)

    handlers = [h for h in logging.getLogger("somnomotor").handlers
                if isinstance(h, logging.StreamHandler) and h.stream is stream]
    emit_before = {h: h.emit for h in handlers}

    def through_tqdm(handler: logging.StreamHandler) -> Callable[[logging.LogRecord], None]:
        emit = emit_before[handler]

        def emit_cleared(record: logging.LogRecord) -> None:
            with tqdm.external_write_mode(file=stream):
                emit(record)

        return emit_cleared

    def update(step: str, fraction: float) -> None:
        bar.set_description_str(step_label(desc, step), refresh=False)
        bar.n = int(round(fraction * 100))
        bar.refresh()

    warnings.showwarning = show_warning
    for h in handlers:
        h.emit = through_tqdm(h)  # type: ignore[method-assign]
    try:
        yield update
    finally:
        warnings.showwarning = shown_before
        for h, emit in emit_before.items():
            h.emit = emit  # type: ignore[method-assign]
        bar.close()


__all__ = ["BAR_FORMAT", "progress_bar", "step_label"]
