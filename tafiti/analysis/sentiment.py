"""Sentiment and emotion of text messages, by the language the store detected.

- English messages: VADER (Hutto & Gilbert 2014, vaderSentiment 3.3.2; its
  word list ships in the package). The score is VADER's compound score in
  [-1, 1]. A message counts as scored when VADER rates at least one of its
  words or emoji (its positive or negative part is above zero).
- Swahili and Portuguese messages: the hand-written list
  ``data/sentiment_lexicon.tsv`` (the file states its source and method). The
  score is the mean polarity of the matched words divided by 2, in [-1, 1]. A
  message counts as scored when at least one word matched. A matched word has
  its polarity reversed in Swahili right after "si", "sio", "siyo", "hakuna",
  "hapana", "bila" or "wala", or as a stem after a negative verb prefix
  ("si-", "ha-": "sijafurahi"). In Portuguese it is reversed when "não",
  "nao", "nunca", "nem", "sem", "jamais", "nenhum" or "nenhuma" is one of the
  three words before it ("não estou nada contente").
- Other messages are not scored.

Labels: positive at a score of 0.05 or more, negative at -0.05 or less
(VADER's recommended thresholds), neutral between.

NOTE: neither method was validated on these chats. VADER was built on English
social-media text, so it misses Kenyan English idiom and code-switched lines.
The Swahili and Portuguese lists have 76 and 86 entries: they miss most words,
irony and context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from tafiti.analysis.metrics import text_messages

DATA_DIR = Path(__file__).resolve().parent / "data"
LEXICON_FILE = DATA_DIR / "sentiment_lexicon.tsv"
POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05

VADER_METHOD = "VADER (English)"
SWAHILI_METHOD = "Swahili word list"
PORTUGUESE_METHOD = "Portuguese word list"
NOT_SCORED = "not scored"

_SWAHILI_NEGATORS = frozenset({"si", "sio", "siyo", "hakuna", "hapana", "bila", "wala"})
_PORTUGUESE_NEGATORS = frozenset(
    {"não", "nao", "nunca", "nem", "sem", "jamais", "nenhum", "nenhuma"}
)
# A negator reverses a matched Portuguese word up to this many words after it.
_PORTUGUESE_NEGATION_WORDS = 3
# Languages whose stems may start inside a word: Swahili verbs take subject and
# tense prefixes. Elsewhere a stem matches the start of a word.
_STEMS_INSIDE_WORDS = frozenset({"sw"})
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class LexiconEntry:
    """One row of the word list: a word or a stem, its polarity and emotion."""

    language: str
    entry: str
    polarity: int
    emotion: str | None

    @property
    def is_stem(self) -> bool:
        return self.entry.endswith("*")

    @property
    def text(self) -> str:
        return self.entry.rstrip("*")


@lru_cache(maxsize=1)
def load_lexicon() -> tuple[LexiconEntry, ...]:
    """Read ``data/sentiment_lexicon.tsv``: language, entry, polarity, emotion."""
    entries = []
    for number, line in enumerate(LEXICON_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            raise ValueError(f"{LEXICON_FILE}, line {number}: expected 4 tab-separated fields")
        language, entry, polarity, emotion = fields
        entries.append(
            LexiconEntry(
                language, entry.casefold(), int(polarity), None if emotion == "-" else emotion
            )
        )
    return tuple(entries)


@lru_cache(maxsize=1)
def _vader():  # noqa: ANN202 - vaderSentiment has no type hints
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


# Chats repeat short messages ("ok", "asante sana"), and a score depends on the
# text alone, so each distinct text is scored once.
@lru_cache(maxsize=65_536)
def vader_score(text: str) -> float | None:
    """Return VADER's compound score, or None when VADER rates no word of the text."""
    scores = _vader().polarity_scores(text)
    if scores["pos"] == 0 and scores["neg"] == 0:
        return None
    return float(scores["compound"])


@lru_cache(maxsize=1)
def _lexicon_index() -> tuple[
    dict[tuple[str, str], LexiconEntry], dict[str, tuple[tuple[str, LexiconEntry], ...]]
]:
    words: dict[tuple[str, str], LexiconEntry] = {}
    stems: dict[str, list[tuple[str, LexiconEntry]]] = {}
    for entry in load_lexicon():
        if entry.is_stem:
            stems.setdefault(entry.language, []).append((entry.text, entry))
        else:
            words[(entry.language, entry.text)] = entry
    return words, {language: tuple(entries) for language, entries in stems.items()}


@lru_cache(maxsize=65_536)
def _match(word: str, language: str) -> tuple[LexiconEntry, str] | None:
    """Return the entry matching ``word`` and the part of the word before the match."""
    words, stems = _lexicon_index()
    entry = words.get((language, word))
    if entry is not None:
        return entry, ""
    for text, stem in stems.get(language, ()):
        if language in _STEMS_INSIDE_WORDS:
            position = word.find(text)
        elif word.startswith(text):
            position = 0
        else:
            continue
        if position >= 0:
            return stem, word[:position]
    return None


