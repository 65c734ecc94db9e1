"""The read-only JSON API as another site's page uses it: readable from any origin, absolute
addresses, links to the next and previous pages, JSON for every refusal, in the visitor's language."""

import pytest

from tests.search.test_it_filters_sorts_and_pages import two_shows  # noqa: F401 (a fixture)

API = "/api/search/"


def test_answers_and_refusals_are_readable_from_any_origin(client, two_shows):  # noqa: F811
    assert client.get(API, {"q": "quantique"})["Access-Control-Allow-Origin"] == "*"
    refused = client.get(API, {"q": "quantique", "sort": "random"})
    assert refused.status_code == 400 and refused["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(API)
    assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == "*"
    assert preflight["Allow"] == "GET, HEAD, OPTIONS"


def test_addresses_are_absolute_and_pages_link_to_each_other(client, two_shows):  # noqa: F811
    first = client.get(API, {"q": "quantique", "sort": "newest"}).json()
    assert first["pages"] >= 2 and first["previous"] is None
    assert first["next"] == "http://testserver/api/search/?q=quantique&sort=newest&page=2"
    assert all(result["url"].startswith("http://testserver/episodes/") for result in first["results"])
    assert all(result["episode"]["url"].startswith("http://testserver/episodes/") for result in first["results"])
    second = client.get(first["next"]).json()
    assert second["page"] == 2
    assert second["previous"] == "http://testserver/api/search/?q=quantique&sort=newest&page=1"
    last = client.get(API, {"q": "quantique", "page": first["pages"]}).json()
    assert last["next"] is None
    assert {r["url"] for r in first["results"]}.isdisjoint(r["url"] for r in second["results"])


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_another_method_gets_a_json_405(client, two_shows, method):  # noqa: F811
    response = getattr(client, method)(API, {"q": "quantique"})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS" and response["Content-Type"] == "application/json"
    said = f"{method.upper()}\u00a0: l’API ne fait que lire\u00a0; demandez avec GET"
    assert response.json() == {"error": said, "parameter": None}


def test_every_refusal_speaks_the_visitors_language(client, two_shows):  # noqa: F811
    past = client.get(API, {"q": "quantique", "page": 99}).json()
    assert past == {"error": "page: au-delà de la dernière page", "parameter": "page"}
    client.cookies["django_language"] = "en"
    assert client.get(API, {"q": "quantique", "page": 99}).json()["error"] == "page: past the last page"
    assert client.post(API).json()["error"] == "POST: the API only reads; ask with GET"
