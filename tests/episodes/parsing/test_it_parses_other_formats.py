import json

import pytest

from episodes.parsing import TranscriptError, TranscriptFormat, parse_transcript

PODCAST = {
    "version": "1.0.0",
    "segments": [
        {"speaker": "Delphine", "startTime": 0.5, "endTime": 2.25, "body": "Bonjour"},
        {"speaker": "Marc", "startTime": 2.25, "endTime": 5, "body": "La  défense\nquantique"},
        {"speaker": "Marc", "startTime": "5.5", "body": "Fin"},
    ],
}


def test_it_reads_podcasting_2_json_with_speakers_and_times():
    transcript = parse_transcript(json.dumps(PODCAST, indent=2).encode(), "ep.json")
    assert transcript.format == TranscriptFormat.PODCAST_JSON
    assert [(s.start_ms, s.end_ms, s.speaker, s.text) for s in transcript.segments[:2]] == [
        (500, 2_250, "Delphine", "Bonjour"),
        (2_250, 5_000, "Marc", "La défense quantique"),
    ]
    last = transcript.segments[2]
    assert (last.start_ms, last.speaker, last.text) == (5_500, "Marc", "Fin")


def test_it_gives_the_last_line_without_an_end_at_least_a_second():
    transcript = parse_transcript(json.dumps(PODCAST).encode(), "ep.json")
    assert transcript.segments[-1].end_ms >= transcript.segments[-1].start_ms + 1_000


def test_it_names_the_json_line_of_a_bad_segment():
    document = json.loads(json.dumps(PODCAST))
    document["segments"][1]["startTime"] = "soon"
    text = json.dumps(document, indent=2)
    with pytest.raises(TranscriptError, match='segment 2: "startTime" must be a number') as error:
        parse_transcript(text.encode(), "ep.json")
    assert text.splitlines()[error.value.line - 1].strip() == "{"
    assert '"soon"' in "\n".join(text.splitlines()[error.value.line : error.value.line + 3])


def test_it_names_the_line_of_broken_json():
    with pytest.raises(TranscriptError, match="not valid JSON") as error:
        parse_transcript(b'{"segments": [\n  {"startTime": 1,\n}', "ep.json")
    assert error.value.line == 3


def test_it_wants_a_segments_list_in_json():
    with pytest.raises(TranscriptError, match='"segments" list'):
        parse_transcript(b'{"version": "1.0.0"}', "ep.json")


def test_it_reads_bracketed_lines():
    text = "[00:00:00] Bonjour\n\n[00:01:02] Suite\n[1:00:00.5] Une heure plus tard\n"
    transcript = parse_transcript(text.encode(), "notes.txt")
    assert transcript.format == TranscriptFormat.BRACKETED
    assert [(s.start_ms, s.text, s.line) for s in transcript.segments] == [
        (0, "Bonjour", 1),
        (62_000, "Suite", 3),
        (3_600_500, "Une heure plus tard", 4),
    ]
