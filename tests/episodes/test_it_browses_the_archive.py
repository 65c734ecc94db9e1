"""Home, episode list filters, shows, people, robots.txt and error pages."""

import datetime
import json

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User

from episodes.models import Person
from episodes.services import set_published
from tests.conftest import index_now
from tests.factories import make_episode, make_person

SAID = "Bonjour Dorothee Decrop et Marc Kaplan."


def soup(response, status: int = 200) -> BeautifulSoup:
    assert response.status_code == status
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def archive(sample_episode):
    other = make_episode(SAID, show="Podcast Cyber", title="Cyber 2024", air_date=datetime.date(2024, 3, 1))
    make_person("Marc Kaplan", on=other)
    make_episode(SAID, show="Podcast Cyber", title="Brouillon", air_date=datetime.date(2026, 1, 1), published=False)
    index_now()
    return sample_episode, other


@pytest.fixture
def shows_off_air(archive):
    """A show with a draft only, and one whose only episode was published, then withdrawn."""
    make_episode(SAID, show="Émission secrète", air_date=datetime.date(2025, 2, 1), published=False)
    withdrawn = make_episode(SAID, show="Émission retirée", air_date=datetime.date(2025, 3, 1))
    set_published([withdrawn], False)
    return ["emission-secrete", "emission-retiree"]


def test_home_has_a_search_box_the_latest_episodes_the_people_and_counts(client, archive):
    page = soup(client.get("/"))
    assert page.select_one('main form[role="search"] input[name="q"]')
    assert [a.text for a in page.select("#latest-title ~ .episode-list li > a")] == [
        "SMART TECH du 19 juin 2025",
        "Cyber 2024",
    ]
    people = [a.text for a in page.select(".people-list a")]
    assert people[0] == "Marc Kaplan"
    counts = " ".join(page.select_one(".counts").text.split())
    assert counts == "2 épisodes · 409 moments · 5 personnes · 2 émissions"


@pytest.mark.parametrize(
    ("params", "titles"),
    [
        ({}, ["SMART TECH du 19 juin 2025", "Cyber 2024"]),
        ({"show": "podcast-cyber"}, ["Cyber 2024"]),
        ({"year": "2025"}, ["SMART TECH du 19 juin 2025"]),
        ({"person": "marc-kaplan"}, ["SMART TECH du 19 juin 2025", "Cyber 2024"]),
        ({"person": "alain-staron"}, ["SMART TECH du 19 juin 2025"]),
        ({"show": "podcast-cyber", "year": "2025"}, []),
    ],
)
def test_the_episode_list_filters_by_show_year_and_person(client, archive, params, titles):
    page = soup(client.get("/episodes/", params))
    assert [a.text for a in page.select(".episode-list li > a")] == titles


@pytest.mark.parametrize("params", [{"year": "deux-mille"}, {"page": "-1"}, {"show": "pas un slug"}])
def test_a_bad_filter_is_named_not_a_500(client, archive, params):
    page = soup(client.get("/episodes/", params), status=400)
    assert next(iter(params)) in page.select_one(".errors").text


def test_the_episode_list_pages_keep_the_filters(client, archive, monkeypatch):
    from episodes import views

    monkeypatch.setattr(views, "EPISODES_PER_PAGE", 1)
    page = soup(client.get("/episodes/", {"person": "marc-kaplan"}))
    assert page.select_one('a[rel="next"]')["href"] == "?person=marc-kaplan&page=2"


def test_a_show_page_lists_its_episodes(client, archive):
    page = soup(client.get("/shows/podcast-cyber/"))
    assert page.h1.text == "Podcast Cyber"
    assert [a.text for a in page.select(".episode-list li > a")] == ["Cyber 2024"]
    assert client.get("/shows/nope/").status_code == 404


def test_shows_without_a_published_episode_are_not_in_the_episode_filter(client, shows_off_air):
    page = soup(client.get("/episodes/"))
    assert [o["value"] for o in page.select("#f-show option")] == ["", "podcast-cyber", "smart-tech"]
    assert "secrète" not in page.text and "retirée" not in page.text


def test_staff_find_every_show_in_the_episode_filter(client, shows_off_air):
    client.force_login(User.objects.create_user("staff", is_staff=True))
    shows = {o["value"] for o in soup(client.get("/episodes/")).select("#f-show option")}
    assert shows == {"", "emission-retiree", "emission-secrete", "podcast-cyber", "smart-tech"}


@pytest.mark.parametrize("slug", ["emission-secrete", "emission-retiree"])
def test_a_show_without_a_published_episode_has_no_page_for_visitors(client, shows_off_air, slug):
    assert client.get(f"/shows/{slug}/").status_code == 404


