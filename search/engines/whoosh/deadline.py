"""A time limit that every Whoosh matcher obeys, not only its collector.

Whoosh's TimeLimitCollector looks at the clock when a document matches. A query whose
matchers scan long for each match (twelve common phrases ANDed, sorted by date: 10 s at
100 episodes) or never match at all (twelve common words ANDed) went on far past the
limit. Here each term's postings check the clock as they move (`next`, `skip_to`), so
any query, however it combines its terms, stops within a few milliseconds of the
deadline with what it found so far. The check costs one clock read per posting step
(tens of nanoseconds, against microseconds for Whoosh's own step in Python).
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from whoosh.collectors import TimeLimit
from whoosh.matching import Matcher
from whoosh.searching import Searcher

_local = threading.local()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Searches in this thread stop (raise TimeLimit) once `seconds` have passed."""
    previous = getattr(_local, "at", None)
    _local.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.at = previous


def stop_if_out_of_time() -> None:
    at = getattr(_local, "at", None)
    if at is not None and time.monotonic() > at:
        raise TimeLimit


class DeadlineSearcher(Searcher):
    """A searcher whose term postings stop at the thread's deadline (its sub-searchers too)."""

    def postings(self, fieldname: str, text: bytes, weighting=None, qf: int = 1) -> Matcher:
        matcher = super().postings(fieldname, text, weighting=weighting, qf=qf)
        at = getattr(_local, "at", None)
        return matcher if at is None else _bounded(matcher, at)


def _bounded(matcher: Matcher, at: float) -> Matcher:
    """The same matcher, whose steps raise TimeLimit past `at`.

    Its own methods are shadowed on the instance rather than wrapped in another matcher:
    Whoosh's intersections and phrases keep talking to the real leaf matcher, and only
    the two calls that move it pay for the check.
    """
    step, skip_to, clock = matcher.next, matcher.skip_to, time.monotonic

    def next_() -> bool | None:
        if clock() > at:
            raise TimeLimit
        return step()

    def skip_to_(target: int) -> bool | None:
        if clock() > at:
            raise TimeLimit
        return skip_to(target)

    matcher.next, matcher.skip_to = next_, skip_to_
    return matcher