# Cached for the same reason as vader_score.
@lru_cache(maxsize=65_536)
def _text_emotions(text: str) -> frozenset[str]:
    """Return the emotions of the list's entries (any language) matching the words of ``text``."""
    found: set[str] = set()
    for word in _WORD.findall(text):
        found |= _word_emotions(word.casefold())
    return frozenset(found)


@lru_cache(maxsize=65_536)
def _word_emotions(word: str) -> frozenset[str]:
    """Return the emotions of the list's entries (any language) matching ``word``."""
    found = set()
    for language in ("en", "sw", "pt"):
        match = _match(word, language)
        if match is not None and match[0].emotion:
            found.add(match[0].emotion)
    return frozenset(found)


# Cached for the same reason as vader_score.
@lru_cache(maxsize=65_536)
def swahili_score(text: str) -> float | None:
    """Return the word-list score of a Swahili text, or None when no listed word occurs."""
    polarities = []
    previous = ""
    for word in (match.group(0).casefold() for match in _WORD.finditer(text)):
        match = _match(word, "sw")
        if match is not None:
            entry, prefix = match
            negated = previous in _SWAHILI_NEGATORS or prefix.startswith(("si", "ha"))
            polarities.append(-entry.polarity if negated else entry.polarity)
        previous = word
    if not polarities:
        return None
    return sum(polarities) / len(polarities) / 2


# Cached for the same reason as vader_score.
@lru_cache(maxsize=65_536)
def portuguese_score(text: str) -> float | None:
    """Return the word-list score of a Portuguese text, or None when no listed word occurs."""
    words = [match.group(0).casefold() for match in _WORD.finditer(text)]
    polarities = []
    for position, word in enumerate(words):
        match = _match(word, "pt")
        if match is None:
            continue
        before = words[max(0, position - _PORTUGUESE_NEGATION_WORDS) : position]
        negated = any(previous in _PORTUGUESE_NEGATORS for previous in before)
        polarities.append(-match[0].polarity if negated else match[0].polarity)
    if not polarities:
        return None
    return sum(polarities) / len(polarities) / 2


def label(score: float | None) -> str | None:
    """Return "positive", "negative" or "neutral" for a score; None for no score."""
    if score is None or pd.isna(score):
        return None
    if score >= POSITIVE_THRESHOLD:
        return "positive"
    if score <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def score_messages(messages: pd.DataFrame) -> pd.DataFrame:
    """Score each text message: method, score (NaN when not scored) and label.

    The method follows the ``language`` column: "en" gets VADER, "sw" and
    "pt" their word lists, anything else is not scored.
    """
    texts = text_messages(messages)
    methods, scores = [], []
    for text, language in zip(texts["text"], texts["language"], strict=True):
        if language == "en":
            methods.append(VADER_METHOD)
            scores.append(vader_score(text))
        elif language == "sw":
            methods.append(SWAHILI_METHOD)
            scores.append(swahili_score(text))
        elif language == "pt":
            methods.append(PORTUGUESE_METHOD)
            scores.append(portuguese_score(text))
        else:
            methods.append(NOT_SCORED)
            scores.append(None)
    frame = pd.DataFrame(
        {"author": texts["author"], "timestamp": texts["timestamp"], "method": methods},
        index=texts.index,
    )
    frame["score"] = pd.Series(scores, index=texts.index, dtype=float)
    frame["label"] = frame["score"].map(label)
    return frame


def coverage(scored: pd.DataFrame) -> pd.DataFrame:
    """Tell how much each method could score: messages it applies to, scored, shares.

    ``share_of_text_messages`` is of all text messages, so the rows add up to
    the share of the chat the sentiment figures describe.
    """
    total = len(scored)
    rows = []
    for method in (VADER_METHOD, SWAHILI_METHOD, PORTUGUESE_METHOD, NOT_SCORED):
        part = scored[scored["method"] == method]
        scored_count = int(part["score"].notna().sum())
        rows.append(
            {
                "method": method,
                "messages": len(part),
                "scored": scored_count,
                "share_of_method": scored_count / len(part) if len(part) else float("nan"),
                "share_of_text_messages": scored_count / total if total else float("nan"),
            }
        )
    return pd.DataFrame(rows).set_index("method")


def label_counts(scored: pd.DataFrame) -> pd.DataFrame:
    """Count positive, neutral and negative messages per method (scored messages only)."""
    part = scored[scored["score"].notna()]
    table = pd.crosstab(part["method"], part["label"])
    columns = ["positive", "neutral", "negative"]
    return table.reindex(columns=columns, fill_value=0).astype(int)


def emotions(messages: pd.DataFrame) -> pd.DataFrame:
    """Count the text messages that carry each emotion word, all languages of the list together."""
    counts: dict[str, int] = {}
    texts = text_messages(messages)["text"]
    for text in texts:
        for emotion in _text_emotions(text):
            counts[emotion] = counts.get(emotion, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    frame = pd.DataFrame(ranked, columns=["emotion", "messages"])
    frame["share"] = frame["messages"] / len(texts) if len(texts) else float("nan")
    return frame.set_index("emotion")
