"""A deterministic French-like corpus in the show's own page format, for benchmarks.

Words are drawn from the sample episode with their real frequencies, lines are as
long as the sample's, and a few rare terms appear at known rates so that rare-word
queries have a known answer. Same seed, same corpus.

    .venv/bin/python bench/corpus.py OUT_DIR --episodes 100 [--segments 600] [--seed 7]
"""

import argparse
import collections
import datetime
import random
import re
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "episodes" / "samples" / "smart-tech-2025-06-19.txt"
# Rare terms and how often a line says them: queries for them have a known answer.
RARE = {"hyperviseur": 1 / 2_000, "cryptanalyse": 1 / 5_000, "téléportation": 1 / 20_000}
GUESTS = [
    ("Louis Soris", "avocat", "Soris Avocats"),
    ("Marc Kaplan", "fondateur", "VeriQloud"),
    ("Dorothée Decrop", "déléguée générale", "Hexatrust"),
    ("Alain Staron", "cofondateur", "Artifeel"),
    ("Ana Lopez", "directrice technique", "Acme"),
    ("Paul Martin", "chercheur", "Inria"),
    ("Claire Dubois", "députée", "Assemblée nationale"),
    ("Yann Morel", "analyste", "Cyberlab"),
]


def vocabulary() -> tuple[list[str], list[int], list[int]]:
    """The sample's words with their counts, and its line lengths in words."""
    lines = [re.sub(r"^\d+:\d\d", "", line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines[5:] if line and not line[0].isdigit()][:408]
    counts = collections.Counter(word for line in lines for word in line.split())
    words = list(counts)
    return words, [counts[word] for word in words], [len(line.split()) for line in lines]


def episode_text(number: int, segments: int, rng: random.Random, vocab) -> str:
    words, weights, lengths = vocab
    day = datetime.date(2020, 1, 6) + datetime.timedelta(days=number)
    guests = rng.sample(GUESTS, 3)
    people = ", ".join(f"{name} ({title}, {org})" for name, title, org in guests[:-1])
    last = guests[-1]
    header = (
        f"- {day:%d/%m/%Y}\n"
        f"Émission {number}, retrouvez {people} et {last[0]} ({last[1]}, {last[2]}) "
        f"dans SMART TECH, une émission présentée par Delphine Sabattier.\n"
    )
    lines, seconds = [], 0
    for _ in range(segments):
        line = rng.choices(words, weights, k=rng.choice(lengths))
        for term, rate in RARE.items():
            if rng.random() < rate:
                line.insert(rng.randrange(len(line) + 1), term)
        lines.append(f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}{' '.join(line)}")
        seconds += rng.randint(2, 7)
    return header + "\n".join(lines) + "\n"


def write_corpus(out: Path, episodes: int, segments: int = 600, seed: int = 7) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    rng, vocab = random.Random(seed), vocabulary()
    paths = []
    for number in range(episodes):
        path = out / f"bench-{number:04d}.txt"
        path.write_text(episode_text(number, segments, rng, vocab), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a deterministic benchmark corpus.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--segments", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    paths = write_corpus(args.out, args.episodes, args.segments, args.seed)
    print(f"{len(paths)} episodes in {args.out}")


if __name__ == "__main__":
    main()
