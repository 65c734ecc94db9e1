import argparse
import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator

from episodes.parsing import TranscriptError
from episodes.services import ImportResult, import_transcript
from search.indexing import process_index_jobs


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-06-19") from None


def media_url(value: str) -> str:
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an http(s) URL") from None
    return value


class Command(BaseCommand):
    help = (
        "Import transcript files (the show's page text, SRT, WebVTT, Podcasting 2.0 JSON or "
        "[HH:MM:SS] lines), each as one episode. An episode with the same show, date and title "
        "is replaced in place. Prints each episode's URL; a bad file is reported as FILE:LINE: "
        "message, nothing of it is stored, and the command exits with status 1."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="transcript files to import")
        parser.add_argument("--show", default="", metavar="NAME", help="show name (overrides the file's)")
        parser.add_argument("--title", default="", metavar="TEXT", help="episode title (one file only)")
        parser.add_argument("--date", type=iso_date, metavar="YYYY-MM-DD", help="air date")
        parser.add_argument("--media-url", type=media_url, metavar="URL", help="audio/video file or page")
        parser.add_argument("--draft", action="store_true", help="store as drafts instead of publishing")

    def handle(self, *args, **options) -> None:
        if options["title"] and len(options["files"]) > 1:
            raise CommandError("--title names one episode: give it with one FILE only")
        failed = sum(not self.import_one(Path(name), options) for name in options["files"])
        if failed:
            raise CommandError(f"{failed} of {len(options['files'])} files not imported")

    def import_one(self, path: Path, options: dict) -> bool:
        try:
            data = path.read_bytes()
        except OSError as error:
            self.stderr.write(f"{path}: cannot read the file: {error.strerror}")
            return False
        try:
            result = import_transcript(
                data=data,
                filename=path.name,
                show=options["show"],
                title=options["title"],
                air_date=options["date"],
                media_url=options["media_url"] or "",
                published=not options["draft"],
            )
        except TranscriptError as error:
            where = f"{path}:{error.line}" if error.line else str(path)
            self.stderr.write(f"{where}: {error.message}")
            return False
        # A command returns once what it imported is searchable.
        process_index_jobs(episode_ids=[result.episode.pk])
        self.report(path, result)
        return True

    def report(self, path: Path, result: ImportResult) -> None:
        for warning in result.warnings:
            where = f"{path}:{warning.line}" if warning.line else str(path)
            self.stderr.write(f"{where}: warning: {warning.message}")
        episode = result.episode
        action = "created" if result.created else "replaced"
        state = "published" if episode.is_published else "draft"
        url = settings.ARCHIVE_BASE_URL + episode.get_absolute_url()
        self.stdout.write(f"{path}: {action} ({state}, {episode.segments.count()} segments) {url}")
