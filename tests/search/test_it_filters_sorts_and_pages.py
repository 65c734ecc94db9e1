import datetime

import pytest
from bs4 import BeautifulSoup

from search import moments
from tests.conftest import index_now
from tests.factories import make_episode, make_person


@pytest.fixture
def two_shows(sample_episode):
    cues = "\n\n".join(
        f"{i + 1}\n00:{i:02d}:00,000 --> 00:{i:02d}:30,000\nLe quantique, encore le quantique, numéro {i}."
        for i in range(30)
    )
    other = make_episode(data=cues.encode(), title="Spécial", air_date=datetime.date(2026, 1, 5))
    make_person("Ana Lopez", on=other)
    index_now()
    return sample_episode, other


def api(client, **params) -> dict:
    response = client.get("/api/search/", params)
    assert response.status_code == 200, response.content
    return response.json()


def shows_of(body: dict) -> set[str]:
    return {result["episode"]["show"] for result in body["results"]}


def only(client, **params) -> tuple[int, set[str]]:
    """How many moments, and from which shows, across every page."""
    body = api(client, q="quantique", **params)
    shows = set()
    for number in range(1, body["pages"] + 1):
        shows |= shows_of(api(client, q="quantique", page=number, **params))
    return body["count"], shows


def test_both_episodes_are_found_without_filters(client, two_shows):
    assert only(client) == (52, {"Podcast Cyber", "SMART TECH"})


def test_it_filters_by_show(client, two_shows):
    assert only(client, show="podcast-cyber") == (30, {"Podcast Cyber"})
    assert only(client, show="smart-tech") == (22, {"SMART TECH"})
    assert only(client, show="unknown") == (0, set())


def test_it_filters_by_person(client, two_shows):
    assert only(client, person="ana-lopez") == (30, {"Podcast Cyber"})
    assert only(client, person="marc-kaplan") == (22, {"SMART TECH"})


def test_it_filters_by_date_range(client, two_shows):
    assert only(client, **{"from": "2026-01-01"}) == (30, {"Podcast Cyber"})
    assert only(client, to="2025-12-31") == (22, {"SMART TECH"})
    assert only(client, **{"from": "2025-06-19", "to": "2025-06-19"}) == (22, {"SMART TECH"})


def test_newest_first_puts_the_latest_episode_first_in_time_order(client, two_shows):
    results = api(client, q="quantique", sort="newest")["results"]
    assert results[0]["episode"]["show"] == "Podcast Cyber"
    assert [r["start"] for r in results[:3]] == [0.0, 60.0, 120.0]


def test_the_api_pages_through_every_moment(client, two_shows):
    first = api(client, q="quantique")
    assert (first["count"], first["page"], first["pages"]) == (52, 1, 3)
    seen = [
        (r["episode"]["slug"], r["start"]) for p in (1, 2, 3) for r in api(client, q="quantique", page=p)["results"]
    ]
    assert len(seen) == len(set(seen)) == 52


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"from": "19/06/2025"}, "from"),
        ({"to": "demain"}, "to"),
        ({"from": "2025-06-20", "to": "2025-06-19"}, "to"),
        ({"sort": "random"}, "sort"),
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "99"}, "page"),
        ({"show": "pas un slug!"}, "show"),
    ],
)
def test_bad_parameters_get_a_400_naming_the_parameter(client, two_shows, params, parameter):
    response = client.get("/api/search/", {"q": "quantique", **params})
    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == parameter and body["error"].startswith(f"{parameter}: ")


def test_bad_parameters_on_the_page_are_explained_not_a_500(client, two_shows):
    response = client.get("/search/", {"q": "quantique", "from": "hier"})
    assert response.status_code == 400
    assert "from" in BeautifulSoup(response.content, "html.parser").select_one(".errors").text


def test_the_page_keeps_query_and_filters_across_pages(client, two_shows, monkeypatch):
    monkeypatch.setattr(moments, "EPISODES_PER_PAGE", 1)
    soup = BeautifulSoup(client.get("/search/", {"q": "quantique", "sort": "newest"}).content, "html.parser")
    next_link = soup.select_one('a[rel="next"]')["href"]
    assert "q=quantique" in next_link and "sort=newest" in next_link and "page=2" in next_link
    second = BeautifulSoup(client.get("/search/" + next_link).content, "html.parser")
    assert second.select_one("section.result h2").text.strip() == "SMART TECH du 19 juin 2025"
    assert second.select_one("#id_sort option[selected]")["value"] == "newest"
