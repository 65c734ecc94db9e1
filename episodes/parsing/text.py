"""The show's own web page, copied as text: a header, then `MM:SS` glued to each line.

    - 19/06/2025
    Jeudi 19 juin 2025, retrouvez ... dans SMART TECH, une émission présentée par ...
    Catégorie
    🗞
    NewsTranscription
    00:00Bonjour à tous, ...
    ...
    28:18Excellente journée.
    Recommandations
    28:58
    ...

Also plain `[HH:MM:SS] text` lines, which differ only in the brackets.
"""

import re

from episodes.parsing import header
from episodes.parsing.limits import check_line_count, check_line_length
from episodes.parsing.timestamps import clock_at_line
from episodes.parsing.types import (
    N_,
    ParsedSegment,
    ParsedTranscript,
    ParseWarning,
    TranscriptError,
    TranscriptFormat,
)

# Minutes and seconds take exactly two digits, so `15:5414,3 milliards` is 15:54.
GLUED = re.compile(r"(?P<time>(?:\d{1,2}:)?\d{1,2}:\d{2})(?P<text>.*)")
BRACKETED = re.compile(r"\[(?P<time>[\d:.,]+)\]\s*(?P<text>.*)")
# The page's blocks after the transcript (other episodes' durations) end it.
TRAILER = re.compile(r"(?:recommandations|à voir aussi|voir aussi|related|recommended)\s*:?", re.I)
DESCRIPTION_MIN_LENGTH = 40


def looks_like_show_page(lines: list[str]) -> bool:
    return sum(1 for line in lines[:400] if _glued_line(line)) >= 2


def looks_bracketed(lines: list[str]) -> bool:
    return sum(1 for line in lines[:400] if BRACKETED.match(line.strip())) >= 1


def parse_show_page(lines: list[str]) -> ParsedTranscript:
    first = next((i for i, line in enumerate(lines) if _glued_line(line)), None)
    if first is None:
        raise TranscriptError(N_("no line starts with a time like 00:00 or 1:02:03"))
    transcript = ParsedTranscript(format=TranscriptFormat.SHOW_PAGE, segments=[])
    _read_header(lines[:first], transcript)
    transcript.segments = _read_lines(lines, first, GLUED, transcript.warnings)
    return transcript


def parse_bracketed(lines: list[str]) -> ParsedTranscript:
    first = next((i for i, line in enumerate(lines) if BRACKETED.match(line.strip())), None)
    if first is None:
        raise TranscriptError(N_("no line starts with a time like [00:01:02]"))
    transcript = ParsedTranscript(format=TranscriptFormat.BRACKETED, segments=[])
    transcript.segments = _read_lines(lines, first, BRACKETED, transcript.warnings)
    return transcript


def _glued_line(line: str) -> bool:
    match = GLUED.match(line.strip())
    return bool(match and match["text"].strip())


def _read_header(lines: list[str], transcript: ParsedTranscript) -> None:
    for line in lines:
        if day := header.parse_date_line(line):
            transcript.air_date = transcript.air_date or day
    texts = [line.strip() for line in lines if len(line.strip()) >= DESCRIPTION_MIN_LENGTH]
    if not texts:
        return
    description = max(texts, key=len)
    transcript.description = description
    transcript.show = header.show_name(description)
    host = header.host(description)
    transcript.people = ([host] if host else []) + header.guests(description)
    if transcript.air_date and transcript.show:
        transcript.title = f"{transcript.show} du {header.french_date(transcript.air_date)}"


def _read_lines(
    lines: list[str], first: int, pattern: re.Pattern[str], warnings: list[ParseWarning]
) -> list[ParsedSegment]:
    segments: list[ParsedSegment] = []
    for number, raw in enumerate(lines[first:], start=first + 1):
        line = raw.strip()
        if not line:
            continue
        if TRAILER.fullmatch(line):
            break
        match = pattern.match(line)
        if not match:
            _continue_line(segments, line, number, warnings)
            continue
        start_ms = clock_at_line(match["time"], number)
        text = match["text"].strip()
        if not text:
            warnings.append(ParseWarning(number, N_("%(time)s has no text; line skipped"), {"time": match["time"]}))
            continue
        segments.append(ParsedSegment(start_ms=start_ms, text=text, line=number))
        check_line_count(len(segments), number)
    return segments


def _continue_line(segments: list[ParsedSegment], line: str, number: int, warnings: list[ParseWarning]) -> None:
    """A line without a time continues the one before (a wrapped line)."""
    if not segments:
        warnings.append(ParseWarning(number, N_("text before the first line with a time; skipped")))
        return
    segment = segments[-1]
    segment.text = f"{segment.text} {line}"
    # Checked as it grows, so that a million wrapped lines stop at the limit instead of piling up.
    check_line_length(segment.text, segment.line)
