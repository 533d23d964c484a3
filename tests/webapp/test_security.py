"""Security: headers, cookies, error pages without internals, production settings."""

import pytest

from webapp.settings import SettingsError, settings_from_environment


def test_every_page_sends_the_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_use_no_inline_script_or_style(client, ada, people, make_assessment):
    location = f"/results/{make_assessment('ada@example.com', people[0])}"
    for url in ("/", "/assessment/", location, "/results/history", "/my-data/"):
        html = client.get(url).get_data(as_text=True)
        assert "<script" not in html
        assert "<style" not in html
        assert " style=" not in html


def test_session_cookie_is_http_only_and_same_site(client):
    client.register()
    cookie = client.client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_production_cookies_are_secure_and_need_a_secret_key(tmp_path):
    with pytest.raises(SettingsError, match="SECRET_KEY is not set"):
        settings_from_environment(str(tmp_path), {"TRACKFIT_ENV": "production"})
    settings = settings_from_environment(str(tmp_path), {"SECRET_KEY": "x" * 64})
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["TRACKFIT_ENV"] == "production"


def test_an_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="TRACKFIT_ENV='staging'"):
        settings_from_environment(str(tmp_path), {"TRACKFIT_ENV": "staging", "SECRET_KEY": "x"})


@pytest.mark.parametrize(
    ("url", "used"),
    [
        ("Postgres://u:p@db/trackfit", "postgresql+psycopg://u:p@db/trackfit"),
        (" postgresql+psycopg://u:p@db/trackfit\n", "postgresql+psycopg://u:p@db/trackfit"),
        ("sqlite+pysqlite:////tmp/a.db", "sqlite+pysqlite:////tmp/a.db"),
        ("SQLite:////tmp/a.db", "sqlite:////tmp/a.db"),
    ],
)
def test_every_way_of_writing_a_supported_database_is_taken(tmp_path, url, used):
    settings = settings_from_environment(str(tmp_path), {"SECRET_KEY": "x", "DATABASE_URL": url})
    assert settings["SQLALCHEMY_DATABASE_URI"] == used


def test_postgres_urls_use_the_psycopg_driver(tmp_path):
    settings = settings_from_environment(
        str(tmp_path), {"SECRET_KEY": "x", "DATABASE_URL": "postgres://u:p@db/trackfit"}
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/trackfit"


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("mysql://u:secret@db/trackfit", "DATABASE_URL: 'mysql' databases are not supported"),
        ("trackfit.sqlite3", "DATABASE_URL: is not a database address"),
        (
            "postgresql+psycopg2://u:secret@db/x",
            "'postgresql+psycopg2': trackfit reaches PostgreSQL through psycopg 3, not psycopg2",
        ),
    ],
)
def test_a_database_trackfit_does_not_run_on_is_named_without_its_password(tmp_path, url, said):
    with pytest.raises(SettingsError) as refused:
        settings_from_environment(str(tmp_path), {"SECRET_KEY": "x", "DATABASE_URL": url})
    assert said in str(refused.value) and "secret" not in str(refused.value)
    assert "PostgreSQL (postgresql://user:password@host/name) or SQLite" in str(refused.value)


def test_not_found_is_a_friendly_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.answers_500
def test_our_bugs_show_a_calm_page_without_internals(make_app):
    app = make_app()

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, something went wrong" in html
    assert "secret internal detail" not in html
    assert "Traceback" not in html


def test_json_clients_get_json_errors(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.get_json() == {"error": response.get_json()["error"], "status": 404}


def test_request_size_is_limited_and_the_page_says_to_what(client, ada):
    response = client.post("/account/password", data={"current": "x" * 400_000})
    assert response.status_code == 413
    assert "at most 256 KB can be sent here" in response.get_data(as_text=True)
    assert "<title>Too much to send (413) · trackfit</title>" in response.get_data(as_text=True)
