"""Rebuilding the PostgreSQL engine's rows in one transaction: searches answer from the
committed moments meanwhile, a rebuild failing midway leaves them as they were; Haystack's
own index commands say what to run instead."""

import itertools
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from search.moments import Filters, find_moments
from tests.search.probes import check


def test_searches_answer_from_the_committed_moments_while_a_rebuild_writes(sample_episode, monkeypatch):
    from django.db import connection

    from search.engines import engine
    from search.engines.postgres import writing as postgres

    written, slow = threading.Event(), threading.Event()
    lines, real = itertools.count(1), postgres.said_and_terms

    def slowly(text):
        if next(lines) == 300:  # the rebuild has written 200 moments, not yet committed
            written.set()
            slow.wait(10)
        return real(text)

    monkeypatch.setattr(postgres, "ROWS_PER_COPY", 100)
    monkeypatch.setattr(postgres, "said_and_terms", slowly)

    def rebuild() -> None:
        try:
            engine().rebuild()
        finally:
            connection.close()

    thread = threading.Thread(target=rebuild)
    thread.start()
    assert written.wait(10)
    counts = [find_moments("quantique", Filters()).count for _ in range(5)]
    slow.set()
    thread.join()
    assert counts == [22] * 5
    assert find_moments("quantique", Filters()).count == 22
    assert check().strip() == "The index and the database agree."


def test_a_rebuild_that_fails_midway_leaves_the_moments_as_they_were(sample_episode, monkeypatch):
    from search.engines import engine
    from search.engines.postgres import writing as postgres

    lines, real = itertools.count(1), postgres.said_and_terms

    def failing(text):
        if next(lines) == 300:  # 200 moments written, not yet committed
            raise RuntimeError("the database went away")
        return real(text)

    monkeypatch.setattr(postgres, "ROWS_PER_COPY", 100)
    monkeypatch.setattr(postgres, "said_and_terms", failing)
    with pytest.raises(RuntimeError, match="went away"):
        engine().rebuild()
    monkeypatch.undo()
    assert find_moments("quantique", Filters()).count == 22
    assert check().strip() == "The index and the database agree."


@pytest.mark.parametrize("command, args", [("update_index", ["--age", "24"]), ("clear_index", ["--noinput"])])
def test_haystack_s_own_index_commands_say_what_to_run_instead_and_change_nothing(sample_episode, command, args):
    from search.moments import Filters, find_moments

    before = find_moments("quantique", Filters()).count
    with pytest.raises(CommandError, match=r"not in Haystack's index.*rebuild_index"):
        call_command(command, *args)
    assert find_moments("quantique", Filters()).count == before > 0
