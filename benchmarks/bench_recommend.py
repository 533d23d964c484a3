"""Speed of recommendation and training, against a lean numpy reference measured in the same run.

    .venv/bin/python benchmarks/bench_recommend.py [--people 20000,100000] [--train-rows 100000]

Prints: batch `trackfit recommend` on the first N people (process start included) and the
reference doing the same arithmetic (benchmarks/reference_recommend.py), best of three each, and
their ratio; peak memory and people per second of batch recommend at every N, streaming in
chunks and, up to --baseline-up-to (100,000 by default), as one whole batch (`--chunk 0`, the
code before streaming); the median of single in-process `recommend()` calls; training time on
M rows beside the bundled active version, from scratch and shrinking toward it where that pays
(what HR's upload does by default). `--people 20000,100000,1000000` adds the million (a 1 GB
input file, written a block at a time and deleted after; some ten minutes more).
"""

from __future__ import annotations

import argparse
import json
import shutil
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
# The whole-batch baseline is measured up to this many people (--baseline-up-to): at a million
# it would need about 20 GB, more than this machine has.
BASELINE_PEOPLE = 100_000
BLOCK_PEOPLE = 20_000  # synthetic people made and written at a time


def write_answers(path: Path, pack, people: int, seed: int) -> None:
    """`people` synthetic people written to `path` a block at a time (each block its own seed,
    so ids never repeat), never all in memory."""
    with path.open("w", encoding="utf-8") as out:
        for block, start in enumerate(range(0, people, BLOCK_PEOPLE)):
            size = min(BLOCK_PEOPLE, people - start)
            out.write("\n".join(answers_jsonl(pack, size, seed + block)) + "\n")


# Runs a command and prints its peak resident memory. A fork's high-water mark includes what it
# shared with its parent before exec, so the command is started from this small process rather
# than from the benchmark (which holds numpy, scikit-learn and 100,000 people: every run read
# as 160 MiB or more). RUSAGE_CHILDREN then holds that one command's ru_maxrss, in kilobytes.
MEASURE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_memory(command: list[str], stdin: Path) -> tuple[float, int]:
    """Wall time and peak resident memory (bytes) of one run of `command` reading `stdin`."""
    with stdin.open("rb") as source:
        start = time.perf_counter()
        measured = subprocess.run(
            [sys.executable, "-c", MEASURE, *command],
            stdin=source,
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - start
    return elapsed, int(measured.stdout) * 1024


def memory_table(pack, sizes: list[int], baseline_up_to: int = BASELINE_PEOPLE) -> None:
    """Peak memory and speed of batch recommend at each size, streaming and whole-batch."""
    trackfit = str(Path(sys.executable).with_name("trackfit"))
    print("batch recommend, peak memory (one run each, process start included):")
    print(f"  {'people':>9}  {'how':<22} {'peak MiB':>9} {'seconds':>8} {'people/s':>9}")
    for people in sizes:
        with tempfile.TemporaryDirectory() as scratch:
            source = Path(scratch) / "answers.jsonl"
            write_answers(source, pack, people, seed=99)
            runs = [("in chunks of 2,000", [trackfit, "recommend"])]
            if people <= baseline_up_to:
                runs.append(("whole batch (--chunk 0)", [trackfit, "recommend", "--chunk", "0"]))
            for how, command in runs:
                elapsed, peak = peak_memory(command, source)
                print(
                    f"  {people:>9,}  {how:<22} {peak / 2**20:>9.0f} {elapsed:>8.1f} "
                    f"{people / elapsed:>9,.0f}",
                    flush=True,
                )


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
    parser.add_argument(
        "--people",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[20_000, 100_000],
        help="sizes for the memory table; the first is also the speed comparison's",
    )
    parser.add_argument(
        "--baseline-up-to",
        type=int,
        default=BASELINE_PEOPLE,
        help="measure the whole-batch baseline at sizes up to this (0: not at all)",
    )
    parser.add_argument("--train-rows", type=int, default=100000)
    args = parser.parse_args()
    pack = load_pack()
    registry = Registry()
    recommender = Recommender.open(pack)
    model_dir = registry.root / recommender.model.name

    people = args.people[0]
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "answers.jsonl"
        lines = answers_jsonl(pack, people, seed=99)
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
    print(f"batch recommend, {people} people, process start included (best of {REPEATS}):")
    print(f"  trackfit recommend      {trackfit:7.2f} s")
    print(f"  numpy reference         {reference:7.2f} s")
    print(f"  ratio                   {trackfit / reference:7.2f}x", flush=True)
    memory_table(pack, args.people, args.baseline_up_to)

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
    for toward_active in (False, True):
        with tempfile.TemporaryDirectory() as scratch:
            models = Path(scratch) / "models"
            shutil.copytree(registry.root, models)  # the bundled versions, v1 active
            start = time.perf_counter()
            train_candidate(
                profiles,
                outcomes.track_taken,
                outcomes.success,
                registry=RegistryWriter(models),
                data={"synthetic": True},
                shrink_toward_active=toward_active,
            )
            trained = time.perf_counter() - start
        how = "may shrink toward the active version" if toward_active else "from scratch"
        print(f"training on {args.train_rows} rows (profiles scored), {how}: {trained:.1f} s")


if __name__ == "__main__":
    main()
