"""Bad input: each kind raises its own ExportError subclass, naming the file and the fault."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from tafiti.cli import main
from tafiti.config import Settings
from tafiti.errors import (
    BinaryExportError,
    EmptyExportError,
    ExportError,
    ExportTooLargeError,
    NotAChatError,
    UnsupportedEncodingError,
    ZipExportError,
)
from tafiti.parsing import parse_bytes, parse_file

# Each test runs with the parser's C module and with its Python steps.
pytestmark = pytest.mark.usefixtures("column_code")

CHAT = "12/02/2021, 08:02 - Esther: Good morning\n12/02/2021, 08:04 - Faith: Morning!\n"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_plain_text_is_not_a_chat() -> None:
    with pytest.raises(NotAChatError) as raised:
        parse_bytes(b"Dear all,\nthe meeting is on Monday.\n", "notes.txt")

    assert "notes.txt" in str(raised.value)
    assert "not a WhatsApp chat export" in str(raised.value)


def test_empty_file() -> None:
    with pytest.raises(EmptyExportError) as raised:
        parse_bytes(b"", "empty.txt")

    assert str(raised.value) == "empty.txt: the file is empty"


def test_white_space_only_file() -> None:
    with pytest.raises(EmptyExportError) as raised:
        parse_bytes(b"\xef\xbb\xbf\r\n  \n", "blank.txt")

    assert "blank.txt" in str(raised.value)
    assert "only white space" in str(raised.value)


def test_binary_file() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))

    with pytest.raises(BinaryExportError) as raised:
        parse_bytes(png, "photo.txt")

    assert "photo.txt" in str(raised.value)
    assert "not text" in str(raised.value)


def test_latin1_text_is_unsupported_encoding() -> None:
    data = "12/02/2021, 08:02 - José: Olá, até amanhã\n".encode("latin-1")

    with pytest.raises(UnsupportedEncodingError) as raised:
        parse_bytes(data, "latin.txt")

    message = str(raised.value)
    assert message.startswith("latin.txt: ")
    assert "not valid UTF-8" in message
    assert "0xe9" in message


def test_utf16_without_byte_order_mark_is_unsupported() -> None:
    data = CHAT.encode("utf-16-le")

    with pytest.raises(UnsupportedEncodingError) as raised:
        parse_bytes(data, "wide.txt")

    assert "wide.txt" in str(raised.value)
    assert "UTF-16 without a byte order mark" in str(raised.value)


def test_utf16_with_byte_order_mark_is_read() -> None:
    parsed = parse_bytes(CHAT.encode("utf-16"), "wide.txt")

    assert [r.author for r in parsed.records] == ["Esther", "Faith"]
    assert parsed.encoding == "utf-16"


def test_zip_without_chat_text() -> None:
    data = _zip({"IMG-20210212-WA0001.jpg": b"\xff\xd8\xff"})

    with pytest.raises(ZipExportError) as raised:
        parse_bytes(data, "media.zip")

    assert "media.zip" in str(raised.value)
    assert "no chat text" in str(raised.value)
    assert "IMG-20210212-WA0001.jpg" in str(raised.value)


def test_zip_with_several_chat_texts() -> None:
    data = _zip(
        {
            "WhatsApp Chat with A.txt": CHAT.encode(),
            "WhatsApp Chat with B.txt": CHAT.encode(),
        }
    )

    with pytest.raises(ZipExportError) as raised:
        parse_bytes(data, "two.zip")

    assert "two.zip" in str(raised.value)
    assert "2 text files" in str(raised.value)


def test_zip_prefers_the_chat_named_member_over_a_shared_text_file() -> None:
    data = _zip({"WhatsApp Chat with Duka.txt": CHAT.encode(), "price list.txt": b"soap 100"})

    parsed = parse_bytes(data, "duka.zip")

    assert len(parsed.records) == 2
    assert parsed.chat_name == "Duka"
    assert parsed.media_files == ("price list.txt",)


@pytest.mark.parametrize("name", ["../evil.txt", "media/../../evil.jpg", "/etc/passwd", "C:/x.txt"])
def test_zip_with_unsafe_entry_path(name: str) -> None:
    data = _zip({"_chat.txt": CHAT.encode(), name: b"x"})

    with pytest.raises(ZipExportError) as raised:
        parse_bytes(data, "unsafe.zip")

    assert "unsafe.zip" in str(raised.value)
    assert "unsafe entry path" in str(raised.value)
    assert repr(name) in str(raised.value)


def test_broken_zip() -> None:
    data = _zip({"_chat.txt": CHAT.encode() * 50})[:200]

    with pytest.raises(ZipExportError) as raised:
        parse_bytes(data, "broken.zip")

    assert "broken.zip" in str(raised.value)
    assert "not a readable zip archive" in str(raised.value)


def test_zip_with_corrupt_chat_member() -> None:
    data = bytearray(_zip({"_chat.txt": CHAT.encode() * 50}))
    start = data.index(b"_chat.txt") + len("_chat.txt")
    data[start + 10 : start + 30] = bytes(20)

    with pytest.raises(ZipExportError) as raised:
        parse_bytes(bytes(data), "corrupt.zip")

    assert "corrupt.zip" in str(raised.value)


def test_text_over_size_limit() -> None:
    settings = Settings(max_export_bytes=100)

    with pytest.raises(ExportTooLargeError) as raised:
        parse_bytes(CHAT.encode() * 10, "big.txt", settings=settings)

    assert "big.txt" in str(raised.value)
    assert "size limit of 100 bytes" in str(raised.value)
    assert "TAFITI_MAX_EXPORT_BYTES" in str(raised.value)


def test_file_over_size_limit_is_rejected_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(CHAT * 10)

    with pytest.raises(ExportTooLargeError) as raised:
        parse_file(path, settings=Settings(max_export_bytes=100))

    assert str(path) in str(raised.value)


def test_zip_with_too_many_entries() -> None:
    entries = {f"IMG-{i}.jpg": b"x" for i in range(5)}
    entries["_chat.txt"] = CHAT.encode()

    with pytest.raises(ExportTooLargeError) as raised:
        parse_bytes(_zip(entries), "many.zip", settings=Settings(max_zip_members=3))

    assert "many.zip" in str(raised.value)
    assert "6 entries" in str(raised.value)


def _bomb(uncompressed: int, declared: int | None = None) -> bytes:
    """A zip whose chat member inflates to ``uncompressed`` bytes of one repeated line.

    With ``declared``, the size written in the zip headers is falsified to that value.
    """
    line = b"12/02/2021, 08:02 - Esther: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
    body = line * (uncompressed // len(line))
    data = bytearray(_zip({"_chat.txt": body}))
    if declared is not None:
        real = len(body).to_bytes(4, "little")
        fake = declared.to_bytes(4, "little")
        data = bytearray(bytes(data).replace(real, fake))
    return bytes(data)


def test_decompression_bomb_stopped_by_declared_size() -> None:
    settings = Settings(max_export_bytes=1_000_000)

    with pytest.raises(ExportTooLargeError) as raised:
        parse_bytes(_bomb(5_000_000), "bomb.zip", settings=settings)

    assert "bomb.zip [_chat.txt]" in str(raised.value)


def test_decompression_bomb_with_false_sizes_stops_at_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The headers claim 500 KB, under the limit; the data would inflate to 5 MB.
    settings = Settings(max_export_bytes=1_000_000)
    inflated: list[int] = []
    original_read = zipfile.ZipExtFile.read

    def counting_read(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        chunk = original_read(self, n)
        inflated.append(len(chunk))
        return chunk

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)

    with pytest.raises(ZipExportError) as raised:
        parse_bytes(_bomb(5_000_000, declared=500_000), "liar.zip", settings=settings)

    assert "liar.zip" in str(raised.value)
    assert sum(inflated) <= settings.max_export_bytes


def test_message_over_length_limit_names_its_line(settings: Settings) -> None:
    text = CHAT + "12/02/2021, 08:05 - Esther: " + "x" * 500 + "\n"
    limited = Settings(max_message_chars=100)

    with pytest.raises(ExportTooLargeError) as raised:
        parse_bytes(text.encode(), "long.txt", settings=limited)

    assert str(raised.value).startswith("long.txt, line 3: ")
    assert "TAFITI_MAX_MESSAGE_CHARS" in str(raised.value)


def test_every_error_is_an_export_error() -> None:
    for error in (
        NotAChatError,
        EmptyExportError,
        BinaryExportError,
        UnsupportedEncodingError,
        ZipExportError,
        ExportTooLargeError,
    ):
        assert issubclass(error, ExportError)


def test_cli_parse_json_prints_contract(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat with Duka.txt"
    path.write_text(
        "12/02/2021, 08:02 - Esther: Good morning\n"
        "13/02/2021, 08:03 - Faith: <Media omitted>\n"
        "13/02/2021, 08:04 - Faith left\n",
        encoding="utf-8",
    )

    result = CliRunner().invoke(main, ["parse", str(path), "--json"])

    assert result.exit_code == 0, result.output
    import json

    assert json.loads(result.output) == {
        "date_order": "DMY",
        "records": [
            {
                "timestamp": "2021-02-12T08:02:00",
                "author": "Esther",
                "text": "Good morning",
                "kind": "message",
            },
            {
                "timestamp": "2021-02-13T08:03:00",
                "author": "Faith",
                "text": "<Media omitted>",
                "kind": "media",
            },
            {
                "timestamp": "2021-02-13T08:04:00",
                "author": None,
                "text": "Faith left",
                "kind": "event",
                "event": "left",
            },
        ],
    }


def test_cli_parse_summary(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat with Duka.txt"
    path.write_text(CHAT, encoding="utf-8")

    result = CliRunner().invoke(main, ["parse", str(path)])

    assert result.exit_code == 0, result.output
    assert "format:      android-24h (dd/mm/yyyy, HH:MM - author: text)" in result.output
    assert "chat name:   Duka" in result.output
    assert "message:   2" in result.output


def test_cli_parse_bad_file_prints_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("no chat here\n", encoding="utf-8")

    result = CliRunner().invoke(main, ["parse", str(path)])

    assert result.exit_code == 1
    assert result.output.startswith(f"error: {path}: not a WhatsApp chat export")
    assert "Traceback" not in result.output
