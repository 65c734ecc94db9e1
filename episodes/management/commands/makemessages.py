from django.core.management.commands import makemessages


class Command(makemessages.Command):
    # The pure parsers mark their messages with N_ (episodes/parsing/types.py): collect them too.
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