def test_staff_see_the_page_of_a_show_of_drafts(client, shows_off_air):
    client.force_login(User.objects.create_user("staff", is_staff=True))
    page = soup(client.get("/shows/emission-secrete/"))
    assert page.h1.text == "Émission secrète"


@pytest.mark.parametrize("slug", ["emission-secrete", "emission-retiree"])
def test_filtering_episodes_by_a_show_off_air_tells_a_visitor_nothing(client, shows_off_air, slug):
    unknown = str(soup(client.get("/episodes/", {"show": "pas-une-emission"})).main)
    off_air = str(soup(client.get("/episodes/", {"show": slug})).main)
    assert off_air.replace(slug, "pas-une-emission") == unknown


def test_the_home_counts_only_shows_on_air(client, shows_off_air):
    counts = " ".join(soup(client.get("/")).select_one(".counts").text.split())
    assert counts.endswith("2 émissions")


def test_the_people_page_lists_everyone_on_air(client, archive):
    names = [a.text for a in soup(client.get("/people/")).select(".people-list a")]
    assert names == sorted(names) and len(names) == 5 and "Dorothée Decrop" in names


def test_a_person_page_shows_titles_over_time_episodes_and_where_they_are_named(client, archive):
    Person.objects.filter(name="Dorothée Decrop").update(other_spellings="Dorothée Décrope\nDorothée Descroppes")
    page = soup(client.get("/people/dorothee-decrop/"))
    assert page.h1.text == "Dorothée Decrop"
    appearance = page.select_one(".appearances li").get_text(" ", strip=True)
    assert "SMART TECH du 19 juin 2025" in appearance and "déléguée générale, Hexatrust" in appearance
    named = [a.text for a in page.select(".moments .timestamp")]
    assert "00:31" in named and "28:06" in named


def test_a_person_page_shows_every_episode_with_its_own_title(client, archive):
    page = soup(client.get("/people/marc-kaplan/"))
    rows = [li.get_text(" ", strip=True) for li in page.select(".appearances li")]
    assert len(rows) == 2
    assert "dirigeant et fondateur, VeriQloud" in rows[0] and "Cyber 2024" in rows[1]


def test_a_person_page_lists_the_episodes_where_they_only_speak_among_their_participations(client, archive):
    spoken = ("Dorothée Décrope", "La souveraineté, c'est un choix.")
    make_episode(spoken, show="Podcast Cyber", title="Souveraineté", air_date=datetime.date(2025, 9, 1))
    make_episode(spoken, show="Podcast Cyber", title="Secret", air_date=datetime.date(2025, 10, 1), published=False)
    Person.objects.filter(name="Dorothée Decrop").update(other_spellings="Dorothée Décrope")
    rows = [
        li.get_text(" ", strip=True) for li in soup(client.get("/people/dorothee-decrop/")).select(".appearances li")
    ]
    assert len(rows) == 2
    assert "Souveraineté" in rows[0] and "Prend la parole" in rows[0]
    assert "SMART TECH du 19 juin 2025" in rows[1] and "déléguée générale, Hexatrust" in rows[1]


def test_people_of_drafts_only_are_not_listed(client, archive):
    make_person("Nobody")
    assert client.get("/people/nobody/").status_code == 404


def test_robots_txt_keeps_crawlers_out_of_admin_api_and_search(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in response.content.decode() and "Disallow: /api/" in response.content.decode()


def test_a_404_is_a_page_in_the_site_style(client, db, settings):
    settings.DEBUG = False
    page = soup(client.get("/episodes/nope/"), status=404)
    assert page.h1.text == "Page introuvable"
    assert page.select_one(".site-header")


def test_a_500_is_a_page_in_the_site_style(client, db, settings, monkeypatch):
    from episodes import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "render", broken)
    client.raise_request_exception = False
    page = soup(client.get("/"), status=500)
    assert page.h1.text == "Une erreur est survenue"


def test_the_json_ld_is_valid_json_with_the_transcript(client, sample_episode):
    page = soup(client.get(sample_episode.get_absolute_url()))
    data = json.loads(page.select_one('script[type="application/ld+json"]').string)
    assert data["@type"] == "TVEpisode" and data["name"] == "SMART TECH du 19 juin 2025"
    assert data["partOfSeries"]["name"] == "SMART TECH"
    assert data["datePublished"] == "2025-06-19"
    assert data["transcript"].startswith("00:00 Bonjour à tous")
    assert {p["name"] for p in data["contributor"]} == {"Louis Soris", "Marc Kaplan", "Dorothée Decrop", "Alain Staron"}


def test_the_search_hints_are_whole_attributes(client, sample_episode):
    for url in ("/", "/search/"):
        page = soup(client.get(url))
        hint = page.select_one('main input[type="search"]')["placeholder"]
        assert hint == 'quantique, NIS2, "Charles de Gaulle"…'
