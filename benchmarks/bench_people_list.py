"""HR's people list at a company's size: the page of 100 against every person on one page.

    .venv/bin/python benchmarks/bench_people_list.py [--people 3000] [--repeats 30]

Builds a fresh SQLite database of `--people` accounts (names in several alphabets, employee
ids, managers, a quarter not activated yet), signs HR in with Flask's test client, and times in
this process, interleaved: the first page of the list, the same list with every person on one
page (how the page was before it had pages: the baseline), a search by part of a name, a
filter by role and account, and one person's page (whose manager is typed as an email, not
chosen from a list of everyone). Prints the median and 90th percentile time and the weight of each
page, and the ratios to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.webapp.conftest import FormClient, app_settings  # noqa: E402
from tests.webapp.factories import password_hash  # noqa: E402
from webapp.accounts.models import NO_PASSWORD, User  # noqa: E402
from webapp.app import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.hr.people import routes  # noqa: E402

FIRST_NAMES = ["Élodie", "Ödön", "Ada", "Bob", "Ana María", "İlkay", "Σοφία", "Mei", "Kwame"]


def seeded_app(folder: Path, people: int):
    """The app on a migrated SQLite database holding HR and `people` more accounts."""
    # packs on disk rechecked at most once a second, as in production (tests recheck always)
    app = create_app(
        app_settings(f"sqlite:///{folder / 'bench.sqlite3'}", TRACKFIT_RECHECK_SECONDS=1.0)
    )
    app.instance_path = str(folder / "instance")
    with app.app_context():
        from flask_migrate import upgrade  # noqa: PLC0415

        upgrade(directory=str(ROOT / "webapp" / "migrations"))
        hashed = password_hash()
        hr = User(email="hr@example.com", name="Hana", role="hr")
        hr.set_password(None)
        hr.password_hash = hashed
        db.session.add(hr)
        db.session.flush()
        managers = []
        for number in range(people):
            person = User(
                email=f"person{number:05d}@example.com",
                name=f"{FIRST_NAMES[number % len(FIRST_NAMES)]} Person {number:05d}",
                role="manager" if number % 10 == 0 else "employee",
                employee_id=f"E{number:05d}",
                manager_id=managers[number % len(managers)] if managers else hr.id,
            )
            person.set_password(None)
            person.password_hash = NO_PASSWORD if number % 4 == 0 else hashed
            db.session.add(person)
            if number % 10 == 0:
                db.session.flush()
                managers.append(person.id)
        db.session.commit()
    return app


def timed(client: FormClient, url: str) -> tuple[float, int]:
    """Seconds to answer `url` and the page's bytes."""
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, len(response.data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = seeded_app(Path(folder), args.people)
        client = FormClient(app.test_client())
        client.login("hr@example.com")
        cases = {
            "first page (100 people)": ("/hr/people", routes.PER_PAGE),
            "everyone on one page (baseline)": ("/hr/people", args.people + 1),
            "search 'élodie'": ("/hr/people?text=%C3%A9lodie", routes.PER_PAGE),
            "managers not activated yet": (
                "/hr/people?role=manager&account=invited",
                routes.PER_PAGE,
            ),
            "one person's page": ("/hr/people/1500", routes.PER_PAGE),
        }
        times = {name: [] for name in cases}
        weights = {}
        for _ in range(args.repeats):  # interleaved, so a busy moment falls on every case
            for name, (url, per_page) in cases.items():
                routes.PER_PAGE = per_page
                elapsed, weights[name] = timed(client, url)
                times[name].append(elapsed)
        baseline = statistics.median(times["everyone on one page (baseline)"])
        print(f"{args.people:,} people, {args.repeats} requests each, in-process (test client)")
        print(f"{'page':<34} {'median':>9} {'p90':>9} {'KB':>7} {'x baseline':>11}")
        for name, samples in times.items():
            median = statistics.median(samples)
            p90 = statistics.quantiles(samples, n=10)[-1]
            print(
                f"{name:<34} {median * 1000:>7.1f}ms {p90 * 1000:>7.1f}ms "
                f"{weights[name] / 1024:>7.1f} {median / baseline:>10.2f}x"
            )


if __name__ == "__main__":
    main()
