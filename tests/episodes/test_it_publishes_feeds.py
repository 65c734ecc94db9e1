import datetime
import xml.etree.ElementTree as ET

import feedparser
import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from episodes import feeds
from episodes.models import Episode
from episodes.parsing import TranscriptError
from episodes.services import import_transcript
from tests.factories import make_episode, make_person

pytestmark = pytest.mark.django_db

NS = {"podcast": "https://podcastindex.org/namespace/1.0"}
TRANSCRIPT_TYPES = ["application/x-subrip", "text/vtt", "application/json"]


@pytest.fixture
def archive(sample_bytes):
    sample = import_transcript(
        data=sample_bytes, filename="smart-tech-2025-06-19.txt", media_url="https://media.example/st.mp3"
    ).episode
    later = make_episode(
        "Bonjour.",
        show="SMART TECH",
        title="Q&A <direct> : l'IA",
        air_date=datetime.date(2025, 7, 1),
        media_url="https://youtu.be/dQw4w9WgXcQ",
    )
    make_episode("Bonjour.", show="SMART TECH", title="Brouillon", air_date=datetime.date(2025, 8, 1), published=False)
    older = make_episode(
        "Bonjour.", show="Autre émission", title="Autre du 1er janvier", air_date=datetime.date(2024, 1, 1)
    )
    make_episode(
        "Bonjour.",
        show="Émission de brouillons",
        title="Brouillon seul",
        air_date=datetime.date(2025, 1, 1),
        published=False,
    )
    return {"sample": sample, "later": later, "older": older}


