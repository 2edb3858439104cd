"""Message header formats: find which one a file uses, and the regex that reads it.

A header is the start of a line such as ``12/07/2017, 22:35 - Ann: `` (Android)
or ``[01/03/2023, 08:00:12] Ann: `` (iOS). The format of a file is found from
the headers among its first lines (:func:`detect_format`); the file is then read
with a regex for exactly that format (:func:`header_regex`), so that a pasted
header of another format stays part of the message it was pasted into.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import time

# Spaces WhatsApp writes inside headers: plain, no-break (U+00A0) and narrow no-break (U+202F).
SPACE = "[ \u00a0\u202f]"
MARKS = "\u200e\u200f"

# NOTE: only Latin AM/PM markers after the time are read. Exports that write
# the half of the day as a word before the time (Korean 오전/오후, Chinese
# 上午/下午) are read as 24-hour times, and their other half-day lines are
# reported as unreadable headers.
_AMPM = rf"[AaPp]\.?{SPACE}?[Mm]\.?"
_DATE_TIME_GAP = rf"(?:,{SPACE}*|{SPACE}+)(?:[^\W\d_]{{1,5}}\.?{SPACE}+)?"

# Any header-like line start, with every part captured, for format detection.
_LOOSE = re.compile(
    rf"^[{MARKS}]*(?P<open>\[)?"
    rf"(?P<d1>\d{{1,4}})(?P<dsep>[./-]){SPACE}?(?P<d2>\d{{1,2}})(?P=dsep){SPACE}?(?P<d3>\d{{1,4}})"
    rf"(?P<gap>\.?{_DATE_TIME_GAP})"
    rf"(?P<h>\d{{1,2}})(?P<tsep>[:.])(?P<mi>\d{{2}})(?:(?P=tsep)(?P<s>\d{{2}}))?"
    rf"(?:{SPACE}?(?P<ampm>{_AMPM}))?"
    rf"(?P<close>\]{SPACE}?|{SPACE}?[-–]{SPACE}|:{SPACE})",
    re.MULTILINE,
)

# A line that starts like a header (date, then a time) whatever else follows.
_HEADER_LIKE = (
    rf"[{MARKS}]*\[?\d{{1,4}}[./-]{SPACE}?\d{{1,2}}[./-]{SPACE}?\d{{1,4}}\.?"
    rf"{_DATE_TIME_GAP}\d{{1,2}}[:.]\d{{2}}[^\n]*"
)

_TIME = re.compile(rf"(\d{{1,2}})[:.](\d{{2}})(?:[:.](\d{{2}}))?(?:{SPACE}?([AaPp]))?")

_SAMPLE_HEADERS = 200


@dataclass(frozen=True, slots=True)
class HeaderFormat:
    """The shape of the message headers of one file."""

    bracket: bool
    date_separator: str
    year_first: bool
    year_digits: int
    time_separator: str
    seconds: bool
    twelve_hour: bool
    close: str
    """The kind of text after the time: ``"]"``, ``"-"`` or ``":"``."""
    gap: str = ", "
    """The exact text between date and time, such as ``", "``, ``" "`` or ``" klo "``."""
    close_text: str = " - "
    """The exact text between the time and the author, such as ``" - "`` or ``"] "``."""

    @property
    def platform(self) -> str:
        return "ios" if self.bracket else "android"

    @property
    def id(self) -> str:
        """A short name such as ``android-24h`` or ``ios-12h-seconds``."""
        parts = [self.platform, "12h" if self.twelve_hour else "24h"]
        if self.seconds:
            parts.append("seconds")
        return "-".join(parts)

    def describe(self, date_order: str | None = None) -> str:
        """Describe the header layout in words, such as ``[dd/mm/yyyy, HH:MM:SS] author: text``."""
        year = "yyyy" if self.year_digits == 4 else "yy"
        if date_order == "MDY":
            fields = ["mm", "dd", year]
        elif date_order == "YMD" or self.year_first:
            fields = [year, "mm", "dd"]
        else:
            fields = ["dd", "mm", year]
        date = self.date_separator.join(fields)
        clock = "hh" if self.twelve_hour else "HH"
        clock += f"{self.time_separator}MM"
        if self.seconds:
            clock += f"{self.time_separator}SS"
        if self.twelve_hour:
            clock += " AM/PM"
        if self.bracket:
            return f"[{date}, {clock}] author: text"
        close = " - " if self.close == "-" else ": "
        return f"{date}, {clock}{close}author: text"


def detect_format(text: str) -> tuple[HeaderFormat, int] | None:
    """Find the header format used by most of the first header-like lines.

    Returns the format and how many sampled headers had it, or ``None`` when no
    line reads as a header.
    """
    shapes: Counter[HeaderFormat] = Counter()
    for found in _LOOSE.finditer(text):
        shape = _shape_of(found)
        if shape is not None:
            shapes[shape] += 1
            if sum(shapes.values()) >= _SAMPLE_HEADERS:
                break
    if not shapes:
        return None
    return shapes.most_common(1)[0]


def _shape_of(found: re.Match[str]) -> HeaderFormat | None:
    d1, d3 = found["d1"], found["d3"]
    year_first = len(d1) == 4
    if year_first:
        year_digits = 4
    elif len(d3) in (2, 4) and len(d1) <= 2:
        year_digits = len(d3)
    else:
        return None

    close = found["close"].strip(" \u00a0\u202f")
    bracket = found["open"] is not None
    if bracket != (close == "]"):
        return None
    return HeaderFormat(
        bracket=bracket,
        date_separator=found["dsep"],
        year_first=year_first,
        year_digits=year_digits,
        time_separator=found["tsep"],
        seconds=found["s"] is not None,
        twelve_hour=found["ampm"] is not None,
        close="-" if close in ("-", "–") else close,
        gap=found["gap"],
        close_text=found["close"],
    )


def header_regex(shape: HeaderFormat) -> re.Pattern[str]:
    """Compile the regex that finds the headers of one format, each after a line end.

    Groups: 1 the date, 2 the time, 3 the author (absent on system lines), and
    4 a line that starts like a header but does not have this format.
    """
    sep = re.escape(shape.date_separator)
    if shape.year_first:
        date = rf"\d{{4}}{sep}{SPACE}?\d{{1,2}}{sep}{SPACE}?\d{{1,2}}"
    else:
        date = rf"\d{{1,2}}{sep}{SPACE}?\d{{1,2}}{sep}{SPACE}?\d{{{shape.year_digits}}}"

    tsep = re.escape(shape.time_separator)
    clock = rf"\d{{1,2}}{tsep}\d{{2}}"
    if shape.seconds:
        clock += rf"{tsep}\d{{2}}"
    if shape.twelve_hour:
        clock += rf"{SPACE}?{_AMPM}"

    # Exports are machine-written, so the text around the date and time is the
    # same on every header of a file; matching it literally is faster.
    opening = r"\[" if shape.bracket else ""
    gap = re.escape(shape.gap)
    close = re.escape(shape.close_text)

    # The author runs to the first ": " of the line; possessive quantifiers
    # keep a line without one (a system line) from backtracking.
    author = r"([^:\n]*+(?::(?! )[^:\n]*+)*+): "
    header = rf"{opening}({date}){gap}({clock}){close}(?:{author})?"
    return re.compile(rf"\n[{MARKS}]*(?:{header}|({_HEADER_LIKE}))")


def parse_time(value: str) -> time | None:
    """Read a header's time; ``None`` when it is not a valid time of day."""
    found = _TIME.match(value)
    if found is None:
        return None
    hour, minute = int(found[1]), int(found[2])
    second = int(found[3]) if found[3] else 0
    meridiem = found[4]
    if meridiem is not None:
        if hour > 12:
            return None
        # 12 AM is midnight and 12 PM noon; some exports write midnight as 00 AM.
        if hour == 12:
            hour = 0
        if meridiem in "Pp":
            hour += 12
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)
