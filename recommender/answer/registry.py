"""The model registry: immutable numbered versions, verified before use, and one active pointer
per pack.

Layout of a registry folder (default `models/`, else `--models DIR` or `TRACKFIT_MODELS`):

    active/engineering   that pack's active version's name, e.g. "v2"; one file per pack
    history.jsonl        every pointer move (promote, rollback) with its pack, appended, never
                         rewritten
    v1/model.npz         the model's parameters as plain arrays (never a pickle)
    v1/manifest.json     SHA-256 of model.npz (and of card.md and people.npy where kept),
                         the pack it was trained for, versions trained with, data hash,
                         metrics, ...
    v1/card.md           the model card
    v1/people.npy        one-way keys of the people it learnt from (real outcomes only)

Versions are numbered across the registry; each is trained for one pack (its manifest's
`pack`, e.g. "engineering@1") and can only be active for that pack, so promoting one pack's
model never moves another's. A registry from before packs had pointers of their own has a
single `ACTIVE` file and history lines without a pack: `ACTIVE` is read as the pointer of the
pack its version was trained for, and a line's pack is its version's; the first pointer move
writes `active/<pack>` from it and removes `ACTIVE` (the history is kept as it was).

Every file is read as untrusted and within a size bound (the card 256 KB, a manifest or the
history 20 MB, the people's keys 64 MB, a model 128 MB); a file or version folder that is a
symbolic link, or not a regular file, is refused by name, never followed. A version is
checked before its parameters are read: the SHA-256 of `model.npz` (the very bytes then
loaded) must match its manifest.
The file holds plain arrays read with `allow_pickle=False`, so even a file that passed the
check cannot run code, and it reads the same under any scikit-learn. Reading lives here;
writing versions and moving the pointer is learning's job (`recommender.learn.publishing`).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from recommender.answer.answers import JsonRefused, read_json_document
from recommender.answer.track_model import TrackModel
from recommender.errors import Problem, TrackfitError
from recommender.pack.framework import TRACK_IDS
from recommender.pack.loading import DEFAULT_PACK, Pack, load_pack
from recommender.pack.source import describe

# numpy reads each array's header with ast.literal_eval, and CPython 3.11's ast can fail when two
# threads parse at once (SystemError: AST constructor recursion depth mismatch): a threaded server
# promoting a version in one request while loading it in another. Reads of .npy data take turns.
_NPY_READS = threading.Lock()

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "models"
MODEL_FILE, MANIFEST_FILE, CARD_FILE = "model.npz", "manifest.json", "card.md"
PEOPLE_FILE = "people.npy"  # keys of the people a version learnt from (recommender.learn.people)
# what reading a .npy or .npz that is not one can raise (a zip member's compression unknown
# to Python, a file cut short, a name missing); the model file and the record of people alike
NPY_UNREADABLE = (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, NotImplementedError)
# what to do about a history line that does not read: the history is the record of who moved
# which pointer and why, kept as written, so trackfit refuses to guess it (nor to drop a line)
HISTORY_REPAIR = (
    "{path} is the record of every promotion and rollback, which trackfit neither guesses "
    "nor drops a line of: mend the lines named (each one JSON object, as `trackfit models "
    "promote` writes them) or restore the file from a backup, then run `trackfit models check`"
)
ACTIVE_FILE, HISTORY_FILE = "ACTIVE", "history.jsonl"  # ACTIVE: the single pointer of old
ACTIVE_FOLDER = "active"
PACK_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\Z")  # a pack id that is also a safe file name
VERSION_PATTERN = re.compile(r"^v([1-9][0-9]{0,8})\Z")  # ASCII digits only (Unicode has others)
WHAT_TO_DO = (
    "Promote a usable version (`trackfit models list`, `trackfit models promote V`) or "
    "rebuild the bundled default (`trackfit models build-default`)"
)


class ModelRefused(TrackfitError):
    """A model version that fails its checks, or a registry request that cannot be met."""

    headline = "model refused"


class NoActiveVersion(ModelRefused):
    """A pack has no active version to answer with; `held` are the pack's versions there are,
    which a door that can name a version may offer."""

    def __init__(self, message: str, held: list[str]):
        self.held = held
        super().__init__(message)


def registry_root(override: str | Path | None = None) -> Path:
    """`--models DIR`, else `$TRACKFIT_MODELS`, else the repository's `models/`. A blank
    `--models` is refused: read as "not given", `--models "$UNSET"` would move the pointers
    of the bundled registry."""
    if override is not None:
        if not str(override).strip():
            raise ModelRefused("--models: no folder given (an empty name); name the registry")
        return Path(override)
    return Path(os.environ.get("TRACKFIT_MODELS") or DEFAULT_ROOT)


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ModelVersion:
    """A verified version: its name, manifest and model."""

    name: str
    manifest: dict[str, Any]
    model: TrackModel


class Registry:
    """A folder of model versions with an active pointer.

    Every file is read as untrusted: a malformed `ACTIVE`, `history.jsonl` or `manifest.json`
    is a ModelRefused naming the file (and line, field), never another exception.
    """

    def __init__(self, root: str | Path | None = None):
        self.root = registry_root(root)

    def versions(self, pack: str | Pack | None = None) -> list[str]:
        """Version names, oldest first: every one, or those trained for `pack` (a version
        whose manifest cannot be read belongs to no pack)."""
        if not self.root.is_dir():
            return []
        found = [p.name for p in self.root.iterdir() if VERSION_PATTERN.match(p.name)]
        found.sort(key=lambda name: int(name[1:]))
        if pack is None:
            return found
        pack_id = pack_id_of(pack)
        return [name for name in found if self._pack_or_none(name) == pack_id]

    def packs(self) -> set[str]:
        """The ids of the packs the versions here were trained for (a version whose manifest
        cannot be read belongs to none)."""
        return {pack for name in self.versions() if (pack := self._pack_or_none(name))}

    def _pack_or_none(self, name: str) -> str | None:
        try:
            return self.pack_of(name)
        except ModelRefused:
            return None

    def active(self, pack: str | Pack) -> str | None:
        """A pack's active version, or None when nothing has been promoted for it."""
        pack_id = pack_id_of(pack)
        path = self.root / ACTIVE_FOLDER / pack_id
        if os.path.lexists(path):
            self._pointer_folder()
            return _read_pointer(path)
        legacy = self.legacy_active()
        if legacy is not None and self.pack_of(legacy) == pack_id:
            return legacy
        return None

    def active_or_none(self, pack: str | Pack) -> str | None:
        """A pack's active version, or None when nothing is active or the pointer cannot be
        read (pages say why elsewhere; a promotion is how a broken pointer is mended)."""
        try:
            return self.active(pack)
        except ModelRefused:
            return None

    def legacy_active(self) -> str | None:
        """The version named by the single `ACTIVE` file of a registry not yet moved to one
        pointer per pack, or None when there is none."""
        path = self.root / ACTIVE_FILE
        if not os.path.lexists(path):
            return None
        return _read_pointer(path)

    def pointers(self) -> dict[str, str]:
        """Every pack's active version: pack id -> version name, by pack id. Every pointer
        that cannot be read is named in one refusal."""
        found, problems = self.readable_pointers()
        if problems:
            raise ModelRefused(problems)
        return found

    def readable_pointers(self) -> tuple[dict[str, str], list[Problem]]:
        """The pointers that read (pack id -> version name, by pack id), and why each of the
        others does not: one unreadable pointer hides no other pack's active version."""
        found: dict[str, str] = {}
        problems: list[Problem] = []
        folder = self.root / ACTIVE_FOLDER
        if os.path.lexists(folder):
            try:
                self._pointer_folder()
                names = sorted(entry for entry in os.listdir(folder) if PACK_ID.match(entry))
            except ModelRefused as refused:
                problems += refused.problems
                names = []
            except OSError as error:
                problems.append(Problem(str(folder), f"cannot be read ({error.strerror})"))
                names = []
            for pack_id in names:
                try:
                    found[pack_id] = _read_pointer(folder / pack_id)
                except ModelRefused as refused:
                    problems += refused.problems
        try:
            legacy = self.legacy_active()
            if legacy is not None:
                found.setdefault(self.pack_of(legacy), legacy)
        except ModelRefused as refused:
            problems += refused.problems
        return dict(sorted(found.items())), problems

    def _pointer_folder(self) -> Path:
        """The folder of pointers; refused when it is a link or not a folder."""
        path = self.root / ACTIVE_FOLDER
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode) or not stat.S_ISDIR(mode):
            raise ModelRefused(
                f"{path}: is a link or a file, not the folder of active pointers; remove it, "
                "then promote a version for each pack"
            )
        return path

    def pack_of(self, name: str) -> str:
        """The id of the pack a version was trained for. A version whose manifest names no
        pack was made before packs were recorded, for the default pack."""
        trained_for = self.manifest(name).get("pack")
        pack_id = str(trained_for or DEFAULT_PACK).partition("@")[0]
        if not PACK_ID.match(pack_id):
            raise ModelRefused(
                f"{self.root / str(name) / MANIFEST_FILE}: pack: {_shown(pack_id)} is not a pack id"
            )
        return pack_id

    def manifest(self, name: str) -> dict[str, Any]:
        """A version's manifest (JSON, safe to read before any check), its shape checked."""
        name = str(name)
        path = self.root / name / MANIFEST_FILE
        named = VERSION_PATTERN.match(name) is not None
        if named and os.path.lexists(self.root / name) and not os.path.lexists(path):
            # a folder of that name with no version in it (an interrupted copy)
            raise ModelRefused(
                f"{path}: file is missing, so {name} is no version; remove the folder {name} "
                "or put the whole version back"
            )
        if not named or not os.path.lexists(path):
            missing = self.root_problem()
            if missing:  # no registry at all, not an empty one
                raise ModelRefused(missing)
            known = ", ".join(self.versions()) or "none"
            shown = name if named else _shown(name)
            raise ModelRefused(f"no version {shown} in the registry {self.root}; versions: {known}")
        self._version_folder(name)
        try:
            data = read_json_document(_bounded_read(path, MAX_MANIFEST_BYTES))
        except JsonRefused as error:
            raise ModelRefused(f"{path}: manifest is not valid JSON ({error})") from None
        problems = manifest_problems(data)
        if problems:
            raise ModelRefused([Problem(f"{path}: {where}", what) for where, what in problems])
        return data

    def _not_here(self, name: str, pack: str | Pack | None, refused: ModelRefused) -> ModelRefused:
        """A named version that is not in the registry, refused with the versions that are:
        the pack's own first, when a pack was asked about (another pack's would be refused
        for it), then the others'."""
        if pack is None or self.root_problem():
            return refused
        own = self.versions(pack)
        others = [version for version in self.versions() if version not in own]
        shown = name if VERSION_PATTERN.match(name) else _shown(name)
        return ModelRefused(
            f"no version {shown} in the registry {self.root}; pack {pack_id_of(pack)}'s "
            f"versions: {', '.join(own) or 'none'}"
            + (f" (other packs': {', '.join(others)})" if others else "")
        )

    def card(self, name: str) -> str | None:
        """A version's model card (Markdown; bytes that are not UTF-8 shown as replacement
        marks), or None when it has none. Refused past MAX_CARD_BYTES, and when it does not
        match its SHA-256 in the manifest (versions trained before the card's was kept have
        none to match)."""
        name = str(name)
        path = self.root / name / CARD_FILE
        if not VERSION_PATTERN.match(name):
            return None
        data = self._kept(name, CARD_FILE, MAX_CARD_BYTES, "was written with it")
        if data is None:  # a version from before the card's SHA-256 was kept
            if not os.path.lexists(path):
                return None
            self._version_folder(name)
            data = _bounded_read(path, MAX_CARD_BYTES)
        return data.decode("utf-8", errors="replace")

    def _version_folder(self, name: str) -> Path:
        """A version's folder; refused when it is a link or not a folder."""
        path = self.root / name
        try:
            mode = os.lstat(path).st_mode
        except OSError as error:
            raise ModelRefused(f"{path}: cannot be read ({error.strerror})") from None
        if stat.S_ISLNK(mode):
            raise ModelRefused(f"{path}: is a symbolic link; a version folder is never followed")
        if not stat.S_ISDIR(mode):
            raise ModelRefused(f"{path}: is not a folder")
        return path

    def root_problem(self) -> str | None:
        """Why the registry's folder is no registry (missing, or not a folder: a mistyped
        --models or TRACKFIT_MODELS), or None."""
        if self.root.is_dir():
            return None
        what = "is not a folder" if self.root.exists() else "does not exist"
        return f"{self.root}: {what}; --models (or TRACKFIT_MODELS) names the model registry folder"

    def load(self, name: str | None = None, pack: str | Pack | None = None) -> ModelVersion:
        """A version: the one named, else `pack`'s active one; verified before its file is
        read. A refusal says the way out (promote a usable version, rebuild the default),
        except for a named version that is not here: its refusal lists the versions that are."""
        named = name is not None
        if name is None:
            if pack is None:
                raise ModelRefused("name a model version, or the pack whose active one to load")
            name = self.active(pack)
        if name is None:
            missing = self.root_problem()
            if missing:
                raise ModelRefused(missing)
            raise NoActiveVersion(
                f"{self.root}: no active model version for pack {pack_id_of(pack)}; train one "
                "with `trackfit train` and promote it with `trackfit models promote`, or "
                f"build its default with `trackfit models build-default --pack {pack_id_of(pack)}`",
                self.versions(pack),
            )
        try:
            manifest = self.manifest(name)
            model = self._read_model(name, self.verify(name, manifest))
        except ModelRefused as refused:
            if named and name not in self.versions():
                raise self._not_here(name, pack, refused) from None
            # Answering never trains: an unusable version is refused, and the way out named.
            raise ModelRefused(
                [*refused.problems[:-1], Problem("", f"{refused.problems[-1]}. {WHAT_TO_DO}")]
            ) from None
        return ModelVersion(name, manifest, model)

    def _read_model(self, name: str, data: bytes) -> TrackModel:
        path = self.root / name / MODEL_FILE
        try:
            with _NPY_READS, np.load(io.BytesIO(data), allow_pickle=False) as arrays:
                problems = model_array_problems(arrays)
                if problems:
                    raise ModelRefused(
                        [Problem(f"{path}: {where}", what) for where, what in problems]
                    )
                return TrackModel.from_arrays(arrays)
        except (*NPY_UNREADABLE, TypeError, IndexError) as error:
            raise ModelRefused(f"{path}: not a trackfit model file ({error})") from None

    def verify(self, name: str, manifest: dict[str, Any]) -> bytes:
        """The model file's bytes; refused when it is missing or does not match its hash."""
        path = self.root / name / MODEL_FILE
        expected = (manifest.get("sha256") or {}).get(MODEL_FILE)
        self._version_folder(name)
        if not os.path.lexists(path):
            raise ModelRefused(f"{path}: model file is missing")
        data = _bounded_read(path, MAX_MODEL_BYTES)
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise ModelRefused(
                f"{path}: SHA-256 {actual[:16]}… does not match the manifest's "
                f"{str(expected)[:16]}…; the file was changed after training and is not loaded"
            )
        return data

    def _kept(self, name: str, file: str, limit: int, kept_as: str) -> bytes | None:
        """The bytes of a file version `name` keeps under its SHA-256 in its manifest; None
        when the manifest names none. Refused when that SHA-256 is not one, the file is
        missing or larger than `limit`, or it was changed since (`kept_as`: what the version
        did with it, as the refusal says)."""
        digests = self.manifest(name).get("sha256") or {}
        if file not in digests:
            return None
        path = self.root / name / file
        if not isinstance(digests[file], str) or not SHA256_PATTERN.match(digests[file]):
            raise ModelRefused(f"{path}: the manifest's SHA-256 of it is not a hex digest")
        if not os.path.lexists(path):
            raise ModelRefused(f"{path}: is missing; the manifest says {name} {kept_as}")
        self._version_folder(name)
        data = _bounded_read(path, limit)
        if hashlib.sha256(data).hexdigest() != digests[file]:
            raise ModelRefused(
                f"{path}: does not match its SHA-256 in the manifest: it was changed after "
                "training, so it is not read"
            )
        return data

    def learnt_from(self, name: str) -> np.ndarray | None:
        """The sorted keys of the people version `name` learnt from (directly or through its
        prior), or None when it recorded none (versions from before, synthetic defaults);
        refused when the file is missing, changed since training or not a sorted key list."""
        data = self._kept(name, PEOPLE_FILE, MAX_PEOPLE_BYTES, "learnt from it")
        if data is None:
            return None
        path = self.root / name / PEOPLE_FILE
        try:
            with _NPY_READS:
                keys = np.load(io.BytesIO(data), allow_pickle=False)
        except NPY_UNREADABLE as error:
            raise ModelRefused(f"{path}: not a list of people ({error})") from None
        if not isinstance(keys, np.ndarray):  # a .npz: arrays by name, not one list
            raise ModelRefused(f"{path}: not a list of people (several arrays)")
        if keys.dtype != np.uint64 or keys.ndim != 1 or np.any(keys[1:] <= keys[:-1]):
            raise ModelRefused(f"{path}: not a sorted list of distinct 64-bit keys")
        return keys

    def learnt_from_warning(self, name: str) -> str | None:
        """Why version `name`'s record of the people it learnt from does not read, and what
        that costs, or None. The version still answers, so it may stay or become active; the
        command line and HR's confirmation page say it alike."""
        try:
            self.learnt_from(name)
        except ModelRefused as refused:
            return (
                f"{refused.problems[0]}. {name} still answers, but a candidate trained now "
                f"cannot tell which of its people {name} learnt from: it is judged on everyone "
                f"and {name} is no prior"
            )
        return None

    def active_stack(self, pack: str | Pack) -> list[str]:
        """A pack's versions made active by promotions not yet undone by rollbacks, oldest
        first; never the same version twice in a row. A move to the version already active
        (a history written before promoting the active version was refused) moved nothing,
        so it is no step to go back through."""
        return _active_stack(self.history(pack))

    def rollback_step(self, pack: str | Pack) -> tuple[str, str] | None:
        """(the version a rollback of `pack` goes back to, the one it replaces) as the history
        records them, or None when there is nothing to go back to."""
        return self.rollback_offer(pack)[0]

    def rollback_offer(self, pack: str | Pack) -> tuple[tuple[str, str] | None, int]:
        """`rollback_step` and the number of the pack's pointer moves it follows, from one
        reading of the history: a confirmation names both, and a move between two readings
        would pair a step with a count the history never had together."""
        moves = self.history(pack)
        stack = _active_stack(moves)
        return ((stack[-2], stack[-1]) if len(stack) >= 2 else None), len(moves)

    def latest_rollback(self) -> tuple[str, tuple[str, str], int] | None:
        """The rollback that undoes the newest promotion still in force of any pack: (the pack,
        its step as `rollback_offer` gives it, the number of the pack's moves it follows), from
        one reading of the history; None when no pack has a version to go back to. Made again
        and again, it undoes promotions newest first, whatever their pack."""
        moves = self.history()
        latest = None
        for pack in dict.fromkeys(move["pack"] for move in moves):
            own = [(number, move) for number, move in enumerate(moves) if move["pack"] == pack]
            stack = _promotions_in_force(own)
            if len(stack) >= 2 and (latest is None or stack[-1][1] > latest[0]):
                step = (stack[-2][0], stack[-1][0])
                latest = (stack[-1][1], pack, step, len(own))
        return None if latest is None else latest[1:]

    def rollback_step_after(self, pack: str | Pack, moves: int) -> tuple[str, str] | None:
        """The step a rollback offered when the pack's history held its first `moves` moves
        (the history only grows, so this never changes): a confirmation counting `moves`
        can only ask for that one."""
        stack = _active_stack(self.history(pack)[:moves])
        return (stack[-2], stack[-1]) if len(stack) >= 2 else None

    def history(self, pack: str | Pack | None = None) -> list[dict[str, Any]]:
        """Every pointer move, or those of one pack, oldest first, each with its `pack` (a
        line written before moves named their pack has its version's); every malformed line
        named in one refusal."""
        path = self.root / HISTORY_FILE
        if not os.path.lexists(path):
            return []
        try:
            text = _bounded_read(path, MAX_HISTORY_BYTES).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ModelRefused(f"{path}: is not UTF-8 text (byte {error.start})") from None
        moves, problems = [], []
        packs: dict[str, str] = {}  # version -> pack, for lines that do not name theirs
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                move = read_json_document(line)
            except JsonRefused as error:
                problems.append(Problem(f"{path}:{number}", f"is not valid JSON ({error})"))
                continue
            found = move_problems(move)
            problems += [Problem(f"{path}:{number}", what) for what in found]
            if not found:
                if move.get("pack") is None:
                    if move["to"] not in packs:
                        packs[move["to"]] = self._pack_or_none(move["to"]) or DEFAULT_PACK
                    move["pack"] = packs[move["to"]]
                moves.append(move)
        if problems:
            last = problems[-1]  # the way out said once, after the last line named
            repair = HISTORY_REPAIR.format(path=path)
            raise ModelRefused([*problems[:-1], Problem(last.where, f"{last.message}; {repair}")])
        if pack is None:
            return moves
        pack_id = pack_id_of(pack)
        return [move for move in moves if move["pack"] == pack_id]


