import pytest

from episodes.parsing import TranscriptError, parse_transcript


def refused(data: bytes, **kwargs) -> TranscriptError:
    with pytest.raises(TranscriptError) as error:
        parse_transcript(data, "bad.txt", **kwargs)
    return error.value


@pytest.mark.parametrize("data", [b"", b"   \n\n\t\n"])
def test_it_refuses_an_empty_file(data):
    assert "empty" in refused(data).message


def test_it_refuses_nul_bytes_and_names_the_line():
    error = refused(b"00:00Bonjour\n00:01Deux\x00\x00\n")
    assert ("binary" in error.message, error.line) == (True, 2)


def test_it_refuses_binary_data():
    png = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + bytes(range(256))
    assert "binary" in refused(png).message


def test_it_refuses_text_without_timestamps():
    error = refused(b"Juste du texte,\nsans aucun horodatage.\n")
    assert "no timestamps" in error.message


def test_it_refuses_a_time_that_goes_back_more_than_a_few_seconds():
    error = refused(b"00:00Un\n00:30Deux\n00:20Trois\n")
    assert error.line == 3
    assert "backwards" in error.message and "00:20" in error.message and "00:30" in error.message


def test_it_accepts_a_small_step_back_with_a_warning_and_keeps_time_moving_forward():
    transcript = parse_transcript(b"00:00Un\n00:30Deux\n00:28Trois\n00:40Quatre\n", "ok.txt")
    assert [s.start_ms for s in transcript.segments] == [0, 30_000, 30_000, 40_000]
    assert [w.line for w in transcript.warnings] == [3]


def test_it_refuses_a_start_past_24_hours():
    error = refused(b"[23:59:00] Presque\n[24:00:01] Trop tard\n")
    assert ("24 hours" in error.message, error.line) == (True, 2)


def test_it_refuses_minutes_or_seconds_past_59():
    error = refused(b"00:00Un\n00:61Deux\n")
    assert error.line == 2


def test_it_refuses_a_file_over_the_size_limit_before_reading_it():
    error = refused(b"00:00Un\n" * 200, max_bytes=1000)
    assert "over the" in error.message and "limit" in error.message


def test_it_refuses_timestamps_without_text():
    assert "no transcript text" in refused(b"[00:00:01]\n[00:00:02]\n").message


def test_it_gives_a_message_that_names_the_line():
    assert str(refused(b"00:00Un\n00:30Deux\n00:20Trois\n")).startswith("line 3: ")


def podcast_json(*segments: str) -> bytes:
    """Podcasting 2.0 JSON with each segment on its own line: segment n is on line n + 1."""
    return ('{"segments": [\n' + ",\n".join(segments) + "\n]}").encode()


BAD_SECONDS = ["NaN", "Infinity", "-Infinity", "1e15", "1e300", "86400.001", "-1", '"1e300"', '"NaN"', '"soon"',
               "true", "false", "null", "[]", "1" * 400]  # fmt: skip


@pytest.mark.parametrize("value", BAD_SECONDS)
def test_it_refuses_a_json_start_that_is_not_a_time_within_24_hours(value):
    error = refused(podcast_json('{"startTime": 0, "body": "Un"}', f'{{"startTime": {value}, "body": "Deux"}}'))
    assert (error.line, error.message.startswith('segment 2: "startTime" must be a number of seconds')) == (3, True)
    assert len(error.message) < 150


@pytest.mark.parametrize("value", BAD_SECONDS)
def test_it_refuses_a_json_end_that_is_not_a_time_within_24_hours(value):
    error = refused(
        podcast_json('{"startTime": 0, "body": "Un"}', f'{{"startTime": 1, "endTime": {value}, "body": "Deux"}}')
    )
    assert (error.line, error.message.startswith('segment 2: "endTime" must be a number of seconds')) == (3, True)
    assert len(error.message) < 150


