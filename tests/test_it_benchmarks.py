"""The benchmark runs, and measures what it says it measures (its figures are not checked here)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.conftest import REPO

TYPES = {"common word", "rare word", "two words", "phrase", "prefix", "misspelled", "glossary term", "filtered"}
ENGINES = ("product", "raw Whoosh", "SQLite FTS5")
RATIOS = {
    "raw Whoosh": "product / raw Whoosh",
    "SQLite FTS5": "product / FTS5",
    "stock PostgreSQL": "product / stock PostgreSQL",
}


POSTGRES = os.environ.get("TEST_DATABASE_URL")
needs_postgres = pytest.mark.skipif(not POSTGRES, reason="needs a PostgreSQL server (TEST_DATABASE_URL)")


def run_bench(*arguments: str, scratch: Path | None = None) -> subprocess.CompletedProcess:
    """bench/run.py; its temporary files in `scratch` when given (other tests run beside it)."""
    env = bench_env() | ({"TMPDIR": str(scratch)} if scratch else {})
    return subprocess.run(
        [sys.executable, "bench/run.py", *arguments],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def bench_env() -> dict[str, str]:
    unset = ("DATABASE_URL", "ARCHIVE_SEARCH_ENGINE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    return {k: v for k, v in os.environ.items() if k not in unset}


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory) -> tuple[subprocess.CompletedProcess, list[dict], Path]:
    """`bench/run.py --quick`, run once for the tests of this file: its output, each run's
    figures, and the folder it wrote them and the docs to."""
    out = tmp_path_factory.mktemp("bench")
    # Given a PostgreSQL server (bin/test does, as CI runs it), each size runs on its engine too,
    # and stock PostgreSQL full-text search beside the other references.
    postgres = ["--postgres", POSTGRES] if POSTGRES else []
    (out / "tmp").mkdir()
    done = run_bench("--quick", "--results", str(out), "--docs", str(out / "docs"), *postgres, scratch=out / "tmp")
    assert done.returncode == 0, done.stderr
    engines = ["whoosh"] + (["postgres"] if postgres else [])
    results = [json.loads((out / f"results-{engine}-3.json").read_text()) for engine in engines]
    assert [result["search engine"] for result in results] == engines
    return done, results, out


@pytest.fixture(scope="module")
def quick_run(quick_results) -> tuple[subprocess.CompletedProcess, dict]:
    """The quick run's output, and its figures with the Whoosh engine."""
    done, results, _ = quick_results
    return done, results[0]


@needs_postgres
def test_it_runs_the_postgresql_engine_beside_the_others(quick_results):
    done, (whoosh, postgres), _ = quick_results
    assert "3 episodes" in done.stdout and "postgres engine" in done.stdout
    assert postgres["segments"] == whoosh["segments"] and postgres["episodes"] == 3
    assert set(postgres["search, ms"]) == set(whoosh["search, ms"])
    assert all(passed == total for passed, total in postgres["checks"].values()), postgres["checks"]


def test_the_benchmark_runs_and_writes_its_figures(quick_results):
    done, (figures, *_), out = quick_results
    assert figures["episodes"] == 3 and figures["segments"] > 1_000
    assert figures["upload to searchable, 600 segments, s"] > 0
    assert 50 < figures["web worker peak memory, MB"] < figures["bench process peak memory, MB"] * 2
    assert "bulk indexing (rebuild_index), segments/s" in done.stdout
    assert not list((out / "tmp").glob("bench-3-*")), "the benchmark left its files behind"


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
        for other, ratio in RATIOS.items():
            if other not in kind:
                continue
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


@needs_postgres
def test_stock_postgresql_answers_the_same_queries_beside_fts5(quick_results):
    _, results, _ = quick_results
    for figures in results:
        assert figures["search, ms"]["all queries"]["stock PostgreSQL"]["p50"] > 0
        assert figures["bulk indexing, stock PostgreSQL, segments/s"] > 0
        assert figures["PostgreSQL server settings"]["server_version"]
        # It filters too: the filtered check covers every engine, stock PostgreSQL among them.
        assert figures["checks"]["filtered: fewer moments than unfiltered, in each engine"][0] == 13


def test_it_writes_a_page_with_a_table_per_engine(quick_results):
    _, results, out = quick_results
    page = (out / "docs" / "benchmarks.md").read_text()
    assert "bench/run.py --sizes" in page and "heaviest query" in page
    for result in results:
        engine = {"whoosh": "Whoosh", "postgres": "PostgreSQL"}[result["search engine"]]
        table = page.split(f"## {engine} engine")[1].split("##")[0]
        rows = [line for line in table.splitlines() if line.startswith("| 3 |")]
        assert len(rows) == 1, table
        cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
        mix = result["search, ms"]["all queries"]["product"]
        assert cells[1] == f"{result['segments']:,}" and float(cells[2]) == mix["p50"] and float(cells[3]) == mix["p95"]
        assert cells[8] == "{p50:g} / {p95:g}".format(**result["search, ms"]["all queries"]["SQLite FTS5"])
    assert "2 cores" in page or f"{os.cpu_count()} cores" in page


