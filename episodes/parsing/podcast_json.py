"""Podcasting 2.0 JSON transcripts: `{"segments": [{"startTime", "endTime", "speaker", "body"}]}`.

The JSON has no lines of its own worth naming, so messages name the segment
(`segment 12`) and the line where that segment's object starts in the file.
"""

import contextlib
import json
import re
from typing import Any

from episodes.parsing.limits import MAX_MS, check_line_count
from episodes.parsing.types import N_, ParsedSegment, ParsedTranscript, TranscriptError, TranscriptFormat

SEGMENT_OPENING = re.compile(r"\{")
MAX_SECONDS = MAX_MS // 1000
# How much of a bad value a message quotes: `1e+300`, not three hundred digits.
QUOTED_MAX = 24


def looks_like_podcast_json(text: str) -> bool:
    return text.lstrip().startswith("{")


def parse_podcast_json(text: str) -> ParsedTranscript:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        # json's reason (`Expecting value`) stays in English: it is Python's, not ours.
        message = N_("not valid JSON: %(reason)s (column %(column)s)")
        raise TranscriptError(message, error.lineno, reason=error.msg, column=error.colno) from None
    except ValueError:
        # Python refuses to read an integer of more than 4,300 digits.
        raise TranscriptError(N_("not valid JSON: a number too long to read")) from None
    except RecursionError:
        raise TranscriptError(N_("not valid JSON: lists or objects nested too deeply")) from None
    items = document.get("segments") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise TranscriptError(N_('a Podcasting 2.0 JSON transcript needs a "segments" list'))
    lines = _segment_lines(text, len(items))
    transcript = ParsedTranscript(format=TranscriptFormat.PODCAST_JSON, segments=[])
    for index, item in enumerate(items):
        segment = _segment(item, index + 1, lines[index])
        if segment.text:
            transcript.segments.append(segment)
            check_line_count(len(transcript.segments), segment.line)
    return transcript


def _segment(item: Any, number: int, line: int) -> ParsedSegment:
    if not isinstance(item, dict):
        raise TranscriptError(N_("segment %(number)s is not an object"), line, number=number)
    start = _seconds(item, "startTime", number, line)
    end = _seconds(item, "endTime", number, line) if "endTime" in item else None
    if end is not None and end < start:
        raise TranscriptError(N_("segment %(number)s ends before it starts"), line, number=number)
    return ParsedSegment(
        start_ms=round(start * 1000),
        end_ms=None if end is None else round(end * 1000),
        text=" ".join(str(item.get("body") or "").split()),
        speaker=" ".join(str(item.get("speaker") or "").split()),
        line=line,
    )


def _seconds(item: dict[str, Any], key: str, number: int, line: int) -> float:
    value = written = item.get(key)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    # NaN compares false, so the range also refuses it; an int too big for a float compares fine.
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_SECONDS:
        message = N_(
            'segment %(number)s: "%(key)s" must be a number of seconds from 0 to %(max)s (24 hours), not %(value)s'
        )
        raise TranscriptError(message, line, number=number, key=key, max=MAX_SECONDS, value=_quoted(written))
    return float(value)


def _quoted(value: Any) -> str:
    """The value as the file wrote it, cut short."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= QUOTED_MAX else f"{text[:QUOTED_MAX]}…"


def _segment_lines(text: str, count: int) -> list[int]:
    """Best-effort line of each segment object: the n-th `{` after `"segments"`."""
    offset = text.find('"segments"')
    lines: list[int] = []
    # Count line ends from the previous object on, not from the top each time: linear in the file.
    line, counted = 1, 0
    for match in SEGMENT_OPENING.finditer(text, max(offset, 0)):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        lines.append(line)
        if len(lines) == count:
            break
    return lines + [0] * (count - len(lines))
