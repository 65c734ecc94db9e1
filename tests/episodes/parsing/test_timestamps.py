import pytest

from episodes.parsing.timestamps import format_timestamp, parse_time_range, parse_timestamp


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1309", 1_309_000),
        ("21:49", 1_309_000),
        ("0:21:49", 1_309_000),
        ("00:21:49", 1_309_000),
        ("21m49s", 1_309_000),
        ("21m49", 1_309_000),
        ("1h02m03s", 3_723_000),
        ("49s", 49_000),
        ("00:00:01,500", 1_500),
        ("00:01.250", 1_250),
        (" 12.5 ", 12_500),
        ("75:30", 4_530_000),
        ("24:00:00", 86_400_000),
    ],
)
def test_it_reads_the_ways_people_write_a_moment(text, ms):
    assert parse_timestamp(text) == ms


@pytest.mark.parametrize("text", ["", "abc", "-5", "21:60", "1:60:00", "12:3", "21m49x", ":", "1e9", "1" * 400])
def test_it_rejects_what_is_not_a_moment(text):
    with pytest.raises(ValueError):
        parse_timestamp(text)


@pytest.mark.parametrize("text", ["24:00:01", "99:59:59", "86401", "25h", "99999999999999h", "1441m"])
def test_it_rejects_a_moment_past_24_hours(text):
    with pytest.raises(ValueError, match="past 24 hours"):
        parse_timestamp(text)


@pytest.mark.parametrize(
    ("ms", "text"),
    [(0, "00:00"), (1_309_999, "21:49"), (3_599_000, "59:59"), (3_723_000, "1:02:03"), (-5, "00:00")],
)
def test_it_writes_minutes_and_seconds_and_hours_only_when_needed(ms, text):
    assert format_timestamp(ms) == text


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("754-790", (754_000, 790_000)),
        ("12:34-13:10", (754_000, 790_000)),
        ("0:12:34-0:13:10", (754_000, 790_000)),
        (" 12:34 – 13:10 ", (754_000, 790_000)),
        ("1:02:03-1:02:30", (3_723_000, 3_750_000)),
        ("790-754", (754_000, 790_000)),
        ("754-754", (754_000, 754_000)),
    ],
)
def test_it_reads_a_range_of_moments_start_first(text, ms):
    assert parse_time_range(text) == ms


@pytest.mark.parametrize("text", ["754", "12:34", "-5", "754-", "-790", "12:34-banane", "1-2-3", "754-25h", "-"])
def test_it_reads_no_range_in_a_single_time_or_a_malformed_one(text):
    assert parse_time_range(text) is None
