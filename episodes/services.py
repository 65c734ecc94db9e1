"""Writes to the archive that the admin, the command line and the tests share."""

import datetime
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext

from episodes.chapters import ChapterLine, Guest, SuggestedChapter, suggest_chapters
from episodes.models import Appearance, Chapter, Episode, Person, Segment, Show
from episodes.parsing import ParsedPerson, ParsedTranscript, ParseWarning, TranscriptError, parse_transcript, retitled
from episodes.parsing.limits import check_characters, check_line_count, check_line_text
from episodes.parsing.types import N_, Role, TranslatableError
from search.indexing import request_reindex
from search.models import GlossaryEntry

SLUG_MAX = 200


@dataclass(frozen=True)
class ImportResult:
    episode: Episode
    created: bool
    warnings: list[ParseWarning]
    segment_count: int = 0


def import_transcript(
    *,
    data: bytes,
    filename: str,
    show: str = "",
    title: str = "",
    air_date: datetime.date | None = None,
    media_url: str = "",
    source_url: str = "",
    published: bool = True,
    people: list[ParsedPerson] | None = None,
) -> ImportResult:
    """Parse a transcript file and store it as one episode, all or nothing.

    Raises TranscriptError (with the line when known) and stores nothing when
    the file cannot be read. An episode of the same show, date and title is
    replaced in place: same row, same slug.
    """
    transcript = read_transcript(data=data, filename=filename, show=show, title=title, air_date=air_date, people=people)
    return store_transcript(
        transcript, data=data, filename=filename, media_url=media_url, source_url=source_url, published=published
    )


def read_transcript(
    *,
    data: bytes,
    filename: str,
    show: str = "",
    title: str = "",
    air_date: datetime.date | None = None,
    people: list[ParsedPerson] | None = None,
) -> ParsedTranscript:
    """The transcript in this file, with what was given in place of what it says; TranscriptError
    (with the line when known) when it cannot be read or names no show, date or title."""
    transcript = parse_transcript(data, filename, max_bytes=settings.TRANSCRIPT_MAX_BYTES)
    transcript.air_date = air_date or transcript.air_date
    if show and not title:
        transcript.title = retitled(transcript, show)
    transcript.show = show or transcript.show
    transcript.title = title or transcript.title
    if people is not None:
        transcript.people = people
    _require_identity(transcript)
    return transcript


def store_transcript(
    transcript: ParsedTranscript,
    *,
    data: bytes,
    filename: str,
    media_url: str = "",
    source_url: str = "",
    published: bool = True,
) -> ImportResult:
    """Keep the file and store its transcript as one episode (`save_transcript`), all or nothing."""
    stored_name = default_storage.save(f"transcripts/{_safe_name(filename)}", ContentFile(data))
    try:
        return save_transcript(
            transcript=transcript,
            stored_name=stored_name,
            sha256=hashlib.sha256(data).hexdigest(),
            media_url=media_url,
            source_url=source_url,
            published=published,
        )
    except BaseException:
        default_storage.delete(stored_name)
        raise


def episode_identity(transcript: ParsedTranscript) -> str:
    """What makes two transcripts the same episode: show (in any case), air date and title."""
    return f"{transcript.show.casefold()}|{transcript.air_date}|{transcript.title}"


def lock_episode(transcript: ParsedTranscript) -> None:
    """Make any other import of this episode wait until this transaction ends (PostgreSQL).

    Imports may run at once (a folder import runs one per core; staff on two servers): without
    it, two that create the same episode both find none and both insert it. The lock is the
    title's slug, which also keeps two episodes of the same title from taking the same slug.
    """
    _lock("episode", slugify(transcript.title))


