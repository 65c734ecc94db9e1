"""The whole archive to a folder and back: a backup a person can check, and restore into an empty archive.

An export folder holds, for each episode, its original file (byte for byte, when there is one) and
its current transcript (after staff corrections) in Podcasting 2.0 JSON; `manifest.json` with
everything else (shows, episodes, people and their roles, the glossary); and `SHA256SUMS`, the
SHA-256 of every other file, in the form `sha256sum -c` checks:

    manifest.json
    SHA256SUMS
    episodes/<episode slug>/original.<ext>
    episodes/<episode slug>/transcript.json

A restore checks everything (checksums, the manifest, every transcript through the import's own
parser) before it writes anything, then writes the whole archive in one transaction.
"""

import datetime
import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils.text import slugify

from episodes.exports import write_podcast_json
from episodes.models import Appearance, Episode, Person, Show
from episodes.parsing import TranscriptError, TranscriptFormat, parse_transcript
from episodes.parsing.types import Role
from episodes.services import replace_segments
from search.indexing import request_reindex
from search.models import GlossaryEntry
from smarttech.progress import Advance, not_told

FORMAT = "broadcast-archive"
VERSION = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
STATES = ("draft", "published", "unpublished")
# The parser's line limit bounds a transcript; the upload limit is for files people send.
TRANSCRIPT_MAX_BYTES = 1024**3
CHUNK = 1024 * 1024
SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


class ArchiveError(ValueError):
    """An export or a restore that cannot be done; the message names the file or folder."""


@dataclass
class Exported:
    episodes: int = 0
    files: int = 0
    size: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Restored:
    episode_ids: list[int]
    segments: int
    people: int


# Export.


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
            "shows": [{"name": show.name, "slug": show.slug} for show in Show.objects.order_by("slug")],
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


# Restore: checks first.


@dataclass(frozen=True)
class Checked:
    """An export found whole: its manifest, and each file's SHA-256."""

    folder: Path
    manifest: dict[str, Any]
    sums: dict[str, str]


def check_export(*, folder: Path, start: Advance = not_told, advance: Advance = not_told) -> Checked:
    """Refuse a damaged export, naming the file, before anything is written. `start` is told how
    many episodes there are once the manifest is read, `advance` each one checked."""
    if not folder.is_dir():
        raise ArchiveError(f"{folder}: no such folder")
    sums = _read_sums(folder)
    if MANIFEST not in sums:
        raise ArchiveError(f"{folder / SUMS}: does not list {MANIFEST}")
    for path in sums:
        _read_checked(folder, path, sums)
    manifest = _read_manifest(folder)
    _check_manifest(folder, manifest, sums)
    start(len(manifest["episodes"]))
    for episode in manifest["episodes"]:
        _parse_transcript(folder, episode, sums)
        advance(1)
    return Checked(folder=folder, manifest=manifest, sums=sums)


def _read_sums(folder: Path) -> dict[str, str]:
    try:
        text = (folder / SUMS).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ArchiveError(f"{folder / SUMS}: missing: this is not an export, or an unfinished one") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ArchiveError(f"{folder / SUMS}: cannot be read: {error}") from None
    sums = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = SUM_LINE.match(line)
        if not match or not _safe_path(match[2]):
            raise ArchiveError(f"{folder / SUMS}:{number}: not a line of SHA256SUMS (SHA-256, two spaces, a path)")
        sums[match[2]] = match[1]
    return sums


def _safe_path(path: str) -> bool:
    """A path inside the export: relative, with no way out of it."""
    parts = PurePosixPath(path).parts
    return bool(parts) and not PurePosixPath(path).is_absolute() and ".." not in parts and "\\" not in path


def _read_checked(folder: Path, path: str, sums: dict[str, str]) -> bytes:
    """The file's bytes, once they are found to be what the export wrote."""
    if path not in sums:
        raise ArchiveError(f"{folder / path}: not listed in {SUMS}")
    try:
        data = (folder / path).read_bytes()
    except FileNotFoundError:
        raise ArchiveError(f"{folder / path}: missing") from None
    except OSError as error:
        raise ArchiveError(f"{folder / path}: cannot be read: {error.strerror}") from None
    if hashlib.sha256(data).hexdigest() != sums[path]:
        raise ArchiveError(f"{folder / path}: wrong SHA-256: the file has changed since the export")
    return data


