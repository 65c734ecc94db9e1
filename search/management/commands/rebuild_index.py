from django.core.management.base import BaseCommand

from search.indexing import moment_index, search_backend


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
        parser.add_argument("--batch-size", type=int, default=2000, help="segments read from the database at a time")

    def handle(self, *args, **options) -> None:
        index, backend = moment_index(), search_backend()
        segments = index.index_queryset().order_by("episode_id", "position").iterator(chunk_size=options["batch_size"])
        documents = (doc for doc in (backend.document(index, segment) for segment in segments) if doc)
        count = backend.rebuild(documents)
        self.stdout.write(f"Indexed {count} moments.")
