"""Everything one group report needs, loaded once and pseudonymised before any metric.

:func:`load_group_report` reads a group's rows, replaces names with pseudonyms
(unless ``pseudonymise`` is False), and builds the membership spans. The
notebook then calls the section functions below, which return tables ready to
display, and the charts in :mod:`tafiti.analysis.plots`.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from tafiti.analysis import content, membership, metrics, sentiment
from tafiti.analysis.frames import (
    Period,
    TimeBound,
    load_events,
    load_export_files,
    load_groups,
    load_messages,
    load_participants,
    participant_names,
)
from tafiti.errors import TafitiError
from tafiti.privacy import Pseudonymiser

PACKAGES = (
    "pandas",
    "numpy",
    "matplotlib",
    "seaborn",
    "SQLAlchemy",
    "langid",
    "vaderSentiment",
    "emoji",
    "papermill",
    "nbconvert",
)


@dataclass
class GroupReport:
    """One group's data for a report: period rows, whole-history rows, membership spans.

    ``messages`` and ``events`` are the period's rows; ``history_messages`` and
    ``history_events`` the whole history, which membership needs (who was in
    the group when the period began). Names are pseudonyms when
    ``pseudonymised`` is true, in every frame.
    """

    slug: str
    name: str
    group: dict[str, Any]
    period: Period
    messages: pd.DataFrame
    events: pd.DataFrame
    history_messages: pd.DataFrame
    history_events: pd.DataFrame
    participants: pd.DataFrame
    export_files: pd.DataFrame
    spans: pd.DataFrame
    pseudonymiser: Pseudonymiser
    pseudonymised: bool
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def first(self) -> pd.Timestamp | None:
        """Time of the period's first message, or None."""
        return self.messages["timestamp"].min() if not self.messages.empty else None

    @property
    def last(self) -> pd.Timestamp | None:
        """Time of the period's last message, or None."""
        return self.messages["timestamp"].max() if not self.messages.empty else None

    @property
    def period_start(self) -> pd.Timestamp | None:
        """Start of the period: the ``since`` bound, else the first record of the history."""
        if self.period.start is not None:
            return pd.Timestamp(self.period.start)
        return _first_time(self.history_messages, self.history_events)

    @property
    def period_end(self) -> pd.Timestamp | None:
        """End of the period (exclusive): the ``until`` bound, else just after the last record."""
        if self.period.end is not None:
            return pd.Timestamp(self.period.end)
        last = _last_time(self.history_messages, self.history_events)
        return last + pd.Timedelta(microseconds=1) if last is not None else None

    def members(self) -> list[str]:
        """Return the people who were members at some moment of the period."""
        return membership.members_between(self.spans, self.period_start, self.period_end)


def _first_time(*frames: pd.DataFrame) -> pd.Timestamp | None:
    times = [frame["timestamp"].min() for frame in frames if not frame.empty]
    return min(times) if times else None


def _last_time(*frames: pd.DataFrame) -> pd.Timestamp | None:
    times = [frame["timestamp"].max() for frame in frames if not frame.empty]
    return max(times) if times else None


