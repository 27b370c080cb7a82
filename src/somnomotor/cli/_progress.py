"""Progress bars on stderr for long work (only when stderr is a terminal and not --quiet)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any, Iterator


@contextmanager
def progress_bar(args: Any, *, desc: str) -> Iterator[Callable[[str, float], None]]:
    """Yield a ``callback(step_name, fraction)`` that drives a tqdm bar (or does nothing)."""
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        yield lambda step, fraction: None
        return
    from tqdm import tqdm

    bar = tqdm(total=100, desc=desc, file=sys.stderr, leave=False,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}")

    def update(step: str, fraction: float) -> None:
        bar.set_postfix_str(step)
        bar.n = int(round(fraction * 100))
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()
