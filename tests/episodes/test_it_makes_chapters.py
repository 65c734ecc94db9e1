"""Chapters: suggested from the transcript (guests taking the floor, glossary topics, a web page's
headings), edited by staff, and published on the page, as Podcasting 2.0 JSON and in the feeds."""

import xml.etree.ElementTree as ET
from io import StringIO

from bs4 import BeautifulSoup
from django.contrib.auth.models import User
from django.core.management import call_command

from episodes.chapters import ChapterLine, Guest, suggest_chapters
from episodes.models import Chapter
from episodes.services import import_transcript, replace_chapters
from tests.conftest import SAMPLE, SAVED_PAGE
from tests.factories import make_episode, make_person

PODCAST = "{https://podcastindex.org/namespace/1.0}"
# The sample read as a listener would cut it: the opening, then each guest the host turns to.
SAMPLE_CHAPTERS = [
    ("00:00", "Ouverture"),
    ("01:37", "Marc Kaplan (VeriQloud)"),
    ("14:28", "Alain Staron (Artifeel)"),
    ("17:33", "Louis Soris (cabinet Soris Avocats)"),
    ("20:52", "Dorothée Decrop (Hexatrust)"),
]


def contents(client, episode) -> list[tuple[str, str]]:
    page = BeautifulSoup(client.get(episode.get_absolute_url()).content, "html.parser")
    links = page.select("nav.chapters li a")
    return [(link.select_one(".time").get_text(), link.get_text(" ", strip=True).split(" ", 1)[1]) for link in links]


def test_the_sample_opens_then_gives_a_chapter_per_guest_interview(client, sample_episode):
    assert contents(client, sample_episode) == SAMPLE_CHAPTERS
    page = BeautifulSoup(client.get(sample_episode.get_absolute_url()).content, "html.parser")
    assert page.select_one("nav.chapters h3").get_text() == "Chapitres"
    marc = page.select("nav.chapters a")[1]
    assert marc["href"] == "?t=97#t-97"
    # The link lands on the line where the host greets him.
    landed = BeautifulSoup(client.get(sample_episode.get_absolute_url() + marc["href"]).content, "html.parser")
    assert landed.select_one('[aria-current="time"] .text').get_text() == "Bonjour Marc."


def test_chapters_json_is_podcasting_2_0(client, sample_episode):
    response = client.get(f"/episodes/{sample_episode.slug}/chapters.json")
    assert response["Content-Type"] == "application/json+chapters; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    chapters = response.json()
    assert chapters["version"] == "1.2.0"
    assert [(c["startTime"], c["title"]) for c in chapters["chapters"]] == [
        (0, "Ouverture"),
        (97, "Marc Kaplan (VeriQloud)"),
        (868, "Alain Staron (Artifeel)"),
        (1053, "Louis Soris (cabinet Soris Avocats)"),
        (1252, "Dorothée Decrop (Hexatrust)"),
    ]
    assert chapters["chapters"][1]["url"] == f"http://testserver/episodes/{sample_episode.slug}/?t=97#t-97"
    page = BeautifulSoup(client.get(sample_episode.get_absolute_url()).content, "html.parser")
    assert page.select_one('link[rel="chapters"]')["href"] == f"/episodes/{sample_episode.slug}/chapters.json"


def test_feeds_announce_the_chapters(client, sample_episode):
    item = ET.fromstring(client.get("/feed.xml").content).find("channel/item")
    chapters = item.find(f"{PODCAST}chapters")
    assert chapters.get("type") == "application/json+chapters"
    assert chapters.get("url") == f"http://testserver/episodes/{sample_episode.slug}/chapters.json"
    show = ET.fromstring(client.get("/shows/smart-tech/feed.xml").content).find("channel/item")
    assert show.find(f"{PODCAST}chapters").get("url") == chapters.get("url")


def test_drafts_chapters_stay_hidden(client, sample_episode):
    sample_episode.is_published = False
    sample_episode.save()
    assert client.get(f"/episodes/{sample_episode.slug}/chapters.json").status_code == 404


def test_a_transcript_with_speakers_gives_a_chapter_where_each_guest_first_speaks(db):
    # Lines 4 s apart from 00:01: Marc first speaks at 02:01, Dorothée at 04:05.
    lines = [("Ana Host", "Bonjour et bienvenue.")] * 30
    lines += [("Marc Kaplan", "Le quantique avance.")] * 30 + [("Ana Host", "Merci Marc.")]
    lines += [("Dorothée Decrop", "La cyber d'abord.")] * 30 + [("Marc Kaplan", "Un mot encore.")]
    episode = make_episode(*lines)
    make_person("Marc Kaplan", on=episode)
    make_person("Dorothée Decrop", on=episode)
    replace_chapters(episode)
    assert [(c.timestamp, c.title) for c in episode.chapters.all()] == [
        ("00:00", "Ouverture"),
        ("02:01", "Marc Kaplan"),
        ("04:05", "Dorothée Decrop"),
    ]