def _active_stack(moves: list[dict[str, Any]]) -> list[str]:
    """`Registry.active_stack` of a pack's moves."""
    return [version for version, _ in _promotions_in_force(list(enumerate(moves)))]


def _promotions_in_force(moves: list[tuple[int, dict[str, Any]]]) -> list[tuple[str, int]]:
    """Of a pack's numbered moves, oldest first, each version its promotions made active and
    rollbacks have not undone, with the number of the move that made it active."""
    stack: list[tuple[str, int]] = []
    for number, move in moves:
        if stack and move["to"] == stack[-1][0]:
            continue
        if move["action"] == "promote":
            stack.append((move["to"], number))
        elif stack:
            stack.pop()
    return stack


def pack_id_of(pack: str | Pack | None) -> str:
    """The id of a pack given as a Pack, an id, a reference (`engineering@2`) or a folder;
    the default pack when None."""
    if isinstance(pack, Pack):
        return pack.id
    if pack is None:
        return DEFAULT_PACK
    text = str(pack)
    named = text.partition("@")[0]
    if PACK_ID.match(named):
        return named
    return load_pack(text).id


def _read_pointer(path: Path) -> str:
    """The version name a pointer file holds; refused, naming the file, unless it is one."""
    raw = _bounded_read(path, MAX_POINTER_BYTES, refuse_larger=False)
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ModelRefused(f"{path}: is not text; it should hold a version name") from None
    if not name:
        raise ModelRefused(f"{path}: is empty; it should hold a version name such as v1")
    if len(raw) > MAX_POINTER_BYTES or not VERSION_PATTERN.match(name):
        raise ModelRefused(
            f"{path}: {_shown(name)} is not a version name (v1, v2, …); "
            "promote a version to rewrite it"
        )
    return name


