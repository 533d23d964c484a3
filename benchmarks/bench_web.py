"""Web speed under gunicorn: the results page and the API against a bare Flask route.

    .venv/bin/python benchmarks/bench_web.py [--seconds 10] [--connections 8] [--workers 2]

Starts gunicorn (sync workers) for trackfit on a fresh SQLite database with one employee who
has a finished assessment and one HR API token, for benchmarks/bare_app.py with the same
settings, and for benchmarks/floor_app.py (trackfit with two routes that only check a log-in or
an API token); wrk (Debian package) sends the load from a second process on loopback. Prints
requests per second for each, the ratios to the bare route and to the floors, then the weight
of an assessment page with everything it loads. Last, the results page again while a candidate model
trains in the background on 60,000 synthetic people, as HR's upload starts it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "questionnaires" / "engineering" / "sample-answers.jsonl"
USER_AGENT = "trackfit-bench"
TRAINING_PEOPLE = 60_000
PASSWORD = "benchmark password"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(app: str, port: int, workers: int, env: dict, cwd: Path) -> subprocess.Popen:
    """Start gunicorn and wait until it answers."""
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        env=env,
        cwd=cwd,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"gunicorn {app} did not start")


def prepare(env: dict) -> str:
    """Migrate, then add the employee and an HR account with an API token; the token."""
    os.environ.update(env)
    from webapp import create_app  # noqa: PLC0415
    from webapp.accounts.models import User  # noqa: PLC0415
    from webapp.api.tokens import create_token  # noqa: PLC0415
    from webapp.extensions import db  # noqa: PLC0415
    from webapp.storage import upgrade_database  # noqa: PLC0415

    app = create_app()
    with app.app_context():
        upgrade_database()
        for email, role in (("bench@example.com", "employee"), ("hr@example.com", "hr")):
            user = User(email=email, name=role, role=role)
            user.set_password(PASSWORD)
            db.session.add(user)
        db.session.commit()
        return create_token("benchmark", "hr@example.com")[1]


class Browser:
    """A minimal HTTP client that keeps the session cookie and never follows redirects
    (production cookies are Secure, which urllib's cookie jar would not send over http)."""

    def __init__(self, base: str):
        self.base = base
        self.cookie = ""

    def request(self, path: str, fields: dict | None = None) -> tuple[int, dict, str]:
        """GET, or POST the form fields: (status, headers, body)."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        headers = {"User-Agent": USER_AGENT, "Cookie": self.cookie}
        req = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with urllib.request.build_opener(NoRedirect).open(req) as response:
                status, head, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, head, body = error.code, error.headers, error.read()
        for set_cookie in head.get_all("Set-Cookie") or []:
            found = re.match(r"session=([^;]+)", set_cookie)
            if found:
                self.cookie = f"session={found.group(1)}"
        return status, dict(head), body.decode()

    def submit(self, page: str, fields: dict, action: str | None = None) -> str:
        """Fetch a page, post its form with the CSRF token; the redirect location."""
        html = self.request(page)[2]
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
        status, headers, body = self.request(action or page, {"csrf_token": token, **fields})
        if status != 302:
            raise SystemExit(f"POST {action or page} answered {status}: {body[:500]}")
        return headers["Location"]


def session_with_result(base: str, person: dict) -> tuple[Browser, str]:
    """Log in over HTTP and answer every page; the browser and the results path."""
    browser = Browser(base)
    browser.submit("/account/login", {"email": "bench@example.com", "password": PASSWORD})
    location = browser.submit("/assessment/", {}, "/assessment/start")
    values = {**person["answers"], **person["context"]}
    while "/assessment/" in location:
        html = browser.request(location)[2]
        names = set(re.findall(r'name="([a-z_0-9]+)"', html)) - {"csrf_token", "action"}
        fields = {n: str(values[n]) for n in names if n in values}
        location = browser.submit(location, fields | {"action": "next"})
    return browser, location


def synthetic_bodies(count: int, contexts: list[dict]) -> list[str]:
    """Answers JSON of `count` different synthetic people (their context taken in turn from
    `contexts`), so that every API call computes a recommendation afresh."""
    from recommender.answer.scoring import scoring_layout  # noqa: PLC0415
    from recommender.learn.synthetic import generate_outcomes  # noqa: PLC0415
    from recommender.pack.loading import load_pack  # noqa: PLC0415

    pack = load_pack("engineering")
    people = generate_outcomes(pack, count, seed=7)
    item_ids = scoring_layout(pack).item_ids
    bodies = []
    for row, employee_id in enumerate(people.employee_ids):
        answers = {
            item: int(value)
            for item, value in zip(item_ids, people.answers[row], strict=True)
            if not math.isnan(value)  # NaN: skipped
        }
        context = contexts[row % len(contexts)]
        bodies.append(
            json.dumps({"employee_id": employee_id, "answers": answers, "context": context})
        )
    return bodies


def post_script(path: Path, bodies: list[str], token: str) -> Path:
    """A wrk script that POSTs the bodies in turn with the API token."""
    path.write_text(
        "local bodies = {" + ",".join(json.dumps(body) for body in bodies) + "}\n"
        "local headers = {['Content-Type'] = 'application/json', "
        f"['Authorization'] = 'Bearer {token}'}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #bodies + 1\n"
        "  return wrk.format('POST', nil, headers, bodies[i])\n"
        "end\n"
    )
    return path


class Load(NamedTuple):
    """What wrk measured for one URL."""

    requests_per_second: float
    p99_ms: float  # 99th percentile of the response time


def wrk(
    url: str, seconds: int, connections: int, headers: list[str], script: Path | None = None
) -> Load:
    """What wrk measured (non-2xx responses make the run fail)."""
    command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"wrk saw errors for {url}:\n{output}")
    p99, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output).groups()
    return Load(
        float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        float(p99) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit],
    )


def start_training(tmp: Path, people: int) -> int:
    """Store a synthetic outcome file as HR's upload does and start its training process."""
    from recommender.learn.synthetic import generate_outcomes, write_outcome_csv  # noqa: PLC0415
    from recommender.pack.loading import load_pack  # noqa: PLC0415
    from webapp import answering, create_app  # noqa: PLC0415
    from webapp.accounts.models import User  # noqa: PLC0415
    from webapp.extensions import db  # noqa: PLC0415
    from webapp.hr.outcomes.upload import check_upload, store_upload  # noqa: PLC0415
    from webapp.jobs import launch_training  # noqa: PLC0415

    path = tmp / "outcomes.csv"
    write_outcome_csv(generate_outcomes(load_pack("engineering"), people, 5), path, True)
    app = create_app()
    app.instance_path = str(tmp / "instance")
    with app.app_context():
        pack, sensitive = answering.current_pack(), ["gender", "age_band"]
        check = check_upload(path.name, path.read_bytes(), pack, sensitive)
        hr = User.by_email("hr@example.com")
        upload = store_upload(check, path.name, pack, sensitive, hr.id, confirmed=True)
        db.session.commit()
        return launch_training(upload, hr).id


def training_status(run_id: int) -> tuple[str, float | None]:
    """A run's status and, once it has finished, how long it took in seconds."""
    from webapp import create_app  # noqa: PLC0415
    from webapp.extensions import db  # noqa: PLC0415
    from webapp.hr.outcomes.models import TrainingRun  # noqa: PLC0415

    with create_app().app_context():
        run = db.session.get(TrainingRun, run_id)
        took = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
        return run.status, took


def page_weight(browser: Browser) -> tuple[int, int]:
    """Bytes of the first assessment page and of it with everything it loads."""
    location = browser.submit("/assessment/", {}, "/assessment/start")
    page = browser.request(location)[2]
    sizes = [len(page.encode())]
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page):
        sizes.append(len(browser.request(asset)[2].encode()))
    return sizes[0], sum(sizes)


