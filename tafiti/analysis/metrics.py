"""Activity, participation and interaction metrics on the frames of :mod:`tafiti.analysis.frames`.

Every function takes plain frames (a messages frame has at least ``timestamp``,
``author`` and ``kind``) and returns a number, a Series or a DataFrame, so the
notebooks and the tests call them on any selection of rows. "Messages" are all
records that are not events: text, media and deleted-message notices; "text
messages" are those of kind ``message`` not deleted later.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import timedelta

import numpy as np
import pandas as pd

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# A message after this much silence opens a new conversation (time to first reply).
CONVERSATION_GAP = timedelta(hours=2)
# A run of messages counts as a reply to the previous author's run within this time.
REPLY_WINDOW = timedelta(hours=1)


def text_messages(messages: pd.DataFrame) -> pd.DataFrame:
    """Return the messages of kind ``message`` that were not deleted later."""
    deleted = messages["deleted"] if "deleted" in messages else False
    return messages[(messages["kind"] == "message") & ~pd.Series(deleted, index=messages.index)]


# --- activity ---------------------------------------------------------------


def daily_activity(
    messages: pd.DataFrame,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Count messages and active participants per calendar day, days without messages included.

    The range runs from ``start`` (default: the first message's day) to ``end``
    (default: the last message's day), both included.
    """
    days = messages["timestamp"].dt.normalize()
    counts = messages.groupby(days).agg(
        messages=("timestamp", "size"), active_participants=("author", "nunique")
    )
    if counts.empty and (start is None or end is None):
        return pd.DataFrame(
            {"messages": [], "active_participants": []}, index=pd.DatetimeIndex([], name="date")
        )
    first = pd.Timestamp(start).normalize() if start is not None else counts.index.min()
    last = pd.Timestamp(end).normalize() if end is not None else counts.index.max()
    index = pd.date_range(first, last, freq="D", name="date")
    return counts.reindex(index, fill_value=0).astype(int)


def weekly_activity(messages: pd.DataFrame) -> pd.DataFrame:
    """Count messages and active participants per week (weeks start on Monday)."""
    if messages.empty:
        return pd.DataFrame(
            {"messages": [], "active_participants": []}, index=pd.DatetimeIndex([], name="week")
        )
    weeks = _week_start(messages["timestamp"])
    counts = messages.groupby(weeks).agg(
        messages=("timestamp", "size"), active_participants=("author", "nunique")
    )
    index = pd.date_range(counts.index.min(), counts.index.max(), freq="7D", name="week")
    return counts.reindex(index, fill_value=0).astype(int)


def _week_start(timestamps: pd.Series) -> pd.Series:
    days = timestamps.dt.normalize()
    return days - pd.to_timedelta(days.dt.weekday, unit="D")


def weekday_hour_counts(messages: pd.DataFrame) -> pd.DataFrame:
    """Count messages per weekday (rows, Monday first) and hour of day (columns 0-23)."""
    table = pd.crosstab(messages["timestamp"].dt.weekday, messages["timestamp"].dt.hour).reindex(
        index=range(7), columns=range(24), fill_value=0
    )
    table.index = pd.Index(WEEKDAYS, name="weekday")
    table.columns = pd.Index(range(24), name="hour")
    return table.astype(int)


def busiest(messages: pd.DataFrame) -> dict[str, object]:
    """Return the busiest day, weekday and hour of day, each with its message count."""
    if messages.empty:
        return {"day": None, "day_messages": 0, "weekday": None, "hour": None}
    timestamps = messages["timestamp"]
    per_day = timestamps.dt.date.value_counts()
    per_weekday = timestamps.dt.weekday.value_counts()
    per_hour = timestamps.dt.hour.value_counts()
    # Ties go to the earliest day, weekday and hour, so the result does not
    # depend on row order.
    day = min(per_day[per_day == per_day.max()].index)
    weekday = min(per_weekday[per_weekday == per_weekday.max()].index)
    hour = min(per_hour[per_hour == per_hour.max()].index)
    return {
        "day": day,
        "day_messages": int(per_day[day]),
        "weekday": WEEKDAYS[weekday],
        "weekday_messages": int(per_weekday[weekday]),
        "hour": int(hour),
        "hour_messages": int(per_hour[hour]),
    }


