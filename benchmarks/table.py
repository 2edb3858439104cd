"""Result tables: printed aligned on the terminal and written as Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Table:
    """One section of the results: a title, column headings, rows of cells and notes."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(
                f"{self.title}: row has {len(cells)} cells, expected {len(self.columns)}"
            )
        self.rows.append([str(cell) for cell in cells])

    def to_text(self) -> str:
        widths = [len(column) for column in self.columns]
        for row in self.rows:
            widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]

        def line(cells: list[str]) -> str:
            # The first column (a name) reads best left-aligned, the figures right-aligned.
            first, *rest = zip(cells, widths, strict=True)
            parts = [first[0].ljust(first[1])] + [cell.rjust(width) for cell, width in rest]
            return "  ".join(parts).rstrip()

        lines = [self.title, line(self.columns), line(["-" * width for width in widths])]
        lines += [line(row) for row in self.rows]
        lines += [f"  {note}" for note in self.notes]
        return "\n".join(lines)

    def to_markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        lines += ["| " + " | ".join(_escape(cell) for cell in row) + " |" for row in self.rows]
        if self.notes:
            lines.append("")
            lines += [note for note in self.notes]
        return "\n".join(lines)


def _escape(cell: str) -> str:
    return cell.replace("|", "\\|")


def count(value: int) -> str:
    """Format a count with thousands separators: 1000000 gives ``1,000,000``."""
    return f"{value:,}"


def rate(messages: int, seconds: float) -> str:
    """Format messages per second, rounded to three significant figures."""
    if seconds <= 0:
        return "n/a"
    return f"{_significant(messages / seconds):,}"


def seconds(value: float) -> str:
    """Format a duration in seconds with a precision that suits its size."""
    if value < 1:
        return f"{value:.3f}"
    if value < 100:
        return f"{value:.2f}"
    return f"{value:.0f}"


def ratio(value: float) -> str:
    """Format a ratio such as a speed-up: ``3.4×``."""
    return f"{value:.2f}×" if value < 10 else f"{value:.1f}×"


def mebibytes(kibibytes: int) -> str:
    """Format a size given in KiB (as ``ru_maxrss`` reports it on Linux) in MiB."""
    return f"{kibibytes / 1024:,.0f}"


def _significant(value: float, digits: int = 3) -> int:
    if value >= 10**digits:
        scale = 10 ** (len(str(int(value))) - digits)
        return int(round(value / scale) * scale)
    return int(round(value))