def test_it_draws_the_figures_as_svg(quick_results):
    _, _, out = quick_results
    chart = ElementTree.parse(out / "docs" / "benchmarks.svg").getroot()
    names = {group.get("data-series") for group in chart.iter("{http://www.w3.org/2000/svg}g")} - {None}
    expected = {"Whoosh p50", "Whoosh p95", "Whoosh import", "Whoosh web worker", "SQLite FTS5 p50"}
    if POSTGRES:
        expected |= {"PostgreSQL p50", "PostgreSQL p95", "stock PostgreSQL p95"}
    assert expected <= names


def test_a_run_of_one_size_keeps_the_others_rows(quick_results, tmp_path):
    from bench.report import write_report

    _, results, out = quick_results
    bigger = {**results[0], "episodes": 1000, "segments": 600_000}
    (tmp_path / "results-whoosh-1000.json").write_text(json.dumps(bigger))
    shutil.copy(out / "results-whoosh-3.json", tmp_path)
    page, chart = write_report(tmp_path, tmp_path / "docs")
    assert "| 3 | 1,800 |" in page.read_text() and "| 1,000 | 600,000 |" in page.read_text()
    whoosh_p50 = ElementTree.parse(chart).getroot().find(".//*[@data-series='Whoosh p50']/{*}polyline")
    assert len(whoosh_p50.get("points").split()) == 2


def test_an_archive_built_before_is_measured_as_it_is(tmp_path):
    """What the 10,000 size does: no import, and the import speed given is said to be recorded."""
    from bench.corpus import write_corpus

    write_corpus(tmp_path / "corpus", 4)  # the quick run's archive when it runs the mix
    env = {**bench_env(), "ARCHIVE_DATA_DIR": str(tmp_path / "data")}
    for command in (["migrate", "-v0"], ["load_sample"], ["import_transcript", str(tmp_path / "corpus")]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=REPO, env=env, check=True, capture_output=True)
    archive = ["--archive", str(tmp_path / "data"), "--corpus", str(tmp_path / "corpus"), "--no-raw-whoosh"]
    recorded = ["--import-lines-per-s", "1234", "--import-source", "the test's own import"]
    out = ["--results", str(tmp_path), "--docs", str(tmp_path / "docs")]
    done = run_bench("--sizes", "4", "--repeats", "1", *archive, *recorded, *out)
    assert done.returncode == 0, done.stderr
    figures = json.loads((tmp_path / "results-whoosh-4.json").read_text())
    assert figures["published episodes"] == 5  # the sample and the four: nothing added
    assert "re-import" not in figures and figures["segments"] > 2_400
    assert set(figures["search, ms"]["all queries"]) == {"product", "SQLite FTS5", "product / FTS5"}
    assert figures["bulk import, from"] == "recorded, not measured by this run: the test's own import"
    page = (tmp_path / "docs" / "benchmarks.md").read_text()
    assert "*1,234* [1]" in page and "[1] 4 episodes: recorded, not measured by this run" in page


def test_stock_postgresql_reads_the_fts5_queries_as_tsqueries():
    from bench.references import tsquery_sql

    assert tsquery_sql('"cloud"') == ("SELECT phraseto_tsquery('french', %s) AS q", ["cloud"])
    sql, values = tsquery_sql('("NIS" "2") OR "directive NIS"')
    assert sql.count("phraseto_tsquery") == 3 and "&&" in sql and "||" in sql and values[-1] == "directive NIS"
    assert tsquery_sql("cyber*") == ("SELECT to_tsquery('french', %s) AS q", ["cyber:*"])


def test_the_figures_of_a_mix_leave_out_a_type_with_no_query():
    """An archive without a glossary draws no glossary term: its figures have no such row."""
    from types import SimpleNamespace

    from bench.mix import PRODUCT, search_figures

    mix = [SimpleNamespace(type="common word", text="risque", params={"q": "risque"})]
    runs = [{"ms": {PRODUCT: [1.0, 2.0, 3.0]}, "found": {PRODUCT: 3}}]
    figures = search_figures(mix, runs, repeats=3)["search, ms"]
    assert "glossary term" not in figures
    assert figures["common word"][PRODUCT]["p50"] == figures["all queries"][PRODUCT]["p50"] == 2.0


def test_a_filter_past_the_count_limit_is_checked_by_the_references_that_count_all():
    from types import SimpleNamespace

    from bench.mix import PRODUCT, checks
    from search.engines import COUNT_LIMIT

    mix = [SimpleNamespace(type="filtered", text="faire [person]", params={"q": "faire"})]

    def run(references_filtered: int) -> list[dict]:
        found = {PRODUCT: COUNT_LIMIT, "SQLite FTS5": references_filtered}
        return [{"ms": {PRODUCT: [1.0], "SQLite FTS5": [1.0]}, "found": found,
                 "found unfiltered": {PRODUCT: COUNT_LIMIT, "SQLite FTS5": 40_000}}]  # fmt: skip

    key = "filtered: fewer moments than unfiltered, in each engine"
    assert checks(mix, run(12_000))[key] == [1, 1]
    assert checks(mix, run(40_000))[key] == [0, 1]
