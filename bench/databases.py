"""PostgreSQL databases of a benchmark's own: created beside a server URL's, and dropped after.

A database is named after the URL's own (`postgres:///hbench` makes `hbench_bench_PID`), asked
through the server's maintenance database: the URL's own database need not exist.
"""

import os
import urllib.parse

# The settings the search's speed depends on (see docs/search-at-scale.md, Tuning).
PG_SETTINGS = ("server_version", "shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers")


def create_database(server: str, purpose: str) -> str:
    """A new, empty database on `server`'s PostgreSQL server; its name."""
    import psycopg

    base = urllib.parse.urlsplit(server).path.strip("/") or "archive"
    name = f"{base}_{purpose}_{os.getpid()}"
    with psycopg.connect(server, dbname="postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server, dbname="postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_url(server: str, name: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(server)._replace(path=f"/{name}"))


def server_settings(server: str) -> dict[str, str]:
    """As a new session on the server sees them (its maintenance database)."""
    import psycopg

    with psycopg.connect(server, dbname="postgres") as connection:
        rows = connection.execute(
            "SELECT name, current_setting(name) FROM unnest(%s::text[]) AS name", [list(PG_SETTINGS)]
        ).fetchall()
    return dict(rows)
