"""What an export is and how a restore checks one: the format's names, `SHA256SUMS` and
`manifest.json` read and checked, and every transcript parsed, before anything is written."""

import datetime
import hashlib
import json
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from episodes.models import Appearance, Chapter, Correction, CorrectionStatus, Episode, Person, Show
from episodes.parsing import TranscriptError, TranscriptFormat, parse_transcript
from episodes.parsing.limits import MAX_MS
from episodes.parsing.types import Role
from search.models import GlossaryEntry
from smarttech.progress import Advance, not_told

FORMAT = "broadcast-archive"
VERSION = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
STATES = ("draft", "published", "unpublished")
# The parser's line limit bounds a transcript; the upload limit is for files people send, the
# originals (`original_max_bytes`). A manifest of 10,000 episodes is about 10 MB.
TRANSCRIPT_MAX_BYTES = 1024**3
MANIFEST_MAX_BYTES = 256 * 1024**2
CHUNK = 1024 * 1024
SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


class ArchiveError(ValueError):
    """An export or a restore that cannot be done; the message names the file or folder."""


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
    manifest = _read_manifest(folder, _read_checked(folder, MANIFEST, sums, MANIFEST_MAX_BYTES))
    _check_manifest(folder, manifest, sums)
    # Each file's limit: an original is a file people upload; anything else may be a transcript.
    originals = {episode["original"]["path"] for episode in manifest["episodes"]} - {None}
    for path in sums:
        _read_checked(folder, path, sums, original_max_bytes() if path in originals else TRANSCRIPT_MAX_BYTES)
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


def original_max_bytes() -> int:
    return settings.TRANSCRIPT_MAX_BYTES


def _read_checked(folder: Path, path: str, sums: dict[str, str], max_bytes: int = TRANSCRIPT_MAX_BYTES) -> bytes:
    """The file's bytes, once they are found to be what the export wrote. A link, or anything
    but a plain file (`/dev/zero`), or a file over `max_bytes` is refused before it is read."""
    if path not in sums:
        raise ArchiveError(f"{folder / path}: not listed in {SUMS}")
    file = folder / path
    try:
        found = file.lstat()
    except FileNotFoundError:
        raise ArchiveError(f"{file}: missing") from None
    except OSError as error:
        raise ArchiveError(f"{file}: cannot be read: {error.strerror}") from None
    if not stat.S_ISREG(found.st_mode) or any(parent.is_symlink() for parent in file.relative_to(folder).parents):
        raise ArchiveError(f"{file}: not a plain file (a link, a device or a folder): an export holds files only")
    if found.st_size > max_bytes:
        raise ArchiveError(f"{file}: {_size(found.st_size)}, over the {_size(max_bytes)} limit")
    try:
        data = file.read_bytes()
    except OSError as error:
        raise ArchiveError(f"{file}: cannot be read: {error.strerror}") from None
    if hashlib.sha256(data).hexdigest() != sums[path]:
        raise ArchiveError(f"{file}: wrong SHA-256: the file has changed since the export")
    return data


def _read_manifest(folder: Path, data: bytes) -> dict[str, Any]:
    where = folder / MANIFEST
    try:
        manifest = json.loads(data)
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
    for index, show in enumerate(manifest["shows"]):
        _fields(where, f"shows[{index}]", Show, show, ("name", "slug", "kind") if "kind" in show else ("name", "slug"))
    # Two people may share a name, never a slug.
    people = _unique(where, "people", manifest["people"], ("slug",))
    for index, person in enumerate(manifest["people"]):
        _text(where, f"people[{index}].name", person.get("name"), empty=False)
        _fields(where, f"people[{index}]", Person, person, ("name", "slug"))
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
        _fields(where, f"glossary[{index}]", GlossaryEntry, entry, ("term",))
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
    if not isinstance(episode.get("duration_ms"), int) or not 0 <= episode["duration_ms"] <= MAX_MS:
        raise ArchiveError(f"{where}: {at}.duration_ms: not a number of milliseconds (a day at most)")
    # As the import and the admin take them: a slug that makes a link, web addresses (http or
    # https: no `javascript:`), lengths the columns hold, a duration a day at most.
    _fields(where, at, Episode, episode, ("slug", "title", "media_url", "source_url", "duration_ms"))
    _check_state(where, at, episode)
    _check_files(where, at, episode, sums)
    roles = set()
    for number, appearance in enumerate(_list(where, f"{at}.people", episode.get("people"))):
        _check_appearance(where, f"{at}.people[{number}]", appearance, people)
        role = (appearance["person"], appearance["role"])
        if role in roles:
            raise ArchiveError(f"{where}: {at}.people[{number}]: the same person twice in the same role")
        roles.add(role)
    if "chapters" in episode:
        _check_chapters(where, f"{at}.chapters", episode["chapters"])
    if "corrections" in episode:
        _check_corrections(where, f"{at}.corrections", episode["corrections"])


