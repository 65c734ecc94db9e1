import datetime

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User

from episodes.services import import_transcript
from tests.factories import make_episode

pytestmark = pytest.mark.django_db

SRT = b"1\n00:00:01,000 --> 00:00:03,000\n<b>Bonjour</b> &lt;script&gt;alert(1)&lt;/script&gt;\n"


@pytest.fixture
def episode(sample_bytes):
    return import_transcript(data=sample_bytes, filename="smart-tech-2025-06-19.txt").episode


@pytest.fixture
def draft():
    return make_episode(
        data=SRT,
        filename="brouillon.srt",
        show="Podcast",
        title="Brouillon",
        air_date=datetime.date(2024, 1, 1),
        published=False,
    )


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def test_the_home_page_lists_published_episodes_only(client, episode, draft):
    page = soup(client.get("/"))
    links = [a["href"] for a in page.select("main a")]
    assert episode.get_absolute_url() in links
    assert draft.get_absolute_url() not in links


def test_the_episode_list_shows_show_date_and_duration(client, episode):
    item = soup(client.get("/episodes/")).select_one(".episode-list li")
    assert item.a.text == "SMART TECH du 19 juin 2025"
    assert "SMART TECH" in item.text and "19 juin 2025" in item.text and "28:19" in item.text


def test_the_episode_page_shows_people_with_their_roles(client, episode):
    people = [li.get_text(" ", strip=True) for li in soup(client.get(episode.get_absolute_url())).select(".people li")]
    assert people[0] == "Présentation\xa0: Delphine Sabattier"  # French puts a no-break space before ":"
    assert "Invité·e\xa0: Dorothée Decrop (déléguée générale, Hexatrust)" in people


def test_the_episode_page_shows_every_segment_with_its_timestamp(client, episode):
    lines = soup(client.get(episode.get_absolute_url())).select(".transcript .line")
    assert len(lines) == 408
    assert lines[0]["id"] == "t-0"
    assert lines[0].select_one("a.timestamp").text == "00:00"
    assert lines[0].select_one("a.timestamp")["href"] == "?t=0#t-0"
    assert lines[-1].select_one(".timestamp").text == "28:18"
    assert lines[-1].select_one(".text").text == "Excellente journée."


@pytest.mark.parametrize("t", ["1309", "21:49", "0:21:49", "21m49s", "1309.5"])
def test_the_episode_page_marks_the_moment_asked_for(client, episode, t):
    current = soup(client.get(episode.get_absolute_url(), {"t": t})).select('[aria-current="time"]')
    assert [c["id"] for c in current] == ["t-1309"]
    assert "Nice 2" in current[0].text


@pytest.mark.parametrize("t", ["-5", "99:99", "abc", "999999", "", "1" * 400, "\x00"])
def test_the_episode_page_ignores_a_bad_moment(client, episode, t):
    page = soup(client.get(episode.get_absolute_url(), {"t": t}))
    assert page.select('[aria-current="time"]') == []
    assert len(page.select(".transcript .line")) == 408


def test_drafts_are_hidden_from_visitors_and_shown_to_staff(client, draft):
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(User.objects.create_user("staff", is_staff=True))
    assert "Brouillon" in soup(client.get(draft.get_absolute_url())).h1.text


def test_transcript_text_is_never_rendered_as_html(client, draft):
    client.force_login(User.objects.create_user("staff", is_staff=True))
    response = client.get(draft.get_absolute_url())
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


def test_an_unknown_episode_is_a_404(client):
    assert client.get("/episodes/nope/").status_code == 404


def test_pages_speak_french_by_default_whatever_the_browser_prefers(client, episode):
    page = soup(client.get("/episodes/", headers={"accept-language": "en-US,en;q=0.9"}))
    assert (page.html["lang"], page.h1.text) == ("fr", "Épisodes")


def test_the_language_switcher_turns_the_pages_english_and_back(client, episode):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/episodes/"})
    assert response.status_code == 302
    page = soup(client.get("/episodes/"))
    assert (page.html["lang"], page.h1.text) == ("en", "Episodes")
    client.post("/i18n/setlang/", {"language": "fr", "next": "/episodes/"})
    assert soup(client.get("/episodes/")).h1.text == "Épisodes"


def test_an_unknown_language_cookie_falls_back_to_french(client, episode):
    client.cookies["django_language"] = "de"
    assert soup(client.get("/episodes/")).h1.text == "Épisodes"


def test_a_speaker_name_is_never_rendered_as_html(client, episode):
    line = episode.segments.get(start_ms=0)
    line.speaker = '<img src=x onerror="alert(1)">'
    line.save()
    response = client.get(episode.get_absolute_url())
    assert b'<img src=x onerror="alert(1)">' not in response.content
    assert b"&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>" in response.content


def test_every_line_has_an_id_of_its_own(client, episode):
    ids = [line["id"] for line in soup(client.get(episode.get_absolute_url())).select("[id^=t-]")]
    assert len(ids) == 408 == len(set(ids))
    assert ids[ids.index("t-32") + 1] == "t-32-2"


def test_a_moment_said_twice_in_a_second_opens_at_the_first_line(client, episode):
    page = soup(client.get(episode.get_absolute_url(), {"t": "32"}))
    assert [line["id"] for line in page.select('[aria-current="time"]')] == ["t-32"]
    assert page.select_one("#t-32-2 a.timestamp")["href"] == "?t=32#t-32-2"


def test_between_two_lines_the_moment_is_the_line_being_said(client, episode):
    page = soup(client.get(episode.get_absolute_url(), {"t": "15"}))  # said from 00:13 to 00:19
    assert [line["id"] for line in page.select('[aria-current="time"]')] == ["t-13"]


def test_the_transcript_reads_as_paragraphs_each_opening_with_its_time(client, episode):
    paragraphs = soup(client.get(episode.get_absolute_url())).select(".transcript .paragraph")
    assert 30 < len(paragraphs) < 150
    assert sum(len(p.select(".line")) for p in paragraphs) == 408
    first = paragraphs[0].select_one(".line a.timestamp")
    assert (first.text, first["href"]) == ("00:00", "?t=0#t-0")


def test_speakers_open_their_paragraphs_and_link_to_their_page(client, episode):
    episode.segments.filter(position__lt=5).update(speaker="Delphine Sabattier")
    episode.segments.filter(position__gte=5).update(speaker="Dorothée Decrop")
    paragraphs = soup(client.get(episode.get_absolute_url())).select(".transcript .paragraph")
    first = paragraphs[0]
    assert first.select_one(".speaker").get_text(strip=True) == "Delphine Sabattier"
    assert first.select_one(".speaker a")["href"] == "/people/delphine-sabattier/"
    assert len(first.select(".line")) == 5
    assert paragraphs[1].select_one(".speaker").get_text(strip=True) == "Dorothée Decrop"


def test_a_speaker_who_is_not_one_of_the_people_is_named_without_a_link(client, episode):
    episode.segments.filter(position=0).update(speaker="Une voix")
    speaker = soup(client.get(episode.get_absolute_url())).select_one(".transcript .speaker")
    assert speaker.text == "Une voix" and speaker.a is None


def test_no_link_has_a_rel_without_an_address(client, sample_episode):
    page = soup(client.get(sample_episode.get_absolute_url(), {"q": "NIS2", "t": "1309"}))
    assert page.select_one(".match-nav")
    assert page.select(".match-prev[hidden]") and page.select(".match-next[rel=next][href]")
    assert page.select("a[rel]:not([href])") == []
