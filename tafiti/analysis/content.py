"""What the messages contain: kinds, media types, length, words, emoji, links.

Stop-words come from the hand-written lists under ``tafiti/analysis/data/``
(``stopwords_en.txt``, ``stopwords_sw.txt``, ``stopwords_pt.txt``; each file
states how it was made).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import emoji
import pandas as pd

from tafiti.analysis.metrics import text_messages

DATA_DIR = Path(__file__).resolve().parent / "data"
STOPWORD_LANGUAGES = ("en", "sw", "pt")

URL_PATTERN = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
# A pseudonym ("P-K7Q2MZ") is one word; otherwise words are runs of letters
# with inner apostrophes ("don't" stays whole, then loses its apostrophe).
_WORD = re.compile(r"P-[A-Z2-7]{6}|[^\W\d_]+(?:['’][^\W\d_]+)*")
_MIN_WORD_LENGTH = 3

_MEDIA_TYPES = {
    "image": ("jpg", "jpeg", "png", "gif", "heic", "webp"),
    "video": ("mp4", "mov", "3gp", "mkv", "avi"),
    "audio": ("opus", "ogg", "mp3", "m4a", "aac", "amr", "wav"),
    "document": ("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "csv", "zip"),
    "contact": ("vcf",),
}
_PLACEHOLDER_TYPES = (
    ("sticker", re.compile(r"sticker", re.IGNORECASE)),
    ("image", re.compile(r"image|imagem|photo|foto|picha", re.IGNORECASE)),
    ("video", re.compile(r"video|vídeo", re.IGNORECASE)),
    ("audio", re.compile(r"audio|áudio|voice|ptt", re.IGNORECASE)),
    ("document", re.compile(r"document|documento", re.IGNORECASE)),
    ("contact", re.compile(r"contact card|vcf", re.IGNORECASE)),
    ("gif", re.compile(r"\bgif\b", re.IGNORECASE)),
)


@cache
def load_stopwords(languages: tuple[str, ...] = STOPWORD_LANGUAGES) -> frozenset[str]:
    """Return the union of the stop-word lists of ``languages``, lower case."""
    words: set[str] = set()
    for language in languages:
        path = DATA_DIR / f"stopwords_{language}.txt"
        lines = path.read_text(encoding="utf-8").splitlines()
        words |= {line.strip().casefold() for line in lines if line.strip() and line[0] != "#"}
    return frozenset(words)


def kind_counts(messages: pd.DataFrame) -> pd.Series:
    """Count messages by kind: text, media, deleted (also those deleted after being stored)."""
    deleted = messages["deleted"].astype(bool) | (messages["kind"] == "deleted")
    kinds = messages["kind"].where(~deleted, "deleted").replace({"message": "text"})
    counts = kinds.value_counts()
    return counts.reindex(["text", "media", "deleted"], fill_value=0).rename("messages")


def media_type(attachment: str | None, text: str | None) -> str:
    """Guess a media message's type from its file name, else from its placeholder text.

    A missing value (None or NaN, as pandas gives it) counts as no file name or no text.
    """
    attachment = attachment if isinstance(attachment, str) else None
    text = text if isinstance(text, str) else None
    if attachment:
        extension = attachment.rsplit(".", 1)[-1].casefold() if "." in attachment else ""
        if attachment.upper().startswith("STK-"):
            return "sticker"
        for kind, extensions in _MEDIA_TYPES.items():
            if extension in extensions:
                return kind
    for kind, pattern in _PLACEHOLDER_TYPES:
        if text and pattern.search(text):
            return kind
    return "unknown"


def media_counts(messages: pd.DataFrame) -> pd.Series:
    """Count media messages by type (image, video, audio, sticker, document…)."""
    media = messages[messages["kind"] == "media"]
    types = [
        media_type(attachment, text)
        for attachment, text in zip(media["attachment"], media["text"], strict=True)
    ]
    return pd.Series(types, dtype=object).value_counts().rename("messages")


def lengths(messages: pd.DataFrame) -> pd.DataFrame:
    """Return characters and words of each text message (URLs count as one word)."""
    texts = text_messages(messages)["text"]
    return pd.DataFrame(
        {
            "characters": texts.str.len().astype(int),
            "words": texts.map(lambda text: len(text.split())).astype(int),
        },
        index=texts.index,
    )


def words(text: str, stopwords: Iterable[str] = ()) -> list[str]:
    """Split text into lower-case words of 3+ letters, without URLs and stop-words."""
    stop = stopwords if isinstance(stopwords, frozenset | set) else set(stopwords)
    found = []
    for token in _WORD.findall(URL_PATTERN.sub(" ", text)):
        word = _word(token, stop)
        if word is not None:
            found.append(word)
    return found


def _word(token: str, stop: frozenset[str] | set[str]) -> str | None:
    """Return the word a token counts as, or None for a short word or a stop-word."""
    if token.startswith("P-") and token[2:].isupper():
        return token
    word = token.casefold().replace("’", "").replace("'", "")
    if len(word) >= _MIN_WORD_LENGTH and word not in stop:
        return word
    return None


def top_words(
    messages: pd.DataFrame, n: int = 30, stopwords: Iterable[str] | None = None
) -> pd.DataFrame:
    """Return the ``n`` most used words of the text messages, stop-words removed.

    Default stop-words: English, Swahili and Portuguese together. Ties go in
    alphabetical order.
    """
    stop = load_stopwords() if stopwords is None else frozenset(stopwords)
    # Tokens are counted first and turned into words once per distinct token,
    # because a chat uses the same few thousand tokens over and over.
    tokens: Counter[str] = Counter()
    for text in text_messages(messages)["text"]:
        tokens.update(_WORD.findall(URL_PATTERN.sub(" ", text)))
    counter: Counter[str] = Counter()
    for token, uses in tokens.items():
        word = _word(token, stop)
        if word is not None:
            counter[word] += uses
    return _top(counter, n, "word", "uses")


def emoji_counts(messages: pd.DataFrame, n: int | None = None) -> pd.DataFrame:
    """Count each emoji in the text messages (a skin-tone variant is its own emoji)."""
    counter: Counter[str] = Counter()
    for text in text_messages(messages)["text"]:
        counter.update(find_emoji(text))
    frame = _top(counter, n, "emoji", "uses")
    frame["name"] = frame["emoji"].map(lambda e: emoji.demojize(e, delimiters=("", "")))
    return frame


def count_emoji(text: str) -> int:
    """Count the emoji in one text."""
    return len(find_emoji(text))


def find_emoji(text: str) -> list[str]:
    """Return the emoji of a text in order, the same ones ``emoji.emoji_list`` finds.

    The emoji package's tokenizer steps through a text one character at a time
    in Python. Here it receives only the runs of characters that may belong to
    an emoji. Its matches never span another character, so the result is the same.
    A text or run of ASCII alone contains no emoji, because every emoji sequence
    has a character beyond ASCII (a keycap "1️⃣" ends in U+20E3).
    """
    if text.isascii():
        return []
    found: list[str] = []
    for run in _emoji_runs().findall(text):
        if not run.isascii():
            found.extend(_emoji_in_run(run))
    return found


@cache
def _emoji_runs() -> re.Pattern[str]:
    """Compile a pattern for runs of characters that may belong to an emoji.

    The runs cover every character of ``emoji.EMOJI_DATA``: its few Latin-1
    ones ("#", "*", digits, "©", "®") and everything from its lowest code point
    above U+00FF (U+200D, the zero-width joiner, in emoji 2.16). A small class
    keeps the pattern fast, and a character let in needlessly only costs time.
    """
    code_points = {ord(char) for sequence in emoji.EMOJI_DATA for char in sequence}
    latin = "".join(re.escape(chr(point)) for point in sorted(code_points) if point <= 0xFF)
    lowest = min(point for point in code_points if point > 0xFF)
    return re.compile(f"[{latin}{re.escape(chr(lowest))}-\\U0010FFFF]+")


@lru_cache(maxsize=65_536)
def _emoji_in_run(run: str) -> tuple[str, ...]:
    # Chats repeat the same few emoji runs, so most runs are looked up here once.
    return tuple(item["emoji"] for item in emoji.emoji_list(run))


def links(text: str) -> list[str]:
    """Return the URLs in a text."""
    return URL_PATTERN.findall(text)


def domain(url: str) -> str:
    """Return a URL's host without "www." ("https://www.youtube.com/x" gives "youtube.com")."""
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.IGNORECASE):
        url = "http://" + url
    host = (urlsplit(url).hostname or "").casefold()
    return host[4:] if host.startswith("www.") else host


def domain_counts(messages: pd.DataFrame, n: int | None = 20) -> pd.DataFrame:
    """Count the linked domains in the text messages."""
    counter: Counter[str] = Counter()
    for text in text_messages(messages)["text"]:
        counter.update(domain(url) for url in links(text))
    counter.pop("", None)
    return _top(counter, n, "domain", "links")


def messages_with_links(messages: pd.DataFrame) -> int:
    """Count the text messages that contain at least one URL."""
    return sum(1 for text in text_messages(messages)["text"] if URL_PATTERN.search(text))


def _top(counter: Counter[str], n: int | None, key: str, value: str) -> pd.DataFrame:
    items = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    if n is not None:
        items = items[:n]
    frame = pd.DataFrame(items, columns=[key, value])
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="rank")
    return frame
