"""Shared parts: the motivation questionnaire is taken in by reference, validated with the pack
that uses it, every problem named in the file it is in."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from recommender.errors import PackInvalid
from recommender.pack.loading import PACKS_DIR, load_pack

ENGINEERING = PACKS_DIR / "engineering"
MOTIVATION = PACKS_DIR / "shared" / "motivation@1.yaml"


def test_every_bundled_pack_asks_the_same_motivation_questions():
    packs = [load_pack(p.parent) for p in sorted(PACKS_DIR.glob("*/pack.yaml"))]
    assert len(packs) >= 2

    def motivation(pack):
        return [
            (item.id, item.text, item.construct, item.reverse)
            for item in pack.questionnaire.items
            if item.kind in ("likert", "attention")
        ]

    first = motivation(packs[0])
    assert first and all(motivation(pack) == first for pack in packs[1:])
    assert all(
        [c.id for c in pack.questionnaire.constructs]
        == [c.id for c in packs[0].questionnaire.constructs]
        for pack in packs
    )


@pytest.fixture
def packs(tmp_path, monkeypatch):
    """A packs folder of its own: a copy of engineering and of the shared parts."""
    root = tmp_path / "packs"
    shutil.copytree(ENGINEERING, root / "engineering")
    shutil.copytree(PACKS_DIR / "shared", root / "shared")
    monkeypatch.setenv("TRACKFIT_PACKS", str(root))
    return root


def _problems(folder: Path) -> list[str]:
    with pytest.raises(PackInvalid) as refused:
        load_pack(folder)
    return [str(p) for p in refused.value.problems]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_missing_or_malformed_reference_is_named_in_the_packs_file(packs):
    questionnaire = packs / "engineering" / "questionnaire.yaml"
    _edit(questionnaire, "- shared: motivation@1", "- shared: motivation@9\n- shared: Motivation")
    problems = _problems(packs / "engineering")
    assert any(
        re.search(
            r"questionnaire.yaml:\d+: sections\[1\].shared: no shared part motivation@9 "
            r"\(shared parts: motivation@1\)",
            p,
        )
        for p in problems
    ), problems
    assert any("'Motivation' is not a shared part's name and version" in p for p in problems)


def test_a_reference_taken_twice_or_with_other_keys_is_refused(packs):
    questionnaire = packs / "engineering" / "questionnaire.yaml"
    _edit(
        questionnaire,
        "- shared: motivation@1",
        "- shared: motivation@1\n  title: Mine\n- shared: motivation@1",
    )
    problems = " | ".join(_problems(packs / "engineering"))
    assert "a shared part is named by 'shared' alone; remove title" in problems
    assert "shared part motivation@1 is taken in twice (first at sections[1])" in problems


def test_a_problem_inside_the_part_is_named_in_the_parts_own_file(packs):
    part = packs / "shared" / "motivation@1.yaml"
    _edit(part, "scale: agree5", "scale: agree7")
    _edit(part, "version: 1", "version: 2")
    problems = _problems(packs / "engineering")
    assert any(
        re.match(r"motivation@1.yaml:\d+: sections\[0\]\.items\[0\]\.scale: ", p) for p in problems
    ), problems
    assert any(p.startswith("motivation@1.yaml") and "must be 1" in p for p in problems), problems


def test_a_pack_may_not_define_what_its_shared_part_defines(packs):
    questionnaire = packs / "engineering" / "questionnaire.yaml"
    _edit(
        questionnaire,
        "sections:\n",
        "constructs:\n- {id: craft_depth, label: Craft, high: High., low: Low.}\nsections:\n",
    )
    problems = " | ".join(_problems(packs / "engineering"))
    assert "construct 'craft_depth' is defined here and by shared part motivation@1" in problems


def test_a_section_id_used_in_the_pack_and_the_part_is_refused(packs):
    questionnaire = packs / "engineering" / "questionnaire.yaml"
    _edit(questionnaire, "- id: about\n", "- id: leading\n")
    problems = " | ".join(_problems(packs / "engineering"))
    assert "section id 'leading' is also used in questionnaire.yaml" in problems


def test_an_edited_shared_part_is_read_again(packs):
    before = load_pack(packs / "engineering")
    part = packs / "shared" / "motivation@1.yaml"
    _edit(part, "title: Leading others", "title: Leading other people")
    after = load_pack(packs / "engineering")
    assert after is not before
    assert after.questionnaire.sections[1].title == "Leading other people"