def _read_manifest(folder: Path) -> dict[str, Any]:
    where = folder / MANIFEST
    try:
        manifest = json.loads(where.read_bytes())
    except json.JSONDecodeError as error:
        raise ArchiveError(f"{where}:{error.lineno}: not valid JSON: {error.msg} (column {error.colno})") from None
    except (UnicodeDecodeError, RecursionError, ValueError):
        raise ArchiveError(f"{where}: not valid JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f'{where}: not an archive export (its "format" is not "{FORMAT}")')
    if manifest.get("version") != VERSION:
        raise ArchiveError(
            f"{where}: export version {manifest.get('version')!r}, this archive reads version {VERSION}; "
            "restore it with the version of the archive that wrote it"
        )
    return manifest


def _parse_transcript(folder: Path, episode: dict[str, Any], sums: dict[str, str]):
    """The episode's transcript as the import reads it; None for an episode without lines."""
    path = episode["transcript"]["path"]
    data = _read_checked(folder, path, sums)
    expected = episode["transcript"]["segments"]
    if expected == 0:
        return None
    try:
        transcript = parse_transcript(data, path, max_bytes=TRANSCRIPT_MAX_BYTES)
    except TranscriptError as error:
        where = f"{folder / path}:{error.line}" if error.line else str(folder / path)
        raise ArchiveError(f"{where}: {error.message}") from None
    if transcript.format != TranscriptFormat.PODCAST_JSON or len(transcript.segments) != expected:
        raise ArchiveError(f"{folder / path}: {len(transcript.segments)} lines where the manifest says {expected}")
    return transcript


# The manifest's shape: each problem named by where it is (`episodes[3].slug`).


def _check_manifest(folder: Path, manifest: dict[str, Any], sums: dict[str, str]) -> None:
    where = folder / MANIFEST
    for key in ("shows", "people", "episodes", "glossary"):
        if not isinstance(manifest.get(key), list):
            raise ArchiveError(f'{where}: "{key}" must be a list')
    shows = _unique(where, "shows", manifest["shows"], ("name", "slug"))
    # Two people may share a name, never a slug.
    people = _unique(where, "people", manifest["people"], ("slug",))
    for index, person in enumerate(manifest["people"]):
        _text(where, f"people[{index}].name", person.get("name"), empty=False)
        _texts(where, f"people[{index}].other_spellings", person.get("other_spellings"))
    _unique(where, "episodes", manifest["episodes"], ("slug",))
    identities = set()
    for index, episode in enumerate(manifest["episodes"]):
        _check_episode(where, f"episodes[{index}]", episode, shows, people, sums)
        identity = (episode["show"], episode["air_date"], episode["title"])
        if identity in identities:
            raise ArchiveError(f"{where}: episodes[{index}]: a second episode of that show, day and title")
        identities.add(identity)
    _unique(where, "glossary", manifest["glossary"], ("term",))
    for index, entry in enumerate(manifest["glossary"]):
        _texts(where, f"glossary[{index}].variants", entry.get("variants"))


def _unique(where: Path, key: str, items: list[Any], fields: tuple[str, ...]) -> set[str]:
    """Every item an object with these text fields, each of them unique; the last field's values."""
    seen: dict[str, set[str]] = {name: set() for name in fields}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ArchiveError(f"{where}: {key}[{index}]: not an object")
        for name in fields:
            value = _text(where, f"{key}[{index}].{name}", item.get(name), empty=False)
            if value in seen[name]:
                raise ArchiveError(f"{where}: {key}[{index}].{name}: {value!r} appears twice")
            seen[name].add(value)
    return seen[fields[-1]]


def _check_episode(where: Path, at: str, episode: dict, shows: set[str], people: set[str], sums: dict) -> None:
    for name in ("title", "air_date"):
        _text(where, f"{at}.{name}", episode.get(name), empty=False)
    for name in ("description", "media_url", "source_url"):
        _text(where, f"{at}.{name}", episode.get(name))
    if episode.get("show") not in shows:
        raise ArchiveError(f"{where}: {at}.show: not one of the shows")
    _date(where, f"{at}.air_date", episode["air_date"], datetime.date)
    if not isinstance(episode.get("duration_ms"), int) or episode["duration_ms"] < 0:
        raise ArchiveError(f"{where}: {at}.duration_ms: not a number of milliseconds")
    _check_state(where, at, episode)
    _check_files(where, at, episode, sums)
    roles = set()
    for number, appearance in enumerate(_list(where, f"{at}.people", episode.get("people"))):
        _check_appearance(where, f"{at}.people[{number}]", appearance, people)
        role = (appearance["person"], appearance["role"])
        if role in roles:
            raise ArchiveError(f"{where}: {at}.people[{number}]: the same person twice in the same role")
        roles.add(role)


def _check_state(where: Path, at: str, episode: dict) -> None:
    state, first = episode.get("state"), episode.get("first_published_at")
    if state not in STATES:
        raise ArchiveError(f"{where}: {at}.state: one of {', '.join(STATES)}")
    if first is not None:
        _date(where, f"{at}.first_published_at", first, datetime.datetime)
    if (state == "draft") != (first is None):
        raise ArchiveError(f"{where}: {at}: a draft has no first publication time, and only a draft")


def _check_files(where: Path, at: str, episode: dict, sums: dict) -> None:
    original, transcript = episode.get("original"), episode.get("transcript")
    if not isinstance(original, dict) or not isinstance(transcript, dict):
        raise ArchiveError(f'{where}: {at}: "original" and "transcript" must be objects')
    _text(where, f"{at}.original.format", original.get("format"))
    _text(where, f"{at}.original.sha256", original.get("sha256"))
    if original.get("path") is not None:
        _listed(where, f"{at}.original.path", original["path"], sums)
        name = _text(where, f"{at}.original.name", original.get("name"), empty=False)
        if name != PurePosixPath(name).name or name in (".", ".."):
            raise ArchiveError(f"{where}: {at}.original.name: a file name, without folders")
        if original["sha256"] != sums[original["path"]]:
            raise ArchiveError(f"{where}: {at}.original.sha256: not the SHA-256 of {original['path']}")
    _listed(where, f"{at}.transcript.path", transcript.get("path"), sums)
    if not isinstance(transcript.get("segments"), int) or transcript["segments"] < 0:
        raise ArchiveError(f"{where}: {at}.transcript.segments: not a number of lines")


def _check_appearance(where: Path, at: str, appearance: Any, people: set[str]) -> None:
    if not isinstance(appearance, dict) or appearance.get("person") not in people:
        raise ArchiveError(f"{where}: {at}.person: not one of the people")
    if appearance.get("role") not in {role.value for role in Role}:
        raise ArchiveError(f"{where}: {at}.role: host or guest")
    _text(where, f"{at}.title", appearance.get("title"))
    _text(where, f"{at}.organisation", appearance.get("organisation"))
    if not isinstance(appearance.get("order"), int) or appearance["order"] < 0:
        raise ArchiveError(f"{where}: {at}.order: not a number")


def _text(where: Path, at: str, value: Any, *, empty: bool = True) -> str:
    if not isinstance(value, str) or not (empty or value.strip()):
        raise ArchiveError(f"{where}: {at}: missing or not a text")
    return value


def _texts(where: Path, at: str, value: Any) -> None:
    if not all(isinstance(item, str) for item in _list(where, at, value)):
        raise ArchiveError(f"{where}: {at}: not a list of texts")


def _list(where: Path, at: str, value: Any) -> list:
    if not isinstance(value, list):
        raise ArchiveError(f"{where}: {at}: missing or not a list")
    return value


def _date(where: Path, at: str, value: str, kind: type[datetime.date]) -> None:
    try:
        kind.fromisoformat(value)
    except (TypeError, ValueError):
        raise ArchiveError(f"{where}: {at}: not a date (ISO 8601)") from None


def _listed(where: Path, at: str, path: Any, sums: dict[str, str]) -> None:
    if not isinstance(path, str) or path not in sums:
        raise ArchiveError(f"{where}: {at}: not a file listed in {SUMS}")


# Restore: writes.


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
        shows = {item["slug"]: Show.objects.create(name=item["name"], slug=item["slug"]) for item in manifest["shows"]}
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
        data = _read_checked(checked.folder, original["path"], checked.sums)
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
    return episode


def _moment(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None
