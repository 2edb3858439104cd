"""Charts for the reports, drawn with matplotlib and seaborn from metric frames.

Each function takes the frame a metric returns and returns a matplotlib
``Figure``; in a notebook the figure shows inline as PNG. Labels are whatever
the frame holds, so pseudonymise the frames before plotting (the report
loaders in :mod:`tafiti.analysis.report` do). Nothing here is random; where a
library could be (layout jitter), the seed is fixed by :func:`setup`.
"""

from __future__ import annotations

import random

import matplotlib
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

SEED = 20240101
WIDTH = 9.0  # inches; at the notebook's 100 dpi the PNG is 900 px wide
PALETTE = "Blues"
MAIN_COLOR = "#2a6f97"
SECOND_COLOR = "#e07a5f"


def setup() -> None:
    """Set the chart style and seed every random generator the plotting libraries use."""
    random.seed(SEED)
    np.random.seed(SEED)
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.95)
    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.autolayout": True,
            "axes.titleweight": "bold",
            "svg.fonttype": "none",
        }
    )


def _figure(height: float = 3.6, width: float = WIDTH) -> tuple[Figure, plt.Axes]:
    figure, axes = plt.subplots(figsize=(width, height))
    return figure, axes


def _empty(axes: plt.Axes, message: str = "No data in this period") -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes)
    axes.set_axis_off()


def _close(figure: Figure) -> Figure:
    # The caller displays the returned figure. Closing it in pyplot keeps the
    # inline backend from showing a second copy at the end of the cell.
    plt.close(figure)
    return figure


def activity(daily: pd.DataFrame, weekly: pd.DataFrame | None = None) -> Figure:
    """Messages per day as bars, active participants per day as a line."""
    figure, axes = _figure()
    if daily.empty or daily["messages"].sum() == 0:
        _empty(axes)
        return _close(figure)
    axes.bar(daily.index, daily["messages"], width=1.0, color=MAIN_COLOR, label="messages")
    axes.set_ylabel("messages per day")
    other = axes.twinx()
    other.plot(
        daily.index,
        daily["active_participants"],
        color=SECOND_COLOR,
        linewidth=1.2,
        label="active participants",
    )
    other.set_ylabel("active participants")
    other.grid(False)
    other.set_ylim(bottom=0)
    _date_axis(axes)
    handles = axes.get_legend_handles_labels()[0] + other.get_legend_handles_labels()[0]
    _legend_above(axes, handles, ["messages", "active participants"])
    _integer_ticks(axes.yaxis)
    _integer_ticks(other.yaxis)
    axes.set_title("Activity per day", loc="left")
    return _close(figure)


