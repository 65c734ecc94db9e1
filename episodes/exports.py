"""An episode's transcript written out as SRT, WebVTT, Podcasting 2.0 JSON or plain lines. Pure: no Django.

JSON and plain lines keep whole lines: our own parser (`episodes.parsing.parse_transcript`)
reads them back as the same lines at the same times (plain lines keep starts to the millisecond
and no ends: a line ends where the next begins). SRT and WebVTT are captions, as players show
them: each line is cut into cues of at most two rows of 42 characters, every word kept, the
line's time shared among its cues in proportion to their characters, the first starting at the
line's own start; and every cue lasts some time (a line without one lasts until the next, or
the time it takes to read). A line's whitespace is written as single spaces, since no cue
format can hold a blank line in its text.
"""

import html
import json
import textwrap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

# One encoder for every segment (json.dumps builds one a call when given options).
JSON = json.JSONEncoder(ensure_ascii=False)


class ExportLine(NamedTuple):
    """One line to write; a tuple, as cheap to build from a database row as the row itself."""

    start_ms: int
    end_ms: int
    text: str
    speaker: str = ""


@dataclass(frozen=True)
class ExportFormat:
    extension: str
    content_type: str
    write: Callable[[Iterable[ExportLine]], str]


class Cue(NamedTuple):
    """A caption: up to CAPTION_ROWS rows of text, shown from `start_ms` to `end_ms` (later)."""

    start_ms: int
    end_ms: int
    rows: tuple[str, ...]
    speaker: str


# The usual size of a caption (the BBC's, Netflix's and the EBU's guidelines): 2 rows of 42.
CAPTION_ROWS = 2
CAPTION_CHARS = 42
# How long a line that has no duration of its own stays on screen: the time to read it (about
# 15 characters a second), at least a second, and no later than the next line's start.
READING_MS_PER_CHAR = 66
SHORTEST_CUE_MS = 1_000


def captions(lines: Iterable[ExportLine], *, speaker_prefix: bool = False) -> Iterator[Cue]:
    """The lines as captions, in order. With `speaker_prefix`, a line's first cue begins with
    `Nom : ` (its speaker, in the French style), counted in its characters."""
    lines = list(lines)
    nexts = [line.start_ms for line in lines[1:]] + [None]
    for line, next_start in zip(lines, nexts, strict=True):
        text = _one_line(line.text)
        speaker = _one_line(line.speaker)
        if speaker_prefix and speaker:
            text = f"{speaker} : {text}"
        yield from _line_cues(line.start_ms, _line_end(line, len(text), next_start), text, speaker)


def _line_end(line: ExportLine, chars: int, next_start: int | None) -> int:
    if line.end_ms > line.start_ms:
        return line.end_ms
    reading = line.start_ms + max(SHORTEST_CUE_MS, chars * READING_MS_PER_CHAR)
    return reading if next_start is None or next_start <= line.start_ms else min(reading, next_start)


