"""Hostile pack uploads: broken zips, zip bombs and hostile YAML are each a 422 page naming the
problem (the file, and the line where there is one), quickly, with nothing installed."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from webapp.audit import AuditEvent
from webapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "questionnaires" / "engineering"
PACK_FILES = ("pack.yaml", "framework.yaml", "questionnaire.yaml", "rules.yaml")
LOCAL, CENTRAL = b"PK\x03\x04", b"PK\x01\x02"
# Offsets of fields in a zip's local and central headers (APPNOTE 4.3.7 and 4.3.12)
FIELDS = {"flags": (6, 8, "<H"), "method": (8, 10, "<H"), "crc": (14, 16, "<I")}
FIELDS |= {"compressed": (18, 20, "<I"), "size": (22, 24, "<I")}


def pack_texts(version: int = 2) -> dict[str, str | bytes]:
    """The engineering pack's files, as a newer version."""
    files = {name: (BUNDLED / name).read_text(encoding="utf-8") for name in PACK_FILES}
    files["pack.yaml"] = files["pack.yaml"].replace("version: 1\n", f"version: {version}\n")
    return files


def zipped(files: dict[str, str | bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def with_file(name: str, content: str | bytes) -> bytes:
    return zipped(pack_texts() | {name: content})


def patched(data: bytes, name: str, **values: int) -> bytes:
    """The zip with header fields of member `name` rewritten in both of its headers."""
    patched_data = bytearray(data)
    encoded = name.encode()
    for signature, which in ((LOCAL, 0), (CENTRAL, 1)):
        start = 0
        while (start := patched_data.find(signature, start)) != -1:
            name_at = start + (30 if which == 0 else 46)
            if patched_data[name_at : name_at + len(encoded)] == encoded:
                for field, value in values.items():
                    struct.pack_into(
                        FIELDS[field][2], patched_data, start + FIELDS[field][which], value
                    )
            start += 4
    return bytes(patched_data)


def nested(levels: int) -> bytes:
    data = zipped(pack_texts())
    for level in range(levels):
        data = zipped({f"level{level}.zip": data})
    return data


def many_entries(count: int) -> bytes:
    return zipped(pack_texts() | {f"extra/{i}.txt": "x" for i in range(count)})


def bomb_with_lying_header() -> bytes:
    """rules.yaml expands to 50 MB of spaces while its header says 2 KB."""
    data = zipped(pack_texts() | {"rules.yaml": " " * (50 * 1024 * 1024)})
    return patched(data, "rules.yaml", size=2048)


def billion_laughs() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\nrules: *a8\n"


def pack_yaml(extra: str = "", version: str = "2") -> str:
    text = (BUNDLED / "pack.yaml").read_text(encoding="utf-8")
    return text.replace("version: 1\n", f"version: {version}\n") + extra


HOSTILE = {
    "deep nesting": (
        lambda: with_file("rules.yaml", "rules: " + "[" * 40 + "]" * 40),
        "rules.yaml:1: is not valid YAML: nests deeper than 32 levels",
    ),
    "NUL byte": (
        lambda: with_file("questionnaire.yaml", "scales:\n  a: \x00\n"),
        "questionnaire.yaml:2: is not valid YAML: the character U+0000 is not allowed",
    ),
    "null key": (
        lambda: with_file("pack.yaml", pack_yaml("~: x\n")),
        "pack.yaml:9: ~: a key must be text, not nothing",
    ),
    "number key": (
        lambda: with_file("pack.yaml", pack_yaml("12: x\n")),
        "pack.yaml:9: 12: a key must be text, not a number",
    ),
    "list key": (
        lambda: with_file("pack.yaml", pack_yaml("? [a, b]\n: x\n")),
        "pack.yaml:9: ?: a key must be text, not a list or mapping",
    ),
    "5000-digit version": (
        lambda: with_file("pack.yaml", pack_yaml(version="9" * 5000)),
        "pack.yaml:3: a number 5000 characters long is longer than a pack needs",
    ),
    "impossible date": (
        lambda: with_file("pack.yaml", pack_yaml("released: 2001-02-30\n")),
        "pack.yaml:9: is not valid YAML: cannot read this value",
    ),
    "lone surrogate in the title": (
        lambda: with_file("pack.yaml", pack_yaml().replace("title:", 'title: "\\udc80"\nx:')),
        "pack.yaml:4: has an escaped lone surrogate",
    ),
    "billion laughs": (
        lambda: with_file("rules.yaml", billion_laughs()),
        "rules.yaml:2: the alias *a0 (used 9 times) is not allowed in a pack",
    ),
    "not UTF-8": (
        lambda: with_file("framework.yaml", b"tracks: \xff\xfe\n"),
        "framework.yaml:1: is not UTF-8 text (byte 8, 0xFF, at column 9)",
    ),
    "bad CRC": (
        lambda: patched(zipped(pack_texts()), "rules.yaml", crc=1234),
        "rules.yaml: cannot be read from the zip (Bad CRC-32 for file &#39;rules.yaml&#39;)",
    ),
    "encrypted member": (
        lambda: patched(zipped(pack_texts()), "framework.yaml", flags=1),
        "framework.yaml: is encrypted; zip the pack without a password",
    ),
    "unknown compression": (
        lambda: patched(zipped(pack_texts()), "pack.yaml", method=99),
        "pack.yaml: is compressed with method 99, which trackfit does not read",
    ),
    "bzip2 compression": (
        lambda: zipped(pack_texts(), method=zipfile.ZIP_BZIP2),
        "pack.yaml: is compressed with method 12, which trackfit does not read",
    ),
    "header understates the size": (
        bomb_with_lying_header,
        "rules.yaml: cannot be read from the zip (Bad CRC-32",
    ),
    "header overstates the size": (
        lambda: patched(zipped(pack_texts()), "rules.yaml", size=300 * 1024),
        "rules.yaml: is larger than 256 KB, more than a pack needs",
    ),
    "high expansion ratio": (
        lambda: with_file("rules.yaml", "rules: []\n" + "#" * 200_000 + "\n"),
        "rules.yaml: expands more than 100 times; that is not a pack file",
    ),
    "seven nested zips": (lambda: nested(7), "the zip lacks pack.yaml, framework.yaml"),
    "too many entries": (lambda: many_entries(200), "the zip has 204 entries; a pack needs 4"),
    "truncated zip": (
        lambda: zipped(pack_texts())[:-30],
        "the upload is not a zip file trackfit can read",
    ),
    "broken deflate data": (
        lambda: patched(
            zipped(pack_texts(), method=zipfile.ZIP_STORED), "questionnaire.yaml", method=8
        ),
        "questionnaire.yaml: cannot be read from the zip (Error -3 while decompressing data",
    ),
    "empty zip": (lambda: zipped({}), "the zip lacks pack.yaml, framework.yaml"),
    "a path out of the zip": (
        lambda: zipped({f"../../{name}": text for name, text in pack_texts().items()}),
        "../../pack.yaml: is neither at the root of the zip nor in one folder of it",
    ),
}


def upload(client, data: bytes):
    token = client.token("/hr/packs")
    return client.post(
        "/hr/packs/upload",
        data={"csrf_token": token, "file": (io.BytesIO(data), "pack.zip")},
        content_type="multipart/form-data",
    )


@pytest.fixture
def hr(client, make_user):
    make_user("hr@example.com", "hr", "Hana")
    client.login("hr@example.com")
    return client


@pytest.mark.timeout(60)  # some of these took minutes once
@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_upload_is_a_422_naming_the_problem_with_nothing_installed(app, hr, case):
    build, expected = HOSTILE[case]
    data = build()
    assert len(data) < app.config["MAX_CONTENT_LENGTH"]
    response = upload(hr, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:3000]
    assert "The pack was not installed" in html
    assert expected in html, html[html.find("error-summary") :][:3000]
    root = Path(app.instance_path) / "packs"
    assert not root.is_dir() or list(root.iterdir()) == []


REAL_ZIP = zipped(pack_texts())
FUZZ = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def damaged_zips(draw) -> bytes:
    """The real pack's zip with bytes flipped, cut out, inserted, or cut off."""
    data = bytearray(REAL_ZIP)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        if action == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[at:]
        if not data:
            break
    return bytes(data)


@st.composite
def assembled_zips(draw) -> bytes:
    """Zips of pack-named members in odd places, with odd contents and compressions."""
    members = {}
    for _ in range(draw(st.integers(0, 7))):
        name = draw(st.sampled_from(PACK_FILES))
        folder = draw(st.sampled_from(["", "p/", "a/b/", "../", "/"]))
        content = draw(
            st.one_of(
                st.sampled_from(list(pack_texts().values())),
                st.text(max_size=200),
                st.binary(max_size=200),
            )
        )
        members[folder + name] = content
    method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_LZMA]))
    return zipped(members, method=method)