def _lock(kind: str, name: str) -> None:
    """A lock on this name until the transaction ends, on PostgreSQL (SQLite has one writer)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{kind}:{name}"])


@transaction.atomic
def save_transcript(
    *,
    transcript: ParsedTranscript,
    stored_name: str = "",
    sha256: str = "",
    media_url: str = "",
    source_url: str = "",
    published: bool = True,
) -> ImportResult:
    _require_identity(transcript)
    lock_episode(transcript)
    show = _get_or_create_show(transcript.show)
    episode = (
        Episode.objects.select_for_update()
        .filter(show=show, air_date=transcript.air_date, title=transcript.title)
        .first()
    )
    created = episode is None
    old_file = "" if created else episode.source_file.name
    if created:
        episode = Episode(show=show, air_date=transcript.air_date, title=transcript.title)
        episode.slug = _unique_slug(Episode, transcript.title, suffix=f"{transcript.air_date:%Y-%m-%d}")
    episode.description = transcript.description or episode.description
    episode.duration_ms = transcript.duration_ms
    episode.media_url = media_url or episode.media_url
    episode.source_url = source_url or episode.source_url
    episode.is_published = published
    episode.source_format = transcript.format.value
    if stored_name:
        episode.source_file.name = stored_name
        episode.source_sha256 = sha256
    episode.save()
    _replace_appearances(episode, transcript.people)
    replace_segments(episode, transcript)
    replace_chapters(episode, transcript.headings)
    request_reindex(episode.pk)
    if old_file and old_file != stored_name:
        transaction.on_commit(lambda: default_storage.delete(old_file))
    return ImportResult(
        episode=episode, created=created, warnings=transcript.warnings, segment_count=len(transcript.segments)
    )


@transaction.atomic
def set_published(episodes: Iterable[Episode], published: bool) -> None:
    """Publish or unpublish; the search index follows."""
    changed = [episode for episode in episodes if episode.is_published != published]
    for episode in changed:
        episode.is_published = published
        episode.save(update_fields=["is_published", "updated_at"])
    request_reindex(*(episode.pk for episode in changed))


def find_or_create_person(name: str) -> Person:
    """The person known by this name or spelling, else a new one."""
    person = Person.objects.matching(name)
    if person:
        return person
    _lock("person", slugify(name))  # created once by imports at once (`lock_episode`)
    return Person.objects.matching(name) or Person.objects.create(name=name, slug=_unique_slug(Person, name))


def _require_identity(transcript: ParsedTranscript) -> None:
    if not transcript.show:
        raise TranscriptError(N_("the file names no show: give the show's name"))
    if not transcript.air_date:
        raise TranscriptError(N_("the file gives no air date: give the date (YYYY-MM-DD)"))
    if not transcript.title:
        raise TranscriptError(N_("the file gives no title: give one"))


def _get_or_create_show(name: str) -> Show:
    show = Show.objects.filter(name__iexact=name).first()
    if show:
        return show
    _lock("show", name.casefold())  # created once by imports at once (`lock_episode`)
    return Show.objects.filter(name__iexact=name).first() or Show.objects.create(
        name=name, slug=_unique_slug(Show, name)
    )


def _replace_appearances(episode: Episode, people: list[ParsedPerson]) -> None:
    episode.appearances.all().delete()
    # The people to create are locked in one order in every import: two imports creating the
    # same two people in opposite orders would otherwise each wait for the other.
    for name in sorted({slugify(parsed.name) for parsed in people if not Person.objects.matching(parsed.name)}):
        _lock("person", name)
    seen: set[tuple[int, str]] = set()
    for order, parsed in enumerate(people):
        person = find_or_create_person(parsed.name)
        if (person.pk, parsed.role.value) in seen:
            continue
        seen.add((person.pk, parsed.role.value))
        Appearance.objects.create(
            episode=episode,
            person=person,
            role=parsed.role.value,
            title=parsed.title,
            organisation=parsed.organisation,
            order=order,
        )


def replace_segments(episode: Episode, transcript: ParsedTranscript) -> None:
    """The episode's lines, and only them: the transcript's segments in order.

    A line a re-import leaves as it was (same place, same text) keeps its row, and so its id;
    only the lines that changed are deleted and written anew. The search engines know a moment
    by its line's id: with every line deleted and inserted, the Whoosh index held only ids that
    no longer existed until the worker reindexed the episode, and the search dropped them (while
    100 unchanged episodes were re-imported, `quantique` went from 3,361 moments down to 0 and
    back, sampled each second for 55 s; kept, 3,361 in every sample); on either engine a page
    built just after the commit missed the moments its count had promised. With the ids kept, a
    search before, during or after the worker's run finds the same lines, and their rows are
    there to show. A changed line is a new row, and reaches the Whoosh index with the worker,
    as any edit does. The episode's row is locked (`save_transcript`), so two re-imports of it
    take turns; an edit holding a line's row waits for the re-import, then finds it or not.
    """
    columns = ("episode_id", "position", "start_ms", "end_ms", "text", "speaker")
    rows = [
        (
            episode.pk,
            position,
            parsed.start_ms,
            parsed.end_ms if parsed.end_ms is not None else parsed.start_ms,
            parsed.text,
            parsed.speaker[:200],
        )
        for position, parsed in enumerate(transcript.segments)
    ]
    stale, retimed, kept = [], [], set()
    for pk, position, text, start_ms, end_ms, speaker in episode.segments.values_list(
        "pk", "position", "text", "start_ms", "end_ms", "speaker"
    ):
        row = rows[position] if position < len(rows) else None
        if row is None or row[4] != text:
            stale.append(pk)
            continue
        kept.add(position)
        if (row[2], row[3], row[5]) != (start_ms, end_ms, speaker):
            retimed.append(Segment(pk=pk, start_ms=row[2], end_ms=row[3], speaker=row[5]))
    if stale:
        Segment.objects.filter(pk__in=stale).delete()
    Segment.objects.bulk_update(retimed, ["start_ms", "end_ms", "speaker"], batch_size=500)
    _insert(Segment, columns, [row for position, row in enumerate(rows) if position not in kept])


def _insert(model: type, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert plain rows, without a model instance each: COPY on PostgreSQL, one prepared
    statement on SQLite. Importing bench's 1,000 episodes (600,000 lines), bulk_create (an
    instance a line, then its values prepared field by field) took 31 µs a line on PostgreSQL
    and 32 on SQLite, these 7 and 4 µs (bench/import_speed.py, "writing the lines")."""
    table, names = model._meta.db_table, ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _unique_slug(model: type, text: str, suffix: str = "") -> str:
    """A slug no row of `model` has yet: the text's, then with the suffix, then numbered."""
    base = slugify(text)[:SLUG_MAX].strip("-") or "x"
    candidates = [base] + ([f"{base}-{suffix}"] if suffix and suffix not in base else [])
    for candidate in candidates:
        if not model.objects.filter(slug=candidate).exists():
            return candidate
    number = 2
    while model.objects.filter(slug=f"{candidates[-1]}-{number}").exists():
        number += 1
    return f"{candidates[-1]}-{number}"


