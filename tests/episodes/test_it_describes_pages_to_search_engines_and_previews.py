"""What search engines and link previews read of a page: schema.org's JSON-LD by the show's kind,
a Clip for a shared moment or passage, nothing empty, and OpenGraph on every public page."""

import json

import pytest
from bs4 import BeautifulSoup

from episodes.models import Show, ShowKind
from tests.factories import make_episode

pytestmark = pytest.mark.django_db


def page_of(client, url: str, **params) -> BeautifulSoup:
    response = client.get(url, params)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def json_ld(page: BeautifulSoup) -> dict:
    return json.loads(page.select_one('script[type="application/ld+json"]').string)


def og(page: BeautifulSoup) -> dict[str, str]:
    return {tag["property"]: tag["content"] for tag in page.select("meta[property^='og:']")}


@pytest.mark.parametrize(
    ("kind", "episode_type", "series_type"),
    [
        (ShowKind.PODCAST, "PodcastEpisode", "PodcastSeries"),
        (ShowKind.TV, "TVEpisode", "TVSeries"),
        (ShowKind.RADIO, "RadioEpisode", "RadioSeries"),
    ],
)
def test_an_episode_is_typed_by_its_shows_kind(client, sample_episode, kind, episode_type, series_type):
    Show.objects.filter(pk=sample_episode.show_id).update(kind=kind)
    data = json_ld(page_of(client, sample_episode.get_absolute_url()))
    assert data["@type"] == episode_type
    assert data["partOfSeries"] == {
        "@type": series_type,
        "name": "SMART TECH",
        "url": "http://testserver/shows/smart-tech/",
    }


def test_a_shared_moment_and_a_passage_are_clips_of_the_episode(client, sample_episode):
    moment = json_ld(page_of(client, sample_episode.get_absolute_url(), t="1309"))["hasPart"][0]
    line = sample_episode.segments.get(start_ms__gte=1_309_000, start_ms__lt=1_310_000)
    assert moment["@type"] == "Clip" and moment["startOffset"] == 1309
    assert moment["endOffset"] == -(-line.end_ms // 1000)
    assert moment["url"] == f"http://testserver{sample_episode.get_absolute_url()}?t=1309"
    passage = json_ld(page_of(client, sample_episode.get_absolute_url(), t="754-790"))["hasPart"][0]
    assert (passage["startOffset"], passage["name"]) == (752, "SMART TECH du 19 juin 2025 (12:32–13:10)")
    assert passage["endOffset"] > 790 and passage["url"].endswith("?t=752-790")
    # Without one, the parts are the chapters alone: the episode's key moments.
    chapters = json_ld(page_of(client, sample_episode.get_absolute_url()))["hasPart"]
    assert [(c["name"], c["startOffset"], c["endOffset"]) for c in chapters] == [
        ("Ouverture", 0, 97),
        ("Marc Kaplan (VeriQloud)", 97, 868),
        ("Alain Staron (Artifeel)", 868, 1053),
        ("Louis Soris (cabinet Soris Avocats)", 1053, 1252),
        ("Dorothée Decrop (Hexatrust)", 1252, -(-sample_episode.duration_ms // 1000)),
    ]
    assert chapters[1]["url"] == f"http://testserver{sample_episode.get_absolute_url()}?t=97#t-97"


def test_nothing_empty_is_described_and_dates_are_written_in_french(client, db):
    episode = make_episode("Bonjour.", show="Podcast Cyber", title="Sans description")
    page = page_of(client, episode.get_absolute_url())
    data = json_ld(page)
    assert not {"description", "creator", "contributor"} & data.keys()
    assert og(page)["og:description"] == "Podcast Cyber, 6 janvier 2025"


def test_og_type_follows_the_media(client, db):
    audio = make_episode("Un.", title="Audio", media_url="https://media.example/a.mp3")
    video = make_episode("Deux.", title="Vidéo", media_url="https://youtu.be/dQw4w9WgXcQ")
    none = make_episode("Trois.", title="Rien")
    audio_og = og(page_of(client, audio.get_absolute_url()))
    assert audio_og["og:type"] == "website"
    assert (audio_og["og:audio"], audio_og["og:audio:type"]) == ("https://media.example/a.mp3", "audio/mpeg")
    assert json_ld(page_of(client, audio.get_absolute_url()))["associatedMedia"]["@type"] == "AudioObject"
    assert og(page_of(client, video.get_absolute_url()))["og:type"] == "video.episode"
    assert og(page_of(client, none.get_absolute_url()))["og:type"] == "website"


def test_the_home_a_person_and_results_have_opengraph(client, sample_episode):
    home = og(page_of(client, "/"))
    assert home["og:type"] == "website" and home["og:url"] == "http://testserver/"
    assert home["og:title"] and home["og:locale"] == "fr_FR"
    person = og(page_of(client, "/people/dorothee-decrop/"))
    assert person["og:title"].startswith("Dorothée Decrop")
    assert person["og:description"].startswith("Dorothée Decrop dans les émissions")
    results = og(page_of(client, "/search/", q="quantique"))
    assert results["og:title"].startswith("«\u00a0quantique\u00a0»")
    assert "moments des émissions disent" in results["og:description"]
    assert results["og:url"] == "http://testserver/search/?q=quantique"
