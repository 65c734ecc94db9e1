"""The engines the product is measured beside, each given the same published lines and the
same queries: raw Whoosh, SQLite FTS5 and stock PostgreSQL full-text search.

Each takes the lines as (segment id, text, episode id) rows, records `indexing` (lines a
second, from the rows in memory to a searchable index) and answers `search(query, allowed)`
and `count(query, allowed)`, where `allowed` is a filtered query's episodes (None: all).
"""

import re
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

TOP = 20
# Below this many results the product offers a spelling suggestion (search.moments.FEW_RESULTS).
FEW_RESULTS = 3

Rows = Sequence[tuple[int, str, int]]


def published_lines() -> list[tuple[int, str, int]]:
    """Every published line, as the references index them."""
    from episodes.models import Segment

    return list(Segment.objects.published().values_list("pk", "text", "episode_id"))


class RawWhoosh:
    """The engine alone: the product's analyzers, writer settings and scorer, a schema
    of what these queries need (text; spelling, for suggestions; episode, for filters),
    Whoosh's own query parser, one searcher kept open, top 20."""

    NAME = "raw Whoosh"
    SCORER = "search.engines.whoosh.backend.MomentWeighting (the product's TF-IDF), imported"

    def __init__(self, folder: Path, rows: Rows) -> None:
        from django.conf import settings
        from whoosh import index as whoosh_index
        from whoosh.fields import ID, TEXT, Schema
        from whoosh.qparser import QueryParser

        from search.analysis import french_analyzer, spelling_analyzer
        from search.engines.whoosh.backend import MomentWeighting, bulk_writer

        schema = Schema(
            id=ID(stored=True),
            text=TEXT(analyzer=french_analyzer(), phrase=True),
            spell=TEXT(analyzer=spelling_analyzer(), phrase=False),
            episode=ID,
        )
        folder.mkdir()
        index = whoosh_index.create_in(str(folder), schema)
        start = time.perf_counter()
        writer = bulk_writer(index, settings.ARCHIVE_INDEX_PROCS, settings.ARCHIVE_INDEX_MEMORY_MB)
        for pk, text, episode_id in rows:
            writer.add_document(id=str(pk), text=text, spell=text, episode=str(episode_id))
        writer.commit()
        self.indexing = round(len(rows) / (time.perf_counter() - start))
        self.searcher = index.searcher(weighting=MomentWeighting())
        self.parser = QueryParser("text", schema)

    def _query(self, query, allowed: set[int] | None) -> tuple:
        from whoosh import query as wq

        parsed = self.parser.parse(query.whoosh)
        only = None if allowed is None else wq.Or([wq.Term("episode", str(pk)) for pk in sorted(allowed)])
        return parsed, only

    def search(self, query, allowed: set[int] | None) -> tuple[list[str], str | None]:
        """The top ids, and a suggestion when there are few, as the product does."""
        parsed, only = self._query(query, allowed)
        results = self.searcher.search(parsed, limit=TOP, filter=only)
        ids = [hit["id"] for hit in results]
        return ids, self.suggest(query.whoosh) if results.scored_length() < FEW_RESULTS else None

    def suggest(self, text: str) -> str | None:
        from search.analysis import WORDS, spelling_analyzer

        corrector, reader, suggestion = self.searcher.corrector("spell"), self.searcher.reader(), text
        for word in re.findall(WORDS, re.sub(r'"[^"]*"|\S+\*', " ", text)):
            spelled = [token.text for token in spelling_analyzer()(word)]
            if word == "OR" or not spelled or ("spell", spelled[0]) in reader:
                continue
            closest = corrector.suggest(spelled[0], limit=1, maxdist=2, prefix=1)
            if closest:
                suggestion = suggestion.replace(word, closest[0], 1)
        return suggestion if suggestion != text else None

    def count(self, query, allowed: set[int] | None) -> int:
        parsed, only = self._query(query, allowed)
        return len(self.searcher.search(parsed, limit=None, filter=only))


class Fts5:
    """SQLite's own full-text index on the same lines, with their episode (not indexed) for
    filters: `unicode61 remove_diacritics 2`, top 20 by rank, no count, no snippet."""

    NAME = "SQLite FTS5"

    def __init__(self, rows: Rows) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE moments USING fts5(text, episode UNINDEXED, tokenize='unicode61 remove_diacritics 2')"
        )
        start = time.perf_counter()
        self.db.executemany("INSERT INTO moments(rowid, text, episode) VALUES (?, ?, ?)", rows)
        self.db.commit()
        self.indexing = round(len(rows) / (time.perf_counter() - start))

    def _where(self, query, allowed: set[int] | None) -> tuple[str, list]:
        if allowed is None:
            return "moments MATCH ?", [query.fts5]
        marks = ", ".join("?" * len(allowed))
        return f"moments MATCH ? AND episode IN ({marks})", [query.fts5, *sorted(allowed)]

    def search(self, query, allowed: set[int] | None) -> list[int]:
        where, values = self._where(query, allowed)
        return self.db.execute(f"SELECT rowid FROM moments WHERE {where} ORDER BY rank LIMIT {TOP}", values).fetchall()

    def count(self, query, allowed: set[int] | None) -> int:
        where, values = self._where(query, allowed)
        return self.db.execute(f"SELECT count(*) FROM moments WHERE {where}", values).fetchone()[0]


