"""Decide a file's date order (day-first, month-first or year-first) from all of its dates.

Rules, in order:

1. a component above 12 can only be a day;
2. else the reading in which dates never run backwards within a year;
3. else the component that changes more often between consecutive dates is the day;
4. else the default: the ``--date-order`` option, or the ``TAFITI_DATE_ORDER`` setting.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

_DIGITS = re.compile(r"\d+")

ORDER_NAMES = {"DMY": "day-first", "MDY": "month-first", "YMD": "year-first"}


def _unknown_line(text: str) -> int:
    return 0


@dataclass(frozen=True, slots=True)
class DateSeen:
    """A distinct date string of the file, and how to find the line it first appears on."""

    text: str
    line_of: Callable[[str], int] = _unknown_line
    """Looked up only for the dates a reason cites, because the lookup scans the file."""

    @property
    def line(self) -> int:
        return self.line_of(self.text)


@dataclass(frozen=True, slots=True)
class DateOrderDecision:
    order: str
    reason: str


def split_date(value: str) -> tuple[int, int, int]:
    """Return the three numbers of a header date, in the order written."""
    first, second, third = (int(n) for n in _DIGITS.findall(value))
    return first, second, third


def plausible(parts: tuple[int, int, int], year_first: bool) -> bool:
    """Return whether a date is valid in at least one order this file could use."""
    first, second, third = parts
    if year_first:
        return _valid(first, second, third)
    year = _full_year(third)
    return _valid(year, second, first) or _valid(year, first, second)


def to_date(parts: tuple[int, int, int], order: str) -> date | None:
    """Return the calendar date under ``order``, or ``None`` when there is no such day."""
    first, second, third = parts
    if order == "YMD":
        year, month, day = _full_year(first), second, third
    elif order == "DMY":
        year, month, day = _full_year(third), second, first
    else:
        year, month, day = _full_year(third), first, second
    if not _valid(year, month, day):
        return None
    return date(year, month, day)


def _full_year(year: int) -> int:
    # Two-digit years are 20xx: WhatsApp dates from 2009.
    return year + 2000 if year < 100 else year


def _valid(year: int, month: int, day: int) -> bool:
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1 <= _full_year(year) <= 9999):
        return False
    try:
        date(_full_year(year), month, day)
    except ValueError:
        return False
    return True


def decide_date_order(
    dates: list[DateSeen], year_first: bool, default: str, default_source: str
) -> DateOrderDecision:
    """Apply the rules above to the distinct dates of a file, in file order.

    ``default_source`` names where ``default`` came from, for the reason text.
    """
    if year_first:
        example = dates[0].text if dates else "the dates"
        return DateOrderDecision(
            "YMD", f"year-first: the dates start with a 4-digit year ({example})"
        )

    parsed = [(seen, split_date(seen.text)) for seen in dates]

    decision = _by_component_above_12(parsed)
    if decision is not None:
        return decision
    decision = _by_time_running_forward(parsed)
    if decision is not None:
        return decision
    decision = _by_change_frequency(parsed)
    if decision is not None:
        return decision
    return DateOrderDecision(
        default,
        f"{ORDER_NAMES[default]}: nothing in the file decides between day-first and "
        f"month-first, so the {default_source} ({default}) was used",
    )


def _by_component_above_12(
    parsed: list[tuple[DateSeen, tuple[int, int, int]]],
) -> DateOrderDecision | None:
    first_big = next(((s, p) for s, p in parsed if p[0] > 12), None)
    second_big = next(((s, p) for s, p in parsed if p[1] > 12), None)
    if first_big and second_big:
        count_first = sum(1 for _, p in parsed if p[0] > 12)
        count_second = sum(1 for _, p in parsed if p[1] > 12)
        if count_first == count_second:
            return None
        order = "DMY" if count_first > count_second else "MDY"
        return DateOrderDecision(
            order,
            f"{ORDER_NAMES[order]}: {max(count_first, count_second)} dates have a day above 12 "
            f"in {'first' if order == 'DMY' else 'second'} place, against "
            f"{min(count_first, count_second)} in the other (the file mixes orders)",
        )
    if first_big:
        seen, parts = first_big
        return DateOrderDecision(
            "DMY",
            f"day-first: {parts[0]} in {seen.text} (line {seen.line}) can only be a day",
        )
    if second_big:
        seen, parts = second_big
        return DateOrderDecision(
            "MDY",
            f"month-first: {parts[1]} in {seen.text} (line {seen.line}) can only be a day",
        )
    return None


def _backward_steps(
    parsed: list[tuple[DateSeen, tuple[int, int, int]]], order: str
) -> tuple[int, tuple[DateSeen, DateSeen] | None]:
    steps = 0
    example = None
    previous: tuple[DateSeen, date] | None = None
    for seen, parts in parsed:
        day = to_date(parts, order)
        if day is None:
            continue
        if previous is not None:
            before_seen, before = previous
            if day.year == before.year and day < before:
                steps += 1
                example = example or (before_seen, seen)
        previous = (seen, day)
    return steps, example


def _by_time_running_forward(
    parsed: list[tuple[DateSeen, tuple[int, int, int]]],
) -> DateOrderDecision | None:
    dmy, dmy_example = _backward_steps(parsed, "DMY")
    mdy, mdy_example = _backward_steps(parsed, "MDY")
    if dmy == mdy:
        return None
    order, other, example = (
        ("DMY", "MDY", mdy_example) if dmy < mdy else ("MDY", "DMY", dmy_example)
    )
    assert example is not None
    before, after = example
    return DateOrderDecision(
        order,
        f"{ORDER_NAMES[order]}: read {ORDER_NAMES[other]}, the dates would run backwards "
        f"{max(dmy, mdy)} time(s) within a year (first {after.text} on line {after.line} "
        f"after {before.text} on line {before.line}), against {min(dmy, mdy)} read "
        f"{ORDER_NAMES[order]}",
    )


def _by_change_frequency(
    parsed: list[tuple[DateSeen, tuple[int, int, int]]],
) -> DateOrderDecision | None:
    first_changes = second_changes = 0
    for (_, before), (_, after) in zip(parsed, parsed[1:], strict=False):
        first_changes += before[0] != after[0]
        second_changes += before[1] != after[1]
    if first_changes == second_changes:
        return None
    order = "DMY" if first_changes > second_changes else "MDY"
    more, fewer = max(first_changes, second_changes), min(first_changes, second_changes)
    place = "first" if order == "DMY" else "second"
    return DateOrderDecision(
        order,
        f"{ORDER_NAMES[order]}: the {place} number changes more often between consecutive "
        f"dates ({more} times against {fewer}), so it is the day",
    )
