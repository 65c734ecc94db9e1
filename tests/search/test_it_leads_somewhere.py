"""No dead ends: a search that finds nothing says so and what to try; a query that names a person
or a show on air points to their page first; filters that keep nothing are named as the cause."""

import datetime

import pytest
from bs4 import BeautifulSoup

from episodes.models import Appearance, Person
from episodes.services import import_transcript
from tests.conftest import index_now


def page(client, url: str = "/search/", **params) -> BeautifulSoup:
    response = client.get(url, params)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def named(soup: BeautifulSoup) -> list[str]:
    return [a["href"] for a in soup.select(".named a")]


@pytest.fixture
def draft_people(sample_episode):
    """A show and a person known only from a draft."""
    draft = import_transcript(
        data=b"1\n00:00:01,000 --> 00:00:03,000\nBonjour.\n",
        filename="s.srt",
        show="Cachottiers Hebdo",
        air_date=datetime.date(2025, 2, 1),
        published=False,
    ).episode
    Appearance.objects.create(
        episode=draft, person=Person.objects.create(name="Zoé Cachée", slug="zoe-cachee"), role="guest"
    )
    index_now()


@pytest.mark.parametrize(
    "q, links",
    [
        ("Delphine Sabattier", ["/people/delphine-sabattier/"]),
        ("sabattier", ["/people/delphine-sabattier/"]),
        ("smart tech", ["/shows/smart-tech/"]),
        ("quantique", []),
        ("Zoé Cachée", []),
        ("Cachottiers", []),
    ],
)
def test_a_query_that_names_someone_on_air_points_to_their_page(client, draft_people, q, links):
    assert named(page(client, q=q)) == links


def test_a_name_is_shown_before_the_moments(client, sample_episode):
    soup = page(client, q="Marc Kaplan")
    assert named(soup) == ["/people/marc-kaplan/"]
    assert soup.select_one(".named").find_next("section", class_="result")


def test_a_search_that_finds_nothing_says_so_and_what_to_try(client, sample_episode):
    nothing = page(client, q="zygomorphe").select_one(".nothing-found")
    assert "« zygomorphe »" in nothing.text or "“zygomorphe”" in nothing.text
    assert {a["href"] for a in nothing.select("a")} >= {"/people/", "/episodes/"}


def test_filters_that_keep_nothing_are_named_with_a_way_out(client, sample_episode):
    plain = page(client, q="zygomorphe").select_one(".nothing-found h2").text
    filtered = page(client, q="quantique", to="2000-01-01").select_one(".nothing-found")
    assert filtered.h2.text != plain
    assert filtered.select_one('a[href="?q=quantique"]')


def test_an_episode_filter_that_keeps_nothing_is_not_an_empty_archive(client, sample_episode):
    empty = "Aucun épisode pour l’instant."
    soup = page(client, "/episodes/", year=1999)
    assert empty not in soup.main.text
    assert soup.select_one('.nothing-found a[href="/episodes/"]')