MAX_POINTER_BYTES = 64
# far more than any real manifest (a few hundred KB), history (a line per pointer move),
# card (a few KB; a table row per fairness group) or model (tens of KB, a few MB with many
# features). The card is the tightest: rendering Markdown costs up to ~20 µs a byte for text
# made of markup characters, so 256 KB is at most a few seconds of a web worker.
MAX_MANIFEST_BYTES = 20 << 20
MAX_HISTORY_BYTES = 20 << 20
MAX_CARD_BYTES = 256 << 10
MAX_MODEL_BYTES = 128 << 20
MAX_PEOPLE_BYTES = 64 << 20  # 8 bytes a person: 8 million people


def _bounded_read(path: Path, limit: int, refuse_larger: bool = True) -> bytes:
    """A registry file's bytes, at most `limit + 1` of them read; refused (ModelRefused naming
    the file) past `limit` (unless `refuse_larger` is false: the caller judges what it got),
    when it is a symbolic link (never followed), not a regular file (a FIFO or device is never
    waited on), or cannot be read."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if os.path.islink(path):
            raise ModelRefused(
                f"{path}: is a symbolic link; registry files are never followed"
            ) from None
        raise ModelRefused(f"{path}: cannot be read ({error.strerror})") from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)  # before fdopen, which refuses a folder with an OSError of its own
        raise ModelRefused(f"{path}: is not a regular file")
    with os.fdopen(descriptor, "rb") as stream:
        try:
            data = stream.read(limit + 1)
        except OSError as error:
            raise ModelRefused(f"{path}: cannot be read ({error.strerror})") from None
    if refuse_larger and len(data) > limit:
        raise ModelRefused(f"{path}: is larger than {_size(limit)}; it is not read")
    return data


def _size(limit: int) -> str:
    if limit >= 1 << 20:
        return f"{limit >> 20} MB"
    return f"{limit >> 10} KB" if limit >= 1 << 10 else f"{limit} bytes"


HISTORY_ACTIONS = ("promote", "rollback")


def _shown(value: str) -> str:
    """A name as read from a file, quoted and cut short, safe to print."""
    text = value if len(value) <= 40 else value[:40] + "…"
    return repr(text)


def move_problems(move: Any) -> list[str]:
    """What is wrong with one line of `history.jsonl`."""
    if not isinstance(move, dict):
        return [f"must be a JSON object, not {describe(move)}"]
    problems = []
    if move.get("action") not in HISTORY_ACTIONS:
        problems.append(f"action: must be promote or rollback, not {describe(move.get('action'))}")
    target = move.get("to")
    if not isinstance(target, str) or not VERSION_PATTERN.match(target):
        problems.append(f"to: must be a version name (v1, v2, …), not {describe(target)}")
    pack = move.get("pack")
    if pack is not None and (not isinstance(pack, str) or not PACK_ID.match(pack)):
        problems.append(f"pack: must be a pack id or absent, not {describe(pack)}")
    source = move.get("from")
    if source is not None and (not isinstance(source, str) or not VERSION_PATTERN.match(source)):
        problems.append(f"from: must be a version name or null, not {describe(source)}")
    if not isinstance(move.get("at", ""), str):
        problems.append(f"at: must be a time as text, not {describe(move.get('at'))}")
    return problems


# The manifest's fields the registry and the governance pages read, with the JSON types each
# must have when present; `sha256` must be present.
MANIFEST_FIELDS: dict[str, tuple[type, ...]] = {
    "version": (str,),
    "created": (str,),
    "pack": (str,),
    "sha256": (dict,),
    "trained_with": (dict,),
    "features": (list,),
    "data": (dict,),
    "metrics": (dict,),
    "holdout": (dict,),
    "comparison": (dict, type(None)),
    "fairness": (dict, type(None)),
    "sensitive_columns": (list,),
}
NESTED_OBJECTS = (
    ("metrics", "tracks"),
    ("holdout", "candidate"),
    ("holdout", "active"),
    ("comparison", "verdict"),
)
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")


def manifest_problems(data: Any) -> list[tuple[str, str]]:
    """Every (field, problem) of a manifest, in one pass."""
    if not isinstance(data, dict):
        return [("(document)", f"must be a JSON object, not {describe(data)}")]
    problems = []
    for key, types in MANIFEST_FIELDS.items():
        if key in data and not isinstance(data[key], types):
            problems.append((key, f"must be {_type_names(types)}, not {describe(data[key])}"))
    digest = data.get("sha256")
    if not isinstance(digest, dict) or not (
        isinstance(digest.get(MODEL_FILE), str) and SHA256_PATTERN.match(digest[MODEL_FILE])
    ):
        shown = describe(digest.get(MODEL_FILE)) if isinstance(digest, dict) else "nothing"
        problems.append((f"sha256.{MODEL_FILE}", f"must be a SHA-256 hex digest, not {shown}"))
    if isinstance(data.get("version"), str) and not VERSION_PATTERN.match(data["version"]):
        problems.append(("version", f"{_shown(data['version'])} is not a version name"))
    for outer, inner in NESTED_OBJECTS:
        container = data.get(outer)
        if (
            isinstance(container, dict)
            and inner in container
            and not isinstance(container[inner], (dict, type(None)))
        ):
            problems.append(
                (f"{outer}.{inner}", f"must be an object, not {describe(container[inner])}")
            )
    fairness = data.get("fairness")
    if isinstance(fairness, dict) and not isinstance(fairness.get("flagged", []), list):
        problems.append(
            ("fairness.flagged", f"must be a list, not {describe(fairness['flagged'])}")
        )
    return problems


def _type_names(types: tuple[type, ...]) -> str:
    names = {dict: "an object", list: "a list", str: "text", type(None): "null"}
    return " or ".join(names[t] for t in types)


# Bounds far past any model trained on people's answers, so that no sum, difference or product
# of a version's numbers can overflow, whatever the answers: trying a version on sample people
# looks at a few points only, and a spike between two knots would pass it.
LARGEST_EFFECT = 50.0  # on the log-odds scale: odds of e**50 to one
LARGEST_POSITION = 1e6  # knots, fill and centre, on the answers' own scale
LARGEST_COVARIANCE = 1e4


def model_array_problems(arrays: Any) -> list[tuple[str, str]]:
    """Every (array, problem) that would make a model file answer wrongly or not at all:
    missing arrays, wrong shapes, non-numbers, NaN or infinity, values past their bounds,
    knots out of order, a covariance that is not one."""
    problems: list[tuple[str, str]] = []

    def bounded(key: str, ndim: int, size: int | None, largest: float) -> np.ndarray | None:
        value = numeric(key, ndim, size)
        if value is not None and np.abs(value).max(initial=0.0) > largest:
            problems.append((key, f"holds a value past ±{largest:g}, beyond any trained model"))
            return None
        return value

    def numeric(key: str, ndim: int, size: int | None = None) -> np.ndarray | None:
        if key not in arrays:
            problems.append((key, "is missing"))
            return None
        value = arrays[key]
        if value.dtype.kind not in "fiu":
            problems.append((key, f"must hold numbers, not {value.dtype}"))
        elif value.ndim != ndim:
            problems.append((key, f"has shape {value.shape}; expected {ndim} dimension(s)"))
        elif size is not None and value.shape[0] != size:
            wanted = f"{size} values" if ndim == 1 else f"{size} rows"
            problems.append((key, f"has shape {value.shape}; expected {wanted}"))
        elif not np.isfinite(value).all():
            problems.append((key, "holds NaN or infinity"))
        else:
            return value
        return None

    if "feature_names" not in arrays:
        return [("feature_names", "is missing")]
    names = arrays["feature_names"]
    if names.dtype.kind != "U" or names.ndim != 1 or names.size == 0:
        return [("feature_names", f"must be a list of names, not {names.dtype} {names.shape}")]
    count = names.size
    bounded("fill", 1, count, LARGEST_POSITION)
    bounded("centre", 1, count, LARGEST_POSITION)
    bounded("intercepts", 1, len(TRACK_IDS), LARGEST_EFFECT)
    total, sizes = 0, []
    for j in range(count):
        knots = bounded(f"knots_{j}", 1, None, LARGEST_POSITION)
        if knots is None:
            continue
        total += knots.size
        sizes.append(knots.size)
        if knots.size < 2 or not (np.diff(knots) > 0).all():
            problems.append((f"knots_{j}", "must be at least two increasing positions"))
        for track in TRACK_IDS:
            bounded(f"shape_{track}_{j}", 1, knots.size, LARGEST_EFFECT)
    if "blank_weights" in arrays and len(sizes) == count:
        problems += _blank_weights_problems(
            bounded("blank_weights", 1, total, LARGEST_POSITION), sizes
        )
    if "measurement_variance" in arrays:
        problems += _uncertainty_problems(arrays, bounded, count, total)
    if "pair_inputs" in arrays or "pair_centres" in arrays:
        problems += _pair_problems(arrays, bounded, count)
    return problems


def _pair_problems(
    arrays: Any, bounded: Callable[..., np.ndarray | None], count: int
) -> list[tuple[str, str]]:
    """The pairs (`TrackModel.pair_inputs`, `pair_centres`): one row of two per pair, the
    pairs the last of the features, each of two different features before them and named
    after them."""
    problems = []
    inputs = bounded("pair_inputs", 2, None, count)
    centres = bounded("pair_centres", 2, None, LARGEST_POSITION)
    if inputs is None or centres is None:
        return problems
    pairs = inputs.shape[0]
    if inputs.shape[1:] != (2,) or centres.shape != (pairs, 2):
        return [("pair_inputs", f"must be {pairs} rows of two, as pair_centres must")]
    before = count - pairs
    if pairs == 0 or before < 2:
        return [("pair_inputs", f"names {pairs} pairs among {count} features")]
    whole = inputs.dtype.kind in "iu" or bool((inputs == np.round(inputs)).all())
    if not whole or (inputs < 0).any() or (inputs >= before).any():
        return [("pair_inputs", f"must name features 0 to {before - 1}, the ones before the pairs")]
    if (inputs[:, 0] == inputs[:, 1]).any():
        problems.append(("pair_inputs", "pairs a feature with itself"))
    names = arrays["feature_names"]
    for k, (first, second) in enumerate(inputs.astype(int).tolist()):
        expected, named = f"{names[first]}*{names[second]}", str(names[before + k])
        if named != expected:
            problems.append(
                (
                    "feature_names",
                    f"feature {before + k} is {named!r}; as pair {k} of "
                    f"pair_inputs it must be {expected!r}",
                )
            )
    return problems


def _blank_weights_problems(weights: np.ndarray | None, sizes: list[int]) -> list[tuple[str, str]]:
    """A readable `blank_weights` (None when it was not), one weight per knot of every
    feature, must weigh each feature's knots as a mean of interpolations does: none
    negative, summing to 1 per feature."""
    if weights is None:
        return []
    if (weights < 0).any():
        return [("blank_weights", "must not hold a negative weight")]
    sums = [float(block.sum()) for block in np.split(weights, np.cumsum(sizes)[:-1])]
    off = [j for j, total in enumerate(sums) if abs(total - 1.0) > 1e-6]
    if off:
        named = ", ".join(f"feature {j} sums to {sums[j]:.6g}" for j in off[:3])
        more = f" and {len(off) - 3} more" if len(off) > 3 else ""
        return [("blank_weights", f"must sum to 1 over each feature's knots ({named}{more})")]
    return []


def _uncertainty_problems(
    arrays: Any, bounded: Callable[..., np.ndarray | None], features: int, knots: int
) -> list[tuple[str, str]]:
    """The arrays the intervals are made of: measurement and missing-answer spreads (not
    negative, one per track, and per track and feature), and each track's covariance (of
    the intercept and every knot's height). `bounded` reads an array, recording its own
    problems."""
    problems = []
    spread = bounded("measurement_variance", 1, len(TRACK_IDS), LARGEST_COVARIANCE)
    if spread is not None and (spread < 0).any():
        problems.append(("measurement_variance", "must not be negative"))
    for key in ("missing_variance", "measurement_by_feature"):
        if key in arrays:
            per_feature = bounded(key, 2, len(TRACK_IDS), LARGEST_COVARIANCE)
            problems += _per_feature_problems(key, per_feature, features)
    if "missing_covariance" in arrays:
        hidden = bounded("missing_covariance", 3, len(TRACK_IDS), LARGEST_COVARIANCE)
        problems += _missing_covariance_problems(hidden, features)
    if "missing_cross_covariance" in arrays:
        across = bounded("missing_cross_covariance", 2, features, LARGEST_COVARIANCE)
        if across is not None and across.shape[1] != features:
            expected = (features, features)
            problems.append(
                ("missing_cross_covariance", f"has shape {across.shape}; expected {expected}")
            )
    for track in TRACK_IDS:
        key = f"covariance_{track}"
        covariance = bounded(key, 2, None, LARGEST_COVARIANCE)
        if covariance is None:
            continue
        if covariance.shape != (knots + 1, knots + 1):
            expected = (knots + 1, knots + 1)
            problems.append((key, f"has shape {covariance.shape}; expected {expected}"))
        elif not _is_covariance(covariance):
            problems.append((key, "is not symmetric with no negative variance"))
    return problems


def _per_feature_problems(
    key: str, spreads: np.ndarray | None, features: int
) -> list[tuple[str, str]]:
    """A readable per-feature spread (None when it was not), `missing_variance` or
    `measurement_by_feature`, must be one variance per track and feature."""
    if spreads is None:
        return []
    if spreads.shape[1] != features:
        expected = (len(TRACK_IDS), features)
        return [(key, f"has shape {spreads.shape}; expected {expected}")]
    if (spreads < 0).any():
        return [(key, "must not be negative")]
    return []


def _missing_covariance_problems(hidden: np.ndarray | None, features: int) -> list[tuple[str, str]]:
    """A readable `missing_covariance` (None when it was not) must be a symmetric
    (features x features) matrix per track with no negative variance. It need not be positive
    semi-definite (each pair is averaged over the people who gave both): a person's sum is
    never taken below nothing."""
    if hidden is None:
        return []
    key = "missing_covariance"
    if hidden.shape[1:] != (features, features):
        expected = (len(TRACK_IDS), features, features)
        return [(key, f"has shape {hidden.shape}; expected {expected}")]
    if not all(np.allclose(m, m.T, rtol=1e-9, atol=1e-12) for m in hidden):
        return [(key, "is not symmetric")]
    if (np.diagonal(hidden, axis1=1, axis2=2) < 0).any():
        return [(key, "must not hold a negative variance")]
    return []


def _is_covariance(matrix: np.ndarray) -> bool:
    """Symmetric and positive semi-definite (to rounding): a variance computed from it is never
    negative, so its square root is never NaN."""
    if not np.allclose(matrix, matrix.T, rtol=1e-9, atol=1e-12):
        return False
    scale = max(float(np.abs(matrix).max(initial=0.0)), 1e-300)
    return float(np.linalg.eigvalsh(matrix).min(initial=0.0)) >= -1e-9 * scale
