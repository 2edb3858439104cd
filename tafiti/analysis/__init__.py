"""Analysis of the stored chats: pandas frames, metrics and charts for the reports.

Modules:

- :mod:`~tafiti.analysis.frames`: load groups, messages, events, participants
  and export files as DataFrames;
- :mod:`~tafiti.analysis.metrics`: activity, participation and interaction;
- :mod:`~tafiti.analysis.membership`: membership spans, group size, retention;
- :mod:`~tafiti.analysis.content`: message kinds, words, emoji, links;
- :mod:`~tafiti.analysis.sentiment`: VADER for English, a word list for Swahili;
- :mod:`~tafiti.analysis.plots`: the charts;
- :mod:`~tafiti.analysis.report` and :mod:`~tafiti.analysis.overview`: what the
  notebooks call, with names pseudonymised before any metric.

The submodules load on first use, so ``import tafiti.analysis`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

SUBMODULES = (
    "content",
    "frames",
    "membership",
    "metrics",
    "overview",
    "plots",
    "report",
    "sentiment",
)

__all__ = list(SUBMODULES)


def __getattr__(name: str) -> Any:
    if name in SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
