"""Mastery: goals, a learning journal and FSRS-scheduled review cards in one terminal app."""

from functools import cache


@cache
def _installed_version() -> str:
    # importlib.metadata costs ~70 ms to import; only `--version` and file headers need it,
    # so it is read on first use instead of at every start.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mastery")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module 'mastery' has no attribute {name!r}")
