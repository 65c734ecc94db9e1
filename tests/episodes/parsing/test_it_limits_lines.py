"""How many lines an episode may have and how long a line may be, in files and in the editor alike."""

import json
import time

import pytest

from episodes.parsing import TranscriptError, parse_transcript
from episodes.parsing.limits import MAX_LINE_CHARS, MAX_LINES, MAX_MS, check_line_text


def refused(data: bytes) -> TranscriptError:
    with pytest.raises(TranscriptError) as error:
        parse_transcript(data, "long.txt")
    return error.value


def timed_lines(count: int) -> bytes:
    """`count` bracketed lines half a second apart."""
    return b"".join(b"[%d:%02d:%02d.%d] x\n" % (i // 7200, i // 120 % 60, i // 2 % 60, i % 2 * 5) for i in range(count))


def test_the_limits_fit_a_24_hour_broadcast_at_one_line_a_second():
    assert (MAX_MS, MAX_LINES, MAX_LINE_CHARS) == (24 * 3600 * 1000, 100_000, 10_000)


def test_it_accepts_as_many_lines_as_the_limit():
    assert len(parse_transcript(timed_lines(MAX_LINES), "long.txt").segments) == MAX_LINES


def test_it_refuses_one_line_more_and_names_it():
    error = refused(timed_lines(MAX_LINES + 1))
    assert (error.line, error.message) == (MAX_LINES + 1, "too many lines: at most 100,000 per episode")


def test_it_refuses_a_million_lines_at_the_first_line_past_the_limit():
    # Reading on would reach the bad time on the last line.
    error = refused(b"[00:00:00] x\n" * 1_000_000 + b"[1:75:00] x\n")
    assert (error.line, error.message.startswith("too many lines")) == (MAX_LINES + 1, True)


def test_it_accepts_a_line_as_long_as_the_limit():
    transcript = parse_transcript(b"00:00Un\n00:01" + b"a" * MAX_LINE_CHARS + b"\n", "long.txt")
    assert len(transcript.segments[1].text) == MAX_LINE_CHARS


def test_it_refuses_a_longer_line_and_names_it():
    error = refused(b"00:00Un\n00:01" + b"a" * (MAX_LINE_CHARS + 1) + b"\n")
    assert (error.line, error.message) == (2, "line too long: 10,001 characters (at most 10,000 per line)")


def test_it_refuses_a_5_mb_line():
    assert refused(b"00:00Un\n00:01" + b"a" * 5_000_000 + b"\n").line == 2


def test_it_refuses_a_line_that_grows_past_the_limit_from_the_lines_that_continue_it():
    # Checked as the line grows: reading on would reach the bad time on the last line.
    error = refused(b"00:00Un\n00:01Deux\n" + b"suite du texte\n" * 1_000_000 + b"1:75:00Trois\n")
    assert (error.line, error.message.startswith("line too long")) == (2, True)


def test_it_refuses_a_subtitle_text_that_grows_past_the_limit_block_by_block():
    error = refused(
        b"1\n00:00:01,000 --> 00:00:02,000\nUn\n\n" + b"suite du texte\n\n" * 1_000 + b"x\n00:75:00,000 --> 1\n"
    )
    assert (error.line, error.message.startswith("line too long")) == (2, True)


def test_it_refuses_a_subtitle_cue_longer_than_the_limit():
    error = refused(b"1\n00:00:01,000 --> 00:00:02,000\n" + b"mot " * 3000 + b"\n")
    assert (error.line, error.message.startswith("line too long")) == (2, True)


def test_it_refuses_subtitle_markup_that_never_closes_quickly():
    started = time.monotonic()
    error = refused(b"1\n00:00:01,000 --> 00:00:02,000\n" + b"<" * 300_000 + b"\n")
    assert error.message.startswith("line too long")
    assert time.monotonic() - started < 5


def test_it_refuses_json_with_more_segments_than_the_limit():
    segments = [{"startTime": i / 2, "body": "x"} for i in range(MAX_LINES + 1)]
    error = refused(json.dumps({"segments": segments}).encode())
    assert error.message == "too many lines: at most 100,000 per episode"


def test_it_refuses_a_json_body_longer_than_the_limit():
    error = refused(json.dumps({"segments": [{"startTime": 0, "body": "a" * (MAX_LINE_CHARS + 1)}]}).encode())
    assert error.message.startswith("line too long")


@pytest.mark.parametrize(
    ("text", "file"),
    [
        ("Bonjour\x00", b"00:00Bonjour\x00\n00:01Suite\n"),
        ("Bonjour\x07", b"00:00Bonjour\x07\n00:01Suite\n"),
        ("a" * (MAX_LINE_CHARS + 1), b"00:00" + b"a" * (MAX_LINE_CHARS + 1) + b"\n00:01Suite\n"),
    ],
)
def test_a_line_typed_in_the_editor_is_refused_in_the_words_of_the_file_import(text, file):
    with pytest.raises(TranscriptError) as typed:
        check_line_text(text)
    assert typed.value.message == refused(file).message


def test_a_good_line_passes_the_editor_check():
    check_line_text("Vous pensez à Nice 2,\tpar exemple ?")
