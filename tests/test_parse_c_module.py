"""The parser's C module and its Python steps read any text the same way.

The corpus, generated and property tests hold both to expected values. This test
gives them text that no expectation covers: phrase beginnings and endings cut
short, direction marks in odd places, astral characters, blank bodies and names
with quotes. Both must agree on every field of every record.
"""

from __future__ import annotations

from dataclasses import astuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tafiti.parsing import ParsedExport, parse_text
from tafiti.parsing import parser as parser_module

PIECES = [
    "hello",
    "habari za asubuhi",
    "bom dia",
    "<Media omitted>",
    "<Media",
    "omitted>",
    "This message was deleted",
    "Ujumbe huu umefutwa",
    "Mensagem apagada",
    "IMG-20240101-WA0001.jpg (file attached)",
    "(file attached)",
    "<attached: 00000012-PHOTO-2024-01-01.jpg>",
    "“quoted”",
    "«citação»",
    "\u200e",
    "\u200f",
    "\u200eimage omitted",
    "🙏🏽",
    "\U0001f600",
    "é",
    "",
    " ",
    ": ",
    "\n",
    "\n\n",
    "\n12/01/2024 was a good day",
    "\n\u200e",
]
AUTHORS = ["Amani", "Baraka Otieno", "+254 712 345 678", "João", '"Duka Bora" group chat name long']
SYSTEM_LINES = [
    "Amani added Baraka",
    "Baraka left",
    "Messages and calls are end-to-end encrypted.",
    "Amani changed the subject from “A” to “B”",
    "\u200eAmani joined using this group's invite link",
]


@st.composite
def exports(draw: st.DrawFn) -> str:
    lines = []
    minute = 0
    for _ in range(draw(st.integers(1, 25))):
        minute += draw(st.integers(0, 3))
        stamp = f"12/01/2024, {9 + minute // 60:02d}:{minute % 60:02d} - "
        if draw(st.integers(0, 5)) == 0:
            lines.append(stamp + draw(st.sampled_from(SYSTEM_LINES)))
            continue
        body = "".join(draw(st.lists(st.sampled_from(PIECES), max_size=4)))
        lines.append(f"{stamp}{draw(st.sampled_from(AUTHORS))}: {body}")
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\u200e"]))


def _read(parsed: ParsedExport) -> tuple[object, ...]:
    return (
        [astuple(record) for record in parsed.records],
        [(warning.line, warning.message) for warning in parsed.warnings],
        parsed.chat_name,
        parsed.date_order,
    )


def _parse_without_c(text: str, monkeypatch: pytest.MonkeyPatch) -> ParsedExport:
    with monkeypatch.context() as patch:
        patch.setattr(parser_module, "_columns", None)
        return parse_text(text, "WhatsApp Chat with Duka Bora.txt")


@settings(max_examples=300, deadline=None)
@given(text=exports())
def test_c_and_python_agree(text: str) -> None:
    assert parser_module._columns is not None, "tafiti.parsing._columns was not built"
    with pytest.MonkeyPatch.context() as monkeypatch:
        in_python = _parse_without_c(text, monkeypatch)
    in_c = parse_text(text, "WhatsApp Chat with Duka Bora.txt")

    assert _read(in_c) == _read(in_python)


def test_c_and_python_known_export() -> None:
    text = (
        "12/01/2024, 09:15 - Amani: <Media omitted>\n"
        "12/01/2024, 09:15 - Baraka Otieno: habari\n"
        "za asubuhi\n"
        "12/01/2024, 09:16 - Amani added Baraka Otieno\n"
        "12/01/2024, 09:17 - João: This message was deleted\n"
    )
    with pytest.MonkeyPatch.context() as monkeypatch:
        in_python = _parse_without_c(text, monkeypatch)
    in_c = parse_text(text, "WhatsApp Chat with Duka Bora.txt")

    expected = [
        (1, "Amani", "<Media omitted>", "media"),
        (2, "Baraka Otieno", "habari\nza asubuhi", "message"),
        (4, None, "Amani added Baraka Otieno", "event"),
        (5, "João", "This message was deleted", "deleted"),
    ]
    for parsed in (in_c, in_python):
        assert [(r.line, r.author, r.text, r.kind) for r in parsed.records] == expected
    # Consecutive messages of the same minute share one timestamp object in C.
    assert in_c.records[0].timestamp is in_c.records[1].timestamp
