from haystack.management.commands import clear_index

from search.management.commands.update_index import refuse_unless_haystack_serves


class Command(clear_index.Command):
    help = (
        "Haystack's clear_index, on an engine whose index is Haystack's (Whoosh); the others refuse "
        "it and say what to run. " + clear_index.Command.help
    )

    def handle(self, **options) -> None:
        refuse_unless_haystack_serves("clear_index")
        super().handle(**options)
