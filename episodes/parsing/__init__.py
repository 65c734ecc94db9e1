"""Transcript files to a ParsedTranscript. Pure Python: no Django, no database.

`parse_transcript(data, filename)` is the one entry point. It recognises the
format by content (never by the file name), reads it, then checks the
timeline: every error is a TranscriptError naming the line.
"""

import datetime
import itertools
from pathlib import PurePath

from episodes.parsing import cues, header, podcast_json, text, web_page
from episodes.parsing.decoding import decode
from episodes.parsing.limits import (
    MAX_LINE_CHARS,
    MAX_LINES,
    MAX_MS,
    check_characters,
    check_line_count,
    check_line_text,
)
from episodes.parsing.timestamps import format_timestamp
from episodes.parsing.types import (
    N_,
    ParsedPerson,
    ParsedSegment,
    ParsedTranscript,
    ParseWarning,
    Role,
    TranscriptError,
    TranscriptFormat,
)

__all__ = [
    "MAX_LINES",
    "MAX_LINE_CHARS",
    "MAX_MS",
    "ParseWarning",
    "ParsedPerson",
    "ParsedSegment",
    "ParsedTranscript",
    "Role",
    "TranscriptError",
    "TranscriptFormat",
    "parse_transcript",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Speech recognition and hand-made files jitter; a bigger jump back is a mistake.
BACKWARDS_TOLERANCE_MS = 5_000
MAX_START_MS = MAX_MS
# The last line of a format without end times lasts this long per character.
LAST_LINE_MS_PER_CHAR = 70
LAST_LINE_MIN_MS = 1_000


def parse_transcript(data: bytes, filename: str = "", *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedTranscript:
    if len(data) > max_bytes:
        size, limit = len(data) / 1024 / 1024, max_bytes / 1024 / 1024
        # Rounded as the English text writes them, so that both languages say the same.
        message = N_("the file is %(size)s MB, over the %(limit)s MB limit")
        raise TranscriptError(message, size=round(size, 1), limit=round(limit))
    content, _encoding = decode(data)
    transcript = _parse(content)
    _check_timeline(transcript)
    _fill_from_filename(transcript, filename)
    return transcript


def _parse(content: str) -> ParsedTranscript:
    lines = content.split("\n")
    if podcast_json.looks_like_podcast_json(content):
        return podcast_json.parse_podcast_json(content)
    if web_page.looks_like_html(content):
        return web_page.parse_web_page(content)
    if cues.looks_like_webvtt(lines):
        return cues.parse_webvtt(lines)
    if cues.looks_like_srt(lines):
        return cues.parse_srt(lines)
    if text.looks_bracketed(lines):
        return text.parse_bracketed(lines)
    if text.looks_like_show_page(lines):
        return text.parse_show_page(lines)
    raise TranscriptError(
        N_(
            "no timestamps found: expected SRT, WebVTT, Podcasting 2.0 JSON, "
            "[HH:MM:SS] lines or the show page's MM:SS lines"
        )
    )


def _check_timeline(transcript: ParsedTranscript) -> None:
    segments = transcript.segments
    if not segments:
        raise TranscriptError(N_("the file has timestamps but no transcript text"))
    previous: ParsedSegment | None = None
    for count, segment in enumerate(segments, start=1):
        check_line_count(count, segment.line)
        _check_segment(segment)
        if previous and segment.start_ms < previous.start_ms:
            _check_step_back(previous, segment, transcript.warnings)
        previous = segment
    _fill_ends(segments)


def _check_segment(segment: ParsedSegment) -> None:
    """What every format must give, whatever its parser already checked on the way."""
    for ms in (segment.start_ms, segment.end_ms):
        if ms is not None and ms > MAX_MS:
            raise TranscriptError(N_("%(time)s is past 24 hours"), segment.line, time=format_timestamp(ms))
    check_line_text(segment.text, segment.line)
    check_characters(segment.speaker, segment.line)


def _check_step_back(previous: ParsedSegment, segment: ParsedSegment, warnings: list[ParseWarning]) -> None:
    back_ms = previous.start_ms - segment.start_ms
    at, before = format_timestamp(segment.start_ms), format_timestamp(previous.start_ms)
    if back_ms > BACKWARDS_TOLERANCE_MS:
        message = N_("the time goes backwards: %(at)s comes after %(before)s (line %(before_line)s)")
        raise TranscriptError(message, segment.line, at=at, before=before, before_line=previous.line)
    # Keep the file's order and a timeline that never goes back.
    segment.start_ms = previous.start_ms
    message = N_("%(at)s comes after %(before)s; moved to %(before)s")
    warnings.append(ParseWarning(segment.line, message, {"at": at, "before": before}))


def _fill_ends(segments: list[ParsedSegment]) -> None:
    """End = the file's end time, else the next line's start; the last line lasts as its text."""
    for segment, following in itertools.pairwise(segments):
        if segment.end_ms is None:
            segment.end_ms = following.start_ms
    last = segments[-1]
    if last.end_ms is None:
        duration = max(LAST_LINE_MIN_MS, len(last.text) * LAST_LINE_MS_PER_CHAR)
        last.end_ms = min(last.start_ms + duration, MAX_MS)


def _fill_from_filename(transcript: ParsedTranscript, filename: str) -> None:
    name = PurePath(filename).stem if filename else ""
    if not transcript.air_date and name:
        transcript.air_date = header.date_from_filename(name)
    if not transcript.title:
        transcript.title = _title_from_name(name, transcript)


def _title_from_name(name: str, transcript: ParsedTranscript) -> str:
    """`smart-tech-2025-06-19` -> `Smart tech du 19 juin 2025` (`retitled` gives it the show's casing)."""
    words = header.FILE_DATE.sub(" ", name).replace("_", " ").replace("-", " ").split()
    transcript.name_words = " ".join(words)
    return dated_title(transcript.name_words.capitalize() or transcript.show or "Épisode", transcript.air_date)


def dated_title(title: str, air_date: datetime.date | None) -> str:
    return f"{title} du {header.french_date(air_date)}" if air_date else title


def retitled(transcript: ParsedTranscript, show: str) -> str:
    """A title made from the file's name, written as the show is when the name is the show's
    (`smart-tech-2025-06-19.srt` with the show `SMART TECH`: `SMART TECH du 19 juin 2025`)."""
    if transcript.name_words and transcript.name_words.casefold() == " ".join(show.split()).casefold():
        return dated_title(" ".join(show.split()), transcript.air_date)
    return transcript.title