@pytest.mark.parametrize("uploads", [damaged_zips(), assembled_zips(), st.binary(max_size=2000)])
def test_any_upload_is_installed_or_refused_with_its_problems(app, hr, uploads):
    token = hr.token("/hr/packs")

    @FUZZ
    @given(data=uploads)
    def upload_once(data):
        response = hr.post(
            "/hr/packs/upload",
            data={"csrf_token": token, "file": (io.BytesIO(data), "pack.zip")},
            content_type="multipart/form-data",
        )
        assert response.status_code in (302, 422), response.get_data(as_text=True)[:2000]
        if response.status_code == 422:
            assert "The pack was not installed" in response.get_data(as_text=True)

    upload_once()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_hostile_file_name_is_recorded_cleaned_and_the_pack_installed(app, hr, backend):
    token = hr.token("/hr/packs")
    name = "pa\x00ck\x1b" + "x" * 5000 + ".zip"
    response = hr.post(
        "/hr/packs/upload",
        data={"csrf_token": token, "file": (io.BytesIO(zipped(pack_texts())), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).filter_by(action="pack_upload")).one()
        recorded = event.detail["filename"]
    assert recorded.startswith("pa ck x") and len(recorded) <= 200, recorded[:300]


def test_a_broken_member_and_a_hostile_one_are_both_named_in_one_pass(app, hr):
    data = patched(with_file("rules.yaml", billion_laughs()), "framework.yaml", flags=1)
    response = upload(hr, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "framework.yaml: is encrypted" in html
    assert "rules.yaml:2: the alias *a0 (used 9 times)" in html


def test_what_could_not_be_checked_yet_is_said_apart_from_the_problems(hr):
    """A framework that does not read: one problem, and the files read against it said to be
    not checked yet, not counted as problems."""
    response = upload(hr, with_file("framework.yaml", b"tracks: \xff\xfe\n"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The pack was not installed: 1 problem</h2>" in html
    assert "Not checked yet, so more may show once these are fixed:" in html
    assert (
        "rules.yaml&#39;s competency fields, levels and target moves, until framework.yaml" in html
    )
