import html
import json
import re
from datetime import timedelta
from itertools import pairwise

import pytest
import srt
import webvtt
from bs4 import BeautifulSoup
from django.contrib.auth.models import User
from django.urls import reverse

from episodes.exports import FORMATS, ExportLine, write_srt, write_webvtt
from episodes.models import Episode
from episodes.parsing import TranscriptFormat, parse_transcript
from episodes.services import edit_segment, import_transcript, set_published

# Times to the millisecond, past an hour, two lines at the same start; text and names that a
# cue format could misread: tags, entities, arrows, blank lines, brackets, a time; one too long
# for a caption.
LINES = [
    ExportLine(0, 1_001, "Bonjour à tous, c'est « SMART TECH » 🎙", "Delphine Sabattier"),
    ExportLine(1_001, 2_500, "La R&D d'AT&T, 4 > 3 et 3 < 4", "Q&A <invité>"),
    ExportLine(2_500, 4_000, "<b>pas une balise</b> &amp; pas une entité"),
    ExportLine(4_000, 61_999, "--> une flèche en tête, puis 00:00:01,000 --> 00:00:02,000", "Marc Kaplan"),
    ExportLine(61_999, 3_600_250, "une ligne\n\n1\n00:00:09,000 --> 00:00:10,000\navec des lignes vides"),
    ExportLine(3_600_250, 3_600_250, "[rires] 12:34 WEBVTT"),
    ExportLine(3_600_250, 3_601_000, "NOTE Recommandations", "Alain Staron"),
    ExportLine(
        3_601_000,
        3_630_000,
        "Une réponse longue, comme on en entend à l'antenne, qui dépasse de loin les deux lignes de "
        "quarante-deux caractères d'un sous-titre : anticonstitutionnellement, la directive NIS2 s'applique.",
        "Alain Staron",
    ),
]
TIMING = re.compile(r"\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}")
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


WHOLE_LINES = ("json", "txt")
CAPTIONS = ("srt", "vtt")


def as_written(line: ExportLine, fmt: str) -> str:
    """The text a format gives a line: whole, and the speaker first in SRT and plain lines."""
    text = one_line(line.text)
    return f"{line.speaker} : {text}" if line.speaker and fmt not in KEEPS_SPEAKERS else text


@pytest.mark.parametrize("fmt", WHOLE_LINES)
def test_json_and_plain_lines_read_back_as_the_same_lines_at_the_same_times(fmt):
    parsed = parse_transcript(FORMATS[fmt].write(LINES).encode())
    assert parsed.format == FORMAT_READ[fmt]
    assert parsed.warnings == []
    assert [s.start_ms for s in parsed.segments] == [line.start_ms for line in LINES]
    # Every line on one line of text: no cue format holds a blank line.
    assert [s.text for s in parsed.segments] == [as_written(line, fmt) for line in LINES]
    assert [s.speaker for s in parsed.segments] == [line.speaker if fmt == "json" else "" for line in LINES]
    ends = [s.end_ms for s in parsed.segments]
    if fmt == "txt":
        # Plain lines have no end times: a line ends where the next begins.
        assert ends[:-1] == [line.start_ms for line in LINES[1:]]
    else:
        assert ends == [line.end_ms for line in LINES]


def srt_cues(text: str) -> list[tuple[int, int, list[str]]]:
    return [
        (cue.start // timedelta(milliseconds=1), cue.end // timedelta(milliseconds=1), cue.content.split("\n"))
        for cue in srt.parse(text)
    ]


def vtt_cues(text: str) -> list[tuple[int, int, list[str]]]:
    return [
        (milliseconds(cue.start), milliseconds(cue.end), html.unescape(cue.text).split("\n"))
        for cue in webvtt.from_string(text)
    ]


def milliseconds(clock: str) -> int:
    hours, minutes, seconds = clock.split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)


READ_BY_OTHERS = {"srt": srt_cues, "vtt": vtt_cues}


@pytest.mark.parametrize("fmt", CAPTIONS)
def test_captions_are_at_most_two_rows_of_42_characters_each_lasting_some_time(fmt):
    cues = READ_BY_OTHERS[fmt](FORMATS[fmt].write(LINES))
    assert len(cues) > len(LINES)
    for start, end, rows in cues:
        assert end > start
        assert 1 <= len(rows) <= 2
        # A row longer than 42 characters is one word that has no place to break.
        assert all(len(row) <= 42 or " " not in row for row in rows), rows


@pytest.mark.parametrize("fmt", CAPTIONS)
def test_our_parser_reads_captions_back_with_every_word_and_the_lines_own_starts(fmt):
    parsed = parse_transcript(FORMATS[fmt].write(LINES).encode())
    assert parsed.format == FORMAT_READ[fmt]
    assert parsed.warnings == []
    starts = [s.start_ms for s in parsed.segments]
    assert {line.start_ms for line in LINES} <= set(starts)
    assert starts == sorted(starts)
    written = " ".join(as_written(line, fmt) for line in LINES)
    if fmt == "srt":
        # An arrow in SubRip text is written →, so that no row reads as a timing line. The text is
        # written plain, but read as players and other tools read it: `<b>` is markup, `&amp;` is &.
        written = written.replace("-->", "→").replace("<b>pas une balise</b> &amp;", "pas une balise &")
    assert " ".join(s.text for s in parsed.segments) == written
    if fmt == "vtt":
        assert {s.speaker for s in parsed.segments} == {line.speaker for line in LINES}


