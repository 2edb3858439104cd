"""Every group side by side: engagement figures per group and per cohort, programme, advisor.

Definitions (each group over its whole history):

- ``member_weeks``: the sum over membership spans of the weeks each person
  was in the group between the group's first and last record;
- ``messages_per_member_week``: messages divided by ``member_weeks``;
- ``active_share``: of the members at the group's last record, the share who
  wrote in the last 30 days (counted back from the group's last message);
- ``still_members``: of everyone who was ever a member, the share still in the
  group at its last record;
- ``retention_4_weeks``: of the people who joined by an event at least 4 weeks
  before the last record, the share still in the group 4 weeks after joining.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from tafiti.analysis import membership, metrics
from tafiti.analysis.frames import (
    load_events,
    load_export_files,
    load_groups,
    load_messages,
    load_participants,
    participant_names,
)
from tafiti.privacy import Pseudonymiser

ATTRIBUTES = ("cohort", "programme", "advisor")
NOT_SET = "(not set)"
ACTIVE_DAYS = 30
RETENTION_WEEKS = 4


def load_overview(
    engine: Engine | None = None, pseudonymise: bool | None = None
) -> dict[str, pd.DataFrame]:
    """Load the per-group figures ("groups") and the failed export files ("failed_files").

    ``pseudonymise=None`` follows the ``report_names`` setting; advisors' names
    and names in error messages are pseudonymised like participants'.
    """
    from tafiti.config import get_settings

    groups = load_groups(engine)
    participants = load_participants(engine)
    messages = load_messages(engine)
    events = load_events(engine)
    files = load_export_files(engine)

    names = set(participant_names(participants, events))
    names |= {advisor for advisor in groups["advisor"].dropna() if advisor}
    masker = Pseudonymiser.from_settings(names, get_settings(), enabled=pseudonymise)

    rows = []
    for group in groups.itertuples(index=False):
        rows.append(
            _group_figures(
                group,
                messages[messages["group"] == group.group],
                events[events["group"] == group.group],
                participants[participants["group"] == group.group],
                files[files["group"] == group.group],
            )
        )
    table = pd.DataFrame(rows)
    if not table.empty:
        table = masker.frame(table, ["advisor"]).set_index("group")

    failed = files[files["status"] == "failed"]
    failed = failed[["name", "source", "group", "error", "finished_at"]].rename(
        columns={"name": "file", "finished_at": "tried at"}
    )
    failed = masker.frame(failed, text_columns=["file", "error", "source"])
    return {"groups": table, "failed_files": failed.reset_index(drop=True)}


def _group_figures(
    group: Any,
    messages: pd.DataFrame,
    events: pd.DataFrame,
    participants: pd.DataFrame,
    files: pd.DataFrame,
) -> dict[str, Any]:
    aliases = dict(zip(participants["name"], participants["canonical_name"], strict=True))
    spans = membership.membership_spans(events, messages, aliases)
    times = pd.concat([messages["timestamp"], events["timestamp"]])
    first = times.min() if not times.empty else pd.NaT
    last = times.max() if not times.empty else pd.NaT

    figures: dict[str, Any] = {
        "group": group.group,
        "name": group.name,
        **{attribute: getattr(group, attribute) for attribute in ATTRIBUTES},
        "first": first,
        "last": last,
        "messages": len(messages),
        "writers": messages["author"].nunique(),
        "ever_members": spans["person"].nunique() if not spans.empty else 0,
        "members_at_end": len(membership.members_at(spans, last)) if pd.notna(last) else 0,
        "export_files": len(files),
        "failed_files": int((files["status"] == "failed").sum()),
    }
    member_weeks = _member_weeks(spans, first, last)
    figures["member_weeks"] = member_weeks
    figures["messages_per_member_week"] = (
        len(messages) / member_weeks if member_weeks > 0 else np.nan
    )
    figures["active_share"] = _active_share(messages, spans, last)
    figures["still_members"] = (
        figures["members_at_end"] / figures["ever_members"] if figures["ever_members"] else np.nan
    )
    figures["retention_4_weeks"] = _retention(spans, last, RETENTION_WEEKS)
    return figures


def _member_weeks(spans: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> float:
    if spans.empty or pd.isna(first) or pd.isna(last):
        return 0.0
    starts = spans["start"].clip(lower=first)
    ends = spans["end"].fillna(last).clip(upper=last)
    durations = (ends - starts).clip(lower=pd.Timedelta(0))
    return float(durations.sum() / pd.Timedelta(weeks=1))


def _active_share(messages: pd.DataFrame, spans: pd.DataFrame, last: pd.Timestamp) -> float:
    if pd.isna(last) or messages.empty:
        return np.nan
    members = membership.members_at(spans, last)
    if not members:
        return np.nan
    start = metrics.window_start(messages["timestamp"].max(), ACTIVE_DAYS)
    recent = set(messages.loc[messages["timestamp"] >= start, "author"])
    return len(recent & set(members)) / len(members)


def _retention(spans: pd.DataFrame, last: pd.Timestamp, weeks: int) -> float:
    if spans.empty or pd.isna(last):
        return np.nan
    joined = spans[spans["via"].isin(["added", "joined"])]
    moment = joined["start"] + pd.Timedelta(weeks=weeks)
    observable = joined[moment <= last]
    if observable.empty:
        return np.nan
    at = observable["start"] + pd.Timedelta(weeks=weeks)
    stayed = observable["end"].isna() | (observable["end"] > at)
    return float(stayed.mean())


def by_attribute(groups: pd.DataFrame, attribute: str) -> pd.DataFrame:
    """Summarise the groups per value of ``attribute`` (cohort, programme or advisor)."""
    if groups.empty:
        return pd.DataFrame()
    keys = groups[attribute].fillna(NOT_SET).replace("", NOT_SET)
    summary = groups.groupby(keys).agg(
        groups=("name", "size"),
        messages=("messages", "sum"),
        members_at_end=("members_at_end", "sum"),
        messages_per_member_week=("messages_per_member_week", "mean"),
        active_share=("active_share", "mean"),
        still_members=("still_members", "mean"),
        retention_4_weeks=("retention_4_weeks", "mean"),
    )
    summary.index.name = attribute
    return summary


def display_table(groups: pd.DataFrame) -> pd.DataFrame:
    """Return the per-group figures with readable column names and rounded values."""
    columns = {
        "name": "group",
        "cohort": "cohort",
        "programme": "programme",
        "advisor": "advisor",
        "first": "first record",
        "last": "last record",
        "messages": "messages",
        "members_at_end": "members",
        "messages_per_member_week": "messages per member-week",
        "active_share": "active in last 30 days",
        "still_members": "still members",
        "retention_4_weeks": "retained 4 weeks",
        "failed_files": "failed files",
    }
    frame = groups[list(columns)].rename(columns=columns)
    for column in ("first record", "last record"):
        frame[column] = pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%d")
    return frame