def _check_chapters(where: Path, at: str, chapters: Any) -> None:
    starts = set()
    for number, chapter in enumerate(_list(where, at, chapters)):
        if not isinstance(chapter, dict) or set(chapter) != {"start_ms", "title", "suggested"}:
            raise ArchiveError(f'{where}: {at}[{number}]: an object of "start_ms", "title" and "suggested"')
        start = chapter["start_ms"]
        if not isinstance(start, int) or isinstance(start, bool) or not 0 <= start <= MAX_MS:
            raise ArchiveError(f"{where}: {at}[{number}].start_ms: not a number of milliseconds (a day at most)")
        if start in starts:
            raise ArchiveError(f"{where}: {at}[{number}].start_ms: two chapters start at {start}")
        starts.add(start)
        _text(where, f"{at}[{number}].title", chapter["title"], empty=False)
        _fields(where, f"{at}[{number}]", Chapter, chapter, ("title",))
        if not isinstance(chapter["suggested"], bool):
            raise ArchiveError(f"{where}: {at}[{number}].suggested: true or false")


CORRECTION_FIELDS = {"start_ms", "speaker", "original", "text", "status", "proposed_at", "reviewed_at"}


def _check_corrections(where: Path, at: str, corrections: Any) -> None:
    for number, correction in enumerate(_list(where, at, corrections)):
        place = f"{at}[{number}]"
        if not isinstance(correction, dict) or set(correction) != CORRECTION_FIELDS:
            raise ArchiveError(f"{where}: {place}: an object of {', '.join(sorted(CORRECTION_FIELDS))}")
        start = correction["start_ms"]
        if not isinstance(start, int) or isinstance(start, bool) or not 0 <= start <= MAX_MS:
            raise ArchiveError(f"{where}: {place}.start_ms: not a number of milliseconds (a day at most)")
        for name in ("speaker", "original", "text"):
            _text(where, f"{place}.{name}", correction[name], empty=name == "speaker")
        _fields(where, place, Correction, correction, ("speaker",))
        if correction["status"] not in CorrectionStatus.values:
            raise ArchiveError(f"{where}: {place}.status: one of {', '.join(CorrectionStatus.values)}")
        _date(where, f"{place}.proposed_at", correction["proposed_at"], datetime.datetime)
        if correction["reviewed_at"] is not None:
            _date(where, f"{place}.reviewed_at", correction["reviewed_at"], datetime.datetime)


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
    _fields(where, at, Appearance, appearance, ("title", "organisation", "order"))
    if not isinstance(appearance.get("order"), int) or appearance["order"] < 0:
        raise ArchiveError(f"{where}: {at}.order: not a number")


def _fields(where: Path, at: str, model: type[models.Model], item: dict, names: tuple[str, ...]) -> None:
    """Each value as the model's field validates it (slug, URL, length, range), the first
    refusal named by where it is (`episodes[3].slug`)."""
    for name in names:
        field = model._meta.get_field(name)
        try:
            field.clean(item.get(name), None)
            if isinstance(field, models.URLField) and item[name] and not item[name].startswith(("http://", "https://")):
                raise ValidationError(_("Enter an http or https address."))
        except ValidationError as error:
            raise ArchiveError(f"{where}: {at}.{name}: {' '.join(error.messages)} ({item.get(name)!r:.80})") from None


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


def _size(count: int) -> str:
    return f"{count / 1024**2:,.1f} MB" if count >= 1024**2 else f"{count / 1024:,.1f} KB"
