"""A spelling suggestion replaces only words that found nothing: never a word that matched,
however it matched, nor a name the archive knows."""

import pytest
from bs4 import BeautifulSoup

from episodes.models import Person


def api(client, q: str) -> dict:
    return client.get("/api/search/", {"q": q}).json()


def test_a_word_found_through_the_glossary_is_not_corrected(client, sample_episode):
    body = api(client, "Yann LeCun")
    assert [(r["timestamp"], r["matched_variant"]) for r in body["results"]] == [("16:11", "Yann Lequin")]
    assert body["suggestion"] is None
    page = BeautifulSoup(client.get("/search/", {"q": "Yann LeCun"}).content, "html.parser")
    assert page.select(".suggestion") == []


def test_a_name_found_through_a_person_s_other_spellings_is_not_corrected(client, sample_episode):
    Person.objects.filter(name="Louis Soris").update(other_spellings="Louis Sorris")
    body = api(client, "Louis Soris")
    assert body["count"] > 0 and body["suggestion"] is None


@pytest.mark.parametrize(
    "q, suggested",
    [
        ('"Yann LeCun" quantiqe', '"Yann LeCun" quantique'),
        ("Yann LeCun quantiqe", "Yann LeCun quantique"),
        ("LeCun quantiqe", "LeCun quantique"),
    ],
)
def test_only_the_word_that_found_nothing_is_corrected(client, sample_episode, q, suggested):
    body = api(client, q)
    assert (body["count"], body["suggestion"]) == (0, suggested)
