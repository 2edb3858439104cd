"""The word cloud: the given words only, sized by use, laid out the same each time."""

from __future__ import annotations

import pandas as pd

from tafiti.analysis import plots


def _laid_out(frequencies: dict[str, int]) -> dict[str, float]:
    cloud = plots.layout_word_cloud(frequencies)
    return {word: font_size for (word, _), font_size, *_ in cloud.layout_}


def test_word_cloud_shows_only_given_words() -> None:
    frequencies = {"biashara": 40, "mteja": 25, "vendas": 12, "P-Q7BPFP": 5}

    laid_out = _laid_out(frequencies)

    assert sorted(laid_out) == sorted(frequencies)


def test_word_cloud_sizes_follow_uses() -> None:
    laid_out = _laid_out({"biashara": 40, "mteja": 10, "soko": 2})

    assert laid_out["biashara"] > laid_out["mteja"]
    assert laid_out["mteja"] > laid_out["soko"]


def test_word_cloud_layout_is_seeded() -> None:
    frequencies = {"biashara": 40, "mteja": 25, "vendas": 12, "stock": 9, "faida": 4}

    first = plots.layout_word_cloud(frequencies).layout_
    second = plots.layout_word_cloud(frequencies).layout_

    assert first == second


def test_word_cloud_without_words_says_so() -> None:
    figure = plots.word_cloud(pd.DataFrame({"word": [], "uses": []}))

    texts = [text.get_text() for text in figure.axes[0].texts]
    assert texts == ["No data in this period"]
