"""Searching the sample episode through the real Whoosh index, as a visitor does (JSON API)."""

import itertools

import pytest


def moments(client, q: str, **params) -> list[str]:
    response = client.get("/api/search/", {"q": q, **params})
    assert response.status_code == 200
    return [result["timestamp"] for result in response.json()["results"]]


def test_quantique_finds_its_singular_and_plural(client, sample_episode):
    found = moments(client, "quantique")
    assert {"01:18", "01:31", "09:09"} <= set(found)


def test_nis2_finds_itself_and_what_the_recognition_heard(client, sample_episode):
    body = client.get("/api/search/", {"q": "NIS2"}).json()
    by_time = {result["timestamp"]: result for result in body["results"]}
    assert set(by_time) == {"27:06", "21:49", "21:50"}
    assert by_time["21:49"]["matched_variant"] == "Nice 2"
    assert by_time["27:06"]["matched_variant"] is None


@pytest.mark.parametrize("q", ["NIS 2", "NIS-2", "nis2"])
def test_nis2_is_found_however_it_is_typed(client, sample_episode, q):
    assert "27:06" in moments(client, q)


def test_the_reverse_of_a_glossary_variant_finds_the_term(client, sample_episode):
    body = client.get("/api/search/", {"q": "Nice 2"}).json()
    by_time = {result["timestamp"]: result["matched_variant"] for result in body["results"]}
    assert by_time["27:06"] == "NIS2"


@pytest.mark.parametrize(
    ("q", "heard"), [("Scale AI", "ScaliEye"), ("Hexatrust", "Exatrust"), ("VeriQloud", "Vericlock")]
)
def test_glossary_terms_find_their_variants(client, sample_episode, q, heard):
    results = client.get("/api/search/", {"q": q}).json()["results"]
    assert any(r["matched_variant"] == heard and heard in r["text"] for r in results)


def test_a_person_is_found_by_their_other_spellings(client, sample_episode):
    from episodes.models import Person

    Person.objects.filter(name="Dorothée Decrop").update(other_spellings="Dorothée Décrope\nDorothée Descroppes")
    found = moments(client, "Dorothée Decrop")
    assert "00:31" in found and "28:06" in found


def test_a_phrase_is_found_exactly(client, sample_episode):
    assert moments(client, '"Charles de Gaulle"') == ["08:51"]


def test_a_phrase_across_two_segments_lands_where_it_begins(client, sample_episode):
    assert moments(client, '"souveraineté qui était"') == ["13:58"]


def test_a_phrase_inside_the_next_segment_does_not_land_on_the_one_before(client, sample_episode):
    found = moments(client, '"qui était il y a"')
    assert "14:03" in found and "13:58" not in found


@pytest.mark.parametrize(("q", "expected"), [("ordinateur", "09:30"), ("defense", "01:31"), ("capteur", "09:09")])
def test_accents_elisions_and_plurals_are_forgiven(client, sample_episode, q, expected):
    assert expected in moments(client, q)


def test_words_are_anded_and_or_and_minus_work(client, sample_episode):
    both = set(moments(client, "campus quantique"))
    either = set(moments(client, "campus OR Charles"))
    assert "01:31" in both and "08:51" not in both
    assert {"01:31", "08:51"} <= either
    assert "01:31" not in moments(client, "campus -défense")


def test_a_hyphenated_word_counts_each_of_its_words_towards_the_twelve(client, sample_episode):
    typed = client.get("/api/search/", {"q": " ".join(["il-y-a-un"] * 12)}).json()  # 48 words searched
    searched = client.get("/api/search/", {"q": "il-y-a-un il-y-a-un il-y-a-un"}).json()  # the first 12
    assert "too_many_words" in typed["notices"]
    assert typed["count"] == searched["count"] == 8
    assert typed["results"] == searched["results"]


def test_a_prefix_finds_the_words_it_starts(client, sample_episode):
    assert {"01:18", "09:09"} <= set(moments(client, "quanti*"))


def test_a_misspelling_offers_the_word_said(client, sample_episode):
    body = client.get("/api/search/", {"q": "quantque"}).json()
    assert (body["count"], body["suggestion"]) == (0, "quantique")


