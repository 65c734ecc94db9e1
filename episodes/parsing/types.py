"""What a parsed transcript is made of. Plain data, no Django."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import StrEnum


class TranscriptFormat(StrEnum):
    SHOW_PAGE = "text"
    SRT = "srt"
    WEBVTT = "vtt"
    PODCAST_JSON = "json"
    BRACKETED = "bracketed"


class Role(StrEnum):
    HOST = "host"
    GUEST = "guest"


class TranscriptError(ValueError):
    """The one error parsing raises: what is wrong, and on which line if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class ParseWarning:
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class ParsedSegment:
    start_ms: int
    text: str
    line: int
    end_ms: int | None = None
    speaker: str = ""


@dataclass(frozen=True)
class ParsedPerson:
    name: str
    role: Role
    title: str = ""
    organisation: str = ""


@dataclass
class ParsedTranscript:
    format: TranscriptFormat
    segments: list[ParsedSegment]
    title: str = ""
    show: str = ""
    air_date: datetime.date | None = None
    description: str = ""
    people: list[ParsedPerson] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)

    @property
    def duration_ms(self) -> int:
        if not self.segments:
            return 0
        last = self.segments[-1]
        return last.end_ms if last.end_ms is not None else last.start_ms
