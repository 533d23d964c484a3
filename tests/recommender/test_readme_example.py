"""The recommendation the README shows is the one `trackfit recommend` gives its sample person
today: every key, and every figure to the decimals shown (it went stale once, when the default
model was rebuilt)."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "questionnaires" / "engineering" / "sample-answers.jsonl"


def readme_example() -> dict:
    """The JSON block after "## Recommendation", its "..." elisions dropped."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Recommendation", 1)[1]
    block = re.search(r"```json\n(.*?)```", section, re.S).group(1)
    return json.loads(re.sub(r",\s*\.\.\.", "", block))


def agrees(shown, real, where="") -> list[str]:
    """Where the README's value differs from the real one: a key it lacks or adds, a figure
    other than the real one rounded to the decimals shown; a shortened list holds the first
    items only."""
    if isinstance(shown, dict):
        if set(shown) != set(real):
            return [f"{where}: keys {sorted(shown)} but really {sorted(real)}"]
        return [p for key in shown for p in agrees(shown[key], real[key], f"{where}.{key}")]
    if isinstance(shown, list):
        return [p for i, item in enumerate(shown) for p in agrees(item, real[i], f"{where}[{i}]")]
    if isinstance(shown, float):
        decimals = len(repr(shown).partition(".")[2])
        return [] if round(real, decimals) == shown else [f"{where}: {shown} but really {real}"]
    return [] if shown == real else [f"{where}: {shown!r} but really {real!r}"]


def test_the_readme_shows_what_recommend_gives_its_second_sample_person(trackfit):
    shown = readme_example()
    code, out, err = trackfit("recommend", "--input", str(SAMPLES))
    assert code == 0, err
    real = {record["employee_id"]: record for record in map(json.loads, out.splitlines())}
    assert agrees(shown, real[shown["employee_id"]]) == []