def test_results_link_to_the_second(client, sample_episode):
    result = client.get("/api/search/", {"q": '"Charles de Gaulle"'}).json()["results"][0]
    assert result["url"] == f"http://testserver/episodes/{sample_episode.slug}/?t=531"
    assert (result["start"], result["timestamp"]) == (531.0, "08:51")
    assert result["end"] > result["start"]
    assert result["episode"] == {
        "slug": sample_episode.slug,
        "title": "SMART TECH du 19 juin 2025",
        "show": "SMART TECH",
        "air_date": "2025-06-19",
        "url": f"http://testserver/episodes/{sample_episode.slug}/",
    }
    assert "<mark>Charles de Gaulle</mark>" in result["highlighted"]


def test_stems_and_variants_are_highlighted(client, sample_episode):
    highlighted = client.get("/api/search/", {"q": "capteur"}).json()["results"]
    assert any("<mark>capteurs</mark>" in r["highlighted"] for r in highlighted)
    nice = client.get("/api/search/", {"q": "NIS2"}).json()["results"]
    assert any("<mark>Nice 2</mark>" in r["highlighted"] for r in nice)


def test_a_search_works_from_a_worker_thread(transactional_db, sample_episode):
    """Web servers answer in threads; nothing in a search may need the main thread."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from search.moments import Filters, find_moments

    def count(q: str) -> int:
        try:
            return find_moments(q, Filters()).count
        finally:
            connection.close()  # the thread's own, or the test database outlives the test

    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = list(pool.map(count, ["quantique", "NIS2"]))
    assert counts == [22, 3]


def test_a_phrase_of_two_words_finds_exactly_the_lines_that_say_them_in_a_row(client, sample_episode):
    """Each engine asks for the pair of a phrase's first two terms when it keeps it (PostgreSQL
    when both are common, Whoosh when one is: `pairs`), not for every line that says both words,
    and for the rarer words' lines otherwise: the lines found are those where they follow each
    other, and a phrase of two words that no line says in a row finds nothing, with no time limit
    reached."""
    from episodes.models import Segment
    from search.analysis import analyze

    lines = [analyze(text) for text in Segment.objects.order_by("position").values_list("text", flat=True)]
    in_a_row = {pair for terms in lines for pair in itertools.pairwise(terms)}
    both_never_in_a_row = next(
        (first, second)
        for first, second in [("de", "quantiqu"), ("est", "faut"), ("la", "il"), ("le", "de")]
        if (first, second) not in in_a_row and any(first in terms and second in terms for terms in lines)
    )
    body = client.get("/api/search/", {"q": '"{} {}"'.format(*both_never_in_a_row)}).json()
    assert body["count"] == 0 and "timed_out" not in body["notices"]
    saying = [terms for terms in lines if ("de", "la") in itertools.pairwise(terms)]
    body = client.get("/api/search/", {"q": '"de la"'}).json()
    assert body["count"] >= len(saying) > 0  # and a few that run into the next line


def test_a_phrase_of_three_words_is_found_where_they_follow_each_other_not_where_its_pairs_are_apart(db, client):
    """Whoosh checks a longer phrase's positions only in the lines that hold its pairs: a line
    with both pairs apart ("de la" ... "la sécurité") is not one that says "de la sécurité"."""
    import datetime

    from episodes.services import import_transcript
    from tests.conftest import index_now

    said = {
        "00:00:01,000": "Parlons de la sécurité des réseaux.",
        "00:00:05,000": "Il parle de la loi, puis de la sécurité.",
        "00:00:09,000": "On parle de la nuit et de la cuisine, pas la sécurité.",
        "00:00:13,000": "Sécurité de la maison.",
    }
    cues = [f"{n}\n{start} --> {start[:-3]}900\n{text}\n" for n, (start, text) in enumerate(said.items(), 1)]
    import_transcript(
        data="\n".join(cues).encode(), filename="securite.srt", show="Essais", air_date=datetime.date(2025, 7, 1)
    )
    index_now()
    assert sorted(moments(client, '"de la sécurité"')) == ["00:01", "00:05"]
    assert moments(client, '"la sécurité des"') == ["00:01"]
    assert moments(client, '"de la maison"') == ["00:13"]
    assert moments(client, '"de la cuisine pas"') == ["00:09"]
