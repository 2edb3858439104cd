"""Content and sentiment metrics on hand-written messages."""

from __future__ import annotations

import pandas as pd
import pytest

from tafiti.analysis import content, sentiment


def messages(
    texts: list[str], languages: list[str] | None = None, **columns: object
) -> pd.DataFrame:
    data = pd.DataFrame({"text": texts})
    data["timestamp"] = pd.date_range("2024-03-04 09:00", periods=len(texts), freq="min")
    data["author"] = "A"
    data["kind"] = "message"
    data["deleted"] = False
    data["attachment"] = None
    data["language"] = languages if languages is not None else "en"
    for name, value in columns.items():
        data[name] = value
    return data


def test_stopwords_lists_loaded_for_three_languages() -> None:
    stop = content.load_stopwords()

    assert {"the", "and", "kwa", "lakini", "você", "não"} <= stop
    assert "biashara" not in stop


def test_top_words_drop_stopwords_and_short_words() -> None:
    frame = messages(
        [
            "The training is good and the stock is ready",
            "Training ni kesho kwa wote",
            "O treinamento é amanhã para todos",
            "ok ok",
        ]
    )

    top = content.top_words(frame, n=10)
    words = dict(zip(top["word"], top["uses"], strict=True))

    assert words["training"] == 2
    for stop in ("the", "and", "kwa", "wote", "para", "ok"):
        assert stop not in words
    assert {"good", "stock", "ready", "kesho", "treinamento", "amanhã", "todos"} <= set(words)


def test_top_words_keep_pseudonym_whole() -> None:
    frame = messages(["Asante P-K7Q2MZ for the notes"])

    assert "P-K7Q2MZ" in set(content.top_words(frame)["word"])


def test_top_words_ignore_urls() -> None:
    frame = messages(["Read https://example.org/pricing-guide today"])

    assert set(content.top_words(frame)["word"]) == {"read", "today"}


def test_kind_counts_include_later_deletions() -> None:
    frame = messages(["a", "b", "c", "d"])
    frame["kind"] = ["message", "media", "deleted", "message"]
    frame["deleted"] = [False, False, True, True]

    counts = content.kind_counts(frame)

    assert counts.to_dict() == {"text": 1, "media": 1, "deleted": 2}


def test_media_types_from_file_names_and_placeholders() -> None:
    assert content.media_type("IMG-20240304-WA0001.jpg", None) == "image"
    assert content.media_type("PTT-20240304-WA0002.opus", None) == "audio"
    assert content.media_type("STK-20240304-WA0003.webp", None) == "sticker"
    assert content.media_type(None, "image omitted") == "image"
    assert content.media_type(None, "<Media omitted>") == "unknown"
    assert content.media_type(float("nan"), "image omitted") == "image"


def test_media_counts_with_missing_attachments() -> None:
    frame = messages(["IMG-1.jpg", "<Media omitted>", "text"])
    frame["kind"] = ["media", "media", "message"]
    frame["attachment"] = ["IMG-1.jpg", float("nan"), float("nan")]

    assert content.media_counts(frame).to_dict() == {"image": 1, "unknown": 1}


def test_domain_counts_fold_www() -> None:
    frame = messages(
        [
            "see https://www.youtube.com/watch?v=1 and www.youtube.com/x",
            "form: https://docs.google.com/forms/abc",
            "no link here",
        ]
    )

    domains = content.domain_counts(frame)

    assert dict(zip(domains["domain"], domains["links"], strict=True)) == {
        "youtube.com": 2,
        "docs.google.com": 1,
    }
    assert content.messages_with_links(frame) == 2


def test_emoji_counts() -> None:
    frame = messages(["Asante 🙏🙏", "👍", "no emoji"])

    table = content.emoji_counts(frame)

    assert dict(zip(table["emoji"], table["uses"], strict=True)) == {"🙏": 2, "👍": 1}


# The expected emoji are written by hand as code points of Unicode emoji
# sequences, so they do not come from the code under test.
EMOJI_CASES = [
    pytest.param("Asante sana \U0001f44d\U0001f3fd", ["\U0001f44d\U0001f3fd"], id="skin-tone"),
    pytest.param(
        "Habari \U0001f44b\U0001f3ff\U0001f44b",
        ["\U0001f44b\U0001f3ff", "\U0001f44b"],
        id="toned-then-plain",
    ),
    pytest.param(
        "familia \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466!",
        ["\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"],
        id="zwj-family",
    ),
    pytest.param(
        "mama \U0001f469\U0001f3fe\u200d\U0001f33e shamba",
        ["\U0001f469\U0001f3fe\u200d\U0001f33e"],
        id="zwj-with-skin-tone",
    ),
    # A ZWJ sequence missing from the RGI list shows as its parts.
    pytest.param("\U0001f64f\u200d\U0001f64f", ["\U0001f64f", "\U0001f64f"], id="zwj-not-rgi"),
    pytest.param(
        "\U0001f1f0\U0001f1ea\U0001f1f2\U0001f1ff",
        ["\U0001f1f0\U0001f1ea", "\U0001f1f2\U0001f1ff"],
        id="flags-kenya-mozambique",
    ),
    pytest.param(
        "Hatua 1\ufe0f\u20e3 na #\ufe0f\u20e3, 2024",
        ["1\ufe0f\u20e3", "#\ufe0f\u20e3"],
        id="keycaps-not-plain-digits",
    ),
    pytest.param("Nakupenda \u2764\ufe0f", ["\u2764\ufe0f"], id="heart-with-selector"),
    pytest.param(
        "Obrigada pela formação 😊 ótimo👏🏻é",
        ["\U0001f60a", "\U0001f44f\U0001f3fb"],
        id="portuguese-accents",
    ),
    pytest.param("Mkutano ni saa 10:00 — asante’", [], id="no-emoji-punctuation"),
    # U+00A9 has Emoji=Yes, so the bare sign counts (unqualified).
    pytest.param("© 2024 \u00a9\ufe0f", ["\u00a9", "\u00a9\ufe0f"], id="copyright-sign"),
]


