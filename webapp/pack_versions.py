"""Pack versions per discipline: the bundled packs and the versions HR uploaded, side by side.

A discipline is a pack id. New assessments use the newest version of the person's discipline;
an assessment keeps the version it was started in, for its remaining pages and for its result,
so old results stay worded as they were taken. Bundled packs are the folders of
`questionnaires/` with a `pack.yaml`; uploaded versions live in
`<instance>/packs/<id>@<version>/<id>/`, never overwritten, and an uploaded pack whose id no
bundled pack has is a discipline of its own.
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

from flask import current_app

from recommender.answer.answers import SAMPLE_ANSWERS, sample_answers_of
from recommender.errors import AnswersInvalid, PackInvalid
from recommender.pack.loading import PACK_FILES, Pack, load_pack, packs_dir, resolve_pack_path
from recommender.pack.source import MAX_FILE_BYTES, PackSource, ProblemLog

MAX_ZIP_ENTRIES = 100  # a pack folder has four files, a sample and perhaps a few extras
MAX_RATIO = 100  # YAML deflates about 5 to 1; a hundredfold is a bomb, not a pack
ENCRYPTED = 0x1  # general purpose flag bit 0
READABLE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# What zipfile raises on a damaged or unusual zip: bad CRC or magic (BadZipFile), broken
# deflate data (zlib.error), truncation (EOFError, struct.error), encryption (RuntimeError),
# unknown methods (NotImplementedError), impossible offsets (ValueError, OSError).
UNREADABLE_ZIP = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    struct.error,
    RuntimeError,
    NotImplementedError,
    ValueError,
    OSError,
)
SAFE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # a pack id that is also a safe folder name


class PackUploadRefused(ValueError):
    """An uploaded pack that is not stored, with every reason."""

    def __init__(self, problems: list[str], notes: tuple[str, ...] = ()):
        super().__init__("; ".join(problems))
        self.problems = problems
        self.notes = notes  # what could not be checked yet (not problems)


class UnknownDiscipline(LookupError):
    """A discipline (pack id) that no bundled or uploaded pack has."""

    def __init__(self, discipline: str, known: list[str]):
        shown = discipline if len(discipline) <= 64 else discipline[:61] + "..."
        super().__init__(
            f"There is no discipline '{shown}' here; the disciplines are "
            f"{', '.join(known) or 'none'}."
        )
        self.discipline = discipline
        self.known = known


def uploads_root() -> Path:
    """Where uploaded pack versions are kept."""
    return Path(current_app.instance_path) / "packs"


def bundled() -> dict[str, Path]:
    """Every bundled pack that loads: pack id -> folder, by folder name. A folder whose pack
    does not load is left out here; `trackfit validate` names its problems."""
    found: dict[str, Path] = {}
    root = packs_dir()
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            if (folder / "pack.yaml").is_file():
                try:
                    found.setdefault(load_pack(folder).id, folder)
                except PackInvalid:
                    continue
    return found


def uploaded_ids() -> list[str]:
    """The pack ids HR uploaded versions of (bundled ones too), sorted."""
    root = uploads_root()
    if not root.is_dir():
        return []
    found = set()
    for folder in root.glob("*@*"):
        pack_id, _, version = folder.name.partition("@")
        if SAFE_ID.fullmatch(pack_id) and version.isdigit() and (folder / pack_id).is_dir():
            found.add(pack_id)
    return sorted(found)


def discipline_ids() -> list[str]:
    """Every discipline: the bundled packs' ids, then the ids only uploads have."""
    known = list(bundled())
    return known + [pack_id for pack_id in uploaded_ids() if pack_id not in known]


