"""Speakers that a file names (WebVTT `<v>`) in the results, the API, the "said by" filter and
the person's page; a draft's lines never."""

import datetime

import pytest
from bs4 import BeautifulSoup

from episodes.models import Person
from tests.conftest import index_now
from tests.factories import make_episode

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Marc Kaplan>Le quantique change la cryptographie.

00:00:04.000 --> 00:00:08.000
<v Dorothée Décrope>Le quantique inquiète les RSSI.

00:00:08.000 --> 00:00:12.000
Le quantique, dit on ne sait qui.
"""
DRAFT = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Marc Kaplan>Le quantique en secret.\n"


@pytest.fixture
def voices(sample_episode):
    """An episode whose file names its speakers, beside the sample (which names none), and a draft."""
    Person.objects.filter(name="Dorothée Decrop").update(other_spellings="Dorothée Décrope")
    episode = make_episode(data=VTT.encode(), title="Voix", air_date=datetime.date(2026, 1, 5))
    make_episode(data=DRAFT.encode(), air_date=datetime.date(2026, 2, 1), published=False)
    index_now()
    return episode


def api(client, **params) -> dict:
    response = client.get("/api/search/", params)
    assert response.status_code == 200, response.content
    return response.json()


def soup(client, url: str, **params) -> BeautifulSoup:
    response = client.get(url, params)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def test_the_api_gives_each_moment_its_speaker_or_null(client, voices):
    results = api(client, q="quantique", sort="newest")["results"]
    said = {(r["timestamp"], r["speaker"]) for r in results if r["episode"]["title"] == "Voix"}
    assert said == {("00:01", "Marc Kaplan"), ("00:04", "Dorothée Décrope"), ("00:08", None)}
    assert {r["speaker"] for r in results if r["episode"]["show"] == "SMART TECH"} == {None}


def test_each_moment_shows_who_speaks_linked_to_their_page(client, voices):
    group = soup(client, "/search/", q="quantique", sort="newest").select_one("section.result")
    said = {
        li.select_one(".timestamp").text: li.select_one(".said-by a")["href"] if li.select_one(".said-by a") else None
        for li in group.select(".moments > li")
    }
    assert said == {"00:01": "/people/marc-kaplan/", "00:04": "/people/dorothee-decrop/", "00:08": None}
    assert "Dorothée Décrope" in group.select(".said-by")[1].text


@pytest.mark.parametrize(
    "speaker, said", [("marc-kaplan", ["00:01"]), ("dorothee-decrop", ["00:04"]), ("louis-soris", [])]
)
def test_said_by_keeps_the_lines_the_person_speaks(client, voices, speaker, said):
    body = api(client, q="quantique", speaker=speaker)
    assert [r["timestamp"] for r in body["results"]] == said
    assert body["count"] == len(said)


def test_said_by_a_person_of_drafts_only_is_said_by_nobody(client, voices):
    Person.objects.create(name="Secret Person", slug="secret-person")
    assert api(client, q="quantique", speaker="secret-person")["count"] == 0
    page = soup(client, "/search/", q="quantique", speaker="marc-kaplan")
    assert page.select_one("#id_speaker option[selected]")["value"] == "marc-kaplan"
    assert "secret" not in page.text.lower()


def test_a_person_page_lists_what_they_said_in_published_episodes(client, voices):
    said = soup(client, "/people/marc-kaplan/").select(".moments.said > li")
    assert [(li.select_one(".timestamp")["href"], li.select_one(".line").text) for li in said] == [
        (f"{voices.get_absolute_url()}?t=1#t-1", "Le quantique change la cryptographie.")
    ]
    spelled = soup(client, "/people/dorothee-decrop/").select(".moments.said .line")
    assert [line.text for line in spelled] == ["Le quantique inquiète les RSSI."]
