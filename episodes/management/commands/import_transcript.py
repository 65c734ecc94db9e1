import argparse
import datetime
import os
import re
import traceback
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from multiprocessing import Manager, get_context
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator
from django.db import connection, connections, transaction

from episodes.fetch import TIMEOUT_SECONDS, FetchError, fetch_page
from episodes.parsing import ParsedTranscript, TranscriptError
from episodes.services import ImportResult, episode_identity, lock_episode, read_transcript, store_transcript
from search.engines import engine
from search.indexing import moments_per_commit, process_index_jobs
from smarttech.progress import for_command

SUFFIXES = {".txt", ".srt", ".vtt", ".json", ".html", ".htm"}
# `https://…`, and any other scheme, which fetching then refuses by name: `file:///etc/passwd` is no file here.
ADDRESS = re.compile(r"[a-z][a-z0-9+.-]*://", re.I)

Source = Path | str  # a file, or the address of a page


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-06-19") from None


def http_url(value: str) -> str:
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an http(s) URL") from None
    return value


def job_count(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 64:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of processes from 1 to 64")
    return int(value)


def seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0
    if not 0 < number <= 600:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds from 0 to 600")
    return number


def transcript_sources(names: list[str]) -> list[Source]:
    """The files and addresses named, with each folder replaced by the transcripts in it (sorted)."""
    paths: list[Source] = []
    for name in names:
        if ADDRESS.match(name):
            paths.append(name)
            continue
        path = Path(name)
        if not path.is_dir():
            paths.append(path)
            continue
        found = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
        )
        if not found:
            raise CommandError(f"{path}: no .txt, .srt, .vtt, .json or .html file in this folder")
        paths += found
    return paths


def page_name(address: str) -> str:
    """What stands for a file name: the address's last part (`smart-tech-du-19-juin-2025.html`)."""
    return PurePosixPath(unquote(urlsplit(address).path)).name or "page.html"


def user_agent() -> str:
    name = settings.ARCHIVE_SITE_NAME or "smarttech-archive"
    return f"{name} (transcript import; +{settings.ARCHIVE_BASE_URL})"


class Command(BaseCommand):
    help = (
        "Import transcript files (the show's page text or saved web page, SRT, WebVTT, Podcasting 2.0 "
        "JSON or [HH:MM:SS] lines), each as one episode; a folder stands for the .txt, .srt, .vtt, "
        ".json, .html and .htm files in it and its subfolders; an http(s) address is fetched and "
        "becomes the episode's source page. An episode with the same show, date and title "
        "is replaced in place. Prints each episode's URL and returns once all are searchable "
        "(indexed in commits as large as the index writers' memory allows); a bad file is reported "
        "as FILE:LINE: message, "
        "nothing of it is stored, the other files are still imported, and the command exits with "
        "status 1. With several files, progress goes to standard error (nothing with -v 0)."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "files", nargs="+", metavar="FILE", help="transcript files or folders, or http(s) addresses of pages"
        )
        parser.add_argument("--show", default="", metavar="NAME", help="show name (overrides the file's)")
        parser.add_argument("--title", default="", metavar="TEXT", help="episode title (one file only)")
        parser.add_argument("--date", type=iso_date, metavar="YYYY-MM-DD", help="air date")
        parser.add_argument("--media-url", type=http_url, metavar="URL", help="audio/video file or page")
        parser.add_argument(
            "--source-url", type=http_url, metavar="URL", help="the episode's page on the broadcaster's site"
        )
        parser.add_argument("--draft", action="store_true", help="store as drafts instead of publishing")
        parser.add_argument(
            "--jobs",
            type=job_count,
            metavar="N",
            help="files imported at once, each by a process of its own (default: one per core with the "
            "PostgreSQL engine; the Whoosh engine imports one at a time)",
        )
        parser.add_argument(
            "--timeout",
            type=seconds,
            default=TIMEOUT_SECONDS,
            metavar="SECONDS",
            help=f"how long to wait for a page's server (default {TIMEOUT_SECONDS:g})",
        )

    def handle(self, *args, **options) -> None:
        paths = transcript_sources(options["files"])
        if options["title"] and len(paths) > 1:
            raise CommandError("--title names one episode: give it with one FILE only")
        jobs = options["jobs"] or (available_cores() if engine().imports_in_parallel else 1)
        if jobs > 1 and not engine().imports_in_parallel:
            raise CommandError(f"--jobs: the {settings.ARCHIVE_SEARCH_ENGINE} search engine imports one file at a time")
        self.progress = for_command(self, options["verbosity"] if len(paths) > 1 else 0, "files", rate_unit="lines")
        self.progress.start(len(paths))
        imported: list[int] = []
        waiting, most = 0, moments_per_commit()  # lines imported, not yet indexed
        failed = 0
        for outcome in imports(paths, options, jobs):
            for is_error, text in outcome.messages:
                self.progress.clear()
                (self.stderr if is_error else self.stdout).write(text)
                if is_error and outcome.traceback and options["traceback"]:
                    self.stderr.write(outcome.traceback)
            failed += outcome.failed
            if outcome.episode_id is not None:
                imported.append(outcome.episode_id)
                waiting += outcome.segment_count
            if waiting >= most:
                process_index_jobs(episode_ids=imported)
                imported, waiting = [], 0
            self.progress.advance(1, rated=outcome.segment_count)
        # A command returns once what it imported is searchable.
        process_index_jobs(episode_ids=imported)
        self.progress.finish()
        if failed:
            raise CommandError(f"{failed} of {len(paths)} files not imported")


