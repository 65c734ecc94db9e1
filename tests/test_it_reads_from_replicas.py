"""Searches read from a PostgreSQL streaming replica (DATABASE_REPLICA_URLS): a real primary and
a real replica on this machine (bin/test-postgres --replica: pg_createcluster, pg_basebackup -R),
real production servers in front. Pausing the replica's replay shows which one answered."""

import http.cookiejar
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.db import connection

from tests.conftest import free_port
from tests.test_it_runs_on_several_servers import Server

REPLICA = os.environ.get("TEST_REPLICA_URL")
needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="replicas are PostgreSQL's")
needs_replica = pytest.mark.skipif(
    not REPLICA or connection.vendor != "postgresql",
    reason="needs a streaming replica of the test server (TEST_REPLICA_URL: bin/test-postgres --replica)",
)


def replica_url() -> str:
    """The replica's copy of the test database (created on the primary, replayed there)."""
    parts = urllib.parse.urlsplit(REPLICA)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


def on_replica(sql: str):
    import psycopg

    with psycopg.connect(REPLICA, dbname="postgres", autocommit=True) as replica:
        return replica.execute(sql).fetchone()


def import_saying(word: str) -> None:
    from tests.factories import make_episode

    make_episode(f"On parle de {word} ce soir.", show="Répliques", title=word)


def found(server: Server, word: str, opener=None) -> int:
    url = f"{server.url}/api/search/?q={word}"
    with (opener.open if opener else urllib.request.urlopen)(url, timeout=10) as response:
        return json.load(response)["count"]


def eventually(check, seconds: float) -> float:
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, f"not within {seconds} s"
        time.sleep(0.05)
    return time.monotonic() - start


@pytest.fixture
def servers(tmp_path, transactional_db):
    started = []

    def start(name: str, max_lag: int) -> Server:
        lag = str(max_lag)
        server = Server(tmp_path, name, DATABASE_REPLICA_URLS=replica_url(), ARCHIVE_REPLICA_MAX_LAG_SECONDS=lag)
        started.append(server)
        server.wait_until_up()
        return server

    try:
        yield start
    finally:
        on_replica("SELECT pg_wal_replay_resume()")
        for server in started:
            server.stop()


@needs_replica
def test_searches_are_served_by_the_replica_and_an_import_is_found_within_2_s(servers):
    server = servers("patient", max_lag=60)
    assert found(server, "zorglubine") == 0
    import_saying("zorglubine")
    assert eventually(lambda: found(server, "zorglubine") == 1, 2.0) < 2.0

    on_replica("SELECT pg_wal_replay_pause()")
    import_saying("zorglubium")
    time.sleep(0.5)
    assert found(server, "zorglubium") == 0, "the search was not served by the paused replica"
    checks = server.health()["checks"]["replicas"]
    assert checks["ok"] and set(checks["lag_seconds"]) == {"replica1"}
    # A visitor who just wrote (a POST) reads the primary: they see the change at once.
    jar = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    try:
        jar.open(urllib.request.Request(f"{server.url}/api/search/?q=x", data=b""), timeout=10)
    except urllib.error.HTTPError as refused:  # refused (the API only reads): still a write asked for
        assert refused.code == 405
    assert found(server, "zorglubium", jar) == 1 and found(server, "zorglubium") == 0

    on_replica("SELECT pg_wal_replay_resume()")
    assert eventually(lambda: found(server, "zorglubium") == 1, 2.0) < 2.0


@needs_replica
def test_a_replica_too_far_behind_is_skipped_and_health_says_so(servers):
    server = servers("strict", max_lag=1)
    on_replica("SELECT pg_wal_replay_pause()")
    import_saying("zorglubase")
    # Behind by more than a second: the primary serves, and /healthz is degraded.
    eventually(lambda: found(server, "zorglubase") == 1, 5.0)
    # Each web worker asks the replica at most once a second.
    answers = []
    eventually(lambda: answers.append(server.health()) or answers[-1]["status"] == "degraded", 3.0)
    assert answers[-1]["failing"] == ["replicas"] and answers[-1]["checks"]["replicas"]["lag_seconds"]["replica1"] > 1


@needs_postgres
def test_a_replica_that_does_not_answer_is_skipped_and_health_says_so(tmp_path, transactional_db):
    nobody = f"postgres://127.0.0.1:{free_port()}/archive"  # nothing listens there
    server = Server(tmp_path, "alone", DATABASE_REPLICA_URLS=nobody)
    try:
        server.wait_until_up()
        import_saying("zorglubide")
        assert found(server, "zorglubide") == 1  # from the primary
        health = server.health()
        assert health["status"] == "degraded" and health["failing"] == ["replicas"]
        assert health["checks"]["replicas"]["lag_seconds"] == {"replica1": None}
    finally:
        server.stop()
