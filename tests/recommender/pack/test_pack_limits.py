"""Hostile pack files: each is refused quickly as a named problem with its file and line, never
an exception, and every problem of the pack is still listed in one pass."""

from __future__ import annotations

import pytest

from recommender.errors import PackInvalid
from recommender.pack.loading import load_pack


def _problems(folder) -> list[str]:
    with pytest.raises(PackInvalid) as refused:
        load_pack(folder)
    return [str(problem) for problem in refused.value.problems]


def _billion_laughs(levels: int = 9) -> str:
    """A few hundred bytes whose aliases describe 9**levels values."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    lines.append(f"rules: *a{levels - 1}")
    return "\n".join(lines) + "\n"


@pytest.mark.timeout(60)  # was minutes and gigabytes
def test_nested_aliases_are_refused_quickly_naming_file_and_line(pack_copy):
    folder = pack_copy()
    (folder / "rules.yaml").write_text(_billion_laughs(), encoding="utf-8")
    problems = _problems(folder)
    assert "rules.yaml:1: the anchor &a0 is not allowed in a pack; write the value out" in problems
    assert (
        "rules.yaml:2: the alias *a0 (used 9 times) is not allowed in a pack; write the value out"
        in problems
    )
    assert len(problems) == 18  # each anchor and each alias named once, not once per use


def test_an_anchor_even_unused_is_refused(pack_copy):
    folder = pack_copy()
    text = (folder / "rules.yaml").read_text(encoding="utf-8")
    (folder / "rules.yaml").write_text("base: &base {priority: 1}\n" + text, encoding="utf-8")
    problems = _problems(folder)
    assert problems == [
        "rules.yaml:1: the anchor &base is not allowed in a pack; write the value out"
    ]


@pytest.mark.timeout(60)  # PyYAML alone takes minutes on 100,000 levels
@pytest.mark.parametrize("depth", [40, 100_000])
def test_deep_nesting_is_refused_with_its_line(pack_copy, depth):
    folder = pack_copy()
    (folder / "rules.yaml").write_text("rules:\n  " + "[" * depth + "]" * depth + "\n")
    assert _problems(folder) == ["rules.yaml:2: is not valid YAML: nests deeper than 32 levels"]


def test_a_key_that_is_not_text_is_named_and_the_rest_still_checked(pack_copy):
    folder = pack_copy()
    text = (folder / "pack.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 1", "version: 0") + "~: nothing\n1: one\nyes: x\n"
    (folder / "pack.yaml").write_text(text, encoding="utf-8")
    problems = _problems(folder)
    assert problems[:3] == [
        "pack.yaml:9: ~: a key must be text, not nothing; put it in quotes if you mean the text",
        "pack.yaml:10: 1: a key must be text, not a number; put it in quotes if you mean the text",
        "pack.yaml:11: yes: a key must be text, not true/false; put it in quotes if you mean the "
        "text",
    ]
    assert problems[3:] == ["pack.yaml:3: version: must be from 1 to 1000000000, not 0"]


def test_a_five_thousand_digit_version_is_refused(pack_copy):
    folder = pack_copy()
    text = (folder / "pack.yaml").read_text(encoding="utf-8")
    (folder / "pack.yaml").write_text(text.replace("version: 1", "version: " + "9" * 5000))
    [problem] = _problems(folder)
    assert problem.startswith("pack.yaml:")
    assert "a number 5000 characters long is longer than a pack needs" in problem


def test_a_version_beyond_a_billion_is_refused(pack_copy):
    folder = pack_copy()
    text = (folder / "pack.yaml").read_text(encoding="utf-8")
    (folder / "pack.yaml").write_text(text.replace("version: 1", "version: 99999999999"))
    [problem] = _problems(folder)
    assert "version: must be from 1 to 1000000000" in problem


def test_a_nul_byte_is_refused_with_its_line(pack_copy):
    folder = pack_copy()
    (folder / "rules.yaml").write_text("rules:\n  - id: a\x00b\n", encoding="utf-8")
    problems = _problems(folder)
    assert problems == [
        "rules.yaml:2: is not valid YAML: the character U+0000 is not allowed in YAML"
    ]


@pytest.mark.parametrize(
    "value", ["!!int abc", "2001-02-30", "!!float x", "!!python/name:os.system"]
)
def test_values_yaml_cannot_build_are_named_with_their_line(pack_copy, value):
    folder = pack_copy()
    text = (folder / "pack.yaml").read_text(encoding="utf-8")
    (folder / "pack.yaml").write_text(text + f"description2: {value}\n", encoding="utf-8")
    [problem] = _problems(folder)
    assert problem.startswith("pack.yaml:") and "is not valid YAML" in problem, problem


def test_a_file_larger_than_a_pack_needs_is_refused_without_reading_it_all(pack_copy):
    folder = pack_copy()
    (folder / "rules.yaml").write_bytes(b"# " + b"x" * (300 * 1024) + b"\n")
    assert _problems(folder) == ["rules.yaml: is larger than 256 KB, more than a pack needs"]


@pytest.mark.timeout(60)
def test_a_file_of_too_many_values_is_refused_quickly(pack_copy):
    folder = pack_copy()
    (folder / "rules.yaml").write_text("rules: [" + "a, " * 80_000 + "]\n")
    assert _problems(folder) == [
        "rules.yaml:1: is not valid YAML: has more than 10,000 values, far more than a pack needs"
    ]


def test_at_most_a_hundred_problems_are_listed_per_file_and_the_rest_counted(pack_copy):
    folder = pack_copy()
    text = (folder / "rules.yaml").read_text(encoding="utf-8")
    rules = "".join(f"  - {{id: r{i}, nonsense: 1}}\n" for i in range(300))
    (folder / "rules.yaml").write_text(text.replace("rules:\n", "rules:\n" + rules, 1))
    problems = _problems(folder)
    assert len(problems) == 101
    assert problems[-1] == "rules.yaml: and 1,100 more problems"


def test_problems_in_several_files_are_all_listed_at_once(pack_copy):
    folder = pack_copy()
    (folder / "rules.yaml").write_text(_billion_laughs(2), encoding="utf-8")
    text = (folder / "pack.yaml").read_text(encoding="utf-8")
    (folder / "pack.yaml").write_text(text.replace("version: 1", "version: 0"))
    text = (folder / "framework.yaml").read_text(encoding="utf-8")
    (folder / "framework.yaml").write_text("~: 1\n" + text)
    problems = _problems(folder)
    assert sorted(p.split(":")[0] for p in problems) == [
        "framework.yaml",
        "pack.yaml",
        "rules.yaml",
        "rules.yaml",
        "rules.yaml",
        "rules.yaml",
    ], problems


def test_a_huge_value_is_quoted_cut_short_in_its_message(pack_copy):
    folder = pack_copy()
    text = (folder / "pack.yaml").read_text(encoding="utf-8")
    huge = "Q" * 50_000
    (folder / "pack.yaml").write_text(
        text.replace("id: engineering", f"id: {huge}").replace("format: 1", f"format: {huge}")
        + f"? {huge}\n: 1\n"
    )
    problems = _problems(folder)
    assert len(problems) == 3
    assert all(len(problem) < 300 for problem in problems), [p[:300] for p in problems]
    assert any(f"id: '{'Q' * 76}... is not a valid id" in problem for problem in problems)


def test_a_files_problems_are_listed_in_line_order(pack_copy):
    folder = pack_copy()
    (folder / "rules.yaml").write_text(
        "rules: []\n~: 1\nx: &a 1\ny: *a\nrules: []\n1: 2\n", encoding="utf-8"
    )
    problems = _problems(folder)
    assert [problem.split(":")[1] for problem in problems] == ["2", "3", "4", "5", "6"], problems
    assert problems[3] == "rules.yaml:5: rules: appears twice; the second would silently win"


@pytest.mark.parametrize(
    ("escaped", "code"),
    [("\\0", "U+0000"), ("\\e", "U+001B"), ("\\u202E", "U+202E"), ("\\u200B", "U+200B")],
)
def test_an_escaped_control_or_invisible_character_is_refused_with_its_line(
    pack_copy, escaped, code
):
    """A title HR reviewed as "Staff" must not show on the page as something else."""
    folder = pack_copy()
    text = (folder / "pack.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    lines[at] = f'title: "Tiny{escaped}pack"'
    (folder / "pack.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _problems(folder) == [
        f"pack.yaml:{at + 1}: has an invisible or control character ({code}); "
        "write the text without it"
    ]
