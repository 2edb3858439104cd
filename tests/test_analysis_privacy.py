"""Pseudonyms, the pseudonym key file, and phone-number masking."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pandas as pd
import pytest

from tafiti.config import configure
from tafiti.errors import ConfigError
from tafiti.privacy import (
    PHONE_MASK,
    Pseudonymiser,
    load_pseudonym_key,
    mask_phone_numbers,
    pseudonym,
)


@pytest.fixture(autouse=True)
def _restore_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo the configure() calls of these tests after each one."""
    import tafiti.config

    monkeypatch.setattr(tafiti.config, "_current", tafiti.config._current)


def test_pseudonym_stable_across_calls_and_spellings() -> None:
    first = pseudonym("Amina Said", b"key-1")

    assert re.fullmatch(r"P-[A-Z2-7]{6}", first)
    assert pseudonym("Amina Said", b"key-1") == first
    assert pseudonym("  amina   SAID ", b"key-1") == first
    assert pseudonym("+254 712 345 678", b"key-1") == pseudonym("+254712345678", b"key-1")


def test_pseudonym_differs_across_keys_and_names() -> None:
    assert pseudonym("Amina Said", b"key-1") != pseudonym("Amina Said", b"key-2")
    assert pseudonym("Amina Said", b"key-1") != pseudonym("Amina Saidi", b"key-1")


def test_pseudonym_does_not_contain_name() -> None:
    assert "amina" not in pseudonym("Amina", b"key-1").casefold()


def test_key_setting_wins_over_key_file(tmp_path: Path) -> None:
    settings = configure(pseudonym_key="from-setting", pseudonym_key_file=tmp_path / "key")

    assert load_pseudonym_key(settings) == b"from-setting"
    assert not (tmp_path / "key").exists()


def test_key_file_generated_once_and_reused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("TAFITI_PSEUDONYM_KEY", raising=False)
    key_file = tmp_path / "secret" / ".pseudonym_key"
    settings = configure(pseudonym_key_file=key_file)

    first = load_pseudonym_key(settings)
    second = load_pseudonym_key(configure(pseudonym_key_file=key_file))

    assert key_file.exists()
    assert len(first) == 64
    assert second == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_empty_key_file_rejected(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("TAFITI_PSEUDONYM_KEY", raising=False)
    key_file = tmp_path / ".pseudonym_key"
    key_file.write_text("\n")

    with pytest.raises(ConfigError, match=r"\.pseudonym_key is empty"):
        load_pseudonym_key(configure(pseudonym_key_file=key_file))


def test_key_file_is_ignored_by_git() -> None:
    gitignore = Path(__file__).resolve().parent.parent / ".gitignore"

    assert "data/.pseudonym_key" in gitignore.read_text().splitlines()


@pytest.mark.parametrize(
    "text",
    [
        "+254 712 345 678",
        "+254712345678",
        "+254-712-345-678",
        "(+254) 722 123 456",
        "0712 345 678",
        "0712345678",
        "0110 123456",
        "+258 84 123 4567",
        "84 123 4567",
        "+1 (555) 010-0199",
    ],
)
def test_phone_numbers_masked(text: str) -> None:
    assert mask_phone_numbers(f"call {text} today") == f"call {PHONE_MASK} today"


@pytest.mark.parametrize(
    "text",
    [
        "meeting on 12/05/2024 at 10:30",
        "ref 2024-03-31",
        "price 150,000 shillings",
        "sold 1500000 units",
        "week 12 of 2024",
        "lines 100\n200\n300 400",
    ],
)
def test_dates_and_amounts_not_masked(text: str) -> None:
    assert mask_phone_numbers(text) == text


def test_pseudonymiser_replaces_names_in_text() -> None:
    key = b"key-1"
    names = ["Amina Said", "John Otieno", "John Kamau", "Mama Grace", "+254 712 345 678"]
    masker = Pseudonymiser(names, key)
    amina, otieno = pseudonym("Amina Said", key), pseudonym("John Otieno", key)

    text = masker.text("Asante Amina Said! amina, Otieno and John: call +254712345678")

    assert text == f"Asante {amina}! {amina}, {otieno} and [name]: call {PHONE_MASK}"


def test_pseudonymiser_keeps_titles_and_common_words() -> None:
    masker = Pseudonymiser(["Mama Grace", "Teacher Asante"], b"key-1")

    text = masker.text("Mama Grace: asante sana mama")

    assert text == f"{pseudonym('Mama Grace', b'key-1')}: asante sana mama"


def test_pseudonymiser_keeps_roles_and_trades() -> None:
    masker = Pseudonymiser(["Mercy Achieng (Advisor)", "Moraa Hardware"], b"key-1")

    text = masker.text("Our advisor Mercy said the hardware shop is open")

    mercy = pseudonym("Mercy Achieng (Advisor)", b"key-1")
    assert text == f"Our advisor {mercy} said the hardware shop is open"


def test_pseudonymiser_replaces_phone_name_in_event_text() -> None:
    key = b"key-1"
    masker = Pseudonymiser(["Amina Said", "+254 712 345 678"], key)

    text = masker.text("Amina Said added +254 712 345 678")

    assert text == f"{pseudonym('Amina Said', key)} added {pseudonym('+254 712 345 678', key)}"


def test_pseudonymiser_frame_columns() -> None:
    key = b"key-1"
    masker = Pseudonymiser(["Amina Said", "Peter"], key)
    frame = pd.DataFrame(
        {"author": ["Amina Said"], "people": [["Peter"]], "text": ["hi Peter 0712345678"]}
    )

    result = masker.frame(frame, ["author"], ["text"], ["people"])

    assert result.loc[0, "author"] == pseudonym("Amina Said", key)
    assert result.loc[0, "people"] == [pseudonym("Peter", key)]
    assert result.loc[0, "text"] == f"hi {pseudonym('Peter', key)} {PHONE_MASK}"
    assert frame.loc[0, "author"] == "Amina Said"


def test_pseudonymiser_off_with_real_names(tmp_path: Path) -> None:
    settings = configure(report_names="real", pseudonym_key_file=tmp_path / "key")
    masker = Pseudonymiser.from_settings(["Amina Said"], settings)

    assert masker.name("Amina Said") == "Amina Said"
    assert masker.text("Amina Said 0712345678") == "Amina Said 0712345678"
    assert not (tmp_path / "key").exists()
