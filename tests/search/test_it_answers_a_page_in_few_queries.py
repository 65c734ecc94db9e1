"""A page of results costs the same SQL queries however many moments, episodes, speakers and
people it shows: each thing is read once per request (the glossary, the people and shows on air,
the page's lines and the lines around them), not once per moment or once per part of the page."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.conf import settings

from episodes.models import Appearance, Person
from episodes.services import import_transcript
from tests.conftest import index_now

# Per engine. The Whoosh engine asks which episodes wait for the index worker. The PostgreSQL
# engine sets each statement's time limit in a savepoint (four queries a statement in a test's
# transaction), and answers spelling questions from its tables of words; a word's first moments
# take a statement per class of rank, three at most (`Classes`), and its count one of its own.
RESULTS_PAGE = {"whoosh": 8, "postgres": 27}
API_PAGE = {"whoosh": 6, "postgres": 15}
SUGGESTION_PAGE = {"whoosh": 5, "postgres": 17}
VOICES = ["Marc Kaplan", "Dorothée Décrope", "Ana Lopez"]


@pytest.fixture
def twelve_episodes(sample_episode):
    """The sample and eleven episodes whose named speakers say "quantique" four times each."""
    Person.objects.filter(name="Dorothée Decrop").update(other_spellings="Dorothée Décrope")
    guest = Person.objects.create(name="Ana Lopez", slug="ana-lopez")
    for number in range(11):
        cues = "\n\n".join(
            f"00:00:{line * 5:02d}.000 --> 00:00:{line * 5 + 4:02d}.000\n"
            f"<v {VOICES[line % 3]}>Le quantique, épisode {number}, ligne {line}."
            for line in range(4)
        )
        episode = import_transcript(
            data=f"WEBVTT\n\n{cues}\n".encode(),
            filename=f"q{number}.vtt",
            show="Podcast Cyber",
            title=f"Quantique {number}",
            air_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=number),
        ).episode
        Appearance.objects.create(episode=episode, person=guest, role="guest", order=0)
    index_now()


def queries(table: dict[str, int]) -> int:
    return table[settings.ARCHIVE_SEARCH_ENGINE]


def test_a_full_results_page_costs_a_fixed_number_of_queries(client, twelve_episodes, django_assert_max_num_queries):
    with django_assert_max_num_queries(queries(RESULTS_PAGE)):
        response = client.get("/search/", {"q": "quantique"})
    soup = BeautifulSoup(response.content, "html.parser")
    assert len(soup.select("section.result")) == 10
    assert len(soup.select("section.result .moments li")) == 30
    assert {a.text for a in soup.select(".said-by a")} == {"Marc Kaplan", "Dorothée Décrope", "Ana Lopez"}


def test_a_full_page_of_the_api_costs_a_fixed_number_of_queries(client, twelve_episodes, django_assert_max_num_queries):
    with django_assert_max_num_queries(queries(API_PAGE)):
        body = client.get("/api/search/", {"q": "quantique", "sort": "newest"}).json()
    assert len(body["results"]) == 20
    assert len({result["episode"]["slug"] for result in body["results"]}) == 5
    assert {result["speaker"] for result in body["results"]} == set(VOICES)


def test_a_spelling_suggestion_costs_a_fixed_number_of_queries(client, twelve_episodes, django_assert_max_num_queries):
    with django_assert_max_num_queries(queries(SUGGESTION_PAGE)):
        response = client.get("/search/", {"q": "quantiqe"})
    suggestion = BeautifulSoup(response.content, "html.parser").select_one(".suggestion a")
    assert suggestion.text == "quantique"
