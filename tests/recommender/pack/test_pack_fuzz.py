"""Fuzzing the pack loader: whatever a pack file holds, loading it gives a pack or PackInvalid
naming the problems, never another exception. Inputs are raw text and bytes, YAML structured
around the real pack's keys and values but wrongly nested, and mutations of the real pack."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender.errors import PackInvalid
from recommender.pack.loading import Pack, load_pack

ROOT = Path(__file__).resolve().parents[3]
PACK_FILES = ("pack.yaml", "framework.yaml", "questionnaire.yaml", "rules.yaml")
# The real pack is mutated; random files go beside the tiny test pack's, which reads faster.
PACKS = {
    folder.name: {name: (folder / name).read_text(encoding="utf-8") for name in PACK_FILES}
    for folder in (ROOT / "questionnaires" / "engineering", ROOT / "tests" / "packs" / "tiny")
}
TEXTS = PACKS["engineering"]
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def _keys_and_values(value, keys: set, scalars: set) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            keys.add(key)
            _keys_and_values(inner, keys, scalars)
    elif isinstance(value, list):
        for inner in value:
            _keys_and_values(inner, keys, scalars)
    else:
        scalars.add(value)


KEYS: set = set()
SCALARS: set = set()
for _texts in PACKS.values():
    for _text in _texts.values():
        _keys_and_values(yaml.safe_load(_text), KEYS, SCALARS)
REAL_KEYS = sorted(KEYS)
REAL_SCALARS = sorted(SCALARS, key=repr)

scalars = st.one_of(
    st.sampled_from(REAL_SCALARS),
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
keys = st.one_of(
    st.sampled_from(REAL_KEYS), st.text(max_size=10), st.integers(), st.none(), st.booleans()
)
structures = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(keys, inner, max_size=6),
    ),
    max_leaves=40,
)
files = st.sampled_from(PACK_FILES)


def load_with(name: str, content: str | bytes, pack: str = "tiny") -> Pack | None:
    """Load a pack with one file replaced; a PackInvalid is the other answer."""
    with tempfile.TemporaryDirectory() as parent:
        folder = Path(parent) / pack
        folder.mkdir()
        for other, text in PACKS[pack].items():
            (folder / other).write_text(text, encoding="utf-8")
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", errors="surrogatepass", newline="")
        try:
            return load_pack(folder)
        except PackInvalid as invalid:
            assert invalid.problems, "a refusal names at least one problem"
            assert all(str(problem) for problem in invalid.problems)
            return None


@FUZZ
@given(name=files, structure=st.dictionaries(keys, structures, max_size=6))
def test_structured_but_wrong_yaml_is_a_pack_or_named_problems(name, structure):
    load_with(name, yaml.safe_dump(structure, allow_unicode=True, sort_keys=False))


@FUZZ
@given(name=files, structure=structures)
def test_any_yaml_document_is_a_pack_or_named_problems(name, structure):
    load_with(name, yaml.safe_dump(structure, allow_unicode=True, sort_keys=False))


@FUZZ
@given(name=files, text=st.text(max_size=300))
def test_raw_text_is_a_pack_or_named_problems(name, text):
    load_with(name, text)


@FUZZ
@given(name=files, content=st.binary(max_size=300))
def test_raw_bytes_are_a_pack_or_named_problems(name, content):
    load_with(name, content)


YAML_PIECES = st.sampled_from(
    ["&a ", "*a", "<<: ", "~", "? ", "!!int ", "!!str ", "[", "]", "{", "}", "- ", ": ", "\t",
     "\n", "#", "'", '"', "\\u", "\x00", "0x", "9" * 50, "2001-02-30", "---\n", "...\n", "|\n",
     ">\n", "%YAML 1.1\n", "!tag ", "\ufeff", "\r"]
)  # fmt: skip


@st.composite
def mutated(draw) -> tuple[str, str]:
    """A real pack file with a few lines deleted, repeated, swapped, re-indented or spliced."""
    name = draw(files)
    lines = TEXTS[name].split("\n")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "repeat", "swap", "indent", "splice", "cut"]))
        if action == "delete":
            del lines[at]
        elif action == "repeat":
            lines.insert(at, lines[at])
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif action == "indent":
            lines[at] = " " * draw(st.integers(0, 9)) + lines[at].lstrip()
        elif action == "splice":
            column = draw(st.integers(0, len(lines[at])))
            piece = draw(st.one_of(YAML_PIECES, st.text(max_size=8)))
            lines[at] = lines[at][:column] + piece + lines[at][column:]
        else:
            column = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:column]
        if not lines:
            lines = [""]
    return name, "\n".join(lines)


@settings(FUZZ, max_examples=100)
@given(case=mutated())
def test_a_mutated_real_pack_is_a_pack_or_named_problems(case):
    name, text = case
    load_with(name, text, "engineering")


def test_a_framework_whose_competencies_do_not_read_still_has_its_ladders_checked():
    """Found by the fuzzer above: levels that read with no competency that does (each level
    expecting nothing, the competencies list empty) crashed the check that the steps between
    levels tell them apart."""
    framework = yaml.safe_load(TEXTS["framework.yaml"])
    framework["competencies"] = []
    for level in framework["levels"]:
        level["expects"] = {}
    assert load_with("framework.yaml", yaml.safe_dump(framework), "engineering") is None
