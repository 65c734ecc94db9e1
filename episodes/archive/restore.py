"""A checked export written into an empty archive, all or nothing: its shows, people, episodes
with their files and lines, and glossary, and search asked to index them."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from episodes.archive.manifest import ArchiveError, Checked, _parse_transcript, _read_checked, original_max_bytes
from episodes.models import Appearance, Chapter, Correction, Episode, Person, Show
from episodes.services import replace_chapters, replace_segments
from search.indexing import request_reindex
from search.models import GlossaryEntry
from smarttech.progress import Advance, not_told


@dataclass(frozen=True)
class Restored:
    episode_ids: list[int]
    segments: int
    people: int


def archive_is_empty() -> bool:
    return not (Show.objects.exists() or Episode.objects.exists() or Person.objects.exists())


def require_empty_archive() -> None:
    if not archive_is_empty():
        raise ArchiveError(
            "this archive is not empty (it has shows, episodes or people): "
            "a restore goes into a new archive (a new ARCHIVE_DATA_DIR, or an empty database, then migrate)"
        )


@transaction.atomic
def restore_archive(*, checked: Checked, advance: Advance = not_told) -> Restored:
    """Write a checked export into this empty archive, all or nothing: same slugs, states, lines.

    The original files are stored again as the episodes' source files, and removed if the
    restore fails. Search is asked for every episode in this transaction; the caller processes
    the index jobs after it commits (`process_index_jobs(episode_ids=...)`).
    """
    require_empty_archive()
    manifest, stored = checked.manifest, []
    try:
        shows = {item["slug"]: _restore_show(item) for item in manifest["shows"]}
        people = {item["slug"]: _restore_person(item) for item in manifest["people"]}
        episode_ids, segments = [], 0
        for item in manifest["episodes"]:
            episode = _restore_episode(checked, item, shows, people, stored)
            episode_ids.append(episode.pk)
            segments += item["transcript"]["segments"]
            advance(1)
        for item in manifest["glossary"]:
            variants = "\n".join(item["variants"])
            GlossaryEntry.objects.update_or_create(term=item["term"], defaults={"variants": variants})
        request_reindex(*episode_ids)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    return Restored(episode_ids=episode_ids, segments=segments, people=len(people))


def _restore_person(item: dict[str, Any]) -> Person:
    spellings = "\n".join(item["other_spellings"])
    return Person.objects.create(name=item["name"], slug=item["slug"], other_spellings=spellings)


def _restore_episode(
    checked: Checked, item: dict[str, Any], shows: dict[str, Show], people: dict[str, Person], stored: list[str]
) -> Episode:
    # Read and checked again: the files may have changed since they were checked.
    transcript = _parse_transcript(checked.folder, item, checked.sums)
    original = item["original"]
    episode = Episode(
        show=shows[item["show"]],
        slug=item["slug"],
        title=item["title"],
        air_date=datetime.date.fromisoformat(item["air_date"]),
        description=item["description"],
        duration_ms=item["duration_ms"],
        media_url=item["media_url"],
        source_url=item["source_url"],
        is_published=item["state"] == "published",
        first_published_at=_moment(item["first_published_at"]),
        source_format=original["format"],
        source_sha256=original["sha256"],
    )
    if original["path"]:
        data = _read_checked(checked.folder, original["path"], checked.sums, original_max_bytes())
        episode.source_file.name = default_storage.save(f"transcripts/{original['name']}", ContentFile(data))
        stored.append(episode.source_file.name)
    episode.save()
    Appearance.objects.bulk_create(
        Appearance(
            episode=episode,
            person=people[appearance["person"]],
            role=appearance["role"],
            title=appearance["title"],
            organisation=appearance["organisation"],
            order=appearance["order"],
        )
        for appearance in item["people"]
    )
    if transcript is not None:
        replace_segments(episode, transcript)
    _restore_corrections(episode, item.get("corrections", []))
    if "chapters" in item:
        Chapter.objects.bulk_create(Chapter(episode=episode, **chapter) for chapter in item["chapters"])
    else:
        # An export made before episodes had chapters: they are suggested, as an import does.
        replace_chapters(episode)
    return episode


def _restore_corrections(episode: Episode, corrections: list[dict[str, Any]]) -> None:
    """Each proposal on the line it names, when the line still starts there (else on none, as a
    proposal whose line was merged away); with no sender, whom the old archive's secret hid."""
    if not corrections:
        return
    starts = {item["start_ms"] for item in corrections}
    lines = {line.start_ms: line for line in episode.segments.filter(start_ms__in=starts).order_by("-position")}
    Correction.objects.bulk_create(
        Correction(
            episode=episode,
            segment=lines.get(item["start_ms"]),
            start_ms=item["start_ms"],
            speaker=item["speaker"],
            original=item["original"],
            text=item["text"],
            status=item["status"],
            proposed_at=_moment(item["proposed_at"]),
            reviewed_at=_moment(item["reviewed_at"]),
            sender="",
        )
        for item in corrections
    )


def _moment(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


def _restore_show(item: dict[str, Any]) -> Show:
    # An export made before shows had a kind restores them as the default kind.
    return Show.objects.create(
        name=item["name"], slug=item["slug"], **({"kind": item["kind"]} if "kind" in item else {})
    )
