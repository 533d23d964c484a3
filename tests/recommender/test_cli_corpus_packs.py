"""A corpus of malformed packs through `trackfit validate` (and the commands that load a pack):
each exits 2 with a message naming the file, never a traceback, and writes nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

PACK_FILES = ("pack.yaml", "framework.yaml", "questionnaire.yaml", "rules.yaml")


def _aliases(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\nrules: *a{levels - 1}\n"


def replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def whole(content: str | bytes) -> Callable[[str], str | bytes]:
    return lambda _text: content


# file, edit of its text, what the message must say
CORPUS: dict[str, tuple[str, Callable, str]] = {
    "billion laughs": ("rules.yaml", whole(_aliases(9)), "the alias *a0 (used 9 times)"),
    "one alias": (
        "rules.yaml",
        replace("rules:", "base: &b {x: 1}\nagain: *b\nrules:"),
        "the anchor &b is not allowed",
    ),
    "deep flow nesting": (
        "rules.yaml",
        whole("rules: " + "[" * 100_000 + "]" * 100_000),
        "rules.yaml:1: is not valid YAML: nests deeper than 32 levels",
    ),
    "deep block nesting": (
        "framework.yaml",
        whole("".join("  " * i + f"k{i}:\n" for i in range(60))),
        "framework.yaml:33: is not valid YAML: nests deeper than 32 levels",
    ),
    "NUL byte": ("pack.yaml", replace("title:", "title: \x00"), "U+0000 is not allowed"),
    "null key": ("pack.yaml", lambda t: t + "~: x\n", "~: a key must be text, not nothing"),
    "number key": ("questionnaire.yaml", lambda t: "7: x\n" + t, "7: a key must be text"),
    "bool key": ("rules.yaml", lambda t: t + "on: x\n", "on: a key must be text, not true/false"),
    "complex key": ("rules.yaml", lambda t: t + "? {a: 1}\n: x\n", "a key must be text"),
    "value key": (
        "pack.yaml",
        lambda t: t + "=: x\n",
        "=: a key must be text, not a value tagged !!value",
    ),
    "merge key": ("pack.yaml", lambda t: t + "<<: {a: 1}\n", "not a merge key (<<)"),
    "5000-digit version": (
        "pack.yaml",
        replace("version: 1", "version: " + "9" * 5000),
        "a number 5000 characters long",
    ),
    "400-digit number": (
        "questionnaire.yaml",
        replace("min: 1", "min: " + "1" * 400),
        "a number 400 characters long",
    ),
    "huge hex number": (
        "pack.yaml",
        replace("version: 1", "version: 0x" + "f" * 4000),
        "a number 4002 characters long",
    ),
    "version zero": ("pack.yaml", replace("version: 1", "version: 0"), "must be from 1 to"),
    "version as text": ("pack.yaml", replace("version: 1", "version: one"), "a whole number"),
    "bad !!int": ("pack.yaml", lambda t: t + "x: !!int abc\n", "cannot read this value"),
    "impossible date": ("pack.yaml", lambda t: t + "x: 2001-02-30\n", "cannot read this value"),
    "python tag": ("rules.yaml", lambda t: t + "x: !!python/name:os.system\n", "not valid YAML"),
    "two documents": ("pack.yaml", lambda t: t + "---\nx: 1\n", "not valid YAML"),
    "tab indentation": ("pack.yaml", lambda t: t + "x:\n\t- 1\n", "not valid YAML"),
    "not UTF-8": (
        "framework.yaml",
        whole(b"tracks: \xff\n"),
        "1: is not UTF-8 text (byte 8, 0xFF, at column 9)",
    ),
    "UTF-16": ("pack.yaml", lambda t: t.encode("utf-16"), "is not UTF-8 text"),
    "lone surrogate escape": (
        "pack.yaml",
        replace("title:", 'title: "\\ud800"\nx:'),
        "pack.yaml:4: has an escaped lone surrogate",
    ),
    "empty file": ("rules.yaml", whole(""), "rules.yaml"),
    "a list at the top": ("questionnaire.yaml", whole("- 1\n- 2\n"), "must be a mapping"),
    "a scalar at the top": ("framework.yaml", whole("just text\n"), "must be a mapping"),
    "oversized file": ("rules.yaml", whole("#" * (300 * 1024)), "is larger than 256 KB"),
    "too many values": ("rules.yaml", whole("rules: [" + "1, " * 20_000 + "]"), "10,000 values"),
    "rules as a mapping": ("rules.yaml", whole("rules: {a: 1}\n"), "must be a list"),
    "condition nested 31 deep": (
        "rules.yaml",
        replace(
            "    when:\n", "    when:\n" + "".join("  " * i + "      not:\n" for i in range(29))
        ),
        "rules.yaml",
    ),
}


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.mark.timeout(60)  # some of the corpus took minutes once
@pytest.mark.parametrize("case", list(CORPUS))
def test_a_malformed_pack_is_named_never_a_traceback_and_nothing_written(
    trackfit, pack_copy, tmp_path, case
):
    name, edit, expected = CORPUS[case]
    folder = pack_copy()
    path = folder / name
    changed = edit(path.read_text(encoding="utf-8"))
    if isinstance(changed, bytes):
        path.write_bytes(changed)
    else:
        path.write_text(changed, encoding="utf-8", newline="")
    before = _snapshot(tmp_path)
    code, out, err = trackfit("validate", str(folder))
    assert code in (1, 2), (out, err)
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith("pack is invalid:"), err[:2000]
    assert expected in err, err[:2000]
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("command", [["schema", "--pack"], ["score", "--input", "-", "--pack"]])
def test_other_commands_name_a_hostile_pack_the_same_way(trackfit, pack_copy, command):
    folder = pack_copy()
    (folder / "rules.yaml").write_text(_aliases(9), encoding="utf-8")
    code, out, err = trackfit(*command, str(folder), stdin="")
    assert code == 2 and out == ""
    assert "rules.yaml:2: the alias *a0 (used 9 times)" in err
    assert "Traceback" not in err