def _caption_rows(text: str) -> list[str]:
    """The text in rows of at most CAPTION_CHARS (a longer word has a row of its own), as few
    cues as fit and the rows as even as they allow: a line of 90 characters is two cues of about
    45, not one of 84 and one of a word."""
    longest = max(map(len, text.split()), default=0)
    cues = max(1, -(-len(text) // (CAPTION_ROWS * CAPTION_CHARS)))
    while True:
        # The narrowest width that fits in `cues` cues, if one does: rows only grow fewer as it widens.
        low, high, fitting = max(1, longest, -(-len(text) // (CAPTION_ROWS * cues))), max(CAPTION_CHARS, longest), None
        while low <= high:
            width = (low + high) // 2
            rows = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
            if len(rows) <= CAPTION_ROWS * cues:
                fitting, high = rows, width - 1
            else:
                low = width + 1
        if fitting is not None:
            return fitting or [""]
        cues += 1


def _line_cues(start_ms: int, end_ms: int, text: str, speaker: str) -> Iterator[Cue]:
    rows = _caption_rows(text)
    groups = [tuple(rows[i : i + CAPTION_ROWS]) for i in range(0, len(rows), CAPTION_ROWS)]
    # Each cue's share of the line's time is its share of the characters; each lasts 1 ms at least.
    sizes = [sum(map(len, group)) for group in groups]
    total, before, starts = max(1, sum(sizes)), 0, []
    for size in sizes:
        starts.append(max(start_ms + (end_ms - start_ms) * before // total, starts[-1] + 1 if starts else start_ms))
        before += size
    ends = [*starts[1:], max(end_ms, starts[-1] + 1)]
    for group, cue_start, cue_end in zip(groups, starts, ends, strict=True):
        yield Cue(cue_start, cue_end, group, speaker)


def write_srt(lines: Iterable[ExportLine]) -> str:
    # Players agree on no place for a speaker in SubRip: it begins the text (`Nom : texte`).
    cues = (
        f"{number}\n{_clock(cue.start_ms, ',')} --> {_clock(cue.end_ms, ',')}\n{_srt_text(cue.rows)}\n"
        for number, cue in enumerate(captions(lines, speaker_prefix=True), start=1)
    )
    return "\n".join(cues)


def write_webvtt(lines: Iterable[ExportLine]) -> str:
    cues = (f"{_clock(cue.start_ms, '.')} --> {_clock(cue.end_ms, '.')}\n{_vtt_text(cue)}\n" for cue in captions(lines))
    return "\n".join(["WEBVTT\n", *cues])


def write_podcast_json(lines: Iterable[ExportLine]) -> str:
    # One segment a line: a person can read it, and a long episode is not six lines a segment.
    segments = ",\n".join(JSON.encode(_json_segment(line)) for line in lines)
    return f'{{"version": "1.0.0", "segments": [\n{segments}\n]}}\n'


def write_plain_lines(lines: Iterable[ExportLine]) -> str:
    return "".join(f"{_plain_line(line)}\n" for line in lines)


FORMATS = {
    export.extension: export
    for export in (
        ExportFormat("srt", "application/x-subrip; charset=utf-8", write_srt),
        ExportFormat("vtt", "text/vtt; charset=utf-8", write_webvtt),
        ExportFormat("json", "application/json; charset=utf-8", write_podcast_json),
        ExportFormat("txt", "text/plain; charset=utf-8", write_plain_lines),
    )
}


def _clock(ms: int, separator: str) -> str:
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _srt_text(rows: tuple[str, ...]) -> str:
    """SubRip text is plain: written as said, `&` and `<` included (players show `&amp;` as
    written). Only an arrow is changed (`-->` to `→`): with it, a row that holds a time could be
    read as a cue's timing line."""
    return "\n".join(row.replace("-->", "→") for row in rows)


def _vtt_text(cue: Cue) -> str:
    # WebVTT escapes `&`, `<` and `>` in text and voice names; `>` also keeps a `-->` out of the cue.
    text = "\n".join(html.escape(row, quote=False) for row in cue.rows)
    return f"<v {html.escape(cue.speaker, quote=False)}>{text}" if cue.speaker else text


def _json_segment(line: ExportLine) -> dict[str, object]:
    segment: dict[str, object] = {"startTime": line.start_ms / 1000, "endTime": line.end_ms / 1000}
    if line.speaker.strip():
        segment["speaker"] = _one_line(line.speaker)
    segment["body"] = _one_line(line.text)
    return segment


def _plain_line(line: ExportLine) -> str:
    # `[00:01:02]` for a whole second, as people write it; `[00:01:02.500]` otherwise.
    time = f"[{_clock(line.start_ms, '.').removesuffix('.000')}]"
    text = _one_line(line.text)
    if speaker := _one_line(line.speaker):
        text = f"{speaker} : {text}"
    # `[00:01:02] --> x` would read as a SubRip timing line; without the space it cannot.
    return f"{time}{text}" if text.startswith("-->") else f"{time} {text}"
