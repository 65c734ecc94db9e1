"""What a parsed transcript is made of. Plain data, no Django."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class TranscriptFormat(StrEnum):
    SHOW_PAGE = "text"
    SRT = "srt"
    WEBVTT = "vtt"
    PODCAST_JSON = "json"
    BRACKETED = "bracketed"
    WEB_PAGE = "html"


class Role(StrEnum):
    HOST = "host"
    GUEST = "guest"


def N_(template: str) -> str:
    """Marks an English message for translation without translating it: this package has no Django.

    `makemessages --keyword=N_` collects these; the admin translates them when it shows them
    (episodes/messages.py), while the command line and logs keep the English.
    """
    return template


class Quantity(int):
    """A count that messages write with thousands separators: `100,000` here, `100 000` in French."""

    def __str__(self) -> str:
        return f"{self:,}"


def english(template: str, params: Mapping[str, object]) -> str:
    return template % params if params else template


class TranslatableError(ValueError):
    """An error whose English text is a template marked with N_() and the values it names."""

    def __init__(self, template: str, /, **params: object) -> None:
        self.template = template
        self.params = params
        self.message = english(template, params)
        super().__init__(self.message)


class TranscriptError(TranslatableError):
    """The one error parsing raises: what is wrong, and on which line if known."""

    def __init__(self, template: str, /, line: int | None = None, **params: object) -> None:
        # `line` is where; no message names a value `line`, so that it never lands among the params.
        super().__init__(template, **params)
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class ParseWarning:
    line: int | None
    template: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return english(self.template, self.params)

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
    # The title's words as the file's name gives them (`smart tech`), when the title was made so.
    name_words: str = ""
    # A web page's own headings among its lines: (start of the line after each, its text), for chapters.
    headings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def duration_ms(self) -> int:
        if not self.segments:
            return 0
        last = self.segments[-1]
        return last.end_ms if last.end_ms is not None else last.start_ms
