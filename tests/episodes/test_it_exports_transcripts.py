import json

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User
from django.urls import reverse

from episodes.exports import FORMATS, ExportLine, write_srt, write_webvtt
from episodes.models import Episode
from episodes.parsing import TranscriptFormat, parse_transcript
from episodes.services import edit_segment, import_transcript, set_published

# Times to the millisecond, past an hour, two lines at the same start; text and names that a
# cue format could misread: tags, entities, arrows, blank lines, brackets, a time.
LINES = [
    ExportLine(0, 1_001, "Bonjour à tous, c'est « SMART TECH » 🎙", "Delphine Sabattier"),
    ExportLine(1_001, 2_500, "La R&D d'AT&T, 4 > 3 et 3 < 4", "Q&A <invité>"),
    ExportLine(2_500, 4_000, "<b>pas une balise</b> &amp; pas une entité"),
    ExportLine(4_000, 61_999, "--> une flèche en tête, puis 00:00:01,000 --> 00:00:02,000", "Marc Kaplan"),
    ExportLine(61_999, 3_600_250, "une ligne\n\n1\n00:00:09,000 --> 00:00:10,000\navec des lignes vides"),
    ExportLine(3_600_250, 3_600_250, "[rires] 12:34 WEBVTT"),
    ExportLine(3_600_250, 3_601_000, "NOTE Recommandations", "Alain Staron"),
]
KEEPS_SPEAKERS = {"vtt", "json"}
CONTENT_TYPES = {
    "srt": "application/x-subrip; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}
FORMAT_READ = {
    "srt": TranscriptFormat.SRT,
    "vtt": TranscriptFormat.WEBVTT,
    "json": TranscriptFormat.PODCAST_JSON,
    "txt": TranscriptFormat.BRACKETED,
}


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_reads_back_as_the_same_lines_at_the_same_times(fmt):
    parsed = parse_transcript(FORMATS[fmt].write(LINES).encode())
    assert parsed.format == FORMAT_READ[fmt]
    assert parsed.warnings == []
    assert [s.start_ms for s in parsed.segments] == [line.start_ms for line in LINES]
    # Every line on one line of text: no cue format holds a blank line.
    assert [s.text for s in parsed.segments] == [one_line(line.text) for line in LINES]
    speakers = [line.speaker if fmt in KEEPS_SPEAKERS else "" for line in LINES]
    assert [s.speaker for s in parsed.segments] == speakers
    ends = [s.end_ms for s in parsed.segments]
    if fmt == "txt":
        # Plain lines have no end times: a line ends where the next begins.
        assert ends[:-1] == [line.start_ms for line in LINES[1:]]
    else:
        assert ends == [line.end_ms for line in LINES]


def test_webvtt_escapes_text_and_names_so_that_only_timings_hold_an_arrow():
    vtt = write_webvtt(LINES)
    assert "<v Q&amp;A &lt;invité&gt;>La R&amp;D d'AT&amp;T, 4 &gt; 3 et 3 &lt; 4" in vtt
    timings = [line for line in vtt.splitlines() if line[:1] == "0"]
    assert [line for line in vtt.splitlines() if "-->" in line] == timings


def test_subrip_keeps_plain_text_plain_and_escapes_what_players_would_read_as_markup():
    srt = write_srt(LINES)
    assert "\nLa R&D d'AT&T, 4 > 3 et 3 < 4\n" in srt
    assert "\n&lt;b&gt;pas une balise&lt;/b&gt; &amp;amp; pas une entité\n" in srt


def test_the_json_is_podcasting_2_0_with_a_speaker_only_when_known():
    document = json.loads(FORMATS["json"].write(LINES[2:4]))
    assert document == {
        "version": "1.0.0",
        "segments": [
            {"startTime": 2.5, "endTime": 4.0, "body": "<b>pas une balise</b> &amp; pas une entité"},
            {
                "startTime": 4.0,
                "endTime": 61.999,
                "speaker": "Marc Kaplan",
                "body": "--> une flèche en tête, puis 00:00:01,000 --> 00:00:02,000",
            },
        ],
    }


@pytest.fixture
def episode(db, sample_bytes):
    """The sample as staff corrected it: its first line given a speaker and text a cue format could misread."""
    episode = import_transcript(data=sample_bytes, filename="smart-tech-2025-06-19.txt").episode
    corrected = "Bonjour <b>à tous</b>, R&D --> &amp;"
    edit_segment(segment=episode.segments.first(), text=corrected, speaker="Delphine Sabattier")
    return episode


def lines_of(episode) -> list[tuple[int, int, str, str]]:
    return list(episode.segments.order_by("position").values_list("start_ms", "end_ms", "text", "speaker"))


def test_the_episode_page_links_each_export_a_utf8_file_named_after_the_episode(client, episode):
    page = BeautifulSoup(client.get(episode.get_absolute_url()).content, "html.parser")
    group = page.select_one(".downloads")
    assert group.get_text(" ", strip=True) == "Télécharger la transcription\xa0: SRT WebVTT JSON Texte"
    for link, (fmt, content_type) in zip(group.select("a"), CONTENT_TYPES.items(), strict=True):
        response = client.get(link["href"])
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == f'attachment; filename="smart-tech-du-19-juin-2025.{fmt}"'
        assert "Bonjour <b>à tous</b>, R&D --> &amp;" in parse_transcript(response.content).segments[0].text


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_imported_into_a_fresh_archive_gives_the_same_lines(client, episode, fmt):
    before = lines_of(episode)
    exported = client.get(reverse("episodes:transcript", args=[episode.slug, fmt])).content
    Episode.objects.all().delete()
    again = import_transcript(
        data=exported, filename=f"export.{fmt}", show="SMART TECH", title="Réimport", air_date=episode.air_date
    ).episode
    after = lines_of(again)
    if fmt not in KEEPS_SPEAKERS:
        before = [(start, end, text, "") for start, end, text, _speaker in before]
    if fmt == "txt":
        # Plain lines keep starts and text, not ends: the last line's end is read again from its length.
        before, after = before[:-1], after[:-1]
    assert after == before


def test_a_draft_has_no_export_for_visitors_and_an_unknown_format_none_at_all(client, episode):
    set_published([episode], False)
    srt = reverse("episodes:transcript", args=[episode.slug, "srt"])
    assert client.get(episode.get_absolute_url()).status_code == 404
    assert client.get(srt).status_code == 404
    client.force_login(User.objects.create_user("staff", is_staff=True))
    assert client.get(srt).status_code == 200
    assert client.get(reverse("episodes:transcript", args=[episode.slug, "pdf"])).status_code == 404
