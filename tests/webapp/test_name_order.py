"""Names in Unicode's collation order, kept as bytes the database compares byte by byte; and
the migration that gives every person already stored their key, on SQLite and PostgreSQL."""

from __future__ import annotations

import icu
import pytest
from flask_migrate import downgrade
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from webapp.accounts.models import User
from webapp.accounts.name_order import MAX_KEY_BYTES, name_key
from webapp.extensions import db
from webapp.storage import upgrade_database

BEFORE = "0011_upload_flagged_rows"
COLLATOR = icu.Collator.createInstance(icu.Locale.getRoot())
NAMES = st.text(st.characters(exclude_categories=("Cs",)), max_size=120)


@given(NAMES, NAMES)
def test_comparing_keys_as_bytes_orders_names_as_the_collation_does(one, other):
    as_bytes = (name_key(one) > name_key(other)) - (name_key(one) < name_key(other))
    if len(name_key(one)) < MAX_KEY_BYTES and len(name_key(other)) < MAX_KEY_BYTES:
        assert as_bytes == COLLATOR.compare(one, other)


@given(NAMES)
def test_a_key_fits_the_index_whatever_the_name(name):
    assert len(name_key(name)) <= MAX_KEY_BYTES


def test_letters_with_a_stroke_or_accent_sort_with_their_letter():
    names = ["Zoë", "Trần", "Łukasz", "Lars", "Élodie", "Eve", "Mads", "Ægir", "Ann", "Anna"]
    assert sorted(names, key=name_key) == [
        "Ægir",
        "Ann",
        "Anna",
        "Élodie",
        "Eve",
        "Lars",
        "Łukasz",
        "Mads",
        "Trần",
        "Zoë",
    ]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_gives_everyone_stored_before_it_their_key(app, backend):
    with app.app_context():
        downgrade(directory=app.extensions["migrate"].directory, revision=BEFORE)
        with db.engine.begin() as connection:
            for number, name in enumerate(["Zoë Baker", "Łukasz Nowak", "Lars Holm", "Trần An"]):
                connection.execute(
                    text(
                        "INSERT INTO users (email, name, password_hash, role, created_at, "
                        "session_token) VALUES (:email, :name, '!', 'employee', "
                        "'2026-01-01', :token)"
                    ),
                    {
                        "email": f"p{number}@example.com",
                        "name": name,
                        "token": f"t{number}",
                    },
                )
        db.session.remove()
        upgrade_database()
        listed = db.session.scalars(select(User.name).order_by(User.name_key, User.id)).all()
        assert listed == ["Lars Holm", "Łukasz Nowak", "Trần An", "Zoë Baker"]
        assert all(
            key == name_key(name)
            for name, key in db.session.execute(select(User.name, User.name_key))
        )
        # someone added after it gets theirs too, from the app or a bulk insert alike
        db.session.add(
            User(email="m@example.com", name="Mads", password_hash="!", session_token="m")
        )
        db.session.execute(
            User.__table__.insert(),
            [
                {
                    "email": "o@example.com",
                    "name": "Ørsted",
                    "password_hash": "!",
                    "session_token": "o",
                }
            ],
        )
        db.session.commit()
        assert db.session.scalars(select(User.name).order_by(User.name_key)).all() == [
            "Lars Holm",
            "Łukasz Nowak",
            "Mads",
            "Ørsted",
            "Trần An",
            "Zoë Baker",
        ]


def test_a_bulk_insert_without_a_name_is_refused_for_its_name(app):
    with app.app_context(), pytest.raises(IntegrityError, match="name"):
        db.session.execute(
            User.__table__.insert().values(email="x@example.com", password_hash="!",
                                           session_token="x")
        )  # fmt: skip
