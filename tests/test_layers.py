"""The layers: arrows point one way, no circles, and answering loads no learning machinery."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "questionnaires" / "engineering" / "sample-answers.jsonl"
LEARNING_LIBRARIES = ("pandas", "scipy", "sklearn")
# The rooms of the recommender and the rooms each may import from (errors sits under all).
BELOW = {
    "pack": {"pack"},
    "answer": {"answer", "pack"},
    "learn": {"learn", "answer", "pack"},
}
WEB_DOORS_AT_MOST = 4


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(package: str) -> dict[str, Path]:
    return {_module_name(p): p for p in sorted((ROOT / package).rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth, except under `if TYPE_CHECKING:`."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def _graph(package: str) -> dict[str, set[str]]:
    modules = _modules(package)
    return {name: _imports(path) & set(modules) - {name} for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the modules round it, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := walk(start)):
            return found
    return None


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in BELOW else None


def test_the_recommender_has_no_import_circles():
    assert _cycle(_graph("recommender")) is None


def test_the_circle_finder_finds_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def _allowed(module: str, other: str) -> bool:
    """Whether `module` may import `other`: nothing imports the CLI; a layer imports itself,
    the layers below and the errors every layer shares."""
    if other == "recommender.cli":
        return False
    room = _room(module)
    if room is None:
        return True
    return other in ("recommender", "recommender.errors") or _room(other) in BELOW[room]


def test_each_layer_imports_only_itself_and_the_layers_below():
    graph = _graph("recommender")
    wrong = [f"{m} -> {o}" for m, imported in graph.items() for o in imported if not _allowed(m, o)]
    assert wrong == []


def test_the_pack_and_answer_layers_use_no_learning_library():
    heavy = [
        f"{module} imports {library}"
        for module, path in _modules("recommender").items()
        if _room(module) in ("pack", "answer")
        for library in LEARNING_LIBRARIES
        if any(m == library or m.startswith(f"{library}.") for m in _imports(path))
    ]
    assert heavy == []


def test_at_most_four_web_modules_import_the_recommender():
    importers = sorted(
        module
        for module, path in _modules("webapp").items()
        if any(m == "recommender" or m.startswith("recommender.") for m in _imports(path))
    )
    assert len(importers) <= WEB_DOORS_AT_MOST, importers
    assert "webapp.answering" in importers


def _loaded_after(script: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(result.stderr.strip().splitlines()[-1])


REPORT = (
    "import json, sys\n"
    "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'scipy', 'sklearn'))\n"
    "learn = sorted(m for m in sys.modules if m.startswith('recommender.learn'))\n"
    "print(json.dumps({'heavy': heavy, 'learn': learn, 'code': code}), file=sys.stderr)\n"
)


def test_trackfit_recommend_loads_no_learning_machinery():
    loaded = _loaded_after(
        "from webapp.cli import main\n"
        f"code = main(['recommend', '--input', {str(SAMPLES)!r}])\n" + REPORT
    )
    assert loaded == {"heavy": [], "learn": [], "code": 0}


def test_creating_the_web_app_loads_no_learning_library():
    loaded = _loaded_after(
        "from webapp import create_app\n"
        "create_app({'TRACKFIT_ENV': 'testing', 'SECRET_KEY': 'x',\n"
        "            'SQLALCHEMY_DATABASE_URI': 'sqlite://'})\n"
        "code = 0\n" + REPORT
    )
    assert loaded["heavy"] == [] and loaded["code"] == 0