def print_loads(figures: dict[str, Load]) -> None:
    """Each load against the bare route under the same kind of load (the API's against the
    bare route answering the same posts), and the two pages against their floors."""
    print(f"{'':<24} {'requests/s':>10}  {'x bare':>6}  {'p99 ms':>6}")
    for name, load in figures.items():
        base = figures["bare, API's posts" if "API" in name else "bare Flask route"]
        ratio = load.requests_per_second / base.requests_per_second
        print(f"{name:<24} {load.requests_per_second:10.1f}  {ratio:6.2f}  {load.p99_ms:6.1f}")
    for page, floor in (("results page", "signed-in floor"), ("API recommendation", "API floor")):
        ratio = figures[page].requests_per_second / figures[floor].requests_per_second
        print(f"{page} at {ratio:.2f} x the {floor}")


def main() -> None:
    """Run the loads and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(ROOT / "models", Path(tmp) / "models")  # training adds a version
        env = {
            **os.environ,
            "TRACKFIT_ENV": "production",
            "SECRET_KEY": "benchmark-secret-key",
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            "TRACKFIT_MODELS": str(Path(tmp) / "models"),
            "PYTHONPATH": str(ROOT),
        }
        token = prepare(env)
        ports = {"trackfit": free_port(), "bare": free_port(), "floor": free_port()}
        floor_env = {**env, "PYTHONPATH": os.pathsep.join((str(ROOT), str(ROOT / "benchmarks")))}
        servers = [
            gunicorn("webapp:create_app()", ports["trackfit"], args.workers, env, ROOT),
            gunicorn("bare_app:app", ports["bare"], args.workers, env, ROOT / "benchmarks"),
            gunicorn("floor_app:app", ports["floor"], args.workers, floor_env, ROOT),
        ]
        try:
            base = f"http://127.0.0.1:{ports['trackfit']}"
            floor = f"http://127.0.0.1:{ports['floor']}"
            people = [
                json.loads(line)
                for line in SAMPLES.read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
            browser, results = session_with_result(base, people[0])
            status = browser.request(results)[0]
            assert status == 200, f"results page answered {status}"
            script = post_script(
                Path(tmp) / "post.lua", synthetic_bodies(500, [p["context"] for p in people]), token
            )
            bare = f"http://127.0.0.1:{ports['bare']}/"
            cookie = [f"Cookie: {browser.cookie}"]
            loads = {
                "bare Flask route": (bare, [], None),
                "bare, API's posts": (bare, [], script),
                "bare, 40 KB page": (bare + "page", [], None),
                "signed-in floor": (floor + "/floor/signed-in", cookie, None),
                "results page": (base + results, cookie, None),
                "API floor": (floor + "/floor/api", [], script),
                "API recommendation": (base + "/api/v1/recommendations", [], script),
                # For scale: trackfit serving its stylesheet, and its log-in form.
                "stylesheet (static)": (base + "/static/trackfit.css", [], None),
                "log-in page": (base + "/account/login", [], None),
            }
            figures = {
                name: wrk(
                    url, args.seconds, args.connections, [f"User-Agent: {USER_AGENT}", *h], lua
                )
                for name, (url, h, lua) in loads.items()
            }
            html_bytes, total_bytes = page_weight(browser)
            run_id = start_training(Path(tmp), TRAINING_PEOPLE)
            figures["results page, training"] = wrk(
                base + results,
                args.seconds,
                args.connections,
                [f"User-Agent: {USER_AGENT}", f"Cookie: {browser.cookie}"],
            )
            still_running = training_status(run_id)[0] in ("queued", "running")
            while training_status(run_id)[0] in ("queued", "running"):
                time.sleep(0.5)
            status, took = training_status(run_id)
        finally:
            for server in servers:
                server.terminate()
                server.wait()
    print(f"gunicorn, {args.workers} sync workers; wrk 1 thread, {args.connections} connections,")
    print(f"{args.seconds} s per load; the API load cycles through 500 different people")
    print_loads(figures)
    during = (
        figures["results page, training"].requests_per_second
        / figures["results page"].requests_per_second
    )
    print(
        f"while training ({TRAINING_PEOPLE} people, {status} in {took:.1f} s, "
        f"{'still running' if still_running else 'FINISHED'} when the load ended): "
        f"results page at {during:.2f} x its speed without training"
    )
    print(f"assessment page: {html_bytes / 1024:.1f} KB HTML, ", end="")
    print(f"{total_bytes / 1024:.1f} KB with everything it loads")


if __name__ == "__main__":
    main()
