"""Tafiti Chat Analysis: WhatsApp group chat exports to a database and research reports.

For research in a notebook, the frames, metrics and charts are reachable from
here and load on first use, so ``import tafiti`` stays light::

    import tafiti

    messages = tafiti.load_messages(group="duka-bora-c5", since="2024-03-01")
    tafiti.metrics.top_participants(messages)
    tafiti.plots.weekday_hour(tafiti.metrics.weekday_hour_counts(messages))
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

# Name exported from the package root → the module that defines it.
_LAZY = {
    "load_groups": "tafiti.analysis.frames",
    "load_messages": "tafiti.analysis.frames",
    "load_events": "tafiti.analysis.frames",
    "load_participants": "tafiti.analysis.frames",
    "load_export_files": "tafiti.analysis.frames",
    "load_group_report": "tafiti.analysis.report",
    "load_overview": "tafiti.analysis.overview",
    "Pseudonymiser": "tafiti.privacy",
    "detect_languages": "tafiti.language",
}
_LAZY_MODULES = {
    "analysis": "tafiti.analysis",
    "content": "tafiti.analysis.content",
    "membership": "tafiti.analysis.membership",
    "metrics": "tafiti.analysis.metrics",
    "plots": "tafiti.analysis.plots",
    "report": "tafiti.analysis.report",
    "sentiment": "tafiti.analysis.sentiment",
    "privacy": "tafiti.privacy",
}

__all__ = ["__version__", *_LAZY, *_LAZY_MODULES]


@cache
def _installed_version() -> str:
    # importlib.metadata takes a noticeable part of a short command's start-up,
    # so the version is looked up on first use.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tafiti")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0.0.0"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        return _installed_version()
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _LAZY_MODULES:
        return importlib.import_module(_LAZY_MODULES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
