from django.core.management.base import BaseCommand, CommandError

from search.consistency import index_drift, spelling_drift
from search.engines import engine
from search.management.commands.rebuild_index import rebuild
from smarttech.progress import for_command


class Command(BaseCommand):
    help = (
        "Compare the search index with the database: for each episode, the moments missing from "
        "the index, stale (text, time or date differ) and orphan (no longer published or gone). "
        "Prints the differences and exits with status 1 when there are any; --repair reindexes "
        "those episodes, then checks again. An index built by an older version of the archive "
        "is reported first; --repair rebuilds it. The words spelling suggestions draw from are "
        "compared with the words of published lines too; --repair rebuilds the index when they differ. "
        "Progress goes to standard error, nothing with -v 0."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repair", action="store_true", help="reindex the episodes that differ")

    def handle(self, *args, **options) -> None:
        verbosity = options["verbosity"]
        if not engine().is_current():
            if not options["repair"]:
                raise CommandError("The index was built by an older version; run check_index --repair to rebuild it")
            self.stdout.write(f"Rebuilt the index from an older version: {rebuild(self, verbosity)} moments.")
        drifts = index_drift(for_command(self, verbosity, "episodes"))
        spelling = spelling_drift()
        for drift in drifts:
            self.stdout.write(str(drift))
        if spelling:
            self.stdout.write(str(spelling))
        if not drifts and not spelling:
            self.stdout.write("The index and the database agree.")
            return
        if not options["repair"]:
            what = f"{len(drifts)} episodes differ" if drifts else "the spelling dictionary differs"
            raise CommandError(f"{what}; run check_index --repair")
        if spelling:
            self.stdout.write(f"Rebuilt the index for its spelling dictionary: {rebuild(self, verbosity)} moments.")
        else:
            for drift in drifts:
                engine().replace_episodes([drift.episode_id])
        remaining = index_drift()
        if remaining or spelling_drift():
            raise CommandError(f"{len(remaining)} episodes still differ after repair")
        self.stdout.write(f"Repaired {len(drifts)} episodes: the index and the database agree.")
