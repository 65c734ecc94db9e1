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
