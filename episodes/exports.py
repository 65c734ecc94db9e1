"""An episode's transcript written out as SRT, WebVTT, Podcasting 2.0 JSON or plain lines. Pure: no Django.

Each writer gives a file that our own parser (`episodes.parsing.parse_transcript`) reads back
as the same lines at the same times: SRT, WebVTT and JSON keep starts and ends to the
millisecond; plain lines keep starts to the millisecond and no ends (a line ends where the
next begins). A line's whitespace is written as single spaces on one line, since no cue
format can hold a blank line in its text.
"""

import html
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from episodes.parsing.cues import TAG

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


def write_srt(lines: Iterable[ExportLine]) -> str:
    # SubRip has no place for a speaker that players agree on: the text stays the line's own.
    cues = (
        f"{number}\n{_clock(line.start_ms, ',')} --> {_clock(line.end_ms, ',')}\n{_srt_text(line.text)}\n"
        for number, line in enumerate(lines, start=1)
    )
    return "\n".join(cues)


def write_webvtt(lines: Iterable[ExportLine]) -> str:
    cues = (f"{_clock(line.start_ms, '.')} --> {_clock(line.end_ms, '.')}\n{_vtt_text(line)}\n" for line in lines)
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


def _srt_text(text: str) -> str:
    """The text as is when readers take it as is; escaped when they would read a tag (`<i>`) or an
    entity (`&amp;`) in it. Kept plain otherwise: SRT players show `&amp;` as written."""
    text = _one_line(text)
    if ("<" in text and TAG.search(text)) or ("&" in text and html.unescape(text) != text):
        return html.escape(text, quote=False)
    return text


def _vtt_text(line: ExportLine) -> str:
    # WebVTT escapes `&`, `<` and `>` in text and voice names; `>` also keeps a `-->` out of the cue.
    text = html.escape(_one_line(line.text), quote=False)
    speaker = html.escape(_one_line(line.speaker), quote=False)
    return f"<v {speaker}>{text}" if speaker else text


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
    # `[00:01:02] --> x` would read as a SubRip timing line; without the space it cannot.
    return f"{time}{text}" if text.startswith("-->") else f"{time} {text}"