def load_group_report(
    group: str,
    since: TimeBound = None,
    until: TimeBound = None,
    pseudonymise: bool | None = None,
    engine: Engine | None = None,
) -> GroupReport:
    """Load a group's data for a period, names pseudonymised unless ``pseudonymise`` is False.

    ``pseudonymise=None`` follows the ``report_names`` setting.
    """
    from tafiti.config import get_settings

    settings = get_settings()
    period = Period.parse(since, until)
    groups = load_groups(engine)
    row = groups[(groups["group"] == group) | (groups["name"] == group)]
    if row.empty:
        known = ", ".join(groups["group"]) or "none stored yet"
        raise TafitiError(f"group {group!r} not found (known slugs: {known})")
    group_row = row.iloc[0].to_dict()
    slug = group_row["group"]

    participants = load_participants(engine, slug)
    history_messages = load_messages(engine, slug)
    history_events = load_events(engine, slug)
    export_files = load_export_files(engine, slug)

    names = set(participant_names(participants, history_events))
    names |= set(group_row["info"].get("facilitators") or [])
    if group_row.get("advisor"):
        names.add(group_row["advisor"])
    for alias, canonical in (group_row["info"].get("aliases") or {}).items():
        names.add(alias)
        names.add(canonical)
    masker = Pseudonymiser.from_settings(names, settings, enabled=pseudonymise)

    aliases = dict(zip(participants["name"], participants["canonical_name"], strict=True))
    spans = membership.membership_spans(history_events, history_messages, aliases)

    history_messages = _pseudonymise_messages(history_messages, masker)
    history_events = _pseudonymise_events(history_events, masker)
    participants = masker.frame(participants, ["name", "canonical_name"])
    spans = masker.frame(spans, ["person"])
    export_files = masker.frame(export_files, text_columns=["name", "key", "error"])
    if masker.enabled:
        export_files["warnings"] = export_files["warnings"].map(
            lambda warnings: [_mask_warning(masker, warning) for warning in warnings]
        )
    if masker.enabled and group_row.get("advisor"):
        group_row["advisor"] = masker.name(group_row["advisor"])

    return GroupReport(
        slug=slug,
        name=group_row["name"],
        group=group_row,
        period=period,
        messages=history_messages[period.contains(history_messages["timestamp"])],
        events=history_events[period.contains(history_events["timestamp"])],
        history_messages=history_messages,
        history_events=history_events,
        participants=participants,
        export_files=export_files,
        spans=spans,
        pseudonymiser=masker,
        pseudonymised=masker.enabled,
    )


def _pseudonymise_messages(messages: pd.DataFrame, masker: Pseudonymiser) -> pd.DataFrame:
    masked = masker.frame(messages, ["author", "author_name"], ["attachment"])
    if masker.enabled:
        # Chats repeat many texts ("ok", "Amen", "asante sana"), and masking
        # names runs a pattern of every name over the text, so each distinct
        # text is masked once.
        texts = messages["text"]
        distinct = pd.unique(texts)
        masked_texts = dict(zip(distinct, map(masker.text, distinct), strict=True))
        masked["text"] = texts.map(masked_texts)
    return masked


def _pseudonymise_events(events: pd.DataFrame, masker: Pseudonymiser) -> pd.DataFrame:
    return masker.frame(events, ["actor"], ["text", "old_name", "new_name"], ["people"])


def _mask_warning(masker: Pseudonymiser, warning: Any) -> Any:
    if isinstance(warning, str):
        return masker.text(warning)
    if isinstance(warning, dict):
        return {k: masker.text(v) if isinstance(v, str) else v for k, v in warning.items()}
    return warning


# --- display ------------------------------------------------------------------


def styled(
    frame: pd.DataFrame,
    percent: Iterable[str] = (),
    decimals: Iterable[str] = (),
    hide_index: bool = False,
) -> Any:
    """Return a pandas Styler showing ``percent`` columns as "42%", times to the minute.

    Falls back to the frame itself for an empty frame, which a Styler shows badly.
    """
    if frame.empty:
        return frame
    formats: dict[str, Any] = {}
    for column in percent:
        if column in frame:
            formats[column] = "{:.0%}"
    for column in decimals:
        if column in frame:
            formats[column] = "{:.2f}"
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            formats[column] = _format_time
    for column in frame.columns:
        if pd.api.types.is_bool_dtype(frame[column]):
            formats[column] = _yes
        elif pd.api.types.is_float_dtype(frame[column]) and column not in formats:
            formats[column] = _number
    frame = frame.rename_axis(index=None, columns=None)
    if isinstance(frame.index, pd.DatetimeIndex):
        whole_days = (frame.index == frame.index.normalize()).all()
        frame.index = frame.index.strftime("%Y-%m-%d" if whole_days else "%Y-%m-%d %H:%M")
    frame.columns = [str(column).replace("_", " ") for column in frame.columns]
    formats = {str(column).replace("_", " "): format for column, format in formats.items()}
    style = frame.style.format(formats, na_rep="–")
    return style.hide(axis="index") if hide_index else style


def _number(value: Any) -> str:
    if pd.isna(value):
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _yes(value: Any) -> str:
    return "yes" if value is True or value == 1 else ""


# --- sections -----------------------------------------------------------------


