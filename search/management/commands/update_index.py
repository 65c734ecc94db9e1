from django.core.management.base import CommandError
from haystack.management.commands import update_index

from search.engines import engine


class Command(update_index.Command):
    help = (
        "Haystack's update_index, on an engine whose index is Haystack's (Whoosh); the others refuse "
        "it and say what to run. " + update_index.Command.help
    )

    def handle(self, **options) -> None:
        refuse_unless_haystack_serves("update_index")
        super().handle(**options)


def refuse_unless_haystack_serves(command: str) -> None:
    if not engine().uses_haystack:
        raise CommandError(
            f"{command}: the {engine().label} search engine's moments are not in Haystack's index. They follow "
            "the database by themselves; `manage.py check_index` says whether they agree, and "
            "`manage.py rebuild_index` writes them anew."
        )