class StockPostgres:
    """PostgreSQL's full-text search as its manual shows it, in a database of its own on the
    server: `to_tsvector('french', text)` stored and GIN-indexed, `ts_rank` for the top 20 with
    a `ts_headline` snippet each, and the exact count; both are timed, as the product counts and
    highlights too. The query is FTS5's text, read as tsqueries: a quoted group is a
    `phraseto_tsquery`, `word*` a `to_tsquery('word:*')`, groups side by side are ANDed."""

    NAME = "stock PostgreSQL"

    def __init__(self, server: str, rows: Rows) -> None:
        import psycopg

        from bench.databases import create_database, database_url

        self.server, self.database = server, create_database(server, "stockfts")
        self.connection = psycopg.connect(database_url(server, self.database), autocommit=True)
        self.connection.execute(
            "CREATE TABLE moments (id bigint PRIMARY KEY, episode integer NOT NULL, text text NOT NULL,"
            " document tsvector GENERATED ALWAYS AS (to_tsvector('french', text)) STORED)"
        )
        start = time.perf_counter()
        with self.connection.cursor() as cursor, cursor.copy("COPY moments (id, text, episode) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        self.connection.execute("CREATE INDEX moments_document ON moments USING gin (document)")
        self.connection.execute("CREATE INDEX moments_episode ON moments (episode)")
        self.connection.execute("ANALYZE moments")
        self.indexing = round(len(rows) / (time.perf_counter() - start))

    def close(self) -> None:
        from bench.databases import drop_database

        self.connection.close()
        drop_database(self.server, self.database)

    def _where(self, query, allowed: set[int] | None) -> tuple[str, list]:
        tsquery, values = tsquery_sql(query.fts5)
        where = f"document @@ ({tsquery})"
        if allowed is None:
            return where, values
        return f"{where} AND episode = ANY(%s)", [*values, sorted(allowed)]

    def search(self, query, allowed: set[int] | None) -> tuple[list[tuple[int, str]], int]:
        """The top 20 with a snippet each, and how many lines match."""
        tsquery, values = tsquery_sql(query.fts5)
        only = "" if allowed is None else " AND episode = ANY(%s)"
        top = self.connection.execute(
            f"SELECT id, ts_headline('french', text, q) FROM ("
            f" SELECT id, text, ts_rank(document, q) AS rank, q FROM moments, ({tsquery}) AS query"
            f" WHERE document @@ q{only} ORDER BY rank DESC LIMIT {TOP}) AS top ORDER BY rank DESC",
            [*values, *([] if allowed is None else [sorted(allowed)])],
        ).fetchall()
        return top, self.count(query, allowed)

    def count(self, query, allowed: set[int] | None) -> int:
        where, values = self._where(query, allowed)
        return self.connection.execute(f"SELECT count(*) FROM moments WHERE {where}", values).fetchone()[0]


TOKENS = re.compile(r'"(?:[^"]|"")*"|[^\s()"]+\*|\(|\)|OR')


def tsquery_sql(fts5: str) -> tuple[str, list[str]]:
    """FTS5's MATCH text (bench/queries.py writes quoted groups, prefixes, OR and parentheses)
    as a tsquery expression and its parameters. FTS5's AND binds tighter than its OR; the
    tsquery operators `&&` and `||` bind alike, from the left, which reads the mix's queries
    the same (an OR only ever follows a whole group)."""
    sql: list[str] = []
    values: list[str] = []
    for token in TOKENS.findall(fts5):
        if token == "OR":
            sql.append("||")
            continue
        if token == ")":
            sql.append(")")
            continue
        if sql and sql[-1] not in ("||", "("):
            sql.append("&&")
        if token == "(":
            sql.append("(")
        elif token.endswith("*"):
            sql.append("to_tsquery('french', %s)")
            values.append(token[:-1] + ":*")
        else:
            sql.append("phraseto_tsquery('french', %s)")
            values.append(token[1:-1].replace('""', '"'))
    return "SELECT " + " ".join(sql) + " AS q", values
