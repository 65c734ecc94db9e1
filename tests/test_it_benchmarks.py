"""The benchmark runs, and measures what it says it measures (its figures are not checked here)."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import REPO

TYPES = {"common word", "rare word", "two words", "phrase", "prefix", "misspelled", "glossary term", "filtered"}
ENGINES = ("product", "raw Whoosh", "SQLite FTS5")


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """`bench/run.py --quick`, run once for the tests of this file: its output and each run's figures."""
    unset = ("DATABASE_URL", "ARCHIVE_SEARCH_ENGINE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    out = tmp_path_factory.mktemp("bench") / "results.json"
    # Given a PostgreSQL server (bin/test does, as CI runs it), each size runs on its engine too.
    postgres = ["--postgres", os.environ["TEST_DATABASE_URL"]] if os.environ.get("TEST_DATABASE_URL") else []
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--json", str(out), *postgres],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    assert [result["search engine"] for result in results] == ["whoosh"] + (["postgres"] if postgres else [])
    return done, results


@pytest.fixture(scope="module")
def quick_run(quick_results) -> tuple[subprocess.CompletedProcess, dict]:
    """The quick run's output, and its figures with the Whoosh engine."""
    done, results = quick_results
    return done, results[0]


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs a PostgreSQL server (TEST_DATABASE_URL)")
def test_it_runs_the_postgresql_engine_beside_the_others(quick_results):
    done, (whoosh, postgres) = quick_results
    assert "3 episodes" in done.stdout and "postgres engine" in done.stdout
    assert postgres["segments"] == whoosh["segments"] and postgres["episodes"] == 3
    assert set(postgres["search, ms"]) == set(whoosh["search, ms"])
    assert all(passed == total for passed, total in postgres["checks"].values()), postgres["checks"]


def test_the_benchmark_runs_and_writes_its_figures(quick_run):
    done, figures = quick_run
    assert figures["episodes"] == 3 and figures["segments"] > 1_000
    assert figures["upload to searchable, 600 segments, s"] > 0
    assert 50 < figures["web worker peak memory, MB"] < figures["bench process peak memory, MB"] * 2
    assert "bulk indexing (rebuild_index), segments/s" in done.stdout
    assert not list(Path(tempfile.gettempdir()).glob("bench-3-*")), "the benchmark left its files behind"


def test_it_runs_at_least_a_hundred_queries_of_every_type(quick_run):
    _, figures = quick_run
    mix = figures["query mix"]
    assert mix["queries"] >= 100 and len(figures["queries"]) == mix["queries"]
    assert set(mix["queries per type"]) == TYPES and all(count >= 10 for count in mix["queries per type"].values())


def test_it_gives_percentiles_and_ratios_per_type_and_overall(quick_run):
    _, figures = quick_run
    search = figures["search, ms"]
    assert set(search) == TYPES | {"all queries"}
    for kind in search.values():
        for engine in ENGINES:
            assert set(kind[engine]) == {"p50", "p95", "max"} and kind[engine]["p50"] > 0
        for other, ratio in (("raw Whoosh", "product / raw Whoosh"), ("SQLite FTS5", "product / FTS5")):
            for p in ("p50", "p95"):  # the times' own ratio, with no floor under the other engine's time
                assert kind[ratio][p] == pytest.approx(kind["product"][p] / kind[other][p], rel=0.05)


def test_it_names_the_slowest_five_queries(quick_run):
    done, figures = quick_run
    slowest = figures["slowest five queries (product p50, ms)"]
    assert len(slowest) == 5
    assert [s["product"] for s in slowest] == sorted((s["product"] for s in slowest), reverse=True)
    assert all(set(ENGINES) <= set(s) and s["query"] in done.stdout for s in slowest)


def test_raw_whoosh_ranks_with_the_products_scorer(quick_run):
    done, figures = quick_run
    assert "MomentWeighting" in figures["raw Whoosh scorer"] and "MomentWeighting" in done.stdout


def test_misspelled_queries_find_nothing_and_get_a_suggestion(quick_run):
    _, figures = quick_run
    misspelled = figures["query mix"]["queries per type"]["misspelled"]
    assert figures["checks"]["misspelled: 0 results and a suggestion (product)"] == [misspelled, misspelled]
    assert figures["checks"]["misspelled: 0 results and a suggestion (raw Whoosh)"] == [misspelled, misspelled]


def test_filtered_queries_are_really_filtered(quick_run):
    _, figures = quick_run
    filtered = figures["query mix"]["queries per type"]["filtered"]
    assert figures["checks"]["filtered: fewer moments than unfiltered, in each engine"] == [filtered, filtered]
    assert figures["checks"]["filtered: the product and raw Whoosh find the same moments"] == [filtered, filtered]
    assert all("person=" in query for query in figures["queries"] if query.startswith("filtered: "))


def test_it_times_a_first_import_and_a_reimport_with_changed_lines(quick_run):
    done, figures = quick_run
    reimport = figures["re-import"]
    assert reimport["first import, s"] > 0 and reimport["re-import, s"] > 0
    assert reimport["changed lines found by search"] == reimport["changed lines"] > 0
    assert "re-import" in done.stdout


def test_it_times_the_queries_built_to_run_into_the_time_limit(quick_run):
    _done, figures = quick_run
    worst = figures["time limit, worst queries, ms"]
    assert worst.pop("limit") == 1000
    assert len(worst) == 3
    for name, answer in worst.items():
        assert answer["max"] > 1, name  # milliseconds: a full request takes more than one
        assert answer["count"] >= 0 and isinstance(answer["timed out"], bool), name
