"""Ranking over the sample episode: TF-IDF on the Whoosh engine, ts_rank on PostgreSQL."""

import datetime

import pytest

from episodes.models import Segment
from search import moments
from search.analysis import fold
from search.moments import Filters, find_moments
from tests.conftest import every_hit
from tests.factories import make_episode


def test_the_moment_that_says_the_word_most_comes_first(sample_episode):
    found = find_moments("quantique", Filters())
    texts = dict(Segment.objects.values_list("pk", "text"))
    said = [texts[hit.segment_id].lower().count("quantique") for hit in every_hit(found)]
    assert found.count == 22 and said[0] == max(said) > 1
    assert said == sorted(said, reverse=True)


def test_a_prefix_ranks_first_the_moment_that_says_its_words_most(sample_episode):
    found = find_moments("quanti*", Filters())
    texts = dict(Segment.objects.values_list("pk", "text"))
    said = [sum(word.startswith("quanti") for word in fold(texts[hit.segment_id])) for hit in every_hit(found)]
    assert said[0] == max(said) > 1


@pytest.mark.parametrize(
    "params",
    [
        {"q": "quanti*"},
        {"q": "de OR la OR le OR et OR est OR que"},
        {"q": '"de la" "de la" "de la" "de la"', "sort": "newest"},
        {"q": "de la le et est que pour une des les du en"},  # no line has them all
        {"q": '"souveraineté qui était"'},
        {"q": " ".join(["il-y-a-un"] * 12)},  # phrases of one word each, cut to twelve words
        {"q": "quantique", "person": "marc-kaplan"},
    ],
)
def test_every_kind_of_search_stops_at_its_time_limit_and_says_so(sample_episode, client, monkeypatch, params):
    """Every matcher stops at the deadline, not only when a document matches; here the
    deadline has passed before the first step, so nothing is found."""
    assert find_moments(params["q"], Filters()).count > 0 or "pour une" in params["q"]
    monkeypatch.setattr(moments, "ENGINE_TIME_LIMIT_SECONDS", -1.0)
    body = client.get("/api/search/", params).json()
    assert "timed_out" in body["notices"]
    assert body["count"] == 0 and body["results"] == []


def test_episodes_come_in_the_order_of_their_best_moment_each_with_its_best_three(sample_episode):
    """The results page groups the ranked moments by episode, without losing any."""
    from tests.conftest import index_now

    for day, says in enumerate([1, 4, 2, 1, 3, 1, 2, 5, 1, 1, 2], start=1):
        lines = [f"Le calcul quantique, encore. {'quantique ' * (n % 3)}" for n in range(says)]
        make_episode(*lines, show="S", air_date=datetime.date(2024, 1, day))
    index_now()
    found = find_moments("quantique", Filters())
    expected: dict[int, list[int]] = {}
    for hit in every_hit(found):
        expected.setdefault(hit.episode_id, []).append(hit.segment_id)
    assert len(expected) == found.episode_count == 12
    pages = [moments.grouped_page(found, number) for number in (1, 2)]
    groups = [group for page in pages for group in page.object_list]
    assert [group.episode.pk for group in groups] == list(expected)
    for group in groups:
        ranked = expected[group.episode.pk]
        assert {moment.segment.pk for moment in group.moments} == set(ranked[:3])
        assert group.total == len(ranked) and group.more == len(ranked) - len(group.moments)
