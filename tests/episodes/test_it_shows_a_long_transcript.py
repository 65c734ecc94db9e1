"""A transcript of many thousands of lines is shown one part at a time; every line stays a link away."""

import datetime
import re

import pytest
from bs4 import BeautifulSoup

from episodes import episode_page, transcript_window
from episodes.models import Episode, Show
from episodes.parsing.types import ParsedSegment, ParsedTranscript, TranscriptFormat
from episodes.services import save_transcript
from search.models import IndexJob
from tests.conftest import index_now

LINES = 20_000
# Lines start at 0.5 s, 0.9 s, 1.3 s...: parts begin mid-second, sharing it with the line before.
STEP_MS, OFFSET_MS = 400, 500
TEXT = re.compile(r'<span class="text">Ligne (\d+),')


def start_ms(line: int) -> int:
    return OFFSET_MS + line * STEP_MS


def long_transcript(lines: int, rare: tuple[int, ...] = ()) -> ParsedTranscript:
    segments = [
        ParsedSegment(
            start_ms=start_ms(i), text=f"Ligne {i}, on parle de {'zeppelin' if i in rare else 'sujet'}.", line=i + 1
        )
        for i in range(lines)
    ]
    segments[-1].end_ms = start_ms(lines)
    return ParsedTranscript(
        format=TranscriptFormat.SRT,
        segments=segments,
        title="Une très longue émission",
        show="Marathon",
        air_date=datetime.date(2025, 1, 1),
    )


def numbers(html: str) -> list[int]:
    """The line numbers of the transcript shown, in order (a regular expression: 20 pages
    of 1,000 lines are parsed faster so than with BeautifulSoup)."""
    return [int(number) for number in TEXT.findall(html)]


