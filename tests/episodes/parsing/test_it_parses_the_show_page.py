import datetime

import pytest

from episodes.parsing import Role, TranscriptFormat, parse_transcript
from episodes.parsing.timestamps import format_timestamp
from tests.conftest import SAMPLE


@pytest.fixture(scope="module")
def sample():
    return parse_transcript(SAMPLE.read_bytes(), SAMPLE.name)


def test_it_reads_the_header(sample):
    assert sample.format == TranscriptFormat.SHOW_PAGE
    assert sample.air_date == datetime.date(2025, 6, 19)
    assert sample.show == "SMART TECH"
    assert sample.title == "SMART TECH du 19 juin 2025"
    assert sample.description.startswith("Jeudi 19 juin 2025, retrouvez Louis Soris")


def test_it_finds_the_host_and_the_four_guests(sample):
    people = [(p.name, p.role, p.title, p.organisation) for p in sample.people]
    assert people == [
        ("Delphine Sabattier", Role.HOST, "", ""),
        ("Louis Soris", Role.GUEST, "avocat et fondateur", "cabinet Soris Avocats"),
        ("Marc Kaplan", Role.GUEST, "dirigeant et fondateur", "VeriQloud"),
        ("Dorothée Decrop", Role.GUEST, "déléguée générale", "Hexatrust"),
        ("Alain Staron", Role.GUEST, "Cofondateur", "Artifeel"),
    ]


def test_it_keeps_every_timestamped_line_from_00_00_to_28_18(sample):
    body = SAMPLE.read_text(encoding="utf-8").split("Recommandations")[0]
    timestamped = [line for line in body.splitlines() if line[:2].isdigit() and line[2] == ":"]
    assert len(sample.segments) == len(timestamped) == 408
    assert format_timestamp(sample.segments[0].start_ms) == "00:00"
    assert format_timestamp(sample.segments[-1].start_ms) == "28:18"
    assert sample.segments[-1].text == "Excellente journée."


def test_it_leaves_out_the_page_debris_and_the_recommendations(sample):
    texts = " ".join(segment.text for segment in sample.segments)
    for debris in ("Catégorie", "NewsTranscription", "Recommandations", "🗞"):
        assert debris not in texts
    assert max(segment.start_ms for segment in sample.segments) == 28 * 60_000 + 18_000


def test_it_reads_two_digit_seconds_even_when_the_text_starts_with_digits(sample):
    segment = next(s for s in sample.segments if s.text.startswith("14,3 milliards"))
    assert format_timestamp(segment.start_ms) == "15:54"


def test_it_ends_each_line_where_the_next_begins(sample):
    first, second = sample.segments[:2]
    assert (first.start_ms, first.end_ms, second.start_ms) == (0, 13_000, 13_000)
    assert sample.segments[-1].end_ms > sample.segments[-1].start_ms
    assert sample.duration_ms == sample.segments[-1].end_ms


def test_it_names_the_file_line_of_each_segment(sample):
    assert sample.segments[0].line == 6
    assert SAMPLE.read_text(encoding="utf-8").splitlines()[sample.segments[-1].line - 1].startswith("28:18")
    assert sample.warnings == []


def test_it_reads_hours_and_joins_wrapped_lines():
    page = "- 02/01/2024\n00:00Début\n59:59Avant l'heure\n1:00:05Après l'heure,\nsuite sans horodatage\n"
    transcript = parse_transcript(page.encode(), "x.txt")
    assert [(s.start_ms, s.text) for s in transcript.segments] == [
        (0, "Début"),
        (3_599_000, "Avant l'heure"),
        (3_605_000, "Après l'heure, suite sans horodatage"),
    ]
    assert transcript.air_date == datetime.date(2024, 1, 2)


def test_it_derives_a_title_from_the_file_name_when_the_page_has_no_description():
    transcript = parse_transcript(b"00:00Bonjour\n00:05Au revoir\n", "mon-emission-2024-03-05.txt")
    assert transcript.title == "Mon emission du 5 mars 2024"
    assert transcript.air_date == datetime.date(2024, 3, 5)
    assert transcript.show == ""
