"""Speed of recommendation and training, against a lean numpy reference measured in the same run.

    .venv/bin/python benchmarks/bench_recommend.py [--people 20000] [--train-rows 100000]

Prints: batch `trackfit recommend` on N people (process start included) and the reference
doing the same arithmetic (benchmarks/reference_recommend.py), best of three each, and their
ratio; the median of single in-process `recommend()` calls; training time on M rows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from recommender.answer.answers import Answers
from recommender.answer.recommendation import Recommender
from recommender.answer.registry import Registry
from recommender.answer.scoring import scoring_layout
from recommender.learn.candidate import train_candidate
from recommender.learn.publishing import RegistryWriter
from recommender.learn.synthetic import synthetic_profiles
from recommender.pack.loading import load_pack

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 3


def answers_jsonl(pack, people: int, seed: int) -> list[str]:
    """Synthetic people as the answers JSONL `trackfit recommend` reads."""
    outcomes, _ = synthetic_profiles(pack, people, seed)
    item_ids = scoring_layout(pack).item_ids
    lines = []
    for row in range(people):
        values = outcomes.answers[row]
        answers = {
            item: int(v) for item, v in zip(item_ids, values, strict=True) if not np.isnan(v)
        }
        context = {}
        for name, column in outcomes.context.items():
            value = column[row]
            if name == "current_grade" or value is None:
                continue
            context[name] = value if isinstance(value, str) else int(value)
        lines.append(
            json.dumps(
                {"employee_id": outcomes.employee_ids[row], "answers": answers, "context": context}
            )
        )
    return lines


def best_of(command: list[str], stdin: Path) -> float:
    """Fastest wall time of REPEATS runs of a command reading `stdin`."""
    times = []
    for _ in range(REPEATS):
        with stdin.open("rb") as source:
            start = time.perf_counter()
            subprocess.run(command, stdin=source, stdout=subprocess.DEVNULL, check=True)
            times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--train-rows", type=int, default=100000)
    args = parser.parse_args()
    pack = load_pack()
    registry = Registry()
    recommender = Recommender.open(pack)
    model_dir = registry.root / recommender.model.name

    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "answers.jsonl"
        lines = answers_jsonl(pack, args.people, seed=99)
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        trackfit = best_of([str(Path(sys.executable).with_name("trackfit")), "recommend"], source)
        reference = best_of(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "reference_recommend.py"),
                str(pack.path),
                str(model_dir),
            ],
            source,
        )
    print(f"batch recommend, {args.people} people, process start included (best of {REPEATS}):")
    print(f"  trackfit recommend      {trackfit:7.2f} s")
    print(f"  numpy reference         {reference:7.2f} s")
    print(f"  ratio                   {trackfit / reference:7.2f}x")

    singles = [Answers.from_json(json.loads(line), pack) for line in lines[:200]]
    recommender.recommend(singles[0])  # warm caches
    timings = []
    for person in singles * 5:
        start = time.perf_counter()
        recommender.recommend(person)
        timings.append(time.perf_counter() - start)
    print(
        f"single in-process recommend(): median {statistics.median(timings) * 1000:.3f} ms "
        f"over {len(timings)} calls"
    )

    outcomes, profiles = synthetic_profiles(pack, args.train_rows, seed=5)
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        train_candidate(
            profiles,
            outcomes.track_taken,
            outcomes.success,
            registry=RegistryWriter(scratch),
            data={"synthetic": True},
        )
        trained = time.perf_counter() - start
    print(f"training on {args.train_rows} rows (profiles scored): {trained:.1f} s")


if __name__ == "__main__":
    main()