def html(client, url: str, **params) -> str:
    response = client.get(url, params, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def soup(client, url: str, **params) -> BeautifulSoup:
    return BeautifulSoup(html(client, url, **params), "html.parser")


@pytest.fixture(scope="module")
def stored_long_episode(django_db_setup, django_db_blocker) -> Episode:
    """Stored once for the page tests of this file, which only read it (20,000 lines: 5 to 16 s each)."""
    with django_db_blocker.unblock():
        episode = save_transcript(transcript=long_transcript(LINES)).episode
    yield episode
    with django_db_blocker.unblock():
        IndexJob.objects.filter(episode_id=episode.pk).delete()
        Episode.objects.filter(pk=episode.pk).delete()
        Show.objects.filter(pk=episode.show_id).delete()  # or a later test of this process lists it


@pytest.fixture
def long_episode(stored_long_episode, db) -> Episode:
    return stored_long_episode


def test_without_a_moment_the_first_lines_are_shown(client, long_episode):
    page = html(client, long_episode.get_absolute_url())
    assert numbers(page) == list(range(1000))
    parts = BeautifulSoup(page, "html.parser").select_one(".transcript-parts")
    assert " ".join(parts.p.text.split()).endswith(" 20 000")  # digits grouped the French way
    assert parts.select_one(".part-earlier") is None
    assert len(page.encode()) < 1_000_000


def test_a_moment_near_the_end_shows_its_part_with_the_line_marked(client, long_episode):
    seconds = start_ms(19_988) // 1000 + 1  # line 19,988 is being said then; 19,989 is the first said in it
    page = soup(client, long_episode.get_absolute_url(), t=str(seconds))
    current = page.select('[aria-current="time"]')
    assert len(current) == 1 and current[0].select_one(".text").text.startswith("Ligne 19989,")
    assert current[0]["id"] == f"t-{seconds}"
    assert numbers(str(page)) == list(range(19_000, 20_000))


def test_a_bad_moment_shows_the_first_lines_unmarked(client, long_episode):
    for t in ["-5", "abc", str(start_ms(LINES) // 1000 + 5)]:
        page = html(client, long_episode.get_absolute_url(), t=t)
        assert numbers(page) == list(range(1000)) and 'aria-current="time"' not in page, t


def test_every_lines_own_link_opens_a_page_holding_it(client, long_episode):
    for line in [0, 998, 999, 1000, 1001, 1999, 2000, 10_500, 19_999]:
        seconds = start_ms(line) // 1000
        page = html(client, long_episode.get_absolute_url(), t=str(seconds))
        assert line in numbers(page), line
        assert f'id="t-{seconds}"' in page
        assert len(numbers(page)) <= 1010


def test_the_later_links_lead_through_every_line_and_the_earlier_ones_back(client, long_episode):
    url, seen, pages = long_episode.get_absolute_url(), [], []
    page = html(client, url)
    while True:
        pages.append(page)
        seen += numbers(page)
        later = re.search(r'class="part-later" href="([^"#]*)', page)
        if later is None:
            break
        page = html(client, url + later[1])
    assert sorted(set(seen)) == list(range(LINES))
    assert len(pages) == 20
    earlier = re.search(r'class="part-earlier" href="([^"#]*)', pages[-1])[1]
    assert numbers(html(client, url + earlier))[0] == 18_000


def test_the_links_to_other_parts_say_where_they_lead(client, long_episode):
    client.cookies["django_language"] = "en"
    parts = soup(client, long_episode.get_absolute_url(), t="1000").select_one(".transcript-parts")
    assert " ".join(parts.p.text.split()) == "Lines 2,001 to 3,000 of 20,000"
    assert parts.select_one(".part-earlier").text == "Earlier lines (from 06:40)"
    assert parts.select_one(".part-later").text == "Later lines (from 20:00)"


@pytest.fixture
def searchable_long_episode(search_index, transactional_db, monkeypatch) -> Episode:
    """Parts of 100 lines, so that 250 lines are three parts and are indexed quickly."""
    monkeypatch.setattr(transcript_window, "PART_LINES", 100)
    episode = save_transcript(transcript=long_transcript(250, rare=(10, 240))).episode
    index_now()
    return episode


def test_a_search_counts_and_draws_the_matches_of_every_part(client, searchable_long_episode):
    page = soup(client, searchable_long_episode.get_absolute_url(), q="zeppelin")
    assert " ".join(page.select_one(".episode-panel .count").text.split()) == "2 moments pour « zeppelin »"
    # Line 10 is the second line said in second 4: its own id; the match in another part, its second's.
    assert [line["id"] for line in page.select(".transcript .line.match")] == ["t-4-2"]
    ticks = [a["href"] for a in page.select("svg.timeline a")]
    assert ticks == ["?q=zeppelin&t=4#t-4-2", "?q=zeppelin&t=96#t-96"]


def test_the_next_match_in_a_later_part_opens_that_part_marked(client, searchable_long_episode):
    url = searchable_long_episode.get_absolute_url()
    after_the_first = soup(client, url, q="zeppelin", t="5")
    next_link = after_the_first.select_one(".match-next")["href"]
    assert next_link == "?q=zeppelin&t=96#t-96"
    there = soup(client, url + next_link.split("#")[0])
    matches = there.select(".transcript .line.match")
    assert [m.select_one("mark").text for m in matches] == ["zeppelin"] and matches[0]["id"] == "t-96-2"
    assert there.select('[aria-current="time"]') == matches  # the match, not the line said before it in second 96
    assert there.select_one(".match-prev")["href"] == "?q=zeppelin&t=4#t-4"  # in another part


def test_parts_keep_the_search(client, searchable_long_episode):
    page = soup(client, searchable_long_episode.get_absolute_url(), q="zeppelin")
    assert page.select_one(".part-later")["href"] == "?t=41&q=zeppelin#t-41"


def test_the_script_learns_where_the_nearest_matches_outside_the_part_are(client, searchable_long_episode):
    url = searchable_long_episode.get_absolute_url()
    first_part = soup(client, url, q="zeppelin", t="5").select_one(".match-nav")
    assert first_part["data-later"] == str(start_ms(240)) and not first_part.has_attr("data-earlier")
    last_part = soup(client, url, q="zeppelin", t="96").select_one(".match-nav")
    assert last_part["data-earlier"] == str(start_ms(10)) and not last_part.has_attr("data-later")


def test_a_word_said_all_along_draws_one_tick_per_unit_of_the_timeline():
    matches = [episode_page.MatchedLine(ms) for ms in range(0, 8_000_000, 400)]
    ticks = episode_page.timeline(matches, duration_ms=8_000_000)
    assert len(ticks) == 993
    assert [round(position) for _match, position in ticks[:3]] == [0, 1, 2]
