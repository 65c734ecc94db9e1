from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from episodes.archive import ArchiveError, check_export, require_empty_archive, restore_archive
from search.indexing import in_commits, process_index_jobs
from smarttech.progress import for_command


class Command(BaseCommand):
    help = (
        "Restore an export made by export_archive (DIR) into this archive, which must be empty (a new "
        "ARCHIVE_DATA_DIR or database, migrated): the same slugs, publication states, corrected "
        "transcripts, people, roles and glossary, and the original files stored again. Every file is "
        "checked first (SHA-256, manifest, transcripts): a damaged export is refused, naming the file, "
        "and nothing is written. Returns once everything restored is searchable. Progress goes to "
        "standard error, nothing with -v 0."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", metavar="DIR", type=Path, help="a folder written by export_archive")

    def handle(self, *args, **options) -> None:
        verbosity, folder = options["verbosity"], options["folder"]
        try:
            require_empty_archive()
            checking = for_command(self, verbosity, "episodes checked")
            checked = check_export(folder=folder, start=checking.start, advance=checking.advance)
            checking.finish()
            restoring = for_command(self, verbosity, "episodes restored")
            restoring.start(len(checked.manifest["episodes"]))
            restored = restore_archive(checked=checked, advance=restoring.advance)
            restoring.finish()
        except ArchiveError as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:
            raise CommandError(f"{folder}: not restored, nothing was written: {error}") from None
        # After the commit, as imports do: the command returns once what it restored is searchable.
        indexing = for_command(self, verbosity, "episodes indexed")
        indexing.start(len(restored.episode_ids))
        for batch in in_commits(restored.episode_ids):
            process_index_jobs(episode_ids=batch)
            indexing.advance(len(batch))
        indexing.finish()
        self.stdout.write(
            f"Restored {len(restored.episode_ids):,} episodes ({restored.segments:,} lines, "
            f"{restored.people:,} people) from {folder}."
        )
