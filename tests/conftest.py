"""Shared fixtures: the packs under test and a way to build answers for them."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from recommender.answer.answers import Answers
from recommender.cli import main
from recommender.pack.loading import load_pack

ROOT = Path(__file__).resolve().parent.parent
TINY = Path(__file__).resolve().parent / "packs" / "tiny"
ENGINEERING = ROOT / "questionnaires" / "engineering"
PACKS = ROOT / "questionnaires"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session", autouse=True)
def bundled_registry_untouched():
    """No test may promote, roll back or train in the repository's own model registry."""
    registry = ROOT / "models"
    before = {
        str(path.relative_to(registry)): path.read_bytes()
        for path in registry.rglob("*")
        if path.is_file()
    }
    yield
    after = {
        str(path.relative_to(registry)): path.read_bytes()
        for path in registry.rglob("*")
        if path.is_file()
    }
    assert after == before, "a test changed the bundled model registry (models/)"


@pytest.fixture
def older_fairness_report() -> dict:
    """A fairness report as trackfit wrote it before groups had to be big enough to compare."""
    return json.loads((DATA / "older-fairness-report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def tiny():
    """A small pack with round expectations (see tests/packs/tiny)."""
    return load_pack(TINY)


@pytest.fixture(scope="session")
def engineering():
    """The bundled default pack."""
    return load_pack(ENGINEERING)


@pytest.fixture
def pack_copy(tmp_path):
    """Copy a pack folder into tmp_path so a test can break it; the engineering pack's shared
    motivation part is written into its copy, so that every kind of item is there to break."""

    def copy(source: Path | str = ENGINEERING) -> Path:
        source = {"tiny": TINY, "engineering": ENGINEERING}.get(source, source)
        target = tmp_path / Path(source).name
        shutil.copytree(source, target)
        if Path(source) == ENGINEERING:
            with_shared_part_inline(target / "questionnaire.yaml")
        return target

    return copy


@pytest.fixture
def pack_with_own_construct(pack_copy) -> Path:
    """A copy of the tiny pack measuring one more construct, `user_empathy` (items ue1-ue3),
    which the synthetic generator has no trait for."""
    folder = pack_copy("tiny")
    with_own_construct(folder / "questionnaire.yaml")
    return folder


def with_own_construct(questionnaire: Path) -> None:
    """Add the construct `user_empathy` and its three items (ue1-ue3) to a copy of the tiny
    pack's questionnaire."""
    text = questionnaire.read_text(encoding="utf-8")
    text = text.replace(
        "sections:\n",
        "  - {id: user_empathy, label: Cares about users, high: You do., low: You do not.}\n"
        "sections:\n",
        1,
    )
    items = "".join(
        f"      - {{id: ue{i}, kind: likert, scale: agree5, construct: user_empathy, "
        f"text: Users {i}.}}\n"
        for i in range(1, 4)
    )
    text = text.replace("Status appeals to me.}\n", "Status appeals to me.}\n" + items, 1)
    questionnaire.write_text(text, encoding="utf-8")


def with_shared_part_inline(questionnaire: Path) -> None:
    """Write the shared motivation part into a questionnaire that takes it in (both written
    with list items at the margin): its scales and constructs before the sections, its
    sections where the reference was."""
    part = (PACKS / "shared" / "motivation@1.yaml").read_text(encoding="utf-8")
    own = part[part.index("scales:") : part.index("sections:")]
    sections = part[part.index("sections:") + len("sections:\n") :]
    text = questionnaire.read_text(encoding="utf-8")
    text = text.replace("sections:\n", own + "sections:\n", 1)
    text = text.replace("- shared: motivation@1\n", sections, 1)
    questionnaire.write_text(text, encoding="utf-8")


def tiny_answers(
    employee_id="p1",
    *,
    lead=(4, 2, 4),
    craft=(2, 4, 3),
    status=(3, 2, 2),
    attention=2,
    ratings=(3, 3, 3),
    context=None,
    timings=None,
) -> Answers:
    """Answers to the tiny pack given as raw values in questionnaire order."""
    answers = dict(zip(("la1", "la2", "la3"), lead, strict=True))
    answers |= dict(zip(("cd1", "cd2", "cd3"), craft, strict=True))
    answers |= dict(zip(("ex1", "ex2", "ex3"), status, strict=True))
    answers |= dict(zip(("rate_craft", "rate_leading", "rate_talking"), ratings, strict=True))
    if attention is not None:
        answers["att"] = attention
    answers = {key: float(value) for key, value in answers.items() if value is not None}
    return Answers(employee_id, answers, dict(context or {}), dict(timings or {}))


@pytest.fixture
def make_answers():
    """`tiny_answers` as a fixture."""
    return tiny_answers


@pytest.fixture
def trackfit(capsys, monkeypatch):
    """Run the CLI in-process: `trackfit("score", stdin="...")` -> (exit code, out, err)."""

    def run(*argv, stdin=None):
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run
