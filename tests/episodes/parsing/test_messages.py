"""The parser's messages: English text for the command line, and a template with its values for the admin."""

import pytest

from episodes.parsing import ParseWarning, TranscriptError, parse_transcript
from episodes.parsing.timestamps import parse_timestamp


def refused(data: bytes, **kwargs) -> TranscriptError:
    with pytest.raises(TranscriptError) as error:
        parse_transcript(data, "bad.txt", **kwargs)
    return error.value


BAD_FILES = {
    "empty": b"  \n",
    "binary": b"00:00Un\n00:01Deux\x00\n",
    "control": b"00:00Un\x07\n00:01Deux\n",
    "no timestamps": b"Bonjour\n",
    "no text": b"[00:00:01]\n[00:00:02]\n",
    "backwards": b"00:00Un\n00:30Deux\n00:10Trois\n",
    "past a day": b"00:00Un\n25:00:00Deux\n",
    "invalid time": b"00:00Un\n00:61Deux\n",
    "long line": b"00:00" + b"a" * 10_001 + b"\n00:01Suite\n",
    "webvtt header": b"WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\nUn\n",
    "cue order": b"1\n00:00:05,000 --> 00:00:01,000\nUn\n",
    "timing": b"1\n00:00:01,000 --> 00:00:02,000\nUn\n\nDeux\n\n3\n00:00:0x --> 00:00:04,000\nTrois\n",
    "json": b'{"segments": [}',
    "json segments": b'{"other": []}',
    "json object": b'{"segments": [1]}',
    "json seconds": b'{"segments": [{"startTime": "demain", "body": "Un"}]}',
    "json ends": b'{"segments": [{"startTime": 5, "endTime": 1, "body": "Un"}]}',
    "utf-16": b"\xff\xfe\x00\xd8",
    "web page": b"<!doctype html><p>Rien de minut\xc3\xa9 ici.</p>",
}


@pytest.mark.parametrize("data", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_an_error_is_its_template_filled_with_its_values(data):
    error = refused(data)
    assert (error.template % error.params if error.params else error.template) == error.message
    assert str(error) == (f"line {error.line}: {error.message}" if error.line else error.message)


@pytest.mark.parametrize("data", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_an_error_template_holds_none_of_the_files_values(data):
    """A msgid is the same whatever the file says: the values go apart, for the translation to place."""
    error = refused(data)
    for value in error.params.values():
        # Short values (a segment's number) may happen to be written in the template's own words.
        assert len(str(value)) < 4 or str(value) not in error.template


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"  \n", "the file is empty"),
        (b"00:00Un\n00:30Deux\n00:10Trois\n", "line 3: the time goes backwards: 00:10 comes after 00:30 (line 2)"),
        (
            b"00:00Un\x07\n00:01Deux\n",
            "line 1: control character 0x07: this looks like binary data, not transcript text",
        ),
        (
            b"00:00" + b"a" * 10_001 + b"\n00:01Suite\n",
            "line 1: line too long: 10,001 characters (at most 10,000 per line)",
        ),
        (b'{"segments": [}', "line 1: not valid JSON: Expecting value (column 15)"),
        (
            b'{"segments": [{"startTime": "demain", "body": "Un"}]}',
            'line 1: segment 1: "startTime" must be a number of seconds from 0 to 86400 (24 hours), not "demain"',
        ),
        (b"00:00Un\n00:61Deux\n", "line 2: '00:61' is not a valid time"),
    ],
)
def test_the_english_text_reads_as_before(data, text):
    assert str(refused(data)) == text


def test_the_size_limit_reads_as_before():
    error = refused(b"00:00Un\n00:01Deux\n" * 100_000, max_bytes=1024 * 1024)
    assert error.message == "the file is 1.7 MB, over the 1 MB limit"
    assert error.template % error.params == error.message


def test_a_warning_is_its_template_filled_with_its_values():
    transcript = parse_transcript(b"00:00Un\n00:10Deux\n00:08Trois\n00:12\n", "ok.txt")
    warnings = [(w.line, w.message, w.template % w.params) for w in transcript.warnings]
    assert warnings == [
        (4, "00:12 has no text; line skipped", "00:12 has no text; line skipped"),
        (3, "00:08 comes after 00:10; moved to 00:10", "00:08 comes after 00:10; moved to 00:10"),
    ]
    assert str(transcript.warnings[1]) == "line 3: 00:08 comes after 00:10; moved to 00:10"


def test_a_warning_without_values_is_its_template():
    warning = ParseWarning(2, "cue without text; skipped")
    assert (warning.message, str(warning)) == ("cue without text; skipped", "line 2: cue without text; skipped")


@pytest.mark.parametrize(
    ("typed", "text"),
    [
        ("", "empty time"),
        ("demain", "'demain' is not a time (try 1309, 21:49, 0:21:49 or 21m49s)"),
        ("25:00:00", "25:00:00 is past 24 hours"),
        ("1:75:30", "'1:75:30' is not a valid time"),
        ("1" * 20, "'1111111111111111'... is too long to be a time"),
    ],
)
def test_a_time_that_cannot_be_read_is_a_value_error_with_a_template(typed, text):
    with pytest.raises(ValueError) as error:
        parse_timestamp(typed)
    params = error.value.params
    assert str(error.value) == text
    assert (error.value.template % params if params else error.value.template) == text
