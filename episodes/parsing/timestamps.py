"""Moments in time as people and subtitle files write them, to and from milliseconds."""

import re

from episodes.parsing.limits import MAX_MS
from episodes.parsing.types import N_, TranscriptError

# `21:49`, `1:02:03`, `00:01:02,500` (SRT), `01:02.500` (WebVTT).
# ASCII digits only: Python's `\d` and `int()` also read `١٢:٣٤`, which no one types for a time here.
CLOCK = re.compile(r"(?:(?P<h>\d{1,2}):)?(?P<m>\d{1,2}):(?P<s>\d{2})(?:[.,](?P<frac>\d{1,3}))?", re.ASCII)
# `21m49s`, `1h02m03s`, `49s`, `1h`.
UNITS = re.compile(r"(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m(?:in)?)?(?:(?P<s>\d+(?:[.,]\d+)?)s?)?", re.I | re.ASCII)

# Longer than `1h02m03.500s` by a margin; anything longer is not a time.
MAX_LENGTH = 16


def clock_to_ms(match: re.Match[str]) -> int:
    """Milliseconds of a CLOCK match; a TranscriptError (a ValueError) for a second past 59 or past 24 hours.

    Minutes past 59 are refused only when hours are given: YouTube and podcast
    chapters write 1:15:30 as `75:30`, while `1:75:30` is a mistake.
    """
    hours = int(match["h"] or 0)
    minutes, seconds = int(match["m"]), int(match["s"])
    if seconds > 59 or (match["h"] is not None and minutes > 59):
        raise TranscriptError(N_("%(time)s is not a valid time"), time=repr(match[0]))
    frac = (match["frac"] or "").ljust(3, "0")
    return within_a_day(((hours * 60 + minutes) * 60 + seconds) * 1000 + int(frac or 0), match[0])


def within_a_day(ms: int, written: str) -> int:
    """`ms` if at most 24 hours, else a TranscriptError (a ValueError) quoting the time as it was written."""
    if ms > MAX_MS:
        raise TranscriptError(N_("%(time)s is past 24 hours"), time=written)
    return ms


def parse_timestamp(value: str) -> int:
    """Milliseconds for `1309`, `21:49`, `0:21:49`, `21m49s`, `00:21:49,500`.

    Raises TranscriptError (a ValueError) with a readable message for anything else.
    """
    text = value.strip()
    if not text:
        raise TranscriptError(N_("empty time"))
    if len(text) > MAX_LENGTH:
        raise TranscriptError(N_("%(start)s... is too long to be a time"), start=repr(text[:MAX_LENGTH]))
    if not text.isascii():
        raise TranscriptError(N_("%(value)s: write a time with the digits 0 to 9 (1309, 21:49)"), value=repr(value))
    if match := CLOCK.fullmatch(text):
        return clock_to_ms(match)
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text, re.ASCII):
        return within_a_day(round(float(text.replace(",", ".")) * 1000), text)
    match = UNITS.fullmatch(text)
    if match and any(match.group(unit) for unit in "hms"):
        seconds = float((match["s"] or "0").replace(",", "."))
        return within_a_day(round(((int(match["h"] or 0) * 60 + int(match["m"] or 0)) * 60 + seconds) * 1000), text)
    raise TranscriptError(N_("%(value)s is not a time (try 1309, 21:49, 0:21:49 or 21m49s)"), value=repr(value))


def parse_time_range(value: str) -> tuple[int, int] | None:
    """Milliseconds of the start and end of a range of moments: `754-790`, `12:34-13:10`,
    `0:12:34-0:13:10`, or with the en dash pages write ranges with (`12:34–13:10`).

    Start first: a range written backwards is turned round. None for a single time and for
    anything malformed, so that `?t=` may take either.
    """
    start, dash, end = value.replace("–", "-").partition("-")
    if not dash:
        return None
    try:
        first, last = parse_timestamp(start), parse_timestamp(end)
    except ValueError:
        return None
    return (first, last) if first <= last else (last, first)


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
        message = N_("%(value)s is not a time like 00:00, 1:02:03 or 00:00:01,000")
        raise TranscriptError(message, line, value=repr(value))
    try:
        return clock_to_ms(match)
    except TranscriptError as error:
        raise TranscriptError(error.template, line, **error.params) from None