def summary(report: GroupReport) -> pd.DataFrame:
    """Return the headline figures of the period as a table of labelled values."""
    messages = report.messages
    kinds = content.kind_counts(messages)
    busiest = metrics.busiest(messages)
    counts = metrics.message_counts(messages)
    emoji_table = content.emoji_counts(messages, n=3)
    joins = membership.joins_and_leaves(report.events)
    size_start, size_end = _sizes(report)

    rows = [
        ("Period", report.period.label()),
        ("First message", _format_time(report.first)),
        ("Last message", _format_time(report.last)),
        ("Messages", f"{len(messages):,}"),
        ("Text messages", f"{int(kinds['text']):,}"),
        ("Media", f"{int(kinds['media']):,}"),
        ("Deleted messages", f"{int(kinds['deleted']):,}"),
        ("Messages with links", f"{content.messages_with_links(messages):,}"),
        ("Emoji used", f"{_emoji_total(messages):,}"),
        ("Active participants (wrote at least once)", f"{messages['author'].nunique():,}"),
        ("Members during the period", f"{len(report.members()):,}"),
        ("Group size at start → end", f"{size_start:,} → {size_end:,}"),
        ("Joined", f"{int(joins['joined'].sum()):,}"),
        ("Left or removed", f"{int(joins['left'].sum()):,}"),
        (
            "Busiest day",
            f"{busiest['day']:%a %d %b %Y} ({busiest['day_messages']:,} messages)"
            if busiest["day"]
            else "–",
        ),
        ("Busiest weekday", busiest["weekday"] or "–"),
        (
            "Busiest hour",
            f"{busiest['hour']:02d}:00–{busiest['hour']:02d}:59" if busiest["day"] else "–",
        ),
        (
            "Most active participant",
            f"{counts.index[0]} ({int(counts.iloc[0]):,} messages)" if len(counts) else "–",
        ),
        (
            "Top emoji",
            " ".join(
                f"{e} ×{n}" for e, n in zip(emoji_table["emoji"], emoji_table["uses"], strict=True)
            )
            or "–",
        ),
    ]
    return _measures(rows)


def _emoji_total(messages: pd.DataFrame) -> int:
    return sum(content.count_emoji(text) for text in metrics.text_messages(messages)["text"])


def _sizes(report: GroupReport) -> tuple[int, int]:
    start, end = report.period_start, report.period_end
    if start is None or end is None:
        return 0, 0
    at_start = len(membership.members_at(report.spans, start))
    at_end = len(membership.members_at(report.spans, end - pd.Timedelta(microseconds=1)))
    return at_start, at_end


def _format_time(value: Any) -> str:
    if value is None or pd.isna(value):
        return "–"
    return pd.Timestamp(value).strftime("%a %d %b %Y %H:%M")


def daily(report: GroupReport) -> pd.DataFrame:
    """Return messages and active participants per day over the whole period."""
    start, end = report.period_start, report.period_end
    last_day = end - pd.Timedelta(microseconds=1) if end is not None else None
    return metrics.daily_activity(report.messages, start, last_day)


def top_participants(
    report: GroupReport, n: int = 10, last_days: int | None = None
) -> pd.DataFrame:
    """Return the top participants of the period, or of its last ``last_days`` days."""
    return metrics.top_participants(report.messages, n=n, last_days=last_days)


def window_label(report: GroupReport, days: int) -> str:
    """Describe the last ``days`` days window, e.g. "18 Mar 2024 – 31 Mar 2024"."""
    if report.last is None:
        return "no messages"
    start = metrics.window_start(report.last, days)
    return f"{start:%d %b %Y} – {report.last:%d %b %Y}"


def participation(report: GroupReport) -> pd.DataFrame:
    """Return the inequality figures as a table, over writers and over all members."""
    figures = metrics.inequality(report.messages, report.members())
    rows = [
        ("Members during the period", f"{figures['members']:,}"),
        ("Wrote at least one message", f"{figures['writers']:,}"),
        ("Share of messages by the top 10% of writers", _percent(figures["top10_share"])),
        ("Gini coefficient over writers", _decimal(figures["gini"])),
        ("Share of messages by the top 10% of members", _percent(figures["top10_share_members"])),
        (
            "Gini coefficient over members (silent ones count as 0)",
            _decimal(figures["gini_members"]),
        ),
    ]
    return _measures(rows)


