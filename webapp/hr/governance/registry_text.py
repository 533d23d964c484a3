"""How the model registry's refusals read on HR's pages: a file is named inside the registry
(`v2/manifest.json`), never by where the registry sits on the server."""

from __future__ import annotations

from pathlib import Path

from webapp.answering import ModelRefused

REGISTRY = "the model registry"


def in_registry(text: str, root: Path) -> str:
    """`text` with every path under the registry's folder shortened to the part inside it,
    and the folder itself called the model registry."""
    # A relative setting ("models") is left as it is: it says nothing about the server, and
    # replacing a bare word would garble the sentences around it.
    places = [str(root)] if root.is_absolute() else []
    for place in dict.fromkeys([*places, str(root.resolve())]):
        text = text.replace(f"the registry {place}", REGISTRY)  # "no version v9 in the registry …"
        text = text.replace(place + "/", "").replace(place, REGISTRY)
    return text


def problem_texts(refused: ModelRefused, root: Path) -> list[str]:
    """Every problem of a refusal, as HR reads it."""
    return [in_registry(str(problem), root) for problem in refused.problems]