def feed(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert b'xmlns:podcast="https://podcastindex.org/namespace/1.0"' in response.content
    return ET.fromstring(response.content).find("channel")


def item_titled(channel: ET.Element, title: str) -> ET.Element:
    return next(item for item in channel.iter("item") if item.findtext("title") == title)


def test_the_archive_feed_lists_published_episodes_newest_first(client, archive):
    channel = feed(client, "/feed.xml")
    titles = [item.findtext("title") for item in channel.iter("item")]
    assert titles == ["Q&A <direct> : l'IA", "SMART TECH du 19 juin 2025", "Autre du 1er janvier"]
    assert channel.findtext("link") == "http://testserver/"


def test_an_item_gives_a_podcast_app_its_page_date_people_media_and_transcripts(client, archive):
    item = item_titled(feed(client, "/feed.xml"), "SMART TECH du 19 juin 2025")
    page = "http://testserver/episodes/smart-tech-du-19-juin-2025/"
    assert item.findtext("link") == page and item.findtext("guid") == page
    assert item.findtext("pubDate") == "Thu, 19 Jun 2025 00:00:00 +0200"
    description = item.findtext("description")
    assert "Présentation\xa0: Delphine Sabattier." in description
    assert "Invité·es\xa0: Louis Soris (avocat et fondateur, cabinet Soris Avocats); Marc Kaplan" in description
    assert item.find("enclosure").attrib == {"url": "https://media.example/st.mp3", "length": "0", "type": "audio/mpeg"}
    people = [(p.get("role"), p.text) for p in item.findall("podcast:person", NS)]
    assert people[0] == ("host", "Delphine Sabattier")
    assert ("guest", "Dorothée Decrop") in people and len(people) == 5
    assert client.get(item.find("podcast:person", NS).get("href")).status_code == 200
    transcripts = item.findall("podcast:transcript", NS)
    assert [(t.get("type"), t.get("language")) for t in transcripts] == [(kind, "fr") for kind in TRANSCRIPT_TYPES]
    for transcript in transcripts:
        assert transcript.get("url").startswith(page)
        response = client.get(transcript.get("url"))
        assert response.status_code == 200
        assert response["Content-Type"].split(";")[0] == transcript.get("type")
        assert response["Access-Control-Allow-Origin"] == "*"  # for podcast apps on the web


def test_an_episode_without_a_media_file_has_no_enclosure(client, archive):
    # Its media is a YouTube page: played on the episode page, but no file a podcast app can fetch.
    assert item_titled(feed(client, "/feed.xml"), "Q&A <direct> : l'IA").find("enclosure") is None


def test_a_show_feed_holds_its_published_episodes_and_a_show_of_drafts_has_none(client, archive):
    channel = feed(client, "/shows/smart-tech/feed.xml")
    assert [item.findtext("title") for item in channel.iter("item")] == [
        "Q&A <direct> : l'IA",
        "SMART TECH du 19 juin 2025",
    ]
    assert channel.findtext("link") == "http://testserver/shows/smart-tech/"
    assert client.get("/shows/emission-de-brouillons/feed.xml").status_code == 404


def test_a_feed_holds_the_latest_episodes_only(client, archive, monkeypatch):
    monkeypatch.setattr(feeds, "FEED_ITEMS", 2)
    titles = [item.findtext("title") for item in feed(client, "/feed.xml").iter("item")]
    assert titles == ["Q&A <direct> : l'IA", "SMART TECH du 19 juin 2025"]


def test_a_feed_stays_well_formed_whatever_a_title_holds(client, archive):
    # A file with a control character is refused at import, but a title is also typed by hand.
    with pytest.raises(TranscriptError):
        import_transcript(data=b"[00:00:01] Bon\x07jour", filename="x.txt", show="S", air_date=datetime.date.today())
    media = "https://media.example/\x07a.mp3"
    Episode.objects.filter(pk=archive["older"].pk).update(title="Bip\x07 <b>&\x0b</b>", media_url=media)
    item = item_titled(feed(client, "/feed.xml"), "Bip <b>&</b>")
    assert item.find("enclosure").get("url") == "https://media.example/a.mp3"


def test_pages_announce_the_archive_feed_and_their_show_feed(client, archive):
    def feeds_of(url: str) -> list[str]:
        page = BeautifulSoup(client.get(url).content, "html.parser")
        return [link["href"] for link in page.select('link[rel=alternate][type="application/rss+xml"]')]

    assert feeds_of("/") == ["/feed.xml"]
    assert feeds_of("/shows/smart-tech/") == ["/feed.xml", "/shows/smart-tech/feed.xml"]
    assert feeds_of(archive["sample"].get_absolute_url()) == ["/feed.xml", "/shows/smart-tech/feed.xml"]
    assert reverse("episodes:show_feed", args=["smart-tech"]) == "/shows/smart-tech/feed.xml"


def test_who_speaks_in_a_transcript_is_a_podcast_person_of_the_item_once(client, archive):
    make_person("Marc Kaplan", on=archive["older"])
    lines = [
        ("Marc Kaplan", "Le quantique arrive."),
        ("Marc Kaplan", "Et vite."),
        ("Inès Martin", "Et NIS2 ?"),
        ("Delphine Sabattier", "Merci à vous deux."),
    ]
    make_episode(*lines, show="SMART TECH", title="Direct", air_date=datetime.date(2025, 7, 2))
    make_person("Delphine Sabattier", on=Episode.objects.get(title="Direct"), role="host")
    response = client.get("/feed.xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo and parsed.entries[0].title == "Direct"
    item = item_titled(ET.fromstring(response.content).find("channel"), "Direct")
    people = [(p.get("role"), p.text, p.get("href")) for p in item.findall("podcast:person", NS)]
    assert people == [
        ("host", "Delphine Sabattier", "http://testserver/people/delphine-sabattier/"),
        ("guest", "Inès Martin", None),
        ("guest", "Marc Kaplan", "http://testserver/people/marc-kaplan/"),
    ]


def test_the_srt_and_webvtt_transcripts_are_announced_as_captions(client, archive):
    entry = feedparser.parse(client.get("/feed.xml").content).entries[0]
    item = item_titled(feed(client, "/feed.xml"), entry.title)
    rels = {t.get("type"): t.get("rel") for t in item.findall("podcast:transcript", NS)}
    assert rels == {"application/x-subrip": "captions", "text/vtt": "captions", "application/json": None}


def test_show_pages_and_the_episode_list_show_a_subscribe_link_to_their_feed(client, archive):
    episodes = BeautifulSoup(client.get("/episodes/").content, "html.parser").select_one("a.subscribe")
    assert episodes.text == "S’abonner (RSS)" and episodes["href"] == "/feed.xml"
    show = BeautifulSoup(client.get("/shows/smart-tech/").content, "html.parser").select_one("a.subscribe")
    assert show["href"] == "/shows/smart-tech/feed.xml"
    assert client.get(show["href"]).status_code == 200
    assert feedparser.parse(client.get(show["href"]).content).feed.title == "SMART TECH"
