"""Podcasting 2.0 JSON transcripts: `{"segments": [{"startTime", "endTime", "speaker", "body"}]}`.

The JSON has no lines of its own worth naming, so messages name the segment
(`segment 12`) and the line where that segment's object starts in the file.
"""

import contextlib
import json
import math
import re
from typing import Any

from episodes.parsing.types import ParsedSegment, ParsedTranscript, TranscriptError, TranscriptFormat

SEGMENT_OPENING = re.compile(r"\{")


def looks_like_podcast_json(text: str) -> bool:
    return text.lstrip().startswith("{")


def parse_podcast_json(text: str) -> ParsedTranscript:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise TranscriptError(f"not valid JSON: {error.msg} (column {error.colno})", error.lineno) from None
    items = document.get("segments") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise TranscriptError('a Podcasting 2.0 JSON transcript needs a "segments" list')
    lines = _segment_lines(text, len(items))
    transcript = ParsedTranscript(format=TranscriptFormat.PODCAST_JSON, segments=[])
    for index, item in enumerate(items):
        segment = _segment(item, index + 1, lines[index])
        if segment.text:
            transcript.segments.append(segment)
    return transcript


def _segment(item: Any, number: int, line: int) -> ParsedSegment:
    if not isinstance(item, dict):
        raise TranscriptError(f"segment {number} is not an object", line)
    start = _seconds(item, "startTime", number, line)
    end = _seconds(item, "endTime", number, line) if "endTime" in item else None
    if end is not None and end < start:
        raise TranscriptError(f"segment {number} ends before it starts", line)
    return ParsedSegment(
        start_ms=round(start * 1000),
        end_ms=None if end is None else round(end * 1000),
        text=" ".join(str(item.get("body") or "").split()),
        speaker=" ".join(str(item.get("speaker") or "").split()),
        line=line,
    )


def _seconds(item: dict[str, Any], key: str, number: int, line: int) -> float:
    value = item.get(key)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise TranscriptError(f'segment {number}: "{key}" must be a number of seconds, not {value!r}', line)
    return float(value)


def _segment_lines(text: str, count: int) -> list[int]:
    """Best-effort line of each segment object: the n-th `{` after `"segments"`."""
    offset = text.find('"segments"')
    lines = []
    for match in SEGMENT_OPENING.finditer(text, max(offset, 0)):
        lines.append(text.count("\n", 0, match.start()) + 1)
        if len(lines) == count:
            break
    return lines + [0] * (count - len(lines))