def available_cores() -> int:
    return len(os.sched_getaffinity(0))


@dataclass
class Outcome:
    """What importing one file did, for the command to tell: its messages (error or not), in order."""

    messages: list[tuple[bool, str]] = field(default_factory=list)
    episode_id: int | None = None
    segment_count: int = 0
    failed: bool = False
    traceback: str = ""

    def error(self, text: str) -> "Outcome":
        self.messages.append((True, text))
        self.failed = True
        return self


def imports(paths: list[Source], options: dict, jobs: int) -> Iterator[Outcome]:
    """Each file's outcome, in order; with `jobs` > 1, imported by that many processes at once.

    Each process has its own connection and imports a file per transaction, as one import
    would. Measured on the 10,000-episode archive (PostgreSQL, 2 cores), 200 more episodes:
    7,229 lines/s one file at a time (the client and the server each waiting for the other),
    12,976 with two processes.
    """
    if jobs < 2 or len(paths) < 2 or connection.in_atomic_block:
        # In a transaction (a test's), other processes would not see what it holds.
        yield from (import_one(path, options) for path in paths)
        return
    connections.close_all()  # each process opens its own
    with Manager() as manager:
        claims = manager.dict()
        pool = ProcessPoolExecutor(jobs, mp_context=get_context("fork"), initializer=_claim_with, initargs=(claims,))
        try:
            yield from pool.map(import_one, paths, repeat(options), range(len(paths)))
        finally:
            pool.shutdown(cancel_futures=True)  # on an error or ^C, the files begun end, no other


# The file that last wrote each episode (`episode_identity`), by its place in the folder, shared by
# the processes of one folder import: of two files of one episode the later one is kept, as
# one file at a time would keep it, whichever process is first.
_claims: Any = None


def _claim_with(claims: Any) -> None:
    global _claims
    _claims = claims


def _later_file_of(transcript: ParsedTranscript, index: int, path: Source) -> str | None:
    """In a folder imported by several processes, the later file that holds this episode, if one
    has written it; else None, and this file is the one that holds it so far."""
    if _claims is None:
        return None
    lock_episode(transcript)  # another process's import of this episode has ended, if any
    identity = episode_identity(transcript)
    later = _claims.get(identity)
    if later is not None and later[0] > index:
        return later[1]
    _claims[identity] = (index, str(path))
    return None


def import_one(path: Source, options: dict, index: int = 0) -> Outcome:
    outcome = Outcome()
    data = read(path, options, outcome)
    if data is None:
        return outcome
    address = path if isinstance(path, str) else ""
    try:
        transcript = read_transcript(
            data=data,
            filename=page_name(path) if address else path.name,
            show=options["show"],
            title=options["title"],
            air_date=options["date"],
        )
        with transaction.atomic():
            later = _later_file_of(transcript, index, path)
            if later:
                outcome.messages.append(
                    (False, f"{path}: not imported: {later}, later in the folder, is the same episode")
                )
                return outcome
            result = store_transcript(
                transcript,
                data=data,
                filename=page_name(path) if address else path.name,
                media_url=options["media_url"] or "",
                source_url=options["source_url"] or address,
                published=not options["draft"],
            )
    except TranscriptError as error:
        return outcome.error(f"{path}:{error.line}: {error.message}" if error.line else f"{path}: {error.message}")
    except Exception as error:
        # Whatever else goes wrong with one file (the import is all or nothing) must not stop the
        # others; --traceback shows where it came from.
        outcome.traceback = traceback.format_exc()
        return outcome.error(f"{path}: not imported: {error}")
    report(path, result, outcome)
    return outcome


def read(path: Source, options: dict, outcome: Outcome) -> bytes | None:
    if isinstance(path, str):
        try:
            return fetch_page(
                path, max_bytes=settings.TRANSCRIPT_MAX_BYTES, user_agent=user_agent(), timeout=options["timeout"]
            )
        except FetchError as error:
            outcome.error(f"{path}: {error.message}")
            return None
    try:
        return path.read_bytes()
    except OSError as error:
        outcome.error(f"{path}: cannot read the file: {error.strerror}")
        return None


def report(path: Source, result: ImportResult, outcome: Outcome) -> None:
    for warning in result.warnings:
        where = f"{path}:{warning.line}" if warning.line else str(path)
        outcome.messages.append((True, f"{where}: warning: {warning.message}"))
    episode = result.episode
    action = "created" if result.created else "replaced"
    state = "published" if episode.is_published else "draft"
    url = settings.ARCHIVE_BASE_URL + episode.get_absolute_url()
    outcome.messages.append((False, f"{path}: {action} ({state}, {result.segment_count} segments) {url}"))
    outcome.episode_id, outcome.segment_count = episode.pk, result.segment_count
