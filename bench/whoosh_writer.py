"""What Whoosh's own writer costs a line, field by field: the floor of an import into Whoosh.

    .venv/bin/python bench/whoosh_writer.py [--episodes 20]

It makes the documents of generated episodes (bench/corpus.py, 600 lines each) as an import
makes them, their words already analysed (`search.engines.whoosh.documents.moment_document`), then
gives them to Whoosh's writer in one process, into a new index in a temporary folder, and
commits them as one segment: once with the whole schema, then without each group of fields
the searches read. It prints the CPU time a line of `add_document` and of the commit, the
postings a line, and the lines a CPU-second. No database, no parsing, no merge: an import
costs more than this, never less.
"""

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The fields each search needs beyond the line's terms (`text`), dropped one group at a time.
WITHOUT = [
    ((), "the whole schema"),
    (("spell",), "without spell (spelling suggestions)"),
    (("folded",), "without folded (prefixes, ANDs read as sets)"),
    (("pairs",), "without pairs (phrases)"),
    (("tail", "head"), "without tail and head (phrases across two lines)"),
    (("spell", "folded", "pairs", "tail", "head"), "the line's terms alone"),
]


def documents(episodes: int) -> list[dict]:
    from bench.corpus import episode_text, vocabulary
    from search.analysis import said_and_terms
    from search.engines.whoosh.documents import EpisodeFields, moment_document

    rng, vocab, made = random.Random(7), vocabulary(), []
    for number in range(episodes):
        lines = [re.sub(r"^\d+:\d\d:\d\d", "", line) for line in episode_text(number, 600, rng, vocab).splitlines()[2:]]
        analysed = [said_and_terms(line) for line in lines]
        fields = EpisodeFields("smart-tech", "alain-staron", 20470524)
        for position, (line, (said, terms)) in enumerate(zip(lines, analysed, strict=True)):
            following = analysed[position + 1][1] if position + 1 < len(lines) else []
            pk = len(made) + 1
            made.append(moment_document(pk, number, line, said, terms, following, position * 1000, 0, fields))
    return made


def measure(docs: list[dict], without: tuple[str, ...], folder: Path) -> tuple[float, float, float]:
    from whoosh.filedb.filestore import FileStorage

    from search.engines.whoosh.schema import moment_schema

    schema = moment_schema()
    for name in without:
        schema.remove(name)
    kept = [{key: value for key, value in doc.items() if key not in without} for doc in docs]
    postings = sum(
        sum(1 for _ in schema[name].index(value))
        for doc in kept
        for name, value in doc.items()
        if name in schema and schema[name].indexed
    )
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    writer = FileStorage(str(folder)).create_index(schema).writer(limitmb=1024)
    start = time.process_time()
    for doc in kept:
        writer.add_document(**doc)
    added = time.process_time()
    writer.commit(merge=False)
    committed = time.process_time()
    return (added - start) / len(docs), (committed - added) / len(docs), postings / len(docs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=20, help="generated episodes of 600 lines (default 20)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="whoosh-writer-"))
    os.environ.setdefault("ARCHIVE_DATA_DIR", str(work / "data"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarttech.settings")
    import django

    django.setup()
    try:
        docs = documents(args.episodes)
        print(f"== Whoosh's writer alone, {len(docs):,} lines in one process, one segment ==")
        for without, label in WITHOUT:
            add, commit, postings = measure(docs, without, work / "index")
            total = add + commit
            print(
                f"{label}: {postings:.1f} postings a line; add_document {add * 1e6:.0f} µs + commit "
                f"{commit * 1e6:.0f} µs of CPU a line = {1 / total:,.0f} lines a CPU-second"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
