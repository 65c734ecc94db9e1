"""The episode page as a shared link opens it: the moment, the player, the search matches, the card."""

import pytest
from bs4 import BeautifulSoup

from episodes.models import Episode


def soup(client, url: str, **params) -> BeautifulSoup:
    response = client.get(url, params, follow=True)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def with_media(episode: Episode, url: str) -> Episode:
    episode.media_url = url
    episode.save()
    return episode


def test_an_audio_file_is_played_from_the_moment_without_script(client, sample_episode):
    with_media(sample_episode, "https://cdn.example.org/ep.mp3")
    audio = soup(client, sample_episode.get_absolute_url(), t="21:49").select_one("audio#player")
    assert audio["src"] == "https://cdn.example.org/ep.mp3#t=1309"
    assert audio.has_attr("controls")


def test_a_video_file_gets_a_video_player(client, sample_episode):
    with_media(sample_episode, "https://cdn.example.org/ep.mp4")
    assert (
        soup(client, sample_episode.get_absolute_url()).select_one("video#player")["src"]
        == "https://cdn.example.org/ep.mp4"
    )


def test_a_youtube_page_is_embedded_started_at_the_moment(client, sample_episode):
    with_media(sample_episode, "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    frame = soup(client, sample_episode.get_absolute_url(), t="1309").select_one("iframe#player-embed")
    assert frame["src"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=1309"
    assert frame["title"]


# New wording is checked in English until the lead adds its French.
def test_no_media_no_player_and_the_page_says_so(client, sample_episode):
    client.cookies["django_language"] = "en"
    page = soup(client, sample_episode.get_absolute_url())
    assert page.select(".player") == []
    assert page.select_one(".episode-panel .no-recording").text.strip() == "No recording for this episode."
    assert page.select(".no-recording a") == []


def test_without_a_recording_the_original_page_is_offered(client, sample_episode):
    sample_episode.source_url = "https://www.example.org/smart-tech/19-juin"
    sample_episode.save()
    client.cookies["django_language"] = "en"
    link = soup(client, sample_episode.get_absolute_url()).select_one(".no-recording a")
    assert link["href"] == "https://www.example.org/smart-tech/19-juin"
    assert link["rel"] == ["noopener"]
    assert link.text == "See the show on the original site"


def test_an_original_page_that_is_not_http_is_not_linked(client, sample_episode):
    sample_episode.source_url = "javascript:alert(1)"
    sample_episode.save()
    assert soup(client, sample_episode.get_absolute_url()).select(".no-recording a") == []


def test_timestamps_look_like_play_buttons_only_when_something_plays(client, sample_episode):
    assert "playable" not in soup(client, sample_episode.get_absolute_url()).select_one(".transcript")["class"]
    with_media(sample_episode, "https://cdn.example.org/ep.mp3")
    assert "playable" in soup(client, sample_episode.get_absolute_url()).select_one(".transcript")["class"]


def test_people_link_to_their_pages_and_the_show_to_its_page(client, sample_episode):
    page = soup(client, sample_episode.get_absolute_url())
    assert "/people/dorothee-decrop/" in [a["href"] for a in page.select(".people a")]
    assert page.select_one(".episode header .meta a")["href"] == "/shows/smart-tech/"


def test_one_copy_control_for_the_current_moment_not_one_per_line(client, sample_episode):
    client.cookies["django_language"] = "en"
    page = soup(client, sample_episode.get_absolute_url(), t="21:49")
    assert page.select(".transcript .copy-link") == []
    button = page.select_one(".episode-panel .copy-link")
    assert button.text == "Copy the link" and button.has_attr("hidden")  # the script shows it
    assert page.select_one(".episode-panel .now-time").text == "21:49"


def test_a_search_marks_its_matches_in_the_transcript(client, sample_episode):
    page = soup(client, sample_episode.get_absolute_url(), q="NIS2")
    matches = page.select(".transcript .line.match")
    assert [m["id"] for m in matches] == ["t-1309", "t-1310", "t-1626"]
    assert matches[0].select_one("mark").text == "Nice 2"
    assert " ".join(page.select_one(".episode-panel .count").text.split()) == "3 moments pour « NIS2 »"


def test_a_timeline_shows_where_the_matches_fall(client, sample_episode):
    ticks = soup(client, sample_episode.get_absolute_url(), q="NIS2").select("svg.timeline a")
    assert [a["aria-label"] for a in ticks] == ["21:49", "21:50", "27:06"]
    positions = [float(a.rect["x"]) for a in ticks]
    assert positions == sorted(positions) and 700 < positions[0] < 800 and positions[-1] < 992


def test_next_and_previous_match_move_from_the_moment(client, sample_episode):
    page = soup(client, sample_episode.get_absolute_url(), q="NIS2", t="1310")
    assert page.select_one(".match-prev")["href"] == "?q=NIS2&t=1309#t-1309"
    assert page.select_one(".match-next")["href"] == "?q=NIS2&t=1626#t-1626"
    first = soup(client, sample_episode.get_absolute_url(), q="NIS2", t="1309")
    assert first.select_one(".match-prev").has_attr("hidden")
    assert first.select_one(".match-next")["href"] == "?q=NIS2&t=1310#t-1310"


def test_finding_in_the_episode_lands_on_the_first_match(client, sample_episode):
    response = client.get(sample_episode.get_absolute_url(), {"q": "NIS2"})
    assert response.status_code == 302
    assert response["Location"] == f"{sample_episode.get_absolute_url()}?q=NIS2&t=1309#t-1309"


def test_finding_nothing_stays_on_the_page(client, sample_episode):
    assert client.get(sample_episode.get_absolute_url(), {"q": "zeppelin"}).status_code == 200


def test_timestamps_keep_the_search(client, sample_episode):
    stamp = soup(client, sample_episode.get_absolute_url(), q="NIS2").select_one("#t-1309 a.timestamp")
    assert stamp["href"] == "?t=1309&q=NIS2#t-1309"


def test_a_search_with_no_match_in_the_episode_says_so(client, sample_episode):
    page = soup(client, sample_episode.get_absolute_url(), q="quantque")
    assert " ".join(page.select_one(".episode-panel .count").text.split()) == "0 moment pour « quantque »"
    assert page.select_one(".episode-panel .suggestion a").text == "quantique"


def test_a_shared_moment_quotes_its_line_in_the_card(client, sample_episode):
    page = soup(client, sample_episode.get_absolute_url(), t="21:49")
    meta = {tag.get("property") or tag.get("name"): tag["content"] for tag in page.select("meta[content]")}
    assert meta["og:title"] == "« Vous pensez à Nice 2, par exemple ? » — SMART TECH du 19 juin 2025 (21:49)"
    assert meta["og:description"].startswith("21:49 · SMART TECH · Vous pensez à Nice 2")
    assert meta["og:url"] == f"http://testserver{sample_episode.get_absolute_url()}?t=1309"
    # Its picture: the quote drawn (tests/episodes/test_it_draws_quote_pictures.py).
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["og:image"] == f"http://testserver{sample_episode.get_absolute_url()}quote.png?t=1309"
    assert page.select_one('link[rel="canonical"]')["href"] == f"http://testserver{sample_episode.get_absolute_url()}"


def test_the_card_of_the_episode_describes_it(client, sample_episode):
    page = soup(client, sample_episode.get_absolute_url())
    assert page.select_one('meta[property="og:title"]')["content"] == "SMART TECH du 19 juin 2025"
    assert page.select_one('meta[property="og:description"]')["content"].startswith("Jeudi 19 juin 2025")


def test_an_episode_page_costs_the_same_queries_whatever_its_length(
    client, sample_episode, django_assert_max_num_queries
):
    # One more than before chapters: the table of contents' own query.
    with django_assert_max_num_queries(13):
        client.get(sample_episode.get_absolute_url(), {"t": "21:49", "q": "NIS2"})


@pytest.mark.parametrize("q", ['"', "*", "x" * 5000, "\x00", "AND"])
def test_odd_searches_in_an_episode_give_a_page(client, sample_episode, q):
    assert client.get(sample_episode.get_absolute_url(), {"q": q}).status_code == 200


@pytest.fixture
def very_long_line(db) -> Episode:
    """One line of a million characters, said at 00:01."""
    import datetime

    from episodes.parsing.types import ParsedSegment, ParsedTranscript, TranscriptFormat
    from episodes.services import save_transcript

    text = "Une phrase qui ne finit jamais " + "encore " * 142_857
    transcript = ParsedTranscript(
        format=TranscriptFormat.SRT,
        segments=[ParsedSegment(start_ms=1000, end_ms=9000, text=text, line=3)],
        title="Bavard",
        show="Bavardages",
        air_date=datetime.date(2025, 1, 1),
    )
    return save_transcript(transcript=transcript).episode


def test_a_shared_very_long_line_is_quoted_in_a_few_words(client, very_long_line):
    page = soup(client, very_long_line.get_absolute_url(), t="1")
    for tag in ('meta[name="description"]', 'meta[property="og:description"]', 'meta[name="twitter:description"]'):
        quote = page.select_one(tag)["content"]
        assert len(quote) < 250 and quote.endswith("encore…"), tag
    assert page.select_one('meta[property="og:title"]')["content"].startswith("« Une phrase qui ne finit jamais")


def test_a_very_long_line_is_on_the_page_once(client, very_long_line):
    line = very_long_line.segments.get().text
    for params in ({}, {"t": "1"}):
        response = client.get(very_long_line.get_absolute_url(), params)
        assert len(response.content) < len(line) + 50_000