@pytest.mark.parametrize(("text", "expected"), EMOJI_CASES)
def test_find_emoji_sequences(text: str, expected: list[str]) -> None:
    assert content.find_emoji(text) == expected
    assert content.count_emoji(text) == len(expected)


def test_emoji_counts_skin_tones_apart() -> None:
    thumbs, medium = "\U0001f44d", "\U0001f3fd"
    frame = messages(
        [f"Sawa {thumbs}{medium}", f"{thumbs} ok", f"{thumbs}{medium}{thumbs}{medium}"]
    )

    table = content.emoji_counts(frame)

    assert dict(zip(table["emoji"], table["uses"], strict=True)) == {
        thumbs + medium: 3,
        thumbs: 1,
    }
    assert table["name"].iloc[0] == "thumbs_up_medium_skin_tone"


def test_lengths_in_characters_and_words() -> None:
    frame = messages(["one two three", "four"])

    lengths = content.lengths(frame)

    assert list(lengths["words"]) == [3, 1]
    assert list(lengths["characters"]) == [13, 4]


# --- sentiment ---------------------------------------------------------------


def test_swahili_scores_and_negation() -> None:
    assert sentiment.swahili_score("Asante sana mwalimu") == pytest.approx(1.0)
    assert sentiment.swahili_score("Bei ni mbaya") == pytest.approx(-1.0)
    # the stem "furahi" after the negative prefix "sija-"
    assert sentiment.swahili_score("Sijafurahi na bei") == pytest.approx(-1.0)
    # "shida" (-1) after "hakuna" flips to +1; the mean 1 is halved
    assert sentiment.swahili_score("hakuna shida") == pytest.approx(0.5)
    assert sentiment.swahili_score("Tutaonana kesho") is None


def test_portuguese_scores_and_negation() -> None:
    assert sentiment.portuguese_score("Parabéns a todos, excelente trabalho") == pytest.approx(1.0)
    assert sentiment.portuguese_score("Tivemos um prejuízo este mês") == pytest.approx(-1.0)
    # "contente" (+2) with "não" two words before it flips to -2; the mean -2 is halved
    assert sentiment.portuguese_score("Não estou contente com as vendas") == pytest.approx(-1.0)
    # "problemas" (-1) after "sem" flips to +1; the mean 1 is halved
    assert sentiment.portuguese_score("Tudo bem, sem problemas") == pytest.approx(0.5)
    # the stem "preocup*" at the start of a word, with its ending
    assert sentiment.portuguese_score("Estou preocupada") == pytest.approx(-0.5)
    assert sentiment.portuguese_score("Amanhã vamos ao mercado") is None


def test_portuguese_stems_match_word_start_only() -> None:
    # "desculp*" must not match inside a longer word, as a Swahili stem would
    assert sentiment.portuguese_score("indesculpável") is None
    assert sentiment.portuguese_score("Desculpem o atraso") == pytest.approx(-0.5)


def test_vader_scores_only_rated_words() -> None:
    assert sentiment.vader_score("I am very happy with the training") > 0.05
    assert sentiment.vader_score("This is bad") < -0.05
    assert sentiment.vader_score("The meeting is at ten tomorrow") is None


def test_coverage_reports_share_each_method_scored() -> None:
    frame = messages(
        [
            "I am very happy with the training",  # en, scored
            "The meeting is at ten tomorrow",  # en, no rated word
            "Asante sana",  # sw, scored
            "Tutaonana kesho",  # sw, no listed word
            "Obrigada a todos",  # pt, scored
            "Amanhã vamos ao mercado",  # pt, no listed word
            "Bonjour à tous",  # other
            "👍",  # other
        ],
        languages=["en", "en", "sw", "sw", "pt", "pt", "other", "other"],
    )

    scored = sentiment.score_messages(frame)
    table = sentiment.coverage(scored)

    assert table.loc["VADER (English)", "messages"] == 2
    assert table.loc["VADER (English)", "scored"] == 1
    assert table.loc["VADER (English)", "share_of_method"] == pytest.approx(0.5)
    assert table.loc["VADER (English)", "share_of_text_messages"] == pytest.approx(1 / 8)
    assert table.loc["Swahili word list", "scored"] == 1
    assert table.loc["Portuguese word list", "messages"] == 2
    assert table.loc["Portuguese word list", "scored"] == 1
    assert table.loc["not scored", "messages"] == 2
    assert table.loc["not scored", "scored"] == 0
    assert scored["label"].iloc[0] == "positive"
    assert pd.isna(scored["label"].iloc[1])
    assert scored["label"].iloc[2] == "positive"
    assert scored["label"].iloc[4] == "positive"
    assert pd.isna(scored["label"].iloc[5])


def test_emotions_counted_once_per_message() -> None:
    frame = messages(
        ["Asante asante, nimefurahi", "I am worried and scared", "Habari", "Estou com medo"]
    )

    table = sentiment.emotions(frame)

    assert table.loc["gratitude", "messages"] == 1
    assert table.loc["joy", "messages"] == 1
    assert table.loc["fear", "messages"] == 2
    assert table.loc["fear", "share"] == pytest.approx(2 / 4)


def test_lexicon_file_rows_well_formed() -> None:
    entries = sentiment.load_lexicon()

    assert len(entries) > 50
    assert {entry.language for entry in entries} == {"en", "sw", "pt"}
    assert all(-2 <= entry.polarity <= 2 for entry in entries)
