"""Membership spans of a group, built from join and leave events and from messages.

Exports record joins ("added", "joined"), leaves ("left", "removed") and the
creator ("created"), but not the members already there when the history the
exports hold begins. So a person is also taken to be a member:

- from the start of the history, when they write or leave before any join
  event of theirs;
- from the time of a message, when they write after leaving without a join
  event in between (the rejoin event is missing from the exports).

Names in events are as exported; ``aliases`` (exported name → canonical name,
from the participants table) fold them to the authors of the messages. The
parser writes the exporting phone's owner as "You" in events ("You added X",
"X added you"), while their messages carry their own name, which the export
does not tie to "You". So "You" gets no span of its own: the owner's
membership comes from their messages.

NOTE: a person saved under a name in one phone and as a phone number in another
is two people until the group metadata lists the aliases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from tafiti.analysis.frames import EXPORTER

JOIN_EVENTS = frozenset({"added", "joined", "created"})
LEAVE_EVENTS = frozenset({"left", "removed"})

_JOIN, _MESSAGE, _LEAVE = 0, 1, 2  # order of same-time items: join, write, leave

SPAN_COLUMNS = ["person", "start", "end", "via", "left_by"]


def event_people(event: pd.Series | object) -> list[str]:
    """Return the people a join or leave event concerns: ``people``, else the ``actor``.

    "X created group" and "X joined using this group's invite link" may name X
    as the actor only; "X added Y" names Y in ``people``.
    """
    people = list(getattr(event, "people", None) or [])
    event_type = getattr(event, "type", None)
    if people and event_type != "created":
        return people
    actor = getattr(event, "actor", None)
    return [actor] if actor else people


def membership_spans(
    events: pd.DataFrame,
    messages: pd.DataFrame,
    aliases: Mapping[str, str] | None = None,
    history_start: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Return one row per membership span: person, start, end (NaT while a member), via.

    ``via`` tells how the start is known: "added", "joined", "created" (an event),
    "history start" (wrote or left before any join event) or "message" (wrote
    again after leaving). ``left_by`` is "left" or "removed" for closed spans.
    """
    aliases = aliases or {}
    items = _timeline(events, messages, aliases)
    if not items:
        return pd.DataFrame(columns=SPAN_COLUMNS)
    if history_start is None:
        history_start = min(item[0] for item in items)

    spans: list[dict[str, object]] = []
    by_person: dict[str, list[tuple[pd.Timestamp, int, str]]] = {}
    for when, order, person, label in items:
        by_person.setdefault(person, []).append((when, order, label))
    for person in sorted(by_person):
        spans.extend(_person_spans(person, sorted(by_person[person]), history_start))

    frame = pd.DataFrame(spans, columns=SPAN_COLUMNS)
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    return frame.sort_values(["start", "person"], kind="stable").reset_index(drop=True)


def _timeline(
    events: pd.DataFrame, messages: pd.DataFrame, aliases: Mapping[str, str]
) -> list[tuple[pd.Timestamp, int, str, str]]:
    items: list[tuple[pd.Timestamp, int, str, str]] = []
    for event in events.itertuples(index=False):
        if event.type in JOIN_EVENTS:
            order = _JOIN
        elif event.type in LEAVE_EVENTS:
            order = _LEAVE
        else:
            continue
        when = pd.Timestamp(event.timestamp)
        for person in event_people(event):
            if person != EXPORTER:
                items.append((when, order, aliases.get(person, person), event.type))
    for when, author in _span_opening_messages(messages, items):
        items.append((pd.Timestamp(when), _MESSAGE, author, "message"))
    return items


