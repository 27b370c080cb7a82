"""The package version, read from the installed metadata."""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("somnomotor")
except metadata.PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"
