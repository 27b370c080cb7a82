"""Review and correct a scored night in the browser (``somnomotor review RESULTS_DIR``).

* :mod:`somnomotor.review.night` reads a results folder (and optionally its recording),
  keeps the scorer's working copy of the leg movements and rescores it with
  :func:`somnomotor.score.plm.score_plm` after every change.
* :mod:`somnomotor.review.versions` saves reviewed versions beside the automatic scoring
  (never over it) with their append-only edit log.
* :mod:`somnomotor.review.signals` serves the signals: a min/max overview computed once, full
  resolution only for the window on screen.
* :mod:`somnomotor.review.server` is the local web app (standard-library HTTP server).
"""

from somnomotor.review.night import ReviewNight, load_review_night
from somnomotor.review.server import ReviewServer

__all__ = ["ReviewNight", "ReviewServer", "load_review_night"]
