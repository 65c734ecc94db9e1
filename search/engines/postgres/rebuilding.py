"""A rebuild of the PostgreSQL engine's rows that nobody waits for: the new rows are written aside,
into tables of their own, while searches read the live ones and changes go on writing them; then
the tables are swapped in, as the Whoosh engine builds a folder aside and swaps a link.

1. Under the lock every change takes shared (`LOCKS`), taken exclusively for a moment: the aside
   tables are made, and `RebuildNote` says that a rebuild runs: from then on every change notes
   its episodes there (`note_changes`, called by `lock_episodes`).
2. Without any lock: every published line is written into the aside tables, then their indexes
   and constraints are made, as the live tables have them.
3. Under the exclusive lock again, for the time it takes: the episodes noted meanwhile are written
   again into the aside tables (none lost), the live tables dropped, the aside ones renamed.

Changes wait only for steps 1 and 3. A rebuild in one transaction made every change wait until it
committed: 6.4 s at 200 episodes, past gunicorn's 30 s at 1,000.
"""

from django.db import connection, transaction

from episodes.models import Segment
from search.engines import Advance, not_told
from search.engines.postgres.writing import ASIDE, _write
from search.models import EpisodeTerm, KnownWord, RebuildNote, SearchMoment, SpokenWord

TABLES = [model._meta.db_table for model in (SearchMoment, SpokenWord, EpisodeTerm, KnownWord)]
# The episodes changed while a rebuild runs; its row of episode 0 says that one runs. A table that
# is always there: a change that asked whether a table of notes existed could be told yes by its
# catalog cache just as the swap dropped it (seen at 200 episodes).
NOTES = RebuildNote._meta.db_table
RUNNING = 0
# Held for the whole rebuild (a session lock): a second rebuild waits for the first.
REBUILD_LOCK = 0x5EA7C402


def rebuild_aside(locks: int, advance: Advance = not_told) -> int:
    """Rebuild every moment's rows aside, then swap them in; how many moments."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s::int, 0)", [REBUILD_LOCK])
    try:
        _start(locks)
        written = _write(Segment.objects.published().with_next_text(), advance, suffix=ASIDE)
        _copy_indexes_and_constraints()
        _swap(locks)
        return written
    except BaseException:
        _abandon()
        raise
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s::int, 0)", [REBUILD_LOCK])


def note_changes(episode_ids: list[int]) -> None:
    """While a rebuild runs, note these episodes, changed in this transaction: the rebuild writes
    them again when it swaps its tables in. Called under the shared lock (`lock_episodes`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {NOTES} (episode_id) SELECT unnest(%s::bigint[])"
            f" WHERE EXISTS (SELECT FROM {NOTES} WHERE episode_id = %s) ON CONFLICT DO NOTHING",
            [list(episode_ids), RUNNING],
        )


def _start(locks: int) -> None:
    # Autovacuum off on the live tables too, until they are dropped: the edits made meanwhile
    # leave enough dead rows for it to start, and dropping a table that autovacuum reads waited
    # for the deadlock check to cancel it, a second a table (2.7 s of the swap at 1,000 episodes,
    # 129 edits meanwhile). Outside the lock: this waits for a running autovacuum, changes don't.
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s::int, 0)", [locks])
        cursor.execute(f"DELETE FROM {NOTES}")
        cursor.execute(f"INSERT INTO {NOTES} (episode_id) VALUES (%s)", [RUNNING])
        for table in TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {table}{ASIDE}")
            # No index yet: 6 million rows load faster into a bare table, indexed once at the end.
            # No autovacuum either: renaming a table that autovacuum is reading waited until the
            # deadlock check cancelled it, a second a table (3.5 s of the swap at 1,000 episodes);
            # the rebuild analyses the tables itself.
            cursor.execute(
                f"CREATE TABLE {table}{ASIDE} (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY)"
                " WITH (autovacuum_enabled = false)"
            )


def _copy_indexes_and_constraints() -> None:
    """The live tables' keys, checks and indexes, on the aside tables, named with ASIDE; foreign
    keys come at the swap, when no row of a deleted episode is left."""
    with connection.cursor() as cursor:
        for table in TABLES:
            for name, definition in _constraints(cursor, table, "pcu"):
                cursor.execute(f"ALTER TABLE {table}{ASIDE} ADD CONSTRAINT {name}{ASIDE} {definition}")
            for name, definition in _plain_indexes(cursor, table):
                aside = definition.replace(f"INDEX {name} ON", f"INDEX {name}{ASIDE} ON", 1)
                for named in (f" ON public.{table} USING ", f" ON {table} USING "):
                    aside = aside.replace(named, named.replace(table, f"{table}{ASIDE}"), 1)
                cursor.execute(aside)
            cursor.execute(f"ANALYZE {table}{ASIDE}")


def _swap(locks: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s::int, 0)", [locks])
        cursor.execute(f"SELECT episode_id FROM {NOTES} WHERE episode_id <> %s", [RUNNING])
        noted = [episode_id for (episode_id,) in cursor.fetchall()]
        if noted:
            for table in TABLES[:3]:  # KnownWord has no episode: words are only added
                cursor.execute(f"DELETE FROM {table}{ASIDE} WHERE episode_id = ANY(%s)", [noted])
            _write(Segment.objects.published().with_next_text().filter(episode_id__in=noted), suffix=ASIDE)
        foreign_keys = {table: _constraints(cursor, table, "f") for table in TABLES}
        for table in TABLES:
            indexes = [name for name, _definition in _plain_indexes(cursor, table)]
            constraints = [name for name, _definition in _constraints(cursor, table, "pcu")]
            sequence = _identity_sequence(cursor, table)
            cursor.execute(f"DROP TABLE {table}")
            cursor.execute(f"ALTER TABLE {table}{ASIDE} RENAME TO {table}")
            for name in constraints:
                cursor.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {name}{ASIDE} TO {name}")
            for name in indexes:
                cursor.execute(f"ALTER INDEX {name}{ASIDE} RENAME TO {name}")
            if sequence:
                cursor.execute(f"ALTER SEQUENCE {_identity_sequence(cursor, table)} RENAME TO {sequence}")
            cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
            # Checked after the swap (VALIDATE), not while every change waits.
            for name, definition in foreign_keys[table]:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition} NOT VALID")
        cursor.execute(f"DELETE FROM {NOTES}")
    with connection.cursor() as cursor:
        for table, constraints in foreign_keys.items():
            for name, _definition in constraints:
                cursor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")


def _abandon() -> None:
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
        cursor.execute(f"DELETE FROM {NOTES}")
        cursor.execute("DROP TABLE IF EXISTS " + ", ".join(f"{table}{ASIDE}" for table in TABLES))


def _constraints(cursor, table: str, kinds: str) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype = ANY(%s) ORDER BY conname",
        [table, list(kinds)],
    )
    return cursor.fetchall()


def _plain_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """The indexes that no constraint makes (those come with their constraint)."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = %s::regclass"
        " AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)"
        " ORDER BY i.relname",
        [table],
    )
    return cursor.fetchall()


def _identity_sequence(cursor, table: str) -> str | None:
    cursor.execute(
        "SELECT pg_get_serial_sequence(%s, attname) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attidentity <> '' LIMIT 1",
        [table, table],
    )
    row = cursor.fetchone()
    return row[0].split(".")[-1] if row and row[0] else None
