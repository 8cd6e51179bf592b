"""Mastery: goals, a learning journal and FSRS-scheduled review cards in one terminal app."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mastery")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
