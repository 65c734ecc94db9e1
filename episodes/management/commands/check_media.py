from django.core.management.base import BaseCommand, CommandError

from episodes.media_check import GRACE, media_drift, remove_orphans


class Command(BaseCommand):
    help = (
        "Compare the media folder with the database: original files that no episode names (an "
        f"import or a restore killed before it committed leaves its files; only those older than "
        f"{GRACE.seconds // 3600} hour count, an import under way has stored its own) and originals "
        "an episode names that are missing. Prints them and exits with status 1 when there are any; "
        "--repair removes the orphans (a missing original can only come back from a backup)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repair", action="store_true", help="remove the original files no episode names")

    def handle(self, *args, **options) -> None:
        drift = media_drift()
        for path in drift.orphans:
            self.stdout.write(f"orphan: {path}")
        for name in drift.missing:
            self.stdout.write(f"missing: {name}")
        if options["repair"] and drift.orphans:
            self.stdout.write(f"Removed {remove_orphans(drift)} orphan files.")
            drift = media_drift()
        if not drift:
            self.stdout.write("The media folder and the database agree.")
            return
        what = []
        if drift.orphans:
            what.append(f"{len(drift.orphans)} orphan files")
        if drift.missing:
            what.append(f"{len(drift.missing)} missing originals")
        hint = "; run check_media --repair" if drift.orphans else ""
        raise CommandError(f"{' and '.join(what)}{hint}")
