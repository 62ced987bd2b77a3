"""Typing help: prefix and fuzzy matches over entry titles and phrasings, in both languages."""

import pytest
from gradlab.retrieval.suggest import Suggester

from tests.conftest import assert_error


@pytest.fixture(scope="module")
def suggester(fake_engine):
    return Suggester.build(fake_engine.kb)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("感受", "receptive-field"),
        ("感受野", "receptive-field"),
        ("recep", "receptive-field"),
        ("Receptive", "receptive-field"),
        ("遺忘門偏置", "forget-bias"),  # traditional Chinese
        ("gradient clip", "gradient-clipping"),
        ("gradiant cliping", "gradient-clipping"),  # typos
        ("batch norm", "batch-norm"),
        ("pack_padded", "packed-sequences"),
    ],
)
def test_typed_text_suggests_the_entry_first(suggester, typed, expected):
    assert suggester.suggest(typed)[0] == expected


def test_at_most_five_distinct_entries_are_suggested(suggester):
    found = suggester.suggest("lstm")
    assert 1 <= len(found) <= 5 and len(set(found)) == len(found)
    assert found[0] == "lstm"


@pytest.mark.parametrize("typed", ["", "   ", "zzzzqqqq", "?"])
def test_nothing_matching_suggests_nothing(suggester, typed):
    assert suggester.suggest(typed) == []


def test_suggest_endpoint_returns_titles_in_both_languages(client):
    response = client.get("/api/suggest", query_string={"q": "感受", "lang": "zh"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["q"] == "感受"
    first = data["suggestions"][0]
    assert set(first) == {"id", "title", "titles", "url"}
    assert first["id"] == "receptive-field"
    assert first["title"] == first["titles"]["zh"] and first["titles"]["en"].startswith("Receptive field")
    assert first["url"] == "/e/receptive-field?lang=zh"
    assert len(data["suggestions"]) <= 5


def test_suggest_endpoint_with_empty_text_suggests_nothing(client):
    assert client.get("/api/suggest?q=").get_json() == {"q": "", "suggestions": []}


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({}, "'q' is required"),
        ({"q": "x" * 501}, "the limit is 500"),
        ({"q": "lstm", "lang": "fr"}, "lang must be 'en' or 'zh'"),
    ],
)
def test_suggest_endpoint_rejects_bad_input(client, query, fragment):
    assert fragment in assert_error(client.get("/api/suggest", query_string=query), 400)["message"]


def test_fuzzy_matching_reads_only_the_last_few_content_words():
    from gradlab.retrieval.suggest import MAX_TYPED_WORDS, typed_words

    words = typed_words("why does my lstm lstm loss become nan after a few iterations with adam")
    assert words == ["loss", "become", "nan", "after", "few", "iterations", "adam"][-MAX_TYPED_WORDS:]
    assert len(typed_words("word " * 200 + " ".join(f"w{i}" for i in range(50)))) == MAX_TYPED_WORDS