def test_a_glossary_topic_said_again_and_again_starts_a_chapter():
    lines = [ChapterLine(second * 1000, "On parle de tout.") for second in range(0, 300, 5)]
    lines += [ChapterLine(300_000 + i * 10_000, "Et Nice 2 alors ? NIS2 encore.") for i in range(3)]
    chapters = suggest_chapters(lines, opening="Ouverture", topics=[["NIS2", "Nice 2"]])
    assert [(c.start_ms, c.title) for c in chapters] == [(0, "Ouverture"), (300_000, "NIS2")]
    # Said once, a word is no topic.
    once = suggest_chapters(lines[:-2], opening="Ouverture", topics=[["NIS2", "Nice 2"]])
    assert [c.title for c in once] == ["Ouverture"]


def test_names_are_heard_as_speech_recognition_writes_them_and_thanks_are_no_turn():
    lines = [ChapterLine(0, "Bonjour à tous."), ChapterLine(200_000, "Merci Dorothée Décrope.")]
    lines.append(ChapterLine(400_000, "Dorothée Décrope, on en est où ?"))
    chapters = suggest_chapters(lines, opening="Ouverture", guests=[Guest("Dorothée Decrop", "Hexatrust")])
    assert [(c.start_ms, c.title) for c in chapters] == [(0, "Ouverture"), (400_000, "Dorothée Decrop (Hexatrust)")]


def test_a_host_may_turn_to_a_guest_by_their_organisation():
    lines = [ChapterLine(0, "Bonjour à tous."), ChapterLine(150_000, "En tant qu'avocat au quotidien, je le vois.")]
    lines.append(ChapterLine(300_000, "Alors, je voulais interroger l'avocat sur ce rachat."))
    guests = [Guest("Louis Soris", "cabinet Soris Avocats"), Guest("Ana Lopez", "Cabinet Lopez")]
    chapters = suggest_chapters(lines, opening="Ouverture", guests=guests)
    # Said by him in passing, not an address; and « cabinet » calls no one.
    assert [(c.start_ms, c.title) for c in chapters] == [
        (0, "Ouverture"),
        (300_000, "Louis Soris (cabinet Soris Avocats)"),
    ]


def test_a_web_pages_headings_are_its_chapters_and_not_its_lines(db):
    page = SAVED_PAGE.read_text(encoding="utf-8")
    line = '<div class="transcript-line" data-start="868">'
    page = page.replace(line, f"<h3>La guerre économique</h3>\n{line}", 1)
    assert "<h3>La guerre économique</h3>" in page
    episode = import_transcript(data=page.encode(), filename="smart-tech-2025-06-19.html").episode
    assert [(c.timestamp, c.title) for c in episode.chapters.all()] == [
        ("00:00", "Ouverture"),
        ("14:28", "La guerre économique"),
    ]
    assert not episode.segments.filter(text__contains="guerre économique").exclude(start_ms__gte=868_000).exists()
    assert episode.segments.get(start_ms=868_000).text == "Alain."


def test_staff_edit_chapters_and_a_new_import_keeps_them(client, sample_episode):
    staff = User.objects.create_superuser("editor", "e@example.org", "pw")
    client.force_login(staff)
    url = f"/admin/episodes/episode/{sample_episode.pk}/change/"
    page = BeautifulSoup(client.get(url).content, "html.parser")
    data = {
        field["name"]: field.get("value", "")
        for field in page.select("form#episode_form input[name]")
        if field.get("type") not in ("checkbox", "submit")
    }
    data.update({field["name"]: field.get_text() for field in page.select("form#episode_form textarea[name]")})
    data.update(
        {
            field["name"]: (field.select_one("option[selected]") or {}).get("value", "")
            for field in page.select("form#episode_form select[name]")
        }
    )
    prefix = "chapters"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    marc = next(i for i in range(total) if data.get(f"{prefix}-{i}-title", "").startswith("Marc"))
    data[f"{prefix}-{marc}-title"] = "L'entretien avec Marc Kaplan"
    data[f"{prefix}-{marc}-start_ms"] = "41:00"
    refused = BeautifulSoup(client.post(url, data).content, "html.parser")
    assert "Un chapitre commence dans l'épisode, qui finit à 28:19." in refused.select_one(".errorlist").get_text()
    data[f"{prefix}-{marc}-start_ms"] = "01:35"
    response = client.post(url, data)
    assert response.status_code == 302, BeautifulSoup(response.content, "html.parser").select(".errorlist")
    assert ("01:35", "L'entretien avec Marc Kaplan") in contents(client, sample_episode)
    assert not Chapter.objects.filter(suggested=True).exists()

    import_transcript(data=SAMPLE.read_bytes(), filename=SAMPLE.name)
    assert ("01:35", "L'entretien avec Marc Kaplan") in contents(client, sample_episode)

    changelist = "/admin/episodes/episode/"
    client.post(changelist, {"action": "suggest_chapters", "_selected_action": [sample_episode.pk]})
    assert contents(client, sample_episode) == SAMPLE_CHAPTERS


def test_the_suggest_chapters_command_fills_episodes_without_any(sample_episode):
    Chapter.objects.all().delete()
    out = StringIO()
    call_command("suggest_chapters", stdout=out)
    assert out.getvalue() == "Chapters suggested for 1 episodes.\n"
    assert [(c.timestamp, c.title) for c in sample_episode.chapters.all()] == SAMPLE_CHAPTERS