def installed(discipline: str) -> dict[int, Path]:
    """Every version of a discipline's pack: version -> folder (bundled and uploaded).

    `discipline` is a pack id, or the configured `TRACKFIT_PACK` (a name or a folder);
    UnknownDiscipline when no pack has it."""
    found: dict[int, Path] = {}
    pack_id = discipline
    folder = bundled().get(discipline)
    if folder is None and (_setting_folder(discipline) / "pack.yaml").is_file():
        # the configured pack: a folder named otherwise than its id, one outside
        # questionnaires/, or one that does not load (loading it names its problems)
        folder = _setting_folder(discipline)
    if folder is not None:
        pack = load_pack(folder)
        pack_id, found[pack.version] = pack.id, pack.path
    root = uploads_root()
    if SAFE_ID.fullmatch(pack_id) and root.is_dir():
        for stored in root.glob(f"{pack_id}@*"):
            version = stored.name.partition("@")[2]
            if version.isdigit() and (stored / pack_id).is_dir():
                found[int(version)] = stored / pack_id
    if not found:
        raise UnknownDiscipline(discipline, discipline_ids())
    return dict(sorted(found.items()))


def newest(discipline: str) -> Pack:
    """The newest version of a discipline's pack (UnknownDiscipline when there is none)."""
    versions = installed(discipline)
    return load_pack(versions[max(versions)])


def version_of(ref: str, older_ref: str | None = None) -> Pack | None:
    """The version named by a stored ref (`product-design@2`), by the ref's own pack id, if
    it is installed. (Called the older way, `version_of(setting, ref)`, the setting is
    ignored: a ref names its discipline itself.)"""
    ref = older_ref if older_ref is not None else ref
    pack_id, _, version = ref.partition("@")
    if not SAFE_ID.fullmatch(pack_id) or not version.isdigit():
        return None
    try:
        path = installed(pack_id).get(int(version))
    except UnknownDiscipline:
        return None
    if path is None:
        return None
    pack = load_pack(path)
    return pack if pack.id == pack_id else None


def store_upload(data: bytes, discipline: str | None, check_model) -> Pack:
    """Validate a zipped pack as `trackfit validate` does and keep it as a new version of the
    discipline its id names (of `discipline` only, when one is given; a new id is a new
    discipline).

    `check_model(pack)` raises PackUploadRefused when the active model cannot read the pack.
    """
    files = _pack_files(data)
    # Read with the pack loader's limits; the validation below names any problem it has
    header = PackSource.parse_bytes("pack.yaml", files["pack.yaml"], ProblemLog()).data
    pack_id = header.get("id") if isinstance(header, dict) else None
    folder_name = pack_id if isinstance(pack_id, str) and SAFE_ID.fullmatch(pack_id) else "pack"
    root = uploads_root()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    try:
        folder = staging / folder_name
        folder.mkdir()
        for name, content in files.items():
            (folder / name).write_bytes(content)
        try:
            pack = load_pack(folder)
        except PackInvalid as invalid:
            raise PackUploadRefused(
                [str(p).replace(str(staging) + "/", "") for p in invalid.problems],
                notes=invalid.notes,
            ) from None
        try:
            sample_answers_of(pack, folder)  # checked as `trackfit validate` checks them
        except AnswersInvalid as invalid:
            more = [f"and {invalid.more:,} more problems"] if invalid.more else []
            raise PackUploadRefused(
                [
                    f"the pack reads, but its sample answers do not fit it: {p}"
                    for p in invalid.problems
                ]
                + more
            ) from None
        expected = _discipline_id(discipline)
        if expected is not None and pack.id != expected:
            raise PackUploadRefused(
                [f"pack.yaml: id: this site uses pack '{expected}', not '{pack.id}'"]
            )
        try:
            newest_here = max(installed(pack.id))
        except UnknownDiscipline:
            newest_here = 0  # a new discipline: any version is its first
        if pack.version <= newest_here:
            raise PackUploadRefused(
                [
                    f"pack.yaml: version: {pack.version} is not newer than the installed "
                    f"version {newest_here}; versions are never replaced"
                ]
            )
        check_model(pack)
        target = root / pack.ref
        try:
            target.mkdir()
        except FileExistsError:  # another upload of the same version won the race
            raise PackUploadRefused(
                [f"pack.yaml: version: {pack.version} was installed a moment ago"]
            ) from None
        folder.rename(target / pack.id)
        return load_pack(target / pack.id)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _discipline_id(discipline: str | None) -> str | None:
    """The pack id of a discipline given as an id or as the configured setting."""
    if discipline is None or discipline in bundled():
        return discipline
    folder = _setting_folder(discipline)
    return load_pack(folder).id if (folder / "pack.yaml").is_file() else discipline


