import signal
import time

from django.core.management.base import BaseCommand, CommandError

from search.engines import engine
from search.indexing import process_index_jobs


class Command(BaseCommand):
    help = (
        "Work the search index's queue: reindex each episode that changed, after its change "
        "committed, and retry failures with a growing delay. Run one beside the web server "
        "(bin/serve does); several may run at once. With --needed, only say whether the "
        "archive's search engine needs one (exit status 0) or not (1)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="do what is due, then exit")
        parser.add_argument("--interval", type=float, default=0.5, metavar="SECONDS", help="pause when idle")
        parser.add_argument(
            "--needed", action="store_true", help="exit 0 if the search engine needs a worker, 1 if it does not"
        )

    def handle(self, *args, **options) -> None:
        if options["needed"]:
            if not engine().needs_worker:
                # Said on standard error, with the status bin/serve reads; nothing else is done.
                raise CommandError(f"the {engine().label} search engine needs no index worker")
            self.stdout.write(f"the {engine().label} search engine needs an index worker")
            return
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
