from django.core.management.base import BaseCommand

from episodes.models import Segment
from search.engines import engine
from smarttech.progress import for_command


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the database. The new index is built aside and swapped "
        "in at the end, so searches keep answering from the previous one meanwhile, and a rebuild "
        "that is stopped leaves it untouched. Other index writes wait for the rebuild. "
        "(Replaces Haystack's rebuild_index, which empties the index first.) Progress goes to "
        "standard error: a bar on a terminal, a line every 5 seconds otherwise, nothing with -v 0."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="accepted; never asks"
        )
        parser.add_argument("--batch-size", type=int, help="accepted for Haystack's command line; unused")

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Indexed {rebuild(self, options['verbosity'])} moments.")


def rebuild(command: BaseCommand, verbosity: int) -> int:
    """Rebuild the index, showing its progress on the command's standard error."""
    progress = for_command(command, verbosity, "moments")
    progress.start(Segment.objects.published().count())
    indexed = engine().rebuild(progress.advance)
    progress.finish()
    return indexed
