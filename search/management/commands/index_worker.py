import signal
import time

from django.core.management.base import BaseCommand

from search.indexing import process_index_jobs


class Command(BaseCommand):
    help = (
        "Work the search index's queue: reindex each episode that changed, after its change "
        "committed, and retry failures with a growing delay. Run one beside the web server "
        "(bin/serve does); several may run at once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="do what is due, then exit")
        parser.add_argument("--interval", type=float, default=0.5, metavar="SECONDS", help="pause when idle")

    def handle(self, *args, **options) -> None:
        self.stopping = False
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        while not self.stopping:
            processed = process_index_jobs(limit=100)
            if processed.done or processed.failed:
                self.stdout.write(f"indexed {processed.done} episodes, {processed.failed} failed")
            if processed.done:
                continue
            if options["once"]:
                return
            time.sleep(options["interval"])

    def stop(self, signum, frame) -> None:
        self.stopping = True
