"""Counts are exact up to a limit (10,000 moments), then said as "more than"; the pages still
come, best first. The limit is lowered here so the sample's 22 "quantique" pass it."""

from collections import Counter

import pytest
from bs4 import BeautifulSoup

from episodes.models import Segment
from search.analysis import fold
from search.engines import Results
from search.moments import Filters, find_moments


@pytest.fixture
def limit_of_five(monkeypatch):
    monkeypatch.setattr(Results, "count_limit", 5)


def test_the_api_says_a_count_past_the_limit_is_not_exact(client, sample_episode, limit_of_five):
    body = client.get("/api/search/", {"q": "quantique"}).json()
    assert body["count"] == 5 and body["count_is_exact"] is False
    assert len(body["results"]) == 5
    assert all("quantique" in moment["text"].lower() for moment in body["results"])


def test_a_count_under_the_limit_is_exact(client, sample_episode):
    body = client.get("/api/search/", {"q": "quantique"}).json()
    assert body["count"] == 22 and body["count_is_exact"] is True


def test_the_results_page_says_more_than_the_limit_and_still_groups_the_episode(client, sample_episode, limit_of_five):
    page = BeautifulSoup(client.get("/search/", {"q": "quantique"}).content, "html.parser")
    count = page.select_one(".count").get_text(" ", strip=True)
    assert count.startswith("plus de 5 moments") and "dans 1 épisode" in count
    assert len(page.select("a.timestamp")) == 3  # the episode's best three, as under the limit


def test_the_limit_is_written_as_the_language_writes_numbers():
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    found = SimpleNamespace(count=10_000, count_is_exact=False, timed_out=False)
    assert render_to_string("search/moment_count.html", {"found": found}).strip() == "plus de 10\u00a0000 moments"


def test_the_best_moments_come_first_past_the_limit(sample_episode, monkeypatch):
    unlimited = find_moments("quantique", Filters())
    assert unlimited.count == 22
    monkeypatch.setattr(Results, "count_limit", 5)
    found = find_moments("quantique", Filters())
    assert found.count == 5
    assert found.results.top(5) == unlimited.results.top(22)[:5]


def test_a_search_cut_short_before_finding_anything_does_not_say_nothing_is_said(client, sample_episode, monkeypatch):
    from search import moments

    monkeypatch.setattr(moments, "ENGINE_TIME_LIMIT_SECONDS", -1.0)
    page = BeautifulSoup(client.get("/search/", {"q": "quantique"}).content, "html.parser")
    assert "Cette recherche a pris trop de temps" in page.get_text()
    assert page.select_one(".nothing-found") is None  # "no published line says it" would be false


@pytest.mark.parametrize("q", ["quan*", "quantique OR souveraineté", "des*"])
def test_a_prefix_or_words_ored_past_the_limit_say_more_than(sample_episode, limit_of_five, q):
    found = find_moments(q, Filters())
    assert found.count == 5 and found.count_is_exact is False
    assert len(found.results.top(5)) == 5


def test_a_prefix_whose_words_each_stay_under_the_limit_is_still_counted_past_it(sample_episode, monkeypatch):
    """No single word of `des*` is said in as many lines as the limit, but all of them are."""
    lines = [fold(text) for text in Segment.objects.values_list("text", flat=True)]
    per_word = Counter(word for words in lines for word in set(words) if word.startswith("des"))
    saying = sum(any(word.startswith("des") for word in words) for words in lines)
    assert saying > max(per_word.values())
    monkeypatch.setattr(Results, "count_limit", max(per_word.values()))
    found = find_moments("des*", Filters())
    assert found.count == max(per_word.values()) and found.count_is_exact is False
    monkeypatch.setattr(Results, "count_limit", saying)
    found = find_moments("des*", Filters())
    assert found.count == saying and found.count_is_exact is True