def _span_opening_messages(
    messages: pd.DataFrame, event_items: list[tuple[pd.Timestamp, int, str, str]]
) -> list[tuple[object, str]]:
    """Return the time and author of each person's first message after each of their events.

    Only such a message can open a span: any later message before the person's
    next event finds them a member already. Same-time items sort as the
    timeline does: a join before the message, a leave after it.
    """
    ordered = messages[["timestamp", "author"]].sort_values("timestamp", kind="stable")
    ordered = ordered.reset_index(drop=True)
    joins: dict[str, list[pd.Timestamp]] = {}
    leaves: dict[str, list[pd.Timestamp]] = {}
    for when, order, person, _ in event_items:
        (joins if order == _JOIN else leaves).setdefault(person, []).append(when)

    segments = np.zeros(len(ordered), dtype=np.int64)
    all_times = ordered["timestamp"].to_numpy()
    for author, rows in ordered.groupby("author", sort=False).indices.items():
        if author not in joins and author not in leaves:
            continue
        times = all_times[rows]
        joined = np.sort(pd.DatetimeIndex(joins.get(author, [])).to_numpy())
        left = np.sort(pd.DatetimeIndex(leaves.get(author, [])).to_numpy())
        segment = np.searchsorted(joined, times, side="right") + np.searchsorted(
            left, times, side="left"
        )
        segments[rows] = segment

    firsts = ordered.assign(segment=segments).drop_duplicates(["author", "segment"])
    return list(zip(firsts["timestamp"], firsts["author"], strict=True))


def _person_spans(
    person: str, items: list[tuple[pd.Timestamp, int, str]], history_start: pd.Timestamp
) -> list[dict[str, object]]:
    spans: list[dict[str, object]] = []
    start: pd.Timestamp | None = None
    via = ""
    for when, order, label in items:
        if order == _JOIN:
            if start is None:
                start, via = when, label
        elif order == _MESSAGE:
            if start is None:
                start, via = (history_start, "history start") if not spans else (when, "message")
        elif start is not None:
            spans.append(_span(person, start, when, via, label))
            start = None
        elif not spans:
            spans.append(_span(person, history_start, when, "history start", label))
    if start is not None:
        spans.append(_span(person, start, None, via, None))
    return spans


def _span(
    person: str,
    start: pd.Timestamp,
    end: pd.Timestamp | None,
    via: str,
    left_by: str | None,
) -> dict[str, object]:
    return {"person": person, "start": start, "end": end, "via": via, "left_by": left_by}


def members_between(
    spans: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None
) -> list[str]:
    """Return the people who were members at some moment of ``[start, end)``."""
    if spans.empty:
        return []
    mask = pd.Series(True, index=spans.index)
    if end is not None:
        mask &= spans["start"] < pd.Timestamp(end)
    if start is not None:
        mask &= spans["end"].isna() | (spans["end"] >= pd.Timestamp(start))
    return sorted(set(spans.loc[mask, "person"]))


def members_at(spans: pd.DataFrame, moment: pd.Timestamp) -> list[str]:
    """Return the people who were members at ``moment``."""
    if spans.empty:
        return []
    moment = pd.Timestamp(moment)
    mask = (spans["start"] <= moment) & (spans["end"].isna() | (spans["end"] > moment))
    return sorted(set(spans.loc[mask, "person"]))


def group_size(spans: pd.DataFrame, days: pd.DatetimeIndex) -> pd.Series:
    """Return the number of members at the end of each day in ``days``."""
    ends_of_day = days.normalize() + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    sizes = [len(members_at(spans, moment)) for moment in ends_of_day]
    return pd.Series(sizes, index=pd.DatetimeIndex(days.normalize(), name="date"), name="members")


def joins_and_leaves(events: pd.DataFrame, freq: str = "W-MON") -> pd.DataFrame:
    """Count people joining and leaving per period (``freq``: "D", "W-MON" for weeks, "MS")."""
    rows = []
    for event in events.itertuples(index=False):
        if event.type in JOIN_EVENTS - {"created"}:
            kind = "joined"
        elif event.type in LEAVE_EVENTS:
            kind = "left"
        else:
            continue
        rows.extend({"timestamp": event.timestamp, "kind": kind} for _ in event_people(event))
    if not rows:
        return pd.DataFrame({"joined": [], "left": []}, index=pd.DatetimeIndex([], name="period"))
    frame = pd.DataFrame(rows)
    periods = _period_start(frame["timestamp"], freq)
    table = pd.crosstab(periods, frame["kind"]).reindex(columns=["joined", "left"], fill_value=0)
    table.index = pd.DatetimeIndex(table.index, name="period")
    return table.astype(int)


def _period_start(timestamps: pd.Series, freq: str) -> pd.Series:
    days = pd.to_datetime(timestamps).dt.normalize()
    if freq == "D":
        return days
    if freq.startswith("W"):
        return days - pd.to_timedelta(days.dt.weekday, unit="D")
    if freq == "MS":
        return days.dt.to_period("M").dt.start_time
    raise ValueError(f"unsupported period {freq!r}; use 'D', 'W-MON' or 'MS'")


