"""A pack: one discipline's framework, questionnaire and rules, loaded and validated as one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from recommender.errors import PackInvalid, did_you_mean
from recommender.pack.fields import CONSTRUCT_FIELDS, FRAMEWORK_FIELDS, field_catalogue
from recommender.pack.framework import Framework
from recommender.pack.parsing.framework import parse_framework
from recommender.pack.parsing.header import parse_header
from recommender.pack.parsing.questionnaire import parse_questionnaire
from recommender.pack.parsing.rules import parse_rules
from recommender.pack.parsing.shared import shared_folders
from recommender.pack.questionnaire import Questionnaire
from recommender.pack.rules import RuleSet
from recommender.pack.source import PackSource, ProblemLog

DEFAULT_PACK = "engineering"
PACKS_DIR = Path(__file__).resolve().parents[2] / "questionnaires"
PACK_FILES = ("pack.yaml", "framework.yaml", "questionnaire.yaml", "rules.yaml")


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per load
class Pack:
    """A validated pack, ready to score answers against."""

    id: str
    version: int
    title: str
    description: str
    framework: Framework
    questionnaire: Questionnaire
    rules: RuleSet
    path: Path

    @property
    def ref(self) -> str:
        """`<id>@<version>`, the name stored beside every result."""
        return f"{self.id}@{self.version}"


def packs_dir() -> Path:
    """Where named packs live: `TRACKFIT_PACKS` or the repository's `questionnaires/`."""
    return Path(os.environ.get("TRACKFIT_PACKS", PACKS_DIR))


def resolve_pack_path(name_or_path: str | Path | None) -> Path:
    """A pack folder from a name (`engineering`) or a path; the default pack when None. A
    name of an installed pack is that pack even when the working folder holds a folder of the
    same name (`./engineering` names the folder); another bare word names a folder here when
    there is one."""
    if name_or_path is None:
        return packs_dir() / DEFAULT_PACK
    text, candidate = str(name_or_path), Path(name_or_path)
    if os.sep in text or (os.altsep and os.altsep in text):
        return candidate
    installed = packs_dir() / text
    # os.path's tests, not Path's: a name longer than a file's name may be is not there
    # (Path.is_file raised "File name too long", a traceback for `validate <long name>`)
    if os.path.isfile(installed / "pack.yaml") or not os.path.exists(candidate):
        return installed
    return candidate


def load_pack(name_or_path: str | Path | None = None) -> Pack:
    """Load and validate a pack; raise PackInvalid listing every problem found."""
    if name_or_path is not None and not str(name_or_path).strip():
        # "" would name the folder of the packs itself, read as one pack missing every file
        names = installed_names()
        raise PackInvalid(
            f"an empty pack name; give a pack's name ({', '.join(names) or 'none installed'}) "
            "or a pack folder's path"
        )
    path = resolve_pack_path(name_or_path)
    if name_or_path is not None and not os.path.isdir(path) and path.parent == packs_dir():
        named = str(name_or_path)  # a name, not a path: say which names there are
        names = installed_names()
        raise PackInvalid(
            f"no pack named '{named}'; the packs are {', '.join(names) or 'none'} (or give a "
            f"pack folder's path){did_you_mean(named, names)}"
        )
    return _load_pack_cached(path.resolve(), _fingerprint(path))


def installed_names() -> list[str]:
    """The names of the packs a name finds (`questionnaires/` or `$TRACKFIT_PACKS`), sorted."""
    return sorted(p.parent.name for p in packs_dir().glob("*/pack.yaml"))


def _fingerprint(path: Path) -> tuple:
    """Modification times of the pack files and of the shared parts, so an edited pack is
    re-read (the packs folder, the shared parts, and which of them exist, are part of it)."""
    files = [path / name for name in PACK_FILES]
    for folder in shared_folders(packs_dir(), PACKS_DIR):
        files += sorted(folder.glob("*@*.yaml")) if folder.is_dir() else []
    stamps: list = [str(packs_dir())]
    for file in files:
        try:
            stamps.append((str(file), file.stat().st_mtime_ns))
        except OSError:
            stamps.append((str(file), None))
    return tuple(stamps)


@cache
def _load_pack_cached(path: Path, _fingerprint: tuple) -> Pack:
    if os.path.isfile(path):
        raise PackInvalid(f"{path}: is a file; a pack is the folder that holds it ({path.parent})")
    if not os.path.isdir(path):
        raise PackInvalid(f"{path}: no such pack folder (packs live in {packs_dir()})")
    log = ProblemLog()
    sources = {name: PackSource.load(path / name, log) for name in PACK_FILES}
    header = parse_header(sources["pack.yaml"], path)
    framework = parse_framework(sources["framework.yaml"])
    questionnaire = parse_questionnaire(
        sources["questionnaire.yaml"], framework, shared_folders(packs_dir(), PACKS_DIR)
    )
    unchecked = []  # what could not be checked, read only against a file that does not read
    if framework is None and sources["framework.yaml"].read:
        unchecked.append("framework.yaml's ladders (grades, trunk, steps), until every level reads")
    if framework is None and sources["questionnaire.yaml"].read:
        unchecked.append("questionnaire.yaml's competencies and levels, until framework.yaml reads")
    # what the rules read of a file that does not read waits for it; the rest is checked now
    unchecked_fields = (() if questionnaire else (CONSTRUCT_FIELDS,)) + (
        () if framework else FRAMEWORK_FIELDS
    )
    catalogue = field_catalogue(framework, questionnaire)
    rules = parse_rules(sources["rules.yaml"], catalogue, framework, unchecked_fields)
    if sources["rules.yaml"].read:
        if questionnaire is None:
            unchecked.append("rules.yaml's construct fields, until questionnaire.yaml reads")
        if framework is None:
            unchecked.append(
                "rules.yaml's competency fields, levels and target moves, until "
                "framework.yaml reads"
            )
    if log or header is None or framework is None or questionnaire is None or rules is None:
        raise PackInvalid(log.listed() or [f"{path}: pack could not be read"], notes=unchecked)
    pack_id, version, title, description = header
    return Pack(pack_id, version, title, description, framework, questionnaire, rules, path)