def test_a_long_line_is_cut_into_even_cues_that_share_its_time_by_characters():
    line = ExportLine(10_000, 19_000, "mot " * 44 + "fin", "Delphine Sabattier")
    cues = srt_cues(write_srt([line]))
    assert [rows[0].split(" : ")[0] for _s, _e, rows in cues[:1]] == ["Delphine Sabattier"]
    assert cues[0][0] == 10_000 and cues[-1][1] == 19_000
    assert all(end == next_start for (_s, end, _r), (next_start, _e, _r2) in pairwise(cues))
    sizes = [sum(map(len, rows)) for _s, _e, rows in cues]
    assert len(cues) == 3 and min(sizes) >= max(sizes) / 2
    for (start, end, _rows), size in zip(cues, sizes, strict=True):
        assert abs((end - start) - 9_000 * size / sum(sizes)) <= 2


def test_a_line_without_duration_lasts_until_the_next_or_the_time_to_read_it():
    lines = [
        ExportLine(32_000, 32_000, "Oui."),
        ExportLine(33_500, 33_500, "Et là, une ligne un peu plus longue que la précédente."),
        ExportLine(60_000, 60_000, "Oui."),
    ]
    assert [(start, end) for start, end, _rows in vtt_cues(write_webvtt(lines))] == [
        (32_000, 33_000),
        (33_500, 37_064),
        (60_000, 61_000),
    ]


def test_webvtt_escapes_text_and_names_so_that_only_timings_hold_an_arrow():
    vtt = write_webvtt(LINES)
    cues = [cue.raw_text.replace("\n", " ") for cue in webvtt.from_string(vtt)]
    assert "<v Q&amp;A &lt;invité&gt;>La R&amp;D d'AT&amp;T, 4 &gt; 3 et 3 &lt; 4" in cues
    arrows = [line for line in vtt.splitlines() if "-->" in line]
    assert len(arrows) == len(cues) and all(TIMING.fullmatch(line) for line in arrows)


def test_subrip_is_plain_text_with_the_speaker_first_and_no_row_that_reads_as_a_timing():
    srt_text = write_srt(LINES)
    cues = [" ".join(rows) for _start, _end, rows in srt_cues(srt_text)]
    assert "Q&A <invité> : La R&D d'AT&T, 4 > 3 et 3 < 4" in cues
    assert "<b>pas une balise</b> &amp; pas une entité" in cues
    assert "&lt;" not in srt_text and "&amp;amp;" not in srt_text
    arrows = [line for line in srt_text.splitlines() if "-->" in line]
    assert len(arrows) == len(cues) and all(TIMING.fullmatch(line.replace(",", ".")) for line in arrows)


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
        said = " ".join(segment.text for segment in parse_transcript(response.content).segments[:3])
        if fmt == "srt":
            # SubRip is written plain, arrows as →, and read as players read it (markup, entities).
            assert said.startswith("Delphine Sabattier : Bonjour à tous, R&D → &")
        else:
            assert "Bonjour <b>à tous</b>, R&D --> &amp;" in said


@pytest.mark.parametrize("fmt", WHOLE_LINES)
def test_a_whole_lines_export_imported_into_a_fresh_archive_gives_the_same_lines(client, episode, fmt):
    before = lines_of(episode)
    exported = client.get(reverse("episodes:transcript", args=[episode.slug, fmt])).content
    Episode.objects.all().delete()
    again = import_transcript(
        data=exported, filename=f"export.{fmt}", show="SMART TECH", title="Réimport", air_date=episode.air_date
    ).episode
    after = lines_of(again)
    if fmt == "txt":
        # Plain lines name the speaker in the text (`Nom : texte`), as people write it.
        before = [(start, end, f"{speaker} : {text}" if speaker else text, "") for start, end, text, speaker in before]
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


@pytest.mark.parametrize("fmt", CAPTIONS)
def test_the_sample_episodes_captions_are_accepted_by_other_parsers_and_sized_for_a_screen(client, episode, fmt):
    exported = client.get(reverse("episodes:transcript", args=[episode.slug, fmt])).content.decode()
    cues = READ_BY_OTHERS[fmt](exported)
    assert len(cues) > episode.segments.count()
    assert all(end > start for start, end, _rows in cues)
    assert all(len(rows) <= 2 and all(len(row) <= 42 for row in rows) for _start, _end, rows in cues)
    said = " ".join(" ".join(rows) for _start, _end, rows in cues)
    for text in episode.segments.exclude(position=0).values_list("text", flat=True):
        assert one_line(text) in said