def cohort_retention(
    spans: pd.DataFrame,
    data_end: pd.Timestamp,
    horizons_weeks: Iterable[int] = (1, 2, 4, 8, 12),
    freq: str = "W-MON",
) -> pd.DataFrame:
    """Share of each join cohort still in the group ``k`` weeks after joining.

    A cohort is the people whose membership span starts in the same week
    (``freq="MS"``: month); members from the history start form the cohort
    "history start". A span counts for horizon ``k`` only when ``start + k weeks``
    is not after ``data_end`` (otherwise it is too recent to tell); when no span
    of a cohort can be told yet the share is NaN. Someone who left and came back
    is counted once per span.
    """
    horizons = list(horizons_weeks)
    columns = ["joined", *[f"week {k}" for k in horizons]]
    if spans.empty:
        return pd.DataFrame(columns=columns)

    frame = spans.copy()
    frame["cohort"] = _cohort_labels(frame, freq)

    data_end = pd.Timestamp(data_end)
    rows = {}
    for cohort, part in frame.groupby("cohort", sort=False):
        row: dict[str, float] = {"joined": float(len(part))}
        for k in horizons:
            moment = part["start"] + pd.Timedelta(weeks=k)
            observable = moment <= data_end
            stayed = part["end"].isna() | (part["end"] > moment)
            observed = int(observable.sum())
            row[f"week {k}"] = float((stayed & observable).sum() / observed) if observed else np.nan
        rows[cohort] = row

    order = sorted(rows, key=lambda cohort: (cohort != "history start", cohort))
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(order)[columns]
    table["joined"] = table["joined"].astype(int)
    table.index.name = "cohort"
    return table


def cohort_activity(
    spans: pd.DataFrame,
    messages: pd.DataFrame,
    data_end: pd.Timestamp,
    horizons_weeks: Iterable[int] = (1, 2, 4, 8, 12),
    freq: str = "W-MON",
) -> pd.DataFrame:
    """Share of each join cohort who wrote at least once in week ``k`` after joining.

    Week ``k`` is days ``7(k-1)`` to ``7k`` after the span's start. Cohorts and
    the rule for spans too recent to tell are those of :func:`cohort_retention`:
    a span counts for week ``k`` only when that week has ended by ``data_end``.
    """
    horizons = list(horizons_weeks)
    columns = ["joined", *[f"week {k}" for k in horizons]]
    if spans.empty:
        return pd.DataFrame(columns=columns)

    frame = spans.copy()
    frame["cohort"] = _cohort_labels(frame, freq)
    times_by_author = {
        author: group["timestamp"].to_numpy() for author, group in messages.groupby("author")
    }

    data_end = pd.Timestamp(data_end)
    rows = {}
    for cohort, part in frame.groupby("cohort", sort=False):
        row: dict[str, float] = {"joined": float(len(part))}
        for k in horizons:
            week_start = part["start"] + pd.Timedelta(weeks=k - 1)
            week_end = part["start"] + pd.Timedelta(weeks=k)
            observable = week_end <= data_end
            wrote = [
                _wrote_between(times_by_author.get(person), start, end)
                for person, start, end in zip(part["person"], week_start, week_end, strict=True)
            ]
            observed = int(observable.sum())
            active = int((pd.Series(wrote, index=part.index) & observable).sum())
            row[f"week {k}"] = active / observed if observed else np.nan
        rows[cohort] = row

    order = sorted(rows, key=lambda cohort: (cohort != "history start", cohort))
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(order)[columns]
    table["joined"] = table["joined"].astype(int)
    table.index.name = "cohort"
    return table


def _cohort_labels(spans: pd.DataFrame, freq: str) -> np.ndarray:
    """Label each span with its join period's first day, or "history start"."""
    from_start = spans["via"] == "history start"
    cohort_dates = _period_start(spans["start"], freq).dt.strftime("%Y-%m-%d")
    return np.where(from_start, "history start", cohort_dates)


def _wrote_between(times: np.ndarray | None, start: pd.Timestamp, end: pd.Timestamp) -> bool:
    if times is None:
        return False
    low = np.searchsorted(times, np.datetime64(start), side="left")
    return low < len(times) and times[low] < np.datetime64(end)
