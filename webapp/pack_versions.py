"""Pack versions: the bundled pack and the versions HR uploaded, side by side.

New assessments use the newest version of the configured pack; an assessment keeps the version
it was started in, for its remaining pages and for its result, so old results stay worded as
they were taken. Uploaded versions live in `<instance>/packs/<id>@<version>/<id>/`, never
overwritten.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import yaml
from flask import current_app

from recommender.errors import PackInvalid
from recommender.pack.loading import PACK_FILES, Pack, load_pack

MAX_FILE_BYTES = 2 * 1024 * 1024
SAFE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # a pack id that is also a safe folder name


class PackUploadRefused(ValueError):
    """An uploaded pack that is not stored, with every reason."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def uploads_root() -> Path:
    """Where uploaded pack versions are kept."""
    return Path(current_app.instance_path) / "packs"


def installed(setting: str) -> dict[int, Path]:
    """Every version of the configured pack: version -> folder (bundled and uploaded)."""
    bundled = load_pack(setting)
    found = {bundled.version: bundled.path}
    root = uploads_root()
    if root.is_dir():
        for folder in root.glob(f"{bundled.id}@*"):
            version = folder.name.partition("@")[2]
            if version.isdigit() and (folder / bundled.id).is_dir():
                found[int(version)] = folder / bundled.id
    return dict(sorted(found.items()))


def newest(setting: str) -> Pack:
    """The newest version of the configured pack."""
    versions = installed(setting)
    return load_pack(versions[max(versions)])


def version_of(setting: str, ref: str) -> Pack | None:
    """The version named by a stored ref (`engineering@2`), if it is installed."""
    pack_id, _, version = ref.partition("@")
    versions = installed(setting)
    path = versions.get(int(version)) if version.isdigit() else None
    if path is None or path.name != pack_id:
        return None
    return load_pack(path)


def store_upload(data: bytes, setting: str, check_model) -> Pack:
    """Validate a zipped pack as `trackfit validate` does and keep it as a new version.

    `check_model(pack)` raises PackUploadRefused when the active model cannot read the pack.
    """
    files = _pack_files(data)
    try:
        header = yaml.safe_load(files["pack.yaml"])
    except yaml.YAMLError:
        header = None  # the validation below names the file and the line
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
                [str(p).replace(str(staging) + "/", "") for p in invalid.problems]
            ) from None
        current = load_pack(setting)
        if pack.id != current.id:
            raise PackUploadRefused(
                [f"pack.yaml: id: this site uses pack '{current.id}', not '{pack.id}'"]
            )
        versions = installed(setting)
        if pack.version <= max(versions):
            raise PackUploadRefused(
                [
                    f"pack.yaml: version: {pack.version} is not newer than the installed "
                    f"version {max(versions)}; versions are never replaced"
                ]
            )
        check_model(pack)
        target = root / pack.ref
        target.mkdir()
        folder.rename(target / pack.id)
        return load_pack(target / pack.id)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _pack_files(data: bytes) -> dict[str, bytes]:
    """The four pack files from a zip (at its root or in one folder); nothing else is read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise PackUploadRefused(["the upload is not a zip file"]) from None
    files: dict[str, bytes] = {}
    problems = []
    for info in archive.infolist():
        name = Path(info.filename).name
        if info.is_dir() or name not in PACK_FILES:
            continue
        if name in files:
            problems.append(f"{info.filename}: a second {name} in the zip")
        elif info.file_size > MAX_FILE_BYTES:
            problems.append(f"{info.filename}: larger than {MAX_FILE_BYTES // 1024} KB")
        else:
            files[name] = archive.read(info)
    missing = [name for name in PACK_FILES if name not in files]
    if missing:
        problems.append(f"the zip lacks {', '.join(missing)}")
    if problems:
        raise PackUploadRefused(problems)
    return files
