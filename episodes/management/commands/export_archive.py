from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from episodes.archive import ArchiveError, export_archive
from episodes.models import Episode
from smarttech.progress import for_command


class Command(BaseCommand):
    help = (
        "Write the whole archive into DIR (empty or new), for a backup or a move: every episode, drafts "
        "included, as its original file (byte for byte) and its current transcript, corrections included, "
        "in Podcasting 2.0 JSON; manifest.json with the shows, episodes, people and their roles, and the "
        "glossary; and SHA256SUMS, the SHA-256 of every file (`sha256sum -c SHA256SUMS` checks them). "
        "import_archive restores it. Progress goes to standard error, nothing with -v 0."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", metavar="DIR", type=Path, help="an empty or new folder to write into")

    def handle(self, *args, **options) -> None:
        progress = for_command(self, options["verbosity"], "episodes")
        progress.start(Episode.objects.count())
        try:
            exported = export_archive(folder=options["folder"], advance=progress.advance)
        except ArchiveError as error:
            raise CommandError(str(error)) from None
        progress.finish()
        for warning in exported.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(
            f"Exported {exported.episodes:,} episodes to {options['folder']}: "
            f"{exported.files:,} files, {_size(exported.size)}."
        )


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:,.1f} KB"
    return f"{size / 1024 / 1024:,.1f} MB"
