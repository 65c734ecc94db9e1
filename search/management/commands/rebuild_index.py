from django.core.management.base import BaseCommand

from search.engines import engine


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the database. The new index is built aside and swapped "
        "in at the end, so searches keep answering from the previous one meanwhile, and a rebuild "
        "that is stopped leaves it untouched. Other index writes wait for the rebuild. "
        "(Replaces Haystack's rebuild_index, which empties the index first.)"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="accepted; never asks"
        )
        parser.add_argument("--batch-size", type=int, help="accepted for Haystack's command line; unused")

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Indexed {engine().rebuild()} moments.")
