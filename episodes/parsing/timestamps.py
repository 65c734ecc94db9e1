"""Moments in time as people and subtitle files write them, to and from milliseconds."""

import re

from episodes.parsing.limits import MAX_MS
from episodes.parsing.types import TranscriptError

# `21:49`, `1:02:03`, `00:01:02,500` (SRT), `01:02.500` (WebVTT).
CLOCK = re.compile(r"(?:(?P<h>\d{1,2}):)?(?P<m>\d{1,2}):(?P<s>\d{2})(?:[.,](?P<frac>\d{1,3}))?")
# `21m49s`, `1h02m03s`, `49s`, `1h`.
UNITS = re.compile(r"(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m(?:in)?)?(?:(?P<s>\d+(?:[.,]\d+)?)s?)?", re.I)

# Longer than `1h02m03.500s` by a margin; anything longer is not a time.
MAX_LENGTH = 16


def clock_to_ms(match: re.Match[str]) -> int:
    """Milliseconds of a CLOCK match; raises ValueError for a second past 59 or a time past 24 hours.

    Minutes past 59 are refused only when hours are given: YouTube and podcast
    chapters write 1:15:30 as `75:30`, while `1:75:30` is a mistake.
    """
    hours = int(match["h"] or 0)
    minutes, seconds = int(match["m"]), int(match["s"])
    if seconds > 59 or (match["h"] is not None and minutes > 59):
        raise ValueError(f"{match[0]!r} is not a valid time")
    frac = (match["frac"] or "").ljust(3, "0")
    return within_a_day(((hours * 60 + minutes) * 60 + seconds) * 1000 + int(frac or 0), match[0])


def within_a_day(ms: int, written: str) -> int:
    """`ms` if at most 24 hours, else a ValueError quoting the time as it was written."""
    if ms > MAX_MS:
        raise ValueError(f"{written} is past 24 hours")
    return ms


def parse_timestamp(value: str) -> int:
    """Milliseconds for `1309`, `21:49`, `0:21:49`, `21m49s`, `00:21:49,500`.

    Raises ValueError with a readable message for anything else.
    """
    text = value.strip()
    if not text:
        raise ValueError("empty time")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"{text[:MAX_LENGTH]!r}... is too long to be a time")
    if match := CLOCK.fullmatch(text):
        return clock_to_ms(match)
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        return within_a_day(round(float(text.replace(",", ".")) * 1000), text)
    match = UNITS.fullmatch(text)
    if match and any(match.group(unit) for unit in "hms"):
        seconds = float((match["s"] or "0").replace(",", "."))
        return within_a_day(round(((int(match["h"] or 0) * 60 + int(match["m"] or 0)) * 60 + seconds) * 1000), text)
    raise ValueError(f"{value!r} is not a time (try 1309, 21:49, 0:21:49 or 21m49s)")


def format_timestamp(ms: int) -> str:
    """`21:49` under an hour, `1:02:03` from an hour on; seconds are floored."""
    total = max(ms, 0) // 1000
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes:02d}:{seconds:02d}"


def clock_at_line(value: str, line: int) -> int:
    """Milliseconds of a clock time read from a file, or a TranscriptError naming the line."""
    match = CLOCK.fullmatch(value)
    if not match:
        raise TranscriptError(f"{value!r} is not a time like 00:00, 1:02:03 or 00:00:01,000", line)
    try:
        return clock_to_ms(match)
    except ValueError as error:
        raise TranscriptError(str(error), line) from None
