from django.core.management.base import BaseCommand
from django.db.models import Exists, OuterRef

from episodes.models import Chapter, Episode
from episodes.services import replace_chapters


class Command(BaseCommand):
    help = (
        "Suggest chapters for the episodes that have none (those imported before chapters existed); "
        "with --all, suggest them again for every episode whose chapters staff have not edited."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="also episodes that have suggested chapters")

    def handle(self, *args, all: bool = False, **options) -> None:
        episodes = Episode.objects.all()
        if not all:
            episodes = episodes.exclude(Exists(Chapter.objects.filter(episode=OuterRef("pk"))))
        count = sum(1 for episode in episodes.iterator() if replace_chapters(episode))
        self.stdout.write(f"Chapters suggested for {count} episodes.")
