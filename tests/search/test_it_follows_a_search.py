"""A search followed as an RSS feed: the newest moments that match, read by feedparser, cheap to
poll (ETag, Last-Modified, 304), a newly published episode's moments in it at once, drafts never."""

import datetime

import feedparser
import pytest
from bs4 import BeautifulSoup

from episodes.services import set_published
from tests.conftest import index_now
from tests.factories import make_episode

FEED = "/search/feed.xml"


def read(client, **params) -> feedparser.FeedParserDict:
    response = client.get(FEED, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    return parsed


def test_the_newest_moments_that_match_each_linked_to_its_second(client, sample_episode):
    newer = make_episode(
        ("Inès Martin", "La directive Nice 2 arrive."),
        "Et le quantique aussi.",
        show="Podcast Cyber",
        title="Cyber du 2 septembre",
        air_date=datetime.date(2025, 9, 2),
    )
    index_now()
    feed = read(client, q="NIS2")
    assert feed.feed.title == "«\u00a0NIS2\u00a0» dans les émissions"
    first = feed.entries[0]
    assert first.title == "Cyber du 2 septembre — 00:01 — Inès Martin"
    assert first.link == f"http://testserver{newer.get_absolute_url()}?t=1#t-1"
    assert first.summary == "Inès Martin : La directive Nice 2 arrive. Et le quantique aussi."
    # Then the sample's three, older: newest episode first.
    assert [entry.link.split("?t=")[1] for entry in feed.entries[1:]] == ["1309#t-1309", "1310#t-1310", "1626#t-1626"]
    assert all(entry.link.startswith("http://testserver/episodes/") for entry in feed.entries)
    assert client.get(feed.entries[1].link.replace("http://testserver", "")).status_code == 200


def test_at_most_fifty_moments(client, sample_episode):
    assert len(read(client, q="de").entries) == 50


def test_it_is_cheap_to_poll(client, sample_episode):
    response = client.get(FEED, {"q": "quantique"})
    assert "max-age=60" in response["Cache-Control"] and "public" in response["Cache-Control"]
    etag, modified = response["ETag"], response["Last-Modified"]
    assert client.get(FEED, {"q": "quantique"}, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(FEED, {"q": "quantique"}, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get(FEED, {"q": "NIS2"}, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_newly_published_episode_appears_and_a_draft_never(client, sample_episode):
    before = client.get(FEED, {"q": "zorglub"})
    assert feedparser.parse(before.content).entries == []
    draft = make_episode("Le zorglub arrive.", title="Brouillon", air_date=datetime.date(2025, 10, 1), published=False)
    index_now()
    assert read(client, q="zorglub").entries == []
    set_published([draft], True)
    index_now()
    again = client.get(FEED, {"q": "zorglub"}, HTTP_IF_NONE_MATCH=before["ETag"])
    assert again.status_code == 200
    assert [entry.title for entry in feedparser.parse(again.content).entries] == ["Brouillon — 00:01"]


def test_the_results_page_links_its_feed_visibly_and_for_readers(client, sample_episode):
    page = BeautifulSoup(client.get("/search/", {"q": "quantique", "sort": "relevance"}).content, "html.parser")
    link = page.select_one("p.follow a")
    assert link.text == "Suivre cette recherche (RSS)"
    assert link["href"] == "/search/feed.xml?q=quantique&sort=relevance"
    alternate = page.select("link[rel=alternate][type='application/rss+xml']")
    assert link["href"] in [tag["href"] for tag in alternate]


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "quantique", "from": "hier"}])
def test_a_feed_without_words_or_with_a_bad_parameter_says_why(client, db, params):
    response = client.get(FEED, params)
    assert response.status_code == 400 and response.content.decode().split(":")[0] in ("q", "from")


def test_a_feed_cut_short_at_the_time_limit_is_never_kept_as_the_answer(client, sample_episode, monkeypatch):
    from search import moments

    monkeypatch.setattr(moments, "ENGINE_TIME_LIMIT_SECONDS", 0.0)
    response = client.get(FEED, {"q": "de"})
    assert response.status_code == 200 and not feedparser.parse(response.content).bozo
    assert "no-store" in response["Cache-Control"]
    assert not response.has_header("ETag") and not response.has_header("Last-Modified")
