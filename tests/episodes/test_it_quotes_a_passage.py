"""A passage shared as `?t=754-790`: its lines marked, the share card and the citation quoting it."""

import pytest
from bs4 import BeautifulSoup

from episodes import transcript_window
from episodes.models import Episode
from episodes.services import import_transcript, save_transcript
from tests.episodes.test_it_shows_a_long_transcript import long_transcript

pytestmark = pytest.mark.django_db

# The lines from 12:32 (said at 12:34) to the one starting at 13:10.
PASSAGE = [f"t-{s}" for s in (752, 756, 760, 763, 770, 777, 780, 785, 790)]
EPISODE = "SMART TECH, «\u00a0SMART TECH du 19 juin 2025\u00a0», 19 juin 2025"
FIRST = "qu'il y a des grands hyperscalers américains et ils sont très doués et on ne peut pas leur enlever ça."


@pytest.fixture
def episode(sample_bytes) -> Episode:
    return import_transcript(data=sample_bytes, filename="smart-tech-2025-06-19.txt").episode


def soup(client, episode: Episode, t: str) -> BeautifulSoup:
    response = client.get(episode.get_absolute_url(), {"t": t})
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def quoted(page: BeautifulSoup) -> list[str]:
    return [line["id"] for line in page.select(".transcript .line.quoted")]


def meta(page: BeautifulSoup) -> dict[str, str]:
    return {tag.get("property") or tag.get("name"): tag["content"] for tag in page.select("meta[content]")}


def test_a_range_marks_its_lines_and_lands_on_the_first(client, episode):
    page = soup(client, episode, "754-790")
    assert quoted(page) == PASSAGE
    assert [line["id"] for line in page.select('[aria-current="time"]')] == ["t-752"]
    assert page.select_one("#t-752 .quote-edge").text == "Début de la citation\u00a0:"
    assert page.select_one("#t-790 .quote-edge").text == "Fin de la citation."
    assert page.select_one(".now-time").text == "12:32"


def test_a_range_may_be_written_as_clock_times(client, episode):
    # One fixture for the forms: each test imports the sample again.
    for t in ("12:34-13:10", "0:12:34-0:13:10", "12:34–13:10"):
        assert quoted(soup(client, episode, t)) == PASSAGE, t


def test_a_range_written_backwards_is_turned_round(client, episode):
    page = soup(client, episode, "790-754")
    assert quoted(page) == PASSAGE
    assert meta(page)["og:url"] == f"http://testserver{episode.get_absolute_url()}?t=752-790"


def test_a_range_past_the_end_stops_at_the_last_line(client, episode):
    page = soup(client, episode, "28:00-2:00:00")
    ids = [line["id"] for line in page.select(".transcript .line")]
    first = page.select_one('[aria-current="time"]')
    assert quoted(page) == ids[ids.index(first["id"]) :]
    last = page.select(".transcript .line")[-1].select_one(".timestamp").text
    assert meta(page)["og:description"].startswith(f"{first.select_one('.timestamp').text}–{last} · SMART TECH · ")


def test_a_range_out_of_the_episode_or_malformed_is_ignored(client, episode):
    # More malformed ranges are read in tests/episodes/parsing/test_timestamps.py.
    for t in ("2:00:00-3:00:00", "12:34-banane", "banane-13:10", "12:34-99:99:99"):
        page = soup(client, episode, t)
        assert quoted(page) == [], t
        assert page.select('[aria-current="time"]') == [], t
        assert meta(page)["og:title"] == "SMART TECH du 19 juin 2025", t


def test_the_card_quotes_the_range_with_its_times(client, episode):
    card = meta(soup(client, episode, "754-790"))
    assert card["og:title"].startswith(f"« {FIRST} Néanmoins")
    assert card["og:title"].endswith("… » — SMART TECH du 19 juin 2025 (12:32–13:10)")
    quote = card["og:description"].removeprefix("12:32–13:10 · SMART TECH · ")
    assert quote.startswith(FIRST) and quote.endswith("…")
    assert 150 < len(quote) <= 200 and quote[-2] != " "
    assert card["twitter:description"] == card["og:description"] == card["description"]


def test_the_card_and_the_citation_name_who_speaks(client, episode):
    episode.segments.filter(start_ms__lt=770_000).update(speaker="Delphine Sabattier")
    episode.segments.filter(start_ms__gte=770_000).update(speaker="Dorothée Decrop")
    one = soup(client, episode, "754-763")
    assert one.select_one("#citation").text.startswith(f"Delphine Sabattier, «\u00a0{FIRST}")
    assert meta(one)["og:description"].startswith(f"12:32–12:43 · SMART TECH · Delphine Sabattier\u00a0: {FIRST}")


def test_a_passage_of_two_speakers_keeps_each_ones_words_apart(client, episode):
    episode.segments.filter(start_ms__lt=770_000).update(speaker="Delphine Sabattier")
    episode.segments.filter(start_ms__gte=770_000).update(speaker="Dorothée Decrop")
    short = soup(client, episode, "763-777")
    first, second, _third = (line.select_one(".text").text for line in short.select(".line.quoted"))
    citation = short.select_one("#citation").text
    assert citation.startswith(
        f"Delphine Sabattier\u00a0: «\u00a0{first}\u00a0» Dorothée Decrop\u00a0: «\u00a0{second[:40]}"
    )
    assert f"»,{citation.split('»,', 1)[1]}".startswith(f"», {EPISODE}, 12:43–12:57.")
    card = meta(soup(client, episode, "754-790"))["og:description"]
    assert card.startswith(f"12:32–13:10 · SMART TECH · Delphine Sabattier\u00a0: «\u00a0{FIRST}")
    assert "Delphine Sabattier et Dorothée Decrop" not in card


def test_cite_gives_the_range_ready_to_paste(client, episode):
    citation = soup(client, episode, "754-790").select_one("details.cite textarea#citation")
    assert citation.has_attr("readonly")
    assert citation.text.startswith(f"«\u00a0{FIRST} Néanmoins")
    url = f"http://testserver{episode.get_absolute_url()}?t=752-790"
    assert citation.text.endswith(f"…\u00a0», {EPISODE}, 12:32–13:10. {url}")


def test_cite_gives_the_moment_or_else_the_episode(client, episode):
    url = f"http://testserver{episode.get_absolute_url()}"
    moment = soup(client, episode, "21:49").select_one("#citation").text
    assert moment == f"«\u00a0Vous pensez à Nice 2, par exemple ?\u00a0», {EPISODE}, 21:49. {url}?t=1309#t-1309"
    whole = soup(client, episode, "").select_one("#citation").text
    assert whole == f"{EPISODE}. {url}"


def test_a_range_running_into_the_next_part_of_a_long_transcript_keeps_its_end(client, monkeypatch):
    monkeypatch.setattr(transcript_window, "PART_LINES", 10)
    # Lines at 0.5 s, 0.9 s, 1.3 s...: lines 4 to 9 are said from second 2 to the end of the first part.
    episode = save_transcript(transcript=long_transcript(30)).episode
    page = soup(client, episode, "2-6")
    assert [line.select_one(".text").text.split(",")[0] for line in page.select(".line.quoted")] == [
        f"Ligne {n}" for n in range(4, 10)
    ]
    assert page.select_one(".part-later") is not None
    card = meta(page)
    assert card["og:url"].endswith("?t=2-6")
    assert card["og:description"].startswith("00:02–00:06 · Marathon · Ligne 4")