# --- participation ----------------------------------------------------------


def message_counts(messages: pd.DataFrame) -> pd.Series:
    """Count messages per author, most first (ties by name)."""
    counts = messages.groupby("author").size()
    return _sort_counts(counts).rename("messages")


def _sort_counts(counts: pd.Series) -> pd.Series:
    frame = counts.rename("count").reset_index()
    frame = frame.sort_values(["count", frame.columns[0]], ascending=[False, True])
    return frame.set_index(frame.columns[0])["count"]


def window_start(last: pd.Timestamp, days: int) -> pd.Timestamp:
    """Return the first moment of the last ``days`` calendar days ending on ``last``'s day.

    ``days=14`` with the last message on Sunday 31 March keeps 18-31 March.
    """
    return pd.Timestamp(last).normalize() - pd.Timedelta(days=days - 1)


def top_participants(
    messages: pd.DataFrame,
    n: int = 10,
    last_days: int | None = None,
    last: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Return the ``n`` most active authors with their messages and share of the messages.

    With ``last_days``, only the last ``last_days`` calendar days count, ending on
    the day of ``last`` (default: the last message in ``messages``). The share is
    of all messages in that window.
    """
    selected = messages
    if last_days is not None and not messages.empty:
        end = pd.Timestamp(last) if last is not None else messages["timestamp"].max()
        start = window_start(end, last_days)
        in_window = (messages["timestamp"] >= start) & (
            messages["timestamp"] < end.normalize() + pd.Timedelta(days=1)
        )
        selected = messages[in_window]

    counts = message_counts(selected)
    total = int(counts.sum())
    top = counts.head(n)
    frame = pd.DataFrame(
        {
            "author": top.index,
            "messages": top.to_numpy(dtype=int),
            "share": top.to_numpy(dtype=float) / total if total else 0.0,
        }
    )
    if "is_facilitator" in selected:
        facilitators = set(selected.loc[selected["is_facilitator"].astype(bool), "author"])
        frame["facilitator"] = frame["author"].isin(facilitators)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="rank")
    return frame


def gini(values: Iterable[float]) -> float:
    """Return the Gini coefficient of ``values``: 0 when all are equal, near 1 when one has all.

    Computed as the mean absolute difference over all ordered pairs divided by
    twice the mean (``sum |x_i - x_j| / (2 n^2 mean)``). Returns NaN for no
    values or a zero total.
    """
    array = np.sort(np.asarray(list(values), dtype=float))
    n = array.size
    if n == 0 or array.sum() == 0:
        return float("nan")
    # Sorted form of the pairwise sum: sum_i (2i - n - 1) x_i, i counted from 1.
    ranks = np.arange(1, n + 1)
    return float(np.sum((2 * ranks - n - 1) * array) / (n * array.sum()))


def top_share(values: Iterable[float], fraction: float = 0.1) -> float:
    """Return the share of the total held by the top ``fraction`` of values.

    The top group has ``ceil(fraction * n)`` members, at least one: with 25
    participants the top 10% are 3 people. Returns NaN for no values or a zero total.
    """
    array = np.sort(np.asarray(list(values), dtype=float))[::-1]
    if array.size == 0 or array.sum() == 0:
        return float("nan")
    size = max(1, math.ceil(fraction * array.size))
    return float(array[:size].sum() / array.sum())


def inequality(messages: pd.DataFrame, members: Iterable[str] = ()) -> dict[str, float]:
    """Return how unequal participation is, over writers and over all members.

    ``members`` are the people in the group during the period; those who wrote
    nothing count with zero messages in the ``*_members`` figures.
    """
    counts = message_counts(messages)
    everyone = counts.reindex(sorted(set(counts.index) | set(members)), fill_value=0)
    return {
        "writers": int((counts > 0).sum()),
        "members": int(len(everyone)),
        "top10_share": top_share(counts.to_numpy()),
        "gini": gini(counts.to_numpy()),
        "top10_share_members": top_share(everyone.to_numpy()),
        "gini_members": gini(everyone.to_numpy()),
    }


def facilitator_comparison(messages: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Compare facilitators with members: people, writers, messages, share, per person.

    ``people`` has one row per person with ``person`` and ``is_facilitator``.
    Returns an empty frame when no facilitator is known.
    """
    if people.empty or not people["is_facilitator"].any():
        return pd.DataFrame()
    roles = dict(zip(people["person"], people["is_facilitator"], strict=True))
    counts = message_counts(messages)
    texts = text_messages(messages)
    questions = texts[_question_mask(texts)]
    total = int(counts.sum())

    rows = []
    for label, flag in (("facilitators", True), ("members", False)):
        persons = [person for person, role in roles.items() if bool(role) == flag]
        written = counts.reindex(persons, fill_value=0)
        rows.append(
            {
                "role": label,
                "people": len(persons),
                "writers": int((written > 0).sum()),
                "messages": int(written.sum()),
                "share": written.sum() / total if total else float("nan"),
                "messages_per_person": written.sum() / len(persons) if persons else float("nan"),
                "questions": int(questions["author"].isin(persons).sum()),
            }
        )
    return pd.DataFrame(rows).set_index("role")


# --- interaction ------------------------------------------------------------

_QUESTION_STARTS = frozenset(
    # English, Swahili and Portuguese question words that open a question
    # written without a question mark.
    "what how when where why who which whom can could would should is are do does did "
    "je nini lini wapi vipi gani nani ngapi kwanini mbona "
    "quando onde como porque porquê qual quais quem quanto quanta quantos".split()
)


def is_question(text: str) -> bool:
    """Tell whether a chat line asks something: it has "?" or opens with a question word."""
    if not isinstance(text, str) or not text.strip():
        return False
    if "?" in text or "¿" in text:
        return True
    first = text.strip().split(maxsplit=1)[0].strip(",.:;!").casefold()
    return first in _QUESTION_STARTS


def _question_mask(texts: pd.DataFrame) -> pd.Series:
    # astype(bool): an empty mask of another dtype would select columns instead of rows.
    if "text" not in texts:
        return pd.Series(False, index=texts.index)
    return texts["text"].map(is_question).astype(bool)


def questions(messages: pd.DataFrame, window: timedelta = timedelta(hours=24)) -> pd.DataFrame:
    """List the questions with whether and when another participant answered.

    A question counts as answered when a different author writes a message
    within ``window`` after it; the first such message is the answer.

    NOTE: exports do not say which message a reply quotes, so an unrelated
    message from someone else inside the window also counts as an answer.
    """
    columns = ["timestamp", "author", "text", "answered", "answered_by", "answer_delay"]
    texts = text_messages(messages)
    asked = texts[_question_mask(texts)]
    if asked.empty:
        return pd.DataFrame(columns=columns)

    ordered = messages.sort_values("timestamp", kind="stable")
    times = ordered["timestamp"].to_numpy()
    authors = ordered["author"].to_numpy()
    asked_times = asked["timestamp"].to_numpy()
    asked_authors = asked["author"].to_numpy()

    answer = _first_other_author(times, authors, asked_times, asked_authors)
    found = answer < len(times)
    answer = np.where(found, answer, 0)
    answered = found & (times[answer] <= asked_times + np.timedelta64(window))
    table = pd.DataFrame(
        {
            "timestamp": asked_times,
            "author": asked_authors,
            "text": asked["text"].to_numpy(),
            "answered": answered,
            "answered_by": np.where(answered, authors[answer], None),
            "answer_delay": np.where(answered, times[answer] - asked_times, np.timedelta64("NaT")),
        },
        columns=columns,
    )
    table["answer_delay"] = table["answer_delay"].astype("timedelta64[ns]")
    return table


def _first_other_author(
    times: np.ndarray, authors: np.ndarray, after: np.ndarray, author: np.ndarray
) -> np.ndarray:
    """Return the index of the first message after each ``after`` by someone other than ``author``.

    ``times`` and ``authors`` are the messages sorted by time. The index is
    ``len(times)`` where no later message is by someone else.
    """
    count = len(times)
    # The first message by someone else after message i starts the next run of
    # another author: the first change of author after i.
    changes = np.flatnonzero(authors[1:] != authors[:-1]) + 1
    next_other = np.append(changes, count)[np.searchsorted(changes, np.arange(count), side="right")]
    start = np.searchsorted(times, after, side="right")
    first = np.minimum(start, count - 1)
    same_author = authors[first] == author
    return np.where(start >= count, count, np.where(same_author, next_other[first], start))


def runs(messages: pd.DataFrame) -> pd.DataFrame:
    """Fold consecutive messages of one author into runs: author, start, end, messages."""
    ordered = messages.sort_values("timestamp", kind="stable")
    if ordered.empty:
        return pd.DataFrame(columns=["author", "start", "end", "messages"])
    new_run = ordered["author"].ne(ordered["author"].shift())
    run_ids = new_run.cumsum()
    return (
        ordered.groupby(run_ids)
        .agg(
            author=("author", "first"),
            start=("timestamp", "first"),
            end=("timestamp", "last"),
            messages=("timestamp", "size"),
        )
        .reset_index(drop=True)
    )


def first_reply_times(messages: pd.DataFrame, gap: timedelta = CONVERSATION_GAP) -> pd.DataFrame:
    """Time from each conversation's opening message to the first message by someone else.

    A conversation opens with the first message, and with every message after
    ``gap`` of silence. A conversation nobody else joins before the next one
    opens has no reply (``reply_delay`` is NaT).
    """
    ordered = messages.sort_values("timestamp", kind="stable").reset_index(drop=True)
    columns = ["timestamp", "author", "replied", "replied_by", "reply_delay"]
    if ordered.empty:
        return pd.DataFrame(columns=columns)

    silence = ordered["timestamp"].diff()
    opens = (silence.isna() | (silence >= pd.Timedelta(gap))).to_numpy()
    starts = np.flatnonzero(opens)
    ends = np.append(starts[1:], len(ordered))
    times = ordered["timestamp"].to_numpy()
    authors = ordered["author"].to_numpy()

    # A row by someone other than its conversation's opener is a reply. The
    # first reply after an opener counts when it comes before the next opener.
    openers = starts[np.cumsum(opens) - 1]
    replies = np.flatnonzero(authors != authors[openers])
    first = np.searchsorted(replies, starts)
    reply = replies[np.minimum(first, len(replies) - 1)] if len(replies) else ends
    replied = (first < len(replies)) & (reply < ends)
    reply = np.where(replied, reply, 0)

    table = pd.DataFrame(
        {
            "timestamp": times[starts],
            "author": authors[starts],
            "replied": replied,
            "replied_by": np.where(replied, authors[reply], None),
            "reply_delay": np.where(replied, times[reply] - times[starts], np.timedelta64("NaT")),
        },
        columns=columns,
    )
    table["reply_delay"] = table["reply_delay"].astype("timedelta64[ns]")
    return table


def reply_matrix(
    messages: pd.DataFrame, window: timedelta = REPLY_WINDOW, authors: Iterable[str] | None = None
) -> pd.DataFrame:
    """Count who replies to whom: rows reply to columns.

    A run of messages by one author replies to the previous run's author when it
    starts within ``window`` of that run's end. With ``authors``, the matrix is
    limited to those authors (in that order) and the others are left out.
    """
    folded = runs(messages)
    previous = folded.shift()
    is_reply = previous["author"].notna() & (
        (folded["start"] - previous["end"]) <= pd.Timedelta(window)
    )
    pairs = pd.DataFrame(
        {"replier": folded.loc[is_reply, "author"], "replied_to": previous.loc[is_reply, "author"]}
    )
    matrix = pd.crosstab(pairs["replier"], pairs["replied_to"])
    order = (
        list(authors) if authors is not None else sorted(set(matrix.index) | set(matrix.columns))
    )
    return matrix.reindex(index=order, columns=order, fill_value=0).astype(int)


def delay_summary(delays: pd.Series) -> dict[str, object]:
    """Return count, median and quartiles of a Series of timedeltas (NaT left out)."""
    values = pd.to_timedelta(delays.dropna())
    if values.empty:
        return {"count": 0, "median": pd.NaT, "q1": pd.NaT, "q3": pd.NaT}
    return {
        "count": int(values.size),
        "median": values.median(),
        "q1": values.quantile(0.25),
        "q3": values.quantile(0.75),
    }
