"""SubRip (.srt) and WebVTT (.vtt): blocks of cues separated by blank lines.

We read both ourselves rather than through `srt` or `webvtt-py`: neither keeps
the line a cue came from, and every message here must name its line; webvtt-py
also drops malformed cues silently unless strict, where it stops at the first.
The two formats differ only in their header, comment blocks and cue markup.
"""

import html
import re
from collections.abc import Iterator

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

ARROW = "-->"
TIMING = re.compile(r"(?P<start>\S+)\s+-->\s+(?P<end>\S+)(?P<settings>.*)")
# A tag never holds `<`: so `<<<<…` without `>` is read in linear time, not quadratic.
VOICE = re.compile(r"<v(?:\.[^\s<>]*)?\s+(?P<speaker>[^<>]+)>")
TAG = re.compile(r"<[^<>]*>")
# SubRip has a few tags that players agree on (italic, bold, underline, colour); other text in
# brackets (`<invité>`) is said. Its entities are read, as many tools write them.
SRT_TAG = re.compile(r"</?(?:[biu]|font)(?:\s[^<>]*)?>", re.IGNORECASE)
VTT_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")


def looks_like_webvtt(lines: list[str]) -> bool:
    return bool(lines) and lines[0].lstrip("\ufeff").startswith("WEBVTT")


def looks_like_srt(lines: list[str]) -> bool:
    return any(TIMING.fullmatch(line.strip()) for line in lines[:50])


def parse_webvtt(lines: list[str]) -> ParsedTranscript:
    first = lines[0].lstrip("\ufeff")
    if first != "WEBVTT" and not first.startswith(("WEBVTT ", "WEBVTT\t")):
        raise TranscriptError(N_("a WebVTT file starts with a line WEBVTT"), 1)
    blocks = list(_blocks(lines))[1:]  # the first block is the header
    transcript = ParsedTranscript(format=TranscriptFormat.WEBVTT, segments=[])
    for number, block in blocks:
        if block[0].split(" ")[0].split("\t")[0] in VTT_SKIPPED_BLOCKS:
            continue
        _read_cue(number, block, transcript, webvtt=True)
    return transcript


def parse_srt(lines: list[str]) -> ParsedTranscript:
    transcript = ParsedTranscript(format=TranscriptFormat.SRT, segments=[])
    for number, block in _blocks(lines):
        _read_cue(number, block, transcript, webvtt=False)
    return transcript


def _blocks(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """(line number of the block's first line, its lines) for each block."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line.rstrip())
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _read_cue(number: int, block: list[str], transcript: ParsedTranscript, *, webvtt: bool) -> None:
    timing_at = next((i for i, line in enumerate(block[:2]) if ARROW in line), None)
    if timing_at is None:
        _orphan_text(number, block, transcript, webvtt=webvtt)
        return
    line = number + timing_at
    start_ms, end_ms = _timing(block[timing_at], line)
    raw = " ".join(part.strip() for part in block[timing_at + 1 :])
    speaker = ""
    if webvtt and (voice := VOICE.search(raw)):
        speaker = " ".join(html.unescape(voice["speaker"]).split())
    text = _cue_text(raw, webvtt=webvtt)
    if not text:
        transcript.warnings.append(ParseWarning(line, N_("cue without text; skipped")))
        return
    transcript.segments.append(ParsedSegment(start_ms=start_ms, end_ms=end_ms, text=text, line=line, speaker=speaker))
    check_line_count(len(transcript.segments), line)


def _cue_text(raw: str, *, webvtt: bool) -> str:
    """A cue's text as said, on one line: without its tags, its entities read."""
    return " ".join(html.unescape((TAG if webvtt else SRT_TAG).sub("", raw)).split())


def _orphan_text(number: int, block: list[str], transcript: ParsedTranscript, *, webvtt: bool) -> None:
    """Text with no timing line: a cue's text split by a blank line, most often."""
    if not transcript.segments:
        message = N_("expected a timing line like 00:00:01,000 --> 00:00:04,000, found %(found)s")
        raise TranscriptError(message, number, found=repr(block[0]))
    text = _cue_text(" ".join(block), webvtt=webvtt)
    cue = transcript.segments[-1]
    cue.text = f"{cue.text} {text}"
    # Checked as it grows, so that a million such blocks stop at the limit instead of piling up.
    check_line_length(cue.text, cue.line)
    transcript.warnings.append(ParseWarning(number, N_("text without a timing line; added to the cue before")))


def _timing(line: str, number: int) -> tuple[int, int]:
    match = TIMING.fullmatch(line.strip())
    if not match:
        message = N_("%(found)s is not a timing line like 00:00:01,000 --> 00:00:04,000")
        raise TranscriptError(message, number, found=repr(line.strip()))
    start_ms, end_ms = (clock_at_line(match[side], number) for side in ("start", "end"))
    if end_ms < start_ms:
        message = N_("the cue ends (%(end)s) before it starts (%(start)s)")
        raise TranscriptError(message, number, end=match["end"], start=match["start"])
    return start_ms, end_ms
