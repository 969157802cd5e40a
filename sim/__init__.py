"""Wargame scenario simulator: YAML scenarios, a SimPy Monte Carlo engine, reports."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wargame-sim")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