def _safe_name(filename: str) -> str:
    name = PurePath(filename or "transcript.txt").name
    stem, dot, extension = name.rpartition(".")
    return f"{slugify(stem) or 'transcript'}.{slugify(extension)}" if dot else slugify(name) or "transcript"


class EditError(TranslatableError):
    """A correction that cannot be made as asked; the message says why (episodes.messages.translated)."""


# Renumbering passes through this offset so that no two lines share a position mid-update.
POSITION_SHIFT = 1_000_000


def line_text(text: str) -> str:
    """A line's text as the transcript keeps it, whitespace folded ("" when blank), or a
    TranscriptError when a file could not hold it: what staff edits and listeners' proposals share."""
    # Before whitespace is folded: Python counts some control characters as whitespace.
    check_characters(text)
    text = " ".join(text.split())
    check_line_text(text)
    return text


@transaction.atomic
def edit_segment(*, segment: Segment, text: str, speaker: str = "", start_ms: int | None = None) -> Segment:
    """Correct a line's text, speaker or start; its neighbours' ends follow."""
    with _as_edit_error():
        text = line_text(text)
        check_characters(speaker)
    if not text:
        raise EditError(N_("a line needs text; merge it with the next one instead"))
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    before, after = _neighbours(segment)
    if start_ms is not None and start_ms != segment.start_ms:
        low = before.start_ms if before else 0
        high = after.start_ms if after else segment.episode.duration_ms or segment.end_ms
        if not low <= start_ms <= high:
            raise EditError(N_("the new time must stay between the lines before and after"))
        segment.start_ms = start_ms
        if before:
            Segment.objects.filter(pk=before.pk).update(end_ms=start_ms)
    segment.end_ms = max(segment.end_ms, segment.start_ms)
    segment.text, segment.speaker = text, speaker.strip()[:200]
    segment.save()
    request_reindex(segment.episode_id)
    return segment


@transaction.atomic
def split_segment(*, segment: Segment, at: int, start_ms: int) -> Segment:
    """Cut a line in two at character `at`; the second part starts at `start_ms`."""
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    first, second = segment.text[:at].strip(), segment.text[at:].strip()
    if not first or not second:
        raise EditError(N_("split inside the text, so that both lines have words"))
    if not segment.start_ms <= start_ms <= segment.end_ms:
        raise EditError(N_("the second line must start within the first one's time"))
    with _as_edit_error():
        check_line_count(Segment.objects.filter(episode_id=segment.episode_id).count() + 1)
    _shift_positions(segment.episode_id, after=segment.position, by=1)
    new = Segment.objects.create(
        episode_id=segment.episode_id,
        position=segment.position + 1,
        start_ms=start_ms,
        end_ms=segment.end_ms,
        text=second,
        speaker=segment.speaker,
    )
    segment.text, segment.end_ms = first, start_ms
    segment.save()
    request_reindex(segment.episode_id)
    return new