def message_counts_of_members(report: GroupReport) -> pd.Series:
    """Return messages per member of the period, silent members with 0."""
    counts = metrics.message_counts(report.messages)
    return counts.reindex(sorted(set(counts.index) | set(report.members())), fill_value=0)


def silent_members(report: GroupReport) -> pd.DataFrame:
    """List the members of the period who never wrote a message in the whole history."""
    writers = set(report.history_messages["author"])
    members = [person for person in report.members() if person not in writers]
    spans = report.spans[report.spans["person"].isin(members)]
    frame = (
        spans.sort_values("start")
        .groupby("person", sort=False)
        .agg(member_since=("start", "first"), via=("via", "first"), left=("end", "last"))
    )
    frame["still_member"] = frame["left"].isna()
    return frame.sort_values(["member_since"]).reset_index()


def facilitators(report: GroupReport) -> pd.DataFrame:
    """Compare facilitators with other members, or an empty table when none is known."""
    flags = report.participants.groupby("canonical_name")["is_facilitator"].any()
    people = pd.DataFrame({"person": report.members()})
    people["is_facilitator"] = people["person"].map(flags).fillna(False).astype(bool)
    return metrics.facilitator_comparison(report.messages, people)


def membership_changes(report: GroupReport) -> pd.DataFrame:
    """Return people joining and leaving per week of the period."""
    return membership.joins_and_leaves(report.events)


def group_sizes(report: GroupReport) -> pd.Series:
    """Return the group size at the end of each day of the period."""
    days = daily(report).index
    return membership.group_size(report.spans, days)


def retention(report: GroupReport) -> pd.DataFrame:
    """Return the retention of each join cohort (whole history, up to the period's end)."""
    end = report.period_end
    if end is None:
        return pd.DataFrame()
    spans = report.spans[report.spans["start"] < end]
    return membership.cohort_retention(spans, end)


def activity_retention(report: GroupReport) -> pd.DataFrame:
    """Return the share of each join cohort who wrote in week k after joining."""
    end = report.period_end
    if end is None:
        return pd.DataFrame()
    spans = report.spans[report.spans["start"] < end]
    messages = report.history_messages[report.history_messages["timestamp"] < end]
    return membership.cohort_activity(spans, messages, end)


def questions(report: GroupReport) -> pd.DataFrame:
    """Return how many questions were asked and answered, and the median time to the answer."""
    table = metrics.questions(report.messages)
    asked = len(table)
    answered = int(table["answered"].sum()) if asked else 0
    delays = metrics.delay_summary(table["answer_delay"]) if asked else {"median": pd.NaT}
    rows = [
        ("Questions asked", f"{asked:,}"),
        (
            "Answered by someone else within 24 hours",
            f"{answered:,} ({_percent(_ratio(answered, asked))})",
        ),
        ("Median time to the answer", _duration(delays["median"])),
    ]
    return _measures(rows)


def reply_times(report: GroupReport) -> pd.DataFrame:
    """Return the time to first reply of conversations as a table."""
    table = metrics.first_reply_times(report.messages)
    replied = table["reply_delay"] if not table.empty else pd.Series(dtype="timedelta64[ns]")
    figures = metrics.delay_summary(replied)
    conversations = len(table)
    rows = [
        ("Conversations (opened after 2 hours of silence)", f"{conversations:,}"),
        (
            "Got a reply from someone else",
            f"{figures['count']:,} ({_percent(_ratio(figures['count'], conversations))})",
        ),
        ("Median time to first reply", _duration(figures["median"])),
        ("Middle half of reply times", f"{_duration(figures['q1'])} – {_duration(figures['q3'])}"),
    ]
    return _measures(rows)


def reply_matrix(report: GroupReport, n: int = 12) -> pd.DataFrame:
    """Return who replies to whom among the ``n`` most active participants."""
    top = list(metrics.message_counts(report.messages).index[:n])
    return metrics.reply_matrix(report.messages, authors=top)


def languages(report: GroupReport) -> pd.DataFrame:
    """Return the share of text messages per detected language."""
    texts = metrics.text_messages(report.messages)
    names = {"en": "English", "sw": "Swahili", "pt": "Portuguese", "other": "other / none"}
    labels = texts["language"].map(lambda code: names.get(code, "not detected"))
    counts = labels.value_counts()
    frame = pd.DataFrame({"messages": counts, "share": counts / counts.sum() if len(counts) else 0})
    frame.index.name = "language"
    return frame