def test_it_accepts_json_times_up_to_24_hours():
    transcript = parse_transcript(podcast_json('{"startTime": 86399, "endTime": 86400, "body": "Minuit"}'), "ep.json")
    assert transcript.duration_ms == 86_400_000


@pytest.mark.parametrize(
    "data",
    [
        b"1\n00:00:01,000 --> 99:59:59,000\nBonjour.\n",
        b"WEBVTT\n\n00:00:01.000 --> 99:59:59.000\nBonjour.\n",
        b"1\n25:00:00,000 --> 25:00:01,000\nBonjour.\n",
    ],
)
def test_it_refuses_a_cue_time_past_24_hours(data):
    error = refused(data)
    assert ("past 24 hours" in error.message, error.line) == (True, 2 if data.startswith(b"1") else 3)


def test_it_refuses_a_page_time_past_24_hours():
    error = refused(b"00:00Un\n25:00:00Deux\n")
    assert ("past 24 hours" in error.message, error.line) == (True, 2)


def test_it_keeps_the_end_of_a_last_line_without_end_within_24_hours():
    assert parse_transcript(b"[24:00:00] Bonne nuit.\n", "x.txt").duration_ms == 24 * 3600 * 1000


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"00:00Un\n00:61Deux\n", 2),
        (b"[00:00:00] Un\n[1:00:60] Deux\n", 2),
        (b"1\n00:00:60,000 --> 00:00:61,000\nUn\n", 2),
        (b"WEBVTT\n\n00:60.000 --> 01:00.000\nUn\n", 3),
    ],
)
def test_it_refuses_seconds_past_59_in_every_format(data, line):
    error = refused(data)
    assert ("is not a valid time" in error.message, error.line) == (True, line)


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"00:00Un\n1:60:00Deux\n", 2),
        (b"[00:00:00] Un\n[1:75:30] Deux\n", 2),
        (b"1\n00:60:00,000 --> 00:60:01,000\nUn\n", 2),
        (b"WEBVTT\n\n00:75:30.000 --> 00:75:31.000\nUn\n", 3),
    ],
)
def test_it_refuses_minutes_past_59_when_hours_are_given(data, line):
    error = refused(data)
    assert ("is not a valid time" in error.message, error.line) == (True, line)


@pytest.mark.parametrize("data", [b"00:00Un\n75:30Deux\n", b"[00:00] Un\n[75:30] Deux\n"])
def test_it_reads_minutes_past_59_without_hours_as_chapters_write_them(data):
    # YouTube and podcast chapters write 1:15:30 as 75:30.
    assert parse_transcript(data, "x.txt").segments[1].start_ms == (75 * 60 + 30) * 1000


def test_it_refuses_a_json_number_too_long_to_read():
    error = refused(podcast_json('{"startTime": ' + "1" * 5000 + ', "body": "Un"}'))
    assert "not valid JSON" in error.message and len(error.message) < 150


def test_it_refuses_json_nested_too_deeply():
    assert "not valid JSON" in refused(b'{"segments": ' + b"[" * 100_000 + b"]" * 100_000 + b"}").message


def test_it_skips_text_before_the_first_timed_line_with_a_warning():
    transcript = parse_transcript(b"[00:01]\nperdu\n[00:02] Bonjour\n", "x.txt")
    assert [s.text for s in transcript.segments] == ["Bonjour"]
    assert [w.line for w in transcript.warnings] == [1, 2]


@pytest.mark.parametrize(
    "segment",
    [
        '{"startTime": 1, "body": "Deux\\u0000"}',
        '{"startTime": 1, "body": "Deux\\u0007"}',
        '{"startTime": 1, "body": "Deux", "speaker": "Marc\\u001b"}',
    ],
)
def test_it_refuses_json_text_holding_control_characters(segment):
    error = refused(podcast_json('{"startTime": 0, "body": "Un"}', segment))
    assert ("binary" in error.message, error.line) == (True, 3)