@transaction.atomic
def merge_with_next(*, segment: Segment) -> Segment:
    """Join a line and the one after it into one."""
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    _before, after = _neighbours(segment)
    if after is None:
        raise EditError(N_("the last line has no next line to merge with"))
    segment.text = f"{segment.text} {after.text}"
    with _as_edit_error():
        check_line_text(segment.text)
    segment.end_ms = after.end_ms
    after.delete()
    _shift_positions(segment.episode_id, after=segment.position + 1, by=-1)
    segment.save()
    request_reindex(segment.episode_id)
    return segment


def lines_between(episode: Episode, first_ms: int, last_ms: int):
    """The lines that start from `first_ms` to `last_ms`, the last second counted whole."""
    return episode.segments.filter(start_ms__gte=first_ms, start_ms__lt=(last_ms // 1000 + 1) * 1000)


@transaction.atomic
def give_speaker(*, episode: Episode, first_ms: int, last_ms: int, person: Person) -> int:
    """Name `person` as the speaker of every line starting from `first_ms` to `last_ms`; how many.

    The last time covers its whole second, as the editor shows times: 00:31 to 00:39 includes
    a line at 00:39.400. One UPDATE, so the range is given whole or not at all.
    """
    if last_ms < first_ms:
        raise EditError(N_("the range ends before it starts"))
    if not episode.appearances.filter(person=person).exists():
        raise EditError(N_("this person is not among the episode's people"))
    count = lines_between(episode, first_ms, last_ms).update(speaker=person.name[:200])
    if not count:
        raise EditError(N_("no line starts within this range"))
    request_reindex(episode.pk)
    return count


@contextmanager
def _as_edit_error() -> Iterator[None]:
    """The file import's own checks, refused in its own words: an edit stores nothing a file may not hold."""
    try:
        yield
    except TranscriptError as error:
        raise EditError(error.template, **error.params) from None


def _neighbours(segment: Segment) -> tuple[Segment | None, Segment | None]:
    lines = Segment.objects.filter(episode_id=segment.episode_id)
    before = lines.filter(position__lt=segment.position).order_by("-position").first()
    after = lines.filter(position__gt=segment.position).order_by("position").first()
    return before, after


def _shift_positions(episode_id: int, *, after: int, by: int) -> None:
    later = Segment.objects.filter(episode_id=episode_id, position__gt=after)
    later.update(position=F("position") + POSITION_SHIFT)
    Segment.objects.filter(episode_id=episode_id, position__gt=POSITION_SHIFT).update(
        position=F("position") - POSITION_SHIFT + by
    )


def suggested_chapters(episode: Episode, headings: Sequence[tuple[int, str]] = ()) -> list[SuggestedChapter]:
    """The chapters episodes/chapters.py suggests from the episode's lines, guests and the glossary."""
    rows = episode.segments.order_by("position").values_list("start_ms", "text", "speaker")
    guests = [
        Guest(appearance.person.name, appearance.organisation)
        for appearance in episode.appearances.filter(role=Role.GUEST.value).select_related("person")
    ]
    topics = [entry.forms() for entry in GlossaryEntry.objects.all()]
    with translation.override(settings.LANGUAGE_CODE):
        opening = gettext("Opening")
    lines = [ChapterLine(*row) for row in rows.iterator()]
    return suggest_chapters(lines, opening=opening, guests=guests, topics=topics, headings=headings)


@transaction.atomic
def replace_chapters(episode: Episode, headings: Sequence[tuple[int, str]] = (), *, keep_edited: bool = True) -> int:
    """Put the suggested chapters in place of the episode's own; chapters staff edited stay
    unless `keep_edited` is False (« Suggérer les chapitres à nouveau »). How many were written."""
    if keep_edited and episode.chapters.filter(suggested=False).exists():
        return 0
    episode.chapters.all().delete()
    chapters = suggested_chapters(episode, headings)
    Chapter.objects.bulk_create(Chapter(episode=episode, start_ms=c.start_ms, title=c.title[:200]) for c in chapters)
    return len(chapters)
