"""Pseudonyms for participants and masking of phone numbers in published reports.

A participant's pseudonym is an HMAC-SHA256 of their normalised name under a
secret key, so it is the same in every report and every run with that key, and
cannot be turned back into the name without the key. The key is the
``TAFITI_PSEUDONYM_KEY`` setting; when that is unset, it is read from
``TAFITI_PSEUDONYM_KEY_FILE`` (default ``data/.pseudonym_key``, ignored by git),
which is generated with a random key on first use.

:class:`Pseudonymiser` applies the pseudonyms to names, tables and free text,
and masks any phone number left in the text. With ``TAFITI_REPORT_NAMES=real``
it passes everything through unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tafiti.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from tafiti.config import Settings

log = logging.getLogger(__name__)

PSEUDONYM_PREFIX = "P-"
# 6 base32 characters are 30 bits: two names in a group of 1,000 share a
# pseudonym with a probability of about 1 in 2,000.
PSEUDONYM_LENGTH = 6
PHONE_MASK = "[phone]"
NAME_MASK = "[name]"

# A phone number: an optional "+" (maybe in brackets), then digits with
# spaces, dashes, dots or brackets between them, on one line. Whether a match
# is a phone number is decided by its digit count in _mask_phone_match, so
# dates ("12/05/2024") and amounts ("150,000") do not match: "/" and "," are
# not separators here.
_PHONE_CANDIDATE = re.compile(r"(?<![\w+])(?:\(?\+)?\(?\d[\d \t\u00a0().-]{6,}\d(?!\w)")
# Local forms: Kenyan 07xx/01xx and Mozambican 8x numbers without a country code.
_LOCAL_PHONE_DIGITS = re.compile(r"^(?:0[17]\d{8}|8[2-7]\d{7})$")
_MIN_NAME_PART = 3
# Words that contacts are often saved with beside a name: titles, roles and
# trades ("Mama Grace", "Mercy Achieng (Advisor)", "Moraa Hardware"). They stay
# in free text, so "our advisor" keeps its sense.
_COMMON_NAME_PARTS = frozenset(
    "mama baba mwalimu teacher madam mrs miss sir bwana dada kaka mzee coach trainer "
    "admin senhor senhora dona professor professora advisor adviser facilitator mentor "
    "officer manager agent group team office shop duka hardware salon kinyozi mitumba "
    "boutique store fundi tailor kiosk hotel farm mpesa wholesale retail".split()
)


def load_pseudonym_key(settings: Settings) -> bytes:
    """Return the pseudonym key: the setting, else the key file, created if missing.

    Raises :class:`ConfigError` when the key file exists but is empty or unreadable.
    """
    if settings.pseudonym_key:
        return settings.pseudonym_key.encode("utf-8")

    path = Path(settings.pseudonym_key_file)
    if not path.exists():
        _write_new_key(path)
    try:
        key = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigError(f"TAFITI_PSEUDONYM_KEY_FILE={path}: cannot read: {error}") from error
    if not key:
        raise ConfigError(
            f"TAFITI_PSEUDONYM_KEY_FILE={path} is empty; delete it to generate a new key "
            "(pseudonyms will change) or restore the old key"
        )
    return key.encode("utf-8")


def _write_new_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: when two processes start at once, the second reads the first's key.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    log.warning("generated a new pseudonym key in %s; keep it to keep pseudonyms stable", path)


def normalise_name(name: str) -> str:
    """Fold the spellings of one sender: Unicode NFC, case, spaces; digits only for phones."""
    text = unicodedata.normalize("NFKC", name).strip()
    text = text.replace("\u200e", "").replace("\u200f", "").replace("\u202a", "")
    text = text.replace("\u202c", "")
    if _is_phone_like(text):
        return "+" + re.sub(r"\D", "", text) if text.startswith("+") else re.sub(r"\D", "", text)
    return " ".join(text.casefold().split())


def pseudonym(name: str, key: bytes) -> str:
    """Return the stable pseudonym of ``name`` under ``key``, like ``P-K7Q2MZ``."""
    digest = hmac.new(key, normalise_name(name).encode("utf-8"), hashlib.sha256).digest()
    code = base64.b32encode(digest).decode("ascii")[:PSEUDONYM_LENGTH]
    return PSEUDONYM_PREFIX + code


def mask_phone_numbers(text: str) -> str:
    """Replace every phone number in ``text`` with ``[phone]``.

    International numbers ("+254 712 345 678", "+258 84 123 4567") have 8 to 15
    digits after the "+"; numbers without "+" are masked when they have 10 to 15
    digits, or are a Kenyan 07xx/01xx or Mozambican 8x local number
    ("0712 345678", "84 123 4567").
    """
    return _PHONE_CANDIDATE.sub(_mask_phone_match, text)


def _mask_phone_match(match: re.Match[str]) -> str:
    candidate = match.group(0)
    digits = re.sub(r"\D", "", candidate)
    if candidate.lstrip("(").startswith("+") and 8 <= len(digits) <= 15:
        return PHONE_MASK
    if 10 <= len(digits) <= 15 or _LOCAL_PHONE_DIGITS.match(digits):
        return PHONE_MASK
    return candidate


def _is_phone_like(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    return len(digits) >= 7 and not re.search(r"[^\d\s()+.\-~]", text)


class Pseudonymiser:
    """Replaces participants' names with pseudonyms and masks phone numbers.

    ``names`` are every spelling of every participant the reports may show
    (exported names, canonical names, names in events). Free text gets each
    full name replaced, then each distinctive part of a name (a first name in
    "asante Amina"), then any remaining phone number masked. A name part
    shared by two people becomes ``[name]``.

    NOTE: a name part that is also an everyday word ("Grace", "Baraka" meaning
    blessing) is replaced wherever it occurs in free text, unless it is one of
    the titles, roles and trades in ``_COMMON_NAME_PARTS`` or a word of the
    language lists.
    """

    def __init__(self, names: Iterable[str], key: bytes, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._key = key
        self._pseudonyms: dict[str, str] = {}
        for name in names:
            if name and isinstance(name, str):
                self._pseudonyms[name] = pseudonym(name, key)
        self._text_pattern, self._replacements = self._build_text_pattern()

    @classmethod
    def from_settings(
        cls, names: Iterable[str], settings: Settings, *, enabled: bool | None = None
    ) -> Pseudonymiser:
        """Create a pseudonymiser with the configured key.

        ``enabled=None`` turns it on unless the ``report_names`` setting is "real".
        """
        if enabled is None:
            enabled = settings.report_names != "real"
        key = load_pseudonym_key(settings) if enabled else b""
        return cls(names, key, enabled=enabled)

    def name(self, name: str | None) -> str | None:
        """Return the pseudonym of one participant name (any name when not listed).

        Values that are not strings (None, NaN) are returned unchanged.
        """
        if not self.enabled or not isinstance(name, str):
            return name
        known = self._pseudonyms.get(name)
        if known is not None:
            return known
        return pseudonym(name, self._key)

    def names(self, names: Iterable[str | None]) -> list[str | None]:
        """Return the pseudonym of each name."""
        return [self.name(name) for name in names]

    def text(self, text: str | None) -> str | None:
        """Replace participants' names and mask phone numbers in free text."""
        if not self.enabled or not isinstance(text, str) or not text:
            return text
        if self._text_pattern is not None:
            text = self._text_pattern.sub(self._replace_name, text)
        return mask_phone_numbers(text)

    def _replace_name(self, match: re.Match[str]) -> str:
        return self._replacements.get(match.group(0).casefold(), NAME_MASK)

    def frame(
        self,
        frame: pd.DataFrame,
        name_columns: Iterable[str] = (),
        text_columns: Iterable[str] = (),
        list_columns: Iterable[str] = (),
    ) -> pd.DataFrame:
        """Return a copy of ``frame`` with names, name lists and texts pseudonymised."""
        if not self.enabled:
            return frame
        result = frame.copy()
        for column in name_columns:
            if column in result:
                result[column] = result[column].map(self.name)
        for column in list_columns:
            if column in result:
                result[column] = result[column].map(
                    lambda names: self.names(names) if isinstance(names, list | tuple) else names
                )
        for column in text_columns:
            if column in result:
                result[column] = result[column].map(self.text)
        return result

    def _build_text_pattern(self) -> tuple[re.Pattern[str] | None, dict[str, str]]:
        replacements: dict[str, str] = {}
        for name, alias in self._pseudonyms.items():
            replacements.setdefault(name.strip().casefold(), alias)

        # Parts that are common words of the chats ("Mama Grace", "Teacher John")
        # stay, so top words and messages keep their sense.
        from tafiti.language import load_language_markers

        common_words = load_language_markers().keys() | _COMMON_NAME_PARTS
        owners: dict[str, set[str]] = {}
        for name, alias in self._pseudonyms.items():
            if _is_phone_like(name):
                continue
            for part in re.findall(r"[^\W\d_]+", name):
                if len(part) >= _MIN_NAME_PART and part.casefold() not in common_words:
                    owners.setdefault(part.casefold(), set()).add(alias)
        for part, aliases in owners.items():
            if part not in replacements:
                replacements[part] = aliases.pop() if len(aliases) == 1 else NAME_MASK

        replacements.pop("", None)
        if not replacements:
            return None, {}
        # Longest first, so "Amina Said" is replaced whole before "Amina".
        alternatives = sorted(replacements, key=len, reverse=True)
        pattern = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(a) for a in alternatives) + r")(?!\w)",
            re.IGNORECASE,
        )
        return pattern, replacements
