"""Uploaded transcripts waiting for staff to confirm them: kept aside, previewed, then imported.

A pending upload is a file under `pending/` in the media storage and a signed
token naming it; nothing reaches the database until it is confirmed, and a
cancelled or abandoned upload leaves nothing behind but that file, removed
after a day.
"""

import datetime
import difflib
import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from episodes.messages import located
from episodes.models import Episode, Person, Show
from episodes.parsing import ParsedPerson, ParsedTranscript, Role, TranscriptError, parse_transcript
from episodes.parsing.timestamps import format_timestamp
from episodes.parsing.types import N_

SALT = "episodes.uploads"
PENDING_DIR = "pending"
PENDING_MAX_AGE = timedelta(days=1)


@dataclass(frozen=True)
class Pending:
    path: str
    filename: str
    sha256: str

    @property
    def token(self) -> str:
        return signing.dumps({"path": self.path, "filename": self.filename, "sha256": self.sha256}, salt=SALT)

    def read(self) -> bytes:
        try:
            with default_storage.open(self.path, "rb") as stored:
                data = stored.read()
        except FileNotFoundError:
            raise TranscriptError(N_("the upload is no longer waiting: it was imported or cancelled")) from None
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise TranscriptError(N_("the pending file changed since it was uploaded; upload it again"))
        return data

    def exists(self) -> bool:
        return default_storage.exists(self.path)

    def discard(self) -> None:
        default_storage.delete(self.path)


@dataclass(frozen=True)
class Changes:
    added: int
    removed: int
    changed: int


@dataclass
class Preview:
    pending: Pending
    transcript: ParsedTranscript | None = None
    error: str = ""
    existing: Episode | None = None
    changes: Changes | None = None
    matches: dict[str, Person] = field(default_factory=dict)

    @property
    def segments(self):
        return self.transcript.segments if self.transcript else []

    @property
    def duration(self) -> str:
        return format_timestamp(self.transcript.duration_ms) if self.transcript else ""

    @property
    def warnings(self) -> list[str]:
        """Each warning as `file:line: message`, in the active language."""
        warnings = self.transcript.warnings if self.transcript else []
        return [located(self.pending.filename, warning) for warning in warnings]


def keep_pending(data: bytes, filename: str) -> Pending:
    _forget_old_pending()
    path = default_storage.save(f"{PENDING_DIR}/{uuid.uuid4().hex}.upload", ContentFile(data))
    return Pending(path=path, filename=filename, sha256=hashlib.sha256(data).hexdigest())


def pending_from_token(token: str) -> Pending:
    """The pending upload a token names; raises TranscriptError for a forged or expired token."""
    try:
        fields = signing.loads(token, salt=SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:
        raise TranscriptError(N_("this upload expired or is not valid; upload the file again")) from None
    return Pending(**fields)


def preview(pending: Pending, *, show: str = "", title: str = "", air_date: datetime.date | None = None) -> Preview:
    """What importing this upload would store, and what it would change."""
    result = Preview(pending=pending)
    try:
        transcript = parse_transcript(pending.read(), pending.filename, max_bytes=settings.TRANSCRIPT_MAX_BYTES)
    except TranscriptError as error:
        result.error = located(pending.filename, error)
        return result
    transcript.show = show or transcript.show
    transcript.title = title or transcript.title
    transcript.air_date = air_date or transcript.air_date
    result.transcript = transcript
    result.matches = {p.name: m for p in transcript.people if (m := Person.objects.matching(p.name))}
    result.existing = existing_episode(transcript)
    if result.existing:
        result.changes = changes(result.existing, transcript)
    return result


def episode_identity(show: str, air_date: datetime.date | None, title: str) -> tuple | None:
    """What makes an episode one: its show (in any case), air date and title; None while one is missing."""
    if not (show and air_date and title):
        return None
    return (show.casefold(), air_date, title)


def same_episodes(identities: list[tuple | None]) -> list[list[int]]:
    """For each file of an upload, the positions of the other files that would be the same episode."""
    positions: dict[tuple, list[int]] = defaultdict(list)
    for position, identity in enumerate(identities):
        if identity is not None:
            positions[identity].append(position)
    return [
        [other for other in positions[identity] if other != position] if identity is not None else []
        for position, identity in enumerate(identities)
    ]


def existing_episode(transcript: ParsedTranscript) -> Episode | None:
    show = Show.objects.filter(name__iexact=transcript.show).first() if transcript.show else None
    if not show or not transcript.air_date:
        return None
    return Episode.objects.filter(show=show, air_date=transcript.air_date, title=transcript.title).first()


def changes(episode: Episode, transcript: ParsedTranscript) -> Changes:
    """Lines added, removed and changed (a different text or time in the same place)."""
    old = list(episode.segments.values_list("start_ms", "text"))
    new = [(segment.start_ms, segment.text) for segment in transcript.segments]
    added = removed = changed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "replace":
            changed += min(i2 - i1, j2 - j1)
            removed += max(0, (i2 - i1) - (j2 - j1))
            added += max(0, (j2 - j1) - (i2 - i1))
        elif tag == "delete":
            removed += i2 - i1
        elif tag == "insert":
            added += j2 - j1
    return Changes(added=added, removed=removed, changed=changed)


def people_from_rows(rows: list[dict]) -> list[ParsedPerson]:
    return [
        ParsedPerson(name=row["name"], role=Role(row["role"]), title=row["title"], organisation=row["organisation"])
        for row in rows
        if row.get("name") and not row.get("DELETE")
    ]


def _forget_old_pending() -> None:
    try:
        _dirs, files = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return
    limit = timezone.now() - PENDING_MAX_AGE
    for name in files:
        path = f"{PENDING_DIR}/{name}"
        if default_storage.get_modified_time(path) < limit:
            default_storage.delete(path)
