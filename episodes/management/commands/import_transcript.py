import argparse
import datetime
import re
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator

from episodes.fetch import TIMEOUT_SECONDS, FetchError, fetch_page
from episodes.parsing import TranscriptError
from episodes.services import ImportResult, analyse_ahead, import_transcript
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


@contextmanager
def _analysing_ahead(paths: list[Source]) -> Iterator[Callable[[int], Any]]:
    """`analysed(index)`: the search engine's analysis of that file's lines, made in another
    process while the file before it was written (`analyse_ahead`); None when there is none.

    The engine's writes are half Python, half database server, one after the other: the next
    file's analysis is made meanwhile on the other core. The whole 10,000-episode import into
    PostgreSQL took 12 min 58 s before (7,714 lines a second) and 11 min 57 s so (8,370); 100
    more episodes into that archive, back to back, 7.3 s before and 6.35 s so."""
    files = [path for path in paths if isinstance(path, Path)]
    if len(files) < 2 or not engine().analyses_ahead:
        yield lambda index: None
        return
    # Forked from this process, Django set up: the analysis needs no database, and the process
    # leaves this one's connection alone (it never uses it, and ends by os._exit).
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork")) as pool:
        futures: dict[int, Future] = {}

        def ask(index: int) -> None:
            if index < len(paths) and isinstance(paths[index], Path):
                futures[index] = pool.submit(analyse_ahead, paths[index])

        def analysed(index: int) -> Any:
            if index == 0:
                ask(0)
            ask(index + 1)  # while this one is written
            future = futures.pop(index, None)
            try:
                return future.result() if future else None
            except Exception:
                # Only a head start: the import reads and analyses the file itself, and reports.
                return None

        yield analysed


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
        self.progress = for_command(self, options["verbosity"] if len(paths) > 1 else 0, "files", rate_unit="lines")
        self.progress.start(len(paths))
        self.imported: list[int] = []
        self.waiting, self.most = 0, moments_per_commit()  # lines imported, not yet indexed
        failed = 0
        with _analysing_ahead(paths) as analysed:
            for index, path in enumerate(paths):
                failed += self.import_and_index(path, options, analysed(index))
        # A command returns once what it imported is searchable.
        process_index_jobs(episode_ids=self.imported)
        self.progress.finish()
        if failed:
            raise CommandError(f"{failed} of {len(paths)} files not imported")

    def import_and_index(self, path: Source, options: dict, analysed: Any) -> int:
        """Import one file (its lines analysed ahead, or None), and index what waits once it is
        enough; 1 if it failed."""
        if analysed is not None:
            engine().analysed_ahead(analysed)
        result = self.import_one(path, options)
        if result is None:
            self.progress.advance(1, rated=0)
            return 1
        self.imported.append(result.episode.pk)
        self.waiting += result.segment_count
        if self.waiting >= self.most:
            process_index_jobs(episode_ids=self.imported)
            self.imported, self.waiting = [], 0
        self.progress.advance(1, rated=result.segment_count)
        return 0

    def say(self, stream, text: str) -> None:
        self.progress.clear()
        stream.write(text)

    def import_one(self, path: Source, options: dict) -> ImportResult | None:
        data = self.read(path, options)
        if data is None:
            return None
        address = path if isinstance(path, str) else ""
        try:
            result = import_transcript(
                data=data,
                filename=page_name(path) if address else path.name,
                show=options["show"],
                title=options["title"],
                air_date=options["date"],
                media_url=options["media_url"] or "",
                source_url=options["source_url"] or address,
                published=not options["draft"],
            )
        except TranscriptError as error:
            where = f"{path}:{error.line}" if error.line else str(path)
            self.say(self.stderr, f"{where}: {error.message}")
            return None
        except Exception as error:
            # Whatever else goes wrong with one file (the import is all or nothing) must not stop the
            # others; --traceback shows where it came from.
            self.say(self.stderr, f"{path}: not imported: {error}")
            if options["traceback"]:
                self.say(self.stderr, traceback.format_exc())
            return None
        self.report(path, result)
        return result

    def read(self, path: Source, options: dict) -> bytes | None:
        if isinstance(path, str):
            try:
                return fetch_page(
                    path, max_bytes=settings.TRANSCRIPT_MAX_BYTES, user_agent=user_agent(), timeout=options["timeout"]
                )
            except FetchError as error:
                self.say(self.stderr, f"{path}: {error.message}")
                return None
        try:
            return path.read_bytes()
        except OSError as error:
            self.say(self.stderr, f"{path}: cannot read the file: {error.strerror}")
            return None

    def report(self, path: Source, result: ImportResult) -> None:
        for warning in result.warnings:
            where = f"{path}:{warning.line}" if warning.line else str(path)
            self.say(self.stderr, f"{where}: warning: {warning.message}")
        episode = result.episode
        action = "created" if result.created else "replaced"
        state = "published" if episode.is_published else "draft"
        url = settings.ARCHIVE_BASE_URL + episode.get_absolute_url()
        self.say(self.stdout, f"{path}: {action} ({state}, {result.segment_count} segments) {url}")