def sentiment_tables(report: GroupReport) -> dict[str, pd.DataFrame]:
    """Return the scored messages, the coverage of each method, labels and emotions."""
    scored = sentiment.score_messages(report.messages)
    return {
        "scored": scored,
        "coverage": sentiment.coverage(scored),
        "labels": sentiment.label_counts(scored),
        "emotions": sentiment.emotions(report.messages),
    }


def name_history(report: GroupReport) -> pd.DataFrame:
    """List the group's creation and subject changes over the whole history."""
    events = report.history_events
    names = events[events["type"].isin(["created", "subject_changed"])]
    frame = names[["timestamp", "type", "actor", "old_name", "new_name"]].rename(
        columns={"actor": "changed by", "old_name": "from", "new_name": "to"}
    )
    return frame.reset_index(drop=True)


def export_files(report: GroupReport) -> pd.DataFrame:
    """List the group's export files: format, date order, records, warnings, status."""
    files = report.export_files
    columns = {
        "name": "file",
        "status": "status",
        "format": "format",
        "date_order": "date order",
        "records": "records",
        "new_records": "new records",
        "first_record_at": "first record",
        "last_record_at": "last record",
        "imported_at": "imported",
    }
    present = [column for column in columns if column in files]
    frame = files[present].rename(columns=columns)
    frame["warnings"] = files["warnings"].map(len)
    return frame.reset_index(drop=True)


def export_warnings(report: GroupReport, limit: int = 20) -> pd.DataFrame:
    """List the first ``limit`` parse warnings of the group's export files."""
    rows = []
    for file, warnings in zip(
        report.export_files["name"], report.export_files["warnings"], strict=True
    ):
        for warning in warnings:
            if isinstance(warning, dict):
                rows.append(
                    {"file": file, "line": warning.get("line"), "warning": warning.get("message")}
                )
            else:
                rows.append({"file": file, "line": None, "warning": str(warning)})
    return pd.DataFrame(rows[:limit], columns=["file", "line", "warning"])


def provenance(report: GroupReport, parameters: dict[str, Any] | None = None) -> pd.DataFrame:
    """Return where the report's data came from and what made it."""
    from tafiti import __version__

    files = report.export_files
    imported = files[files["status"] == "imported"] if "status" in files else files
    as_of = None
    for column in ("imported_at", "finished_at"):
        if column in files and files[column].notna().any():
            as_of = files[column].max()
            break
    rows = [
        ("Group", f"{report.name} ({report.slug})"),
        ("Period", report.period.label()),
        ("Parameters", ", ".join(f"{k}={v!r}" for k, v in (parameters or {}).items()) or "–"),
        ("Names", "pseudonyms" if report.pseudonymised else "real names"),
        ("Export files", f"{len(files):,} ({len(imported):,} imported)"),
        ("Formats", ", ".join(sorted(set(files["format"].dropna()))) or "–"),
        ("Date orders", ", ".join(sorted(set(files["date_order"].dropna()))) or "–"),
        ("Parse warnings", f"{int(files['warnings'].map(len).sum()):,}"),
        ("Data as of (last import)", _format_time(as_of)),
        ("Last record", _format_time(_last_time(report.history_messages, report.history_events))),
        ("tafiti version", __version__),
        ("Python", platform.python_version()),
        ("Packages", ", ".join(f"{name} {_version(name)}" for name in PACKAGES)),
        ("Rendered (UTC)", f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S}"),
    ]
    return _measures(rows)


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _measures(rows: list[tuple[str, str]]) -> pd.DataFrame:
    """Build a one-column table of labelled values, the labels as an unnamed index."""
    labels = [label for label, _ in rows]
    return pd.DataFrame({"value": [value for _, value in rows]}, index=pd.Index(labels))


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else float("nan")


def _percent(value: float) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.0%}"


def _decimal(value: float) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.2f}"


def _duration(value: Any) -> str:
    if value is None or pd.isna(value):
        return "–"
    seconds = pd.Timedelta(value).total_seconds()
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