def weekly_activity(weekly: pd.DataFrame) -> Figure:
    """Messages and active participants per week, side by side."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(WIDTH, 3.2))
    if weekly.empty:
        _empty(left)
        _empty(right)
        return _close(figure)
    labels = [week.strftime("%d %b") for week in weekly.index]
    positions = np.arange(len(weekly))
    left.bar(positions, weekly["messages"], color=MAIN_COLOR)
    left.set_title("Messages per week")
    right.bar(positions, weekly["active_participants"], color=SECOND_COLOR)
    right.set_title("Active participants per week")
    for axes in (left, right):
        _sparse_ticks(axes, positions, labels)
        _integer_ticks(axes.yaxis)
    return _close(figure)


def _legend_above(axes: plt.Axes, handles: list, labels: list[str]) -> None:
    """Put the legend in one row above the plot, where it covers no data."""
    axes.legend(
        handles,
        labels,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=len(labels),
        frameon=False,
    )


def _integer_ticks(axis: matplotlib.axis.Axis) -> None:
    axis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))


def _sparse_ticks(axes: plt.Axes, positions: np.ndarray, labels: list[str], most: int = 10) -> None:
    step = max(1, int(np.ceil(len(positions) / most)))
    axes.set_xticks(positions[::step])
    axes.set_xticklabels(labels[::step], rotation=45, ha="right")


def _date_axis(axes: plt.Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=10)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def weekday_hour(table: pd.DataFrame) -> Figure:
    """Heatmap of messages by weekday and hour of day."""
    figure, axes = _figure(height=3.4)
    if table.to_numpy().sum() == 0:
        _empty(axes)
        return _close(figure)
    sns.heatmap(table, ax=axes, cmap=PALETTE, linewidths=0.3, cbar_kws={"label": "messages"})
    axes.set_xlabel("hour of day")
    axes.set_ylabel("")
    axes.set_title("When messages are written")
    return _close(figure)


def calendar(daily: pd.DataFrame) -> Figure:
    """Calendar view: one cell per day, weeks as columns, weekdays as rows, colour = messages."""
    if daily.empty:
        figure, axes = _figure(height=2.0)
        _empty(axes)
        return _close(figure)
    days = daily.index
    first_monday = days.min() - pd.Timedelta(days=days.min().weekday())
    week_numbers = ((days - first_monday).days // 7).to_numpy()
    grid = np.full((7, int(week_numbers.max()) + 1), np.nan)
    grid[days.weekday.to_numpy(), week_numbers] = daily["messages"].to_numpy()

    weeks = grid.shape[1]
    width = min(WIDTH, max(4.0, 1.5 + weeks * 0.22))
    figure, axes = _figure(height=2.6, width=width)
    masked = np.ma.masked_invalid(grid)
    image = axes.pcolormesh(masked, cmap=PALETTE, vmin=0, edgecolors="white", linewidth=1.0)
    axes.invert_yaxis()
    axes.set_yticks(np.arange(7) + 0.5)
    axes.set_yticklabels(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    month_starts = [
        (index, (first_monday + pd.Timedelta(weeks=index)).strftime("%b"))
        for index in range(weeks)
        if index == 0
        or (first_monday + pd.Timedelta(weeks=index)).month
        != (first_monday + pd.Timedelta(weeks=index - 1)).month
    ]
    axes.set_xticks([index + 0.5 for index, _ in month_starts])
    axes.set_xticklabels([label for _, label in month_starts])
    axes.set_aspect("equal")
    axes.grid(False)
    figure.colorbar(image, ax=axes, label="messages", shrink=0.8)
    axes.set_title("Messages per day")
    return _close(figure)


def top_participants(top: pd.DataFrame, title: str = "Top participants") -> Figure:
    """Horizontal bars of messages per participant, facilitators in a second colour."""
    height = max(2.0, 0.32 * len(top) + 1.0)
    figure, axes = _figure(height=height)
    if top.empty:
        _empty(axes)
        return _close(figure)
    facilitators = top["facilitator"] if "facilitator" in top else pd.Series(False, index=top.index)
    colors = [SECOND_COLOR if flag else MAIN_COLOR for flag in facilitators]
    axes.barh(top["author"].astype(str), top["messages"], color=colors)
    axes.invert_yaxis()
    axes.set_xlabel("messages")
    for position, (count, share) in enumerate(zip(top["messages"], top["share"], strict=True)):
        axes.text(count, position, f" {count} ({share:.0%})", va="center", fontsize=8)
    axes.set_xlim(right=top["messages"].max() * 1.25)
    _integer_ticks(axes.xaxis)
    if facilitators.any():
        handles = [
            plt.Rectangle((0, 0), 1, 1, color=MAIN_COLOR),
            plt.Rectangle((0, 0), 1, 1, color=SECOND_COLOR),
        ]
        _legend_above(axes, handles, ["member", "facilitator"])
        axes.set_title(title, loc="left")
    else:
        axes.set_title(title)
    return _close(figure)


def lorenz(counts: pd.Series) -> Figure:
    """Lorenz curve of messages per person: how far participation is from equal."""
    figure, axes = _figure(height=3.6, width=4.8)
    values = np.sort(counts.to_numpy(dtype=float))
    if values.size == 0 or values.sum() == 0:
        _empty(axes)
        return _close(figure)
    cumulative = np.concatenate([[0.0], np.cumsum(values) / values.sum()])
    people = np.linspace(0, 1, values.size + 1)
    axes.plot(people, cumulative, color=MAIN_COLOR, label="messages")
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", label="equal participation")
    axes.set_xlabel("share of people (least active first)")
    axes.set_ylabel("share of messages")
    axes.legend(loc="upper left")
    axes.set_title("Lorenz curve")
    return _close(figure)


def group_size(sizes: pd.Series, joins_leaves: pd.DataFrame) -> Figure:
    """Group size over time (line) above joins and leaves per week (bars)."""
    figure, (top, bottom) = plt.subplots(
        2, 1, figsize=(WIDTH, 4.6), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    if sizes.empty:
        _empty(top)
        _empty(bottom)
        return _close(figure)
    top.step(sizes.index, sizes.to_numpy(), where="post", color=MAIN_COLOR)
    top.set_ylabel("members")
    top.set_ylim(bottom=0)
    top.set_title("Group size and membership changes", loc="left")
    if not joins_leaves.empty:
        # Each bar spans its week, Monday to Sunday.
        weeks = {"width": 6.5, "align": "edge"}
        bottom.bar(
            joins_leaves.index, joins_leaves["joined"], color=MAIN_COLOR, label="joined", **weeks
        )
        bottom.bar(
            joins_leaves.index, -joins_leaves["left"], color=SECOND_COLOR, label="left", **weeks
        )
        bottom.axhline(0, color="black", linewidth=0.6)
        bottom.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        _integer_ticks(bottom.yaxis)
    _integer_ticks(top.yaxis)
    bottom.set_ylabel("people per week")
    _date_axis(bottom)
    return _close(figure)


def retention(
    table: pd.DataFrame,
    title: str = "Retention of join cohorts",
    xlabel: str = "still a member after",
) -> Figure:
    """Heatmap of a share per join cohort and week: still members, or writing."""
    shares = table.drop(columns=["joined"], errors="ignore").astype(float)
    height = max(2.2, 0.35 * len(shares) + 1.2)
    figure, axes = _figure(height=height, width=min(WIDTH, 6.5))
    if shares.empty or shares.isna().all().all():
        _empty(axes, "No join cohort can be followed yet")
        return _close(figure)
    labels = [
        f"{cohort} ({joined})" for cohort, joined in zip(table.index, table["joined"], strict=True)
    ]
    sns.heatmap(
        shares,
        ax=axes,
        annot=True,
        fmt=".0%",
        vmin=0,
        vmax=1,
        cmap=PALETTE,
        cbar=False,
        yticklabels=labels,
    )
    axes.set_ylabel("cohort (people)")
    axes.set_xlabel(xlabel)
    axes.set_title(title)
    return _close(figure)


def bars(
    series: pd.Series,
    title: str,
    xlabel: str = "",
    horizontal: bool = True,
    color: str = MAIN_COLOR,
) -> Figure:
    """Bars of a labelled count Series (message kinds, languages, domains, words)."""
    height = max(2.0, 0.3 * len(series) + 1.0) if horizontal else 3.2
    figure, axes = _figure(height=height, width=WIDTH if horizontal else 6.0)
    if series.empty or series.sum() == 0:
        _empty(axes)
        return _close(figure)
    labels = [str(label) for label in series.index]
    if horizontal:
        axes.barh(labels, series.to_numpy(), color=color)
        axes.invert_yaxis()
        axes.set_xlabel(xlabel)
        _integer_ticks(axes.xaxis)
    else:
        axes.bar(labels, series.to_numpy(), color=color)
        axes.set_ylabel(xlabel)
        _integer_ticks(axes.yaxis)
    axes.set_title(title)
    return _close(figure)


def length_histogram(lengths: pd.DataFrame) -> Figure:
    """Distribution of words per text message, the longest 1% gathered in the last bar."""
    figure, axes = _figure(height=3.0)
    if lengths.empty:
        _empty(axes)
        return _close(figure)
    top = max(1, int(lengths["words"].quantile(0.99)))
    clipped = lengths["words"].clip(upper=top)
    # One bar per word count up to 40 words, wider bins beyond.
    bins = np.arange(0, top + 2) - 0.5 if top <= 40 else 40
    axes.hist(clipped, bins=bins, color=MAIN_COLOR)
    axes.set_xlabel(f"words per text message (messages over {top} words counted at {top})")
    axes.set_ylabel("messages")
    _integer_ticks(axes.xaxis)
    _integer_ticks(axes.yaxis)
    axes.set_title("Message length")
    return _close(figure)


def delay_histogram(delays: pd.Series, title: str) -> Figure:
    """Distribution of delays (timedeltas) in minutes, on a log scale."""
    figure, axes = _figure(height=3.0)
    minutes = pd.to_timedelta(delays.dropna()).dt.total_seconds() / 60
    if minutes.empty:
        _empty(axes, "No replies in this period")
        return _close(figure)
    edges = np.array([0, 1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 1440, np.inf])
    labels = [
        "<1",
        "1-2",
        "2-5",
        "5-10",
        "10-15",
        "15-30",
        "30-60",
        "1-2 h",
        "2-4 h",
        "4-8 h",
        "8-24 h",
        ">24 h",
    ]
    counts = pd.cut(minutes, edges, right=False, labels=labels).value_counts().reindex(labels)
    axes.bar(labels, counts.to_numpy(), color=MAIN_COLOR)
    _integer_ticks(axes.yaxis)
    axes.set_xlabel("minutes until the reply")
    axes.set_ylabel("conversations")
    axes.tick_params(axis="x", rotation=45)
    axes.set_title(title)
    return _close(figure)


def reply_heatmap(matrix: pd.DataFrame) -> Figure:
    """Heatmap of who replies to whom (rows reply to columns)."""
    size = max(3.5, 0.42 * len(matrix) + 2.0)
    figure, axes = _figure(height=min(size, 9.0), width=min(WIDTH, size + 1.5))
    if matrix.empty or matrix.to_numpy().sum() == 0:
        _empty(axes, "No replies in this period")
        return _close(figure)
    sns.heatmap(matrix, ax=axes, cmap=PALETTE, annot=len(matrix) <= 12, fmt="d", cbar=False)
    axes.set_xlabel("replied to")
    axes.set_ylabel("reply by")
    axes.set_title("Who replies to whom")
    return _close(figure)


def sentiment_over_time(scored: pd.DataFrame) -> Figure:
    """Weekly mean sentiment score per method, scored messages only."""
    figure, axes = _figure(height=3.2)
    part = scored[scored["score"].notna()]
    if part.empty:
        _empty(axes, "No message could be scored")
        return _close(figure)
    weeks = part["timestamp"].dt.normalize() - pd.to_timedelta(
        part["timestamp"].dt.weekday, unit="D"
    )
    weekly = part.groupby([weeks.rename("week"), "method"])["score"].mean().unstack("method")
    for method, color in zip(weekly.columns, [MAIN_COLOR, SECOND_COLOR, "grey"], strict=False):
        axes.plot(weekly.index, weekly[method], marker="o", markersize=3, label=method, color=color)
    axes.axhline(0, color="black", linewidth=0.6)
    axes.set_ylim(-1, 1)
    axes.set_ylabel("mean score")
    _legend_above(axes, *axes.get_legend_handles_labels())
    _date_axis(axes)
    axes.set_title("Sentiment per week", loc="left")
    return _close(figure)


def overview_bars(frame: pd.DataFrame, column: str, title: str, percent: bool = False) -> Figure:
    """Draw one horizontal bar per group for ``column``."""
    height = max(2.0, 0.32 * len(frame) + 1.0)
    figure, axes = _figure(height=height)
    values = frame[column].astype(float)
    if values.dropna().empty:
        _empty(axes)
        return _close(figure)
    labels = frame.index.astype(str)
    axes.barh(labels, values.fillna(0).to_numpy(), color=MAIN_COLOR)
    axes.invert_yaxis()
    for position, value in enumerate(values):
        if pd.notna(value):
            text = f" {value:.0%}" if percent else f" {value:.1f}"
            axes.text(value, position, text, va="center", fontsize=8)
    if percent:
        axes.set_xlim(0, 1.15)
        axes.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    else:
        axes.set_xlim(0, values.max() * 1.2 if values.max() > 0 else 1)
    axes.set_title(title)
    return _close(figure)


def word_cloud(words: pd.DataFrame, title: str = "Word cloud") -> Figure:
    """Draw the top words (columns ``word`` and ``uses``) sized by how often they are used.

    Pass words that are already pseudonymised and stripped of stop-words, as
    :func:`tafiti.analysis.content.top_words` returns them. The layout is seeded.
    """
    figure, axes = _figure(height=4.2)
    frequencies = {
        str(word): int(uses) for word, uses in zip(words["word"], words["uses"], strict=True)
    }
    if not frequencies:
        _empty(axes)
        return _close(figure)

    axes.imshow(layout_word_cloud(frequencies).to_array(), interpolation="bilinear")
    axes.set_axis_off()
    axes.set_title(title)
    return _close(figure)


def layout_word_cloud(frequencies: dict[str, int]):  # noqa: ANN201 - wordcloud is imported lazily
    """Lay out ``frequencies`` as a seeded ``wordcloud.WordCloud`` (each word once, as given)."""
    from wordcloud import WordCloud

    return WordCloud(
        width=900,
        height=420,
        background_color="white",
        color_func=_word_color,
        random_state=SEED,
        prefer_horizontal=0.9,
        min_font_size=8,
        collocations=False,
    ).generate_from_frequencies(frequencies)


# Dark enough to read on white at the smallest font size.
_WORD_COLORS = ("#1b4965", "#2a6f97", "#014f86", "#9c3d23", "#3d405b", "#386641")


def _word_color(word: str, *args: object, **kwargs: object) -> str:
    return _WORD_COLORS[sum(word.encode("utf-8")) % len(_WORD_COLORS)]