def _setting_folder(setting: str) -> Path:
    """The folder a configured pack names: a folder of `questionnaires/` by name, or a path."""
    return packs_dir() / setting if SAFE_ID.fullmatch(setting) else resolve_pack_path(setting)


def _pack_files(data: bytes) -> dict[str, bytes]:
    """The four pack files from a zip (at its root or in one folder), and its sample answers
    when it has them; nothing else is read.

    Nothing the zip says about itself is trusted: each member is read through a bounded
    stream, so a member whose header understates its size cannot expand past the limit.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except UNREADABLE_ZIP:
        raise PackUploadRefused(["the upload is not a zip file trackfit can read"]) from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise PackUploadRefused(
            [f"the zip has {len(entries):,} entries; a pack needs {len(PACK_FILES)}"]
        )
    files: dict[str, bytes] = {}
    problems = []
    for info in entries:
        name = Path(info.filename).name
        if info.is_dir() or name not in (*PACK_FILES, SAMPLE_ANSWERS):
            continue
        if name in files:
            problems.append(f"{info.filename}: a second {name} in the zip")
            continue
        refusal = _member_refusal(info)
        content = None if refusal else _read_member(archive, info, problems)
        if refusal:
            problems.append(f"{info.filename}: {refusal}")
        elif content is not None:
            files[name] = content
    missing = [name for name in PACK_FILES if name not in files and not _named(problems, name)]
    if missing:
        problems.append(f"the zip lacks {', '.join(missing)}")
    if problems:
        # Every problem in one pass: what is wrong inside the members that could be read too
        log = ProblemLog()
        for name, content in files.items():
            PackSource.parse_bytes(name, content, log)
        raise PackUploadRefused(problems + [str(problem) for problem in log.listed()])
    return files


def _member_refusal(info: zipfile.ZipInfo) -> str | None:
    """Why a member is not read at all, judging by its header, or None."""
    parts = info.filename.replace("\\", "/").split("/")
    if info.filename.startswith(("/", "\\")) or ".." in parts or len(parts) > 2:
        # only its name is ever used, but a path out of the zip's own folders is no pack's
        return (
            "is neither at the root of the zip nor in one folder of it; zip the pack folder (or "
            "its four files) as it is"
        )
    if info.flag_bits & ENCRYPTED:
        return "is encrypted; zip the pack without a password"
    if info.compress_type not in READABLE_COMPRESSION:
        return (
            f"is compressed with method {info.compress_type}, which trackfit does not read; "
            "zip it with the usual (deflate) compression"
        )
    if info.file_size > MAX_FILE_BYTES:
        return f"is larger than {MAX_FILE_BYTES // 1024} KB, more than a pack needs"
    if info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return f"expands more than {MAX_RATIO} times; that is not a pack file"
    return None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, problems: list) -> bytes | None:
    """The member's bytes, read at most to the limit; a problem logged when it cannot be."""
    try:
        with archive.open(info) as stream:
            content = stream.read(MAX_FILE_BYTES + 1)
    except UNREADABLE_ZIP as error:
        problems.append(f"{info.filename}: cannot be read from the zip ({_reason(error)})")
        return None
    if len(content) > MAX_FILE_BYTES:
        problems.append(
            f"{info.filename}: is larger than {MAX_FILE_BYTES // 1024} KB, more than a pack needs"
        )
        return None
    return content


def _named(problems: list[str], name: str) -> bool:
    return any(Path(problem.partition(":")[0]).name == name for problem in problems)


def _reason(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) <= 120 else text[:117] + "..."
