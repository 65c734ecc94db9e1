"""A prefix (`quanti*`) finds every line saying a word that starts with it, as said: accents
and case folded, never stemmed (`quantique*` found nothing when prefixes met the stem
`quantiqu`), and with no cap (80 made-up words of one episode hid every other `quan*`)."""

import re
from html import unescape

import pytest

from episodes.models import Segment
from episodes.services import set_published
from search.analysis import fold
from tests.conftest import index_now
from tests.factories import make_episode

Moment = tuple[str, float, str]


def every_moment(client, q: str) -> set[Moment]:
    """Every moment the JSON API finds, page after page: (episode, start, text)."""
    found: set[Moment] = set()
    page, pages = 1, 1
    while page <= pages:
        body = client.get("/api/search/", {"q": q, "page": page}).json()
        found |= {(r["episode"]["slug"], r["start"], r["text"]) for r in body["results"]}
        page, pages = page + 1, body["pages"]
    assert len(found) == body["count"]
    return found


def lines_saying(prefix: str) -> set[Moment]:
    """The published lines with a word that, folded as the search folds it, starts with `prefix`."""
    lines = Segment.objects.filter(episode__is_published=True).values_list("episode__slug", "start_ms", "text")
    return {
        (slug, start_ms / 1000, text)
        for slug, start_ms, text in lines
        if any(word.startswith(prefix) for word in fold(text))
    }


@pytest.mark.parametrize(("q", "prefix"), [("quantique*", "quantique"), ("ordinat*", "ordinat"), ("des*", "des")])
def test_a_prefix_finds_every_line_with_a_word_it_starts(client, sample_episode, q, prefix):
    expected = lines_saying(prefix)
    assert expected
    assert every_moment(client, q) == expected


def test_a_whole_word_with_a_star_finds_what_the_word_finds(client, sample_episode):
    quantique = every_moment(client, "quantique")
    assert len(quantique) == 22
    assert every_moment(client, "quantique*") == quantique


def test_a_prefix_is_found_with_or_without_its_accents(client, sample_episode):
    accented = every_moment(client, "Défense*")
    assert accented and accented == every_moment(client, "defense*") == lines_saying("defense")


def test_many_words_of_one_episode_hide_no_other_line_of_the_prefix(client, sample_episode):
    """80 made-up words starting with `quan`, before `quand` and `quantique` in the alphabet:
    a cap of 64 words took them alone; then, once unpublished, their dead words still did."""
    words = [f"quan{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(80)]
    sample_lines = lines_saying("quan")
    assert len(sample_lines) > 20
    made_up = make_episode(*(f"Le mot {word}." for word in words), show="Inventions")
    index_now()
    assert len(lines_saying("quan")) == len(sample_lines) + 80
    assert every_moment(client, "quan*") == lines_saying("quan")

    set_published([made_up], False)
    index_now()
    assert every_moment(client, "quan*") == sample_lines


def marked_words(html: str) -> list[str]:
    return [word for mark in re.findall(r"<mark>(.*?)</mark>", html) for word in fold(unescape(mark))]


@pytest.mark.parametrize(("q", "prefix"), [("quantique*", "quantique"), ("défens*", "defens"), ("des*", "des")])
def test_the_words_a_prefix_matched_are_highlighted_and_nothing_else(client, sample_episode, q, prefix):
    results = client.get("/api/search/", {"q": q}).json()["results"]
    assert results
    for result in results:
        expected = [word for word in fold(result["text"]) if word.startswith(prefix)]
        assert marked_words(result["highlighted"]) == expected, result["highlighted"]
