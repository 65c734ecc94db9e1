"""The whole archive written to a folder: each episode's original file and current transcript,
`manifest.json` with everything else, and last `SHA256SUMS`, from one consistent read."""

import datetime
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.db import connection, transaction
from django.utils.text import slugify

from episodes.archive.manifest import FORMAT, MANIFEST, SUMS, VERSION, ArchiveError
from episodes.exports import write_podcast_json
from episodes.models import Episode, Person, Show
from search.models import GlossaryEntry
from smarttech.progress import Advance, not_told


@dataclass
class Exported:
    episodes: int = 0
    files: int = 0
    size: int = 0
    warnings: list[str] = field(default_factory=list)


def export_archive(*, folder: Path, advance: Advance = not_told) -> Exported:
    """Write the whole archive into `folder`, which must be empty or not exist."""
    _require_empty_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    exported, sums = Exported(), {}
    with _read_snapshot():
        episodes = []
        for episode in Episode.objects.select_related("show").order_by("show__name", "air_date", "title", "pk"):
            episodes.append(_export_episode(folder, episode, sums, exported))
            exported.episodes += 1
            advance(1)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "shows": [
                {"name": show.name, "slug": show.slug, "kind": show.kind} for show in Show.objects.order_by("slug")
            ],
            "people": [_person_entry(person) for person in Person.objects.order_by("slug")],
            "episodes": episodes,
            "glossary": [
                {"term": entry.term, "variants": entry.variant_list()} for entry in GlossaryEntry.objects.all()
            ],
        }
    _write(folder, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode() + b"\n", sums, exported)
    # Last: an export cut short has no SHA256SUMS, and a restore refuses it.
    listing = "".join(f"{digest}  {path}\n" for path, digest in sums.items()).encode()
    (folder / SUMS).write_bytes(listing)
    exported.files += 1
    exported.size += len(listing)
    return exported


def _require_empty_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ArchiveError(f"{folder}: not a folder")
    if folder.is_dir() and any(folder.iterdir()):
        raise ArchiveError(f"{folder}: the folder is not empty; give an empty or new folder")


@contextmanager
def _read_snapshot() -> Iterator[None]:
    """One consistent view of the archive while it is read, without holding writers back."""
    if connection.in_atomic_block:
        yield  # already inside a transaction (a test's): it is the view
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
        return
    # SQLite: Django's transactions begin IMMEDIATE (the write lock, for the whole export); a deferred
    # read transaction in WAL mode sees one snapshot and lets the writers write.
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            cursor.execute("COMMIT")


def _export_episode(folder: Path, episode: Episode, sums: dict[str, str], exported: Exported) -> dict[str, Any]:
    base = f"episodes/{episode.slug}"
    lines = list(episode.export_lines())
    transcript = write_podcast_json(lines).encode()
    _write(folder, f"{base}/transcript.json", transcript, sums, exported)
    return {
        "slug": episode.slug,
        "show": episode.show.slug,
        "title": episode.title,
        "air_date": episode.air_date.isoformat(),
        "description": episode.description,
        "duration_ms": episode.duration_ms,
        "media_url": episode.media_url,
        "source_url": episode.source_url,
        "state": "published" if episode.is_published else "unpublished" if episode.first_published_at else "draft",
        "first_published_at": episode.first_published_at.isoformat() if episode.first_published_at else None,
        "original": _export_original(folder, base, episode, sums, exported),
        "transcript": {"path": f"{base}/transcript.json", "segments": len(lines)},
        "people": [
            {
                "person": appearance.person.slug,
                "role": appearance.role,
                "title": appearance.title,
                "organisation": appearance.organisation,
                "order": appearance.order,
            }
            for appearance in episode.appearances.select_related("person").order_by("order", "pk")
        ],
        "chapters": [
            {"start_ms": chapter.start_ms, "title": chapter.title, "suggested": chapter.suggested}
            for chapter in episode.chapters.all()
        ],
        # Listeners' proposals, without who sent them (a hash keyed by this archive's secret).
        "corrections": [
            {
                "start_ms": correction.start_ms,
                "speaker": correction.speaker,
                "original": correction.original,
                "text": correction.text,
                "status": correction.status,
                "proposed_at": correction.proposed_at.isoformat(),
                "reviewed_at": correction.reviewed_at.isoformat() if correction.reviewed_at else None,
            }
            for correction in episode.corrections.order_by("proposed_at", "pk")
        ],
    }


def _export_original(
    folder: Path, base: str, episode: Episode, sums: dict[str, str], exported: Exported
) -> dict[str, Any]:
    original = {"path": None, "name": "", "format": episode.source_format, "sha256": episode.source_sha256}
    if not episode.source_file:
        return original
    name = PurePosixPath(episode.source_file.name).name
    try:
        with episode.source_file.open("rb") as source:
            data = source.read()
    except OSError:
        exported.warnings.append(f"{episode.slug}: original file missing from the media folder: {name}")
        return original
    if episode.source_sha256 and hashlib.sha256(data).hexdigest() != episode.source_sha256:
        exported.warnings.append(
            f"{episode.slug}: the original file {name} has changed since its import (another SHA-256); "
            "exported as it is"
        )
    suffix = slugify(PurePosixPath(name).suffix)
    path = f"{base}/original.{suffix}" if suffix else f"{base}/original"
    _write(folder, path, data, sums, exported)
    return {**original, "path": path, "name": name, "sha256": sums[path]}


def _person_entry(person: Person) -> dict[str, Any]:
    return {"name": person.name, "slug": person.slug, "other_spellings": person.spellings()}


def _write(folder: Path, path: str, data: bytes, sums: dict[str, str], exported: Exported) -> None:
    target = folder / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    sums[path] = hashlib.sha256(data).hexdigest()
    exported.files += 1
    exported.size += len(data)
