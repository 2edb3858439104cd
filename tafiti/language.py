"""Per-message language guess: English, Swahili, Portuguese or other, offline.

The store calls :func:`detect_languages` once when it inserts messages, so the
reports read a stored column instead of guessing at every render.

The language with the most word evidence wins. Word evidence is a word from
the stop-word lists or the chat-word list under ``tafiti/analysis/data/`` (a
word in two languages' lists counts for neither), or a Swahili verb recognised
by its shape: subject prefix, tense marker, stem ("nimeelewa", "tutakutana",
"anakuja"). langid.py's naive Bayes model over byte n-grams (Lui & Baldwin
2012; the model ships in the package), renormalised over en/sw/pt, breaks ties
and decides texts with no word evidence. On its own langid is weak on short
chat lines: it gives "Asante sana mwalimu" as Portuguese.

A text is "other" when it has no words after removing URLs, e-mail addresses,
mentions, numbers, emoji and media placeholders; when it is one short word with
no word evidence ("ok", "hmm"); when it has no word evidence and langid's
unrestricted model puts a language outside en/sw/pt first (texts of four or
more words) or gives no en/sw/pt language at least 75%.

NOTE: code-switched messages get the single language with the most evidence;
the share of mixed English-Swahili messages is not measured.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal

Language = Literal["en", "sw", "pt", "other"]
LANGUAGES: tuple[str, ...] = ("en", "sw", "pt")

DATA_DIR = Path(__file__).resolve().parent / "analysis" / "data"

# Below this renormalised langid probability, a text with no word evidence is "other".
MIN_CONFIDENCE = 0.75

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_MENTION = re.compile(r"@\S+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_MEDIA_PLACEHOLDERS = re.compile(
    r"<media omitted>|<attached: [^>]*>|\b(?:image|video|audio|sticker|gif|document|"
    r"contact card) omitted\b|this message was deleted|you deleted this message|"
    r"<multimedia omitido>|<arquivo de mídia oculto>|mensagem apagada",
    re.IGNORECASE,
)
# Subject prefix, tense or negation marker, then a stem of two or more letters
# ending in a vowel: "ni-me-elewa", "tu-ta-kutana", "a-na-kuja", "ha-tu-ja".
_SWAHILI_VERB = re.compile(
    r"^(?:ni|u|a|tu|m|wa|ki|vi|li|ya|i|zi|ku|ha|hu|hatu|hawa|si)"
    r"(?:na|li|ta|me|ki|nge|sha|ja)[a-z]{2,}[aeiou]$"
)
# Words that occur in chat lines of every language.
_NEUTRAL = frozenset(
    "ok okay okey oky k kk lol haha hahaha hahahaha hehe hehehe hmm hmmm mmh mm "
    "wow amen ooh oh aah ah eh yeah".split()
)


def detect_languages(texts: Sequence[str]) -> list[str]:
    """Return "en", "sw", "pt" or "other" for each text, in order."""
    detector = _detector()
    return [detector.detect(text) for text in texts]


def detect_language(text: str) -> str:
    """Return "en", "sw", "pt" or "other" for one text."""
    return _detector().detect(text)


class _Detector:
    """langid's model loaded once, plus the word lists."""

    def __init__(self) -> None:
        import numpy
        from langid.langid import LanguageIdentifier, model

        self._identifier = LanguageIdentifier.from_modelstring(model, norm_probs=False)
        # A chat line sets a dozen or so of langid's 7,480 features. Multiplying
        # only the nonzero rows skips langid's dense product over all of them,
        # which took nearly all of the detection time.
        self._numpy = numpy
        self._feature_class = numpy.ascontiguousarray(self._identifier.nb_ptc)
        self._class_prior = numpy.asarray(self._identifier.nb_pc)
        classes = list(self._identifier.nb_classes)
        self._indexes = [classes.index(code) for code in LANGUAGES]
        self._classes = classes
        self._markers = load_language_markers()

    def detect(self, text: str) -> str:
        cleaned = _clean(text or "")
        words = [w for w in (m.group(0).lower() for m in _WORD.finditer(cleaned))]
        words = [w for w in words if w not in _NEUTRAL]
        letters = sum(len(w) for w in words)
        if not words or letters < 2:
            return "other"

        hits = self._word_hits(words)
        if len(words) == 1 and letters < 4 and not any(hits.values()):
            return "other"
        counts = sorted(hits.values(), reverse=True)
        if counts[0] > counts[1]:
            # One language has the most word evidence, so langid's tie-break
            # below cannot change the outcome; skipping it saves most of the time.
            return max(hits, key=hits.__getitem__)

        log_probs = self._log_probs(" ".join(words))
        restricted = [log_probs[i] for i in self._indexes]
        probs = _softmax(restricted)

        best_outside = max(range(len(log_probs)), key=log_probs.__getitem__)
        if not any(hits.values()):
            if self._classes[best_outside] not in LANGUAGES and len(words) >= 4:
                return "other"
            best = max(range(len(LANGUAGES)), key=probs.__getitem__)
            return LANGUAGES[best] if probs[best] >= MIN_CONFIDENCE else "other"

        # Word evidence decides; langid only breaks ties between equal counts,
        # because on short chat lines its n-gram model is confidently wrong
        # ("asante sana" gets 98% Portuguese).
        ranking = [(hits[code], p) for code, p in zip(LANGUAGES, probs, strict=True)]
        return LANGUAGES[max(range(len(LANGUAGES)), key=ranking.__getitem__)]

    def _word_hits(self, words: list[str]) -> dict[str, int]:
        hits = dict.fromkeys(LANGUAGES, 0)
        for word in words:
            language = self._markers.get(word)
            if language is not None:
                hits[language] += 1
            elif _SWAHILI_VERB.match(word):
                hits["sw"] += 1
        return hits

    def _log_probs(self, text: str) -> list[float]:
        features = self._identifier.instance2fv(text)
        nonzero = self._numpy.flatnonzero(features)
        scores = features[nonzero] @ self._feature_class[nonzero] + self._class_prior
        return scores.tolist()


def _clean(text: str) -> str:
    text = _MEDIA_PLACEHOLDERS.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    return _MENTION.sub(" ", text)


def _softmax(values: list[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


@lru_cache(maxsize=1)
def load_language_markers() -> dict[str, str]:
    """Map each distinctive word to its language: stop-words plus chat words.

    A word listed for two languages ("na", "a", "no", "me") maps to neither.
    """
    by_language: dict[str, set[str]] = {code: set() for code in LANGUAGES}
    for code in LANGUAGES:
        by_language[code] |= _read_words(DATA_DIR / f"stopwords_{code}.txt")
    for line in _read_lines(DATA_DIR / "language_markers.txt"):
        code, _, word = line.partition(" ")
        by_language[code].add(word.strip().lower())

    seen: dict[str, str | None] = {}
    for code, words in by_language.items():
        for word in words:
            seen[word] = code if word not in seen else None
    return {word: code for word, code in seen.items() if code is not None}


def _read_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _read_words(path: Path) -> set[str]:
    return {line.lower() for line in _read_lines(path)}


_instance: _Detector | None = None
_instance_lock = threading.Lock()


def _detector() -> _Detector:
    global _instance
    with _instance_lock:
        if _instance is None:
            _instance = _Detector()
        return _instance
