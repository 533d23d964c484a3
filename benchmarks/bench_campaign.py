"""A campaign simulation: many people finishing an assessment through the web app at once.

    .venv/bin/python benchmarks/bench_campaign.py [--rates 0.5,1,1.4,2,3,4,6,8] [--seconds 60]
        [--workers 2] [--clients 64] [--think 0] [--priority 0] [--database-url URL]

Starts gunicorn with the production settings (SECRET_KEY set, PostgreSQL through DATABASE_URL:
a fresh database on the throwaway server `.ci/postgres` starts, unless `--database-url` names
an empty one), seeds the accounts straight into the database, then offers rising rates of
people: at each rate, for `--seconds`, a new person starts every 1/rate seconds on a thread of
a pool of HTTP clients (requests, one session each, no browser). Each person opens the log-in
page, signs in, opens the home page and the assessment's start page, starts, then on every page
of the questionnaire reads the form and posts it back with its CSRF token (answers of a
synthetic person of their discipline, as `trackfit synth` makes them), and opens the result.
Nothing is timed in-process: the assessment is taken only over HTTP.

People are spread over every pack with an active model (`models/active/<pack>`, else the
single `ACTIVE`) when accounts can belong to a discipline; otherwise all take the configured
pack. For each rate it prints finished assessments/s, requests/s, p50/p95/p99 per kind of
request, errors, and the CPU used in that time by gunicorn, PostgreSQL, this client and the
rest of the machine (the client shares the machine's cores with the server). The server kept
up with a rate when nothing failed, people started on time and finished at 95% of the rate or
more; it sustained the rate when, on top of that, every kind of assessment post (start, pages,
the last page, which computes the recommendation) had its p99 under 50 ms. The ramp stops after
`--patience` rates in a row that the server did not keep up with.
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import math
import os
import re
import resource
import secrets
import socket
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "campaign password"
USER_AGENT = "trackfit-campaign"
DATABASE = "trackfit_campaign"
P99_LIMIT_MS = 50.0
# A person who starts more than this late found every client busy: the pool, not the server,
# would be setting the pace.
LATE_START_SECONDS = 1.0
# Finishing at 95% of the rate offered or more keeps up: below the server's capacity the rate
# measured over a minute stays within 1% of the rate offered (0.99 to 1.01 of it here), and a
# server at its capacity finishes people ever later while a queue builds.
KEPT_UP = 0.95
TICKS = os.sysconf("SC_CLK_TCK")
# The kinds of request, in the order a person makes them; the assessment's posts are judged.
KINDS = (
    "log-in page",
    "sign in (post)",
    "home page",
    "assessment start page",
    "start (post)",
    "question page",
    "answers (post)",
    "last page (post)",
    "results page",
)
JUDGED = ("start (post)", "answers (post)", "last page (post)")
TAG = re.compile(r"<(input|select|option|/select)\b([^>]*)>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'([a-zA-Z_:-]+)(?:="([^"]*)")?')


# --- the deployment: PostgreSQL, the accounts, gunicorn ---


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Postgres:
    """The throwaway PostgreSQL server of `.ci/postgres`, and whether this run started it."""

    directory: Path
    port: int
    started_here: bool

    @classmethod
    def start(cls, directory: Path) -> tuple[Postgres, str]:
        """Start (or reuse) the server; it and the URL of a new, empty campaign database."""
        pid_file = directory / "data" / "postmaster.pid"
        already = pid_file.exists()
        # A running server keeps its port (the fourth line of its pid file).
        port = int(pid_file.read_text().splitlines()[3]) if already else free_port()
        environment = {
            **os.environ,
            "TRACKFIT_PG_DIR": str(directory),
            "TRACKFIT_PG_PORT": str(port),
        }
        url = subprocess.run(
            [str(ROOT / ".ci" / "postgres")],
            env=environment,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        server = cls(directory, port, started_here=not already)
        server.execute(f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}")
        return server, url.replace("/trackfit_test?", f"/{DATABASE}?")

    def execute(self, *statements: str) -> None:
        """Run statements on the server's maintenance database, outside a transaction."""
        import psycopg  # noqa: PLC0415

        with psycopg.connect(
            host=str(self.directory),
            port=self.port,
            user="trackfit",
            dbname="postgres",
            autocommit=True,
        ) as connection:
            for statement in statements:
                connection.execute(statement)

    @property
    def postmaster(self) -> int | None:
        """The server's main process id."""
        pid_file = self.directory / "data" / "postmaster.pid"
        return int(pid_file.read_text().split()[0]) if pid_file.exists() else None

    def finish(self) -> None:
        """Drop the campaign database, and stop the server if this run started it."""
        self.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        if self.started_here:
            pg_ctl = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
            as_owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
            subprocess.run(
                [*as_owner, str(pg_ctl), "-D", str(self.directory / "data"), "-m", "fast", "stop"],
                check=True,
                capture_output=True,
            )


def active_packs(models: Path) -> list[str]:
    """Every pack id with an active model: the per-pack pointers `models/active/<pack>`, or
    the pack the single `ACTIVE` version was trained for."""
    pointers = models / "active"
    if pointers.is_dir():
        return sorted(p.name for p in pointers.iterdir() if p.is_file() and p.read_text().strip())
    version = (models / "ACTIVE").read_text().strip()
    manifest = json.loads((models / version / "manifest.json").read_text())
    return [manifest["pack"].split("@")[0]]


@dataclass(frozen=True)
class Person:
    """A simulated person: their account, their discipline and the answers they give."""

    email: str
    discipline: str
    values: dict[str, str | None]  # form field name -> value; None: they would skip it


def seed(
    environment: dict, people: int, packs: list[str], default: str
) -> tuple[list[Person], list[str]]:
    """Migrate the empty database and add `people` employees straight into it (one password
    hash for all: hashing is what the sign-in measures, not the seeding); the people, and the
    disciplines they were spread over."""
    os.environ.update(environment)
    from sqlalchemy import insert  # noqa: PLC0415
    from werkzeug.security import generate_password_hash  # noqa: PLC0415

    from webapp import create_app  # noqa: PLC0415
    from webapp.accounts.models import User  # noqa: PLC0415
    from webapp.extensions import db  # noqa: PLC0415
    from webapp.storage import upgrade_database  # noqa: PLC0415

    # People belong to a discipline once accounts have one; until then, all take the default.
    has_discipline = hasattr(User, "discipline")
    disciplines = bundled(packs) if has_discipline else [default]
    if not has_discipline and packs != [default]:
        print(f"accounts have no discipline in this version: everyone takes {default}")
    answers = {
        pack: synthetic_answers(pack, math.ceil(people / len(disciplines))) for pack in disciplines
    }
    password_hash = generate_password_hash(PASSWORD)
    crowd, rows = [], []
    for number in range(people):
        discipline = disciplines[number % len(disciplines)]
        email = f"person{number}@campaign.example"
        crowd.append(Person(email, discipline, answers[discipline][number // len(disciplines)]))
        row = {
            "email": email,
            "name": f"Person {number}",
            "role": "employee",
            "password_hash": password_hash,
            "session_token": secrets.token_hex(16),
            "employee_id": f"c-{number}",
        }
        if has_discipline:
            row["discipline"] = discipline
        rows.append(row)
    app = create_app()
    with app.app_context():
        logging.disable(logging.INFO)  # the migrations' progress, line by line
        upgrade_database()
        logging.disable(logging.NOTSET)
        db.session.execute(insert(User), rows)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return crowd, disciplines


def bundled(packs: list[str]) -> list[str]:
    """The packs of `packs` that are bundled with trackfit (an uploaded pack lives in an
    instance folder, out of this script's reach)."""
    from recommender.errors import PackInvalid  # noqa: PLC0415
    from recommender.pack.loading import load_pack  # noqa: PLC0415

    found = []
    for pack in packs:
        try:
            load_pack(pack)
            found.append(pack)
        except PackInvalid:
            print(f"pack {pack} has an active model but is not bundled: nobody takes it")
    return found


def password_check_ms() -> float:
    """CPU milliseconds of one password check as the sign-in makes it (median of five)."""
    from werkzeug.security import check_password_hash, generate_password_hash  # noqa: PLC0415

    stored = generate_password_hash(PASSWORD)
    times = []
    for _ in range(5):
        begun = time.process_time()
        check_password_hash(stored, PASSWORD)
        times.append(time.process_time() - begun)
    return sorted(times)[2] * 1000


def synthetic_answers(pack_id: str, count: int) -> list[dict[str, str | None]]:
    """The form values of `count` synthetic people of a pack (`trackfit synth`'s generator),
    by item id; an answer the generator skipped is None."""
    from recommender.answer.scoring import scoring_layout  # noqa: PLC0415
    from recommender.learn.synthetic import generate_outcomes  # noqa: PLC0415
    from recommender.pack.loading import load_pack  # noqa: PLC0415

    pack = load_pack(pack_id)
    people = generate_outcomes(pack, count, seed=15)
    column = {item: i for i, item in enumerate(scoring_layout(pack).item_ids)}
    result = []
    for row in range(count):
        values: dict[str, str | None] = {}
        for item in pack.questionnaire.items:
            if item.context:
                value = people.context[item.context][row]
                values[item.id] = str(round(value)) if isinstance(value, float) else str(value)
            elif item.id in column:
                answer = people.answers[row, column[item.id]]
                values[item.id] = None if math.isnan(answer) else str(int(answer))
        result.append(values)
    return result


def gunicorn(port: int, workers: int, environment: dict) -> subprocess.Popen:
    """Start gunicorn as the README's production section does, and wait until it answers."""
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            str(workers),
            "--timeout",
            "120",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "webapp:create_app()",
        ],
        env=environment,
        cwd=ROOT,
        start_new_session=True,  # scheduled apart from this client (an autogroup of its own)
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/account/login", timeout=10)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


# --- one person's assessment, over HTTP ---


class Refused(Exception):
    """The server answered something other than what a person would get."""


@dataclass
class Journey:
    """What one person's assessment took: each request (kind, seconds) and how it ended."""

    due: float  # when the person was to start (monotonic)
    started: float = 0.0
    ended: float = 0.0
    requests: list[tuple[str, float]] = field(default_factory=list)
    error: str | None = None
    pack: str = ""


class Visitor:
    """One person's browser: a session that keeps the cookie and never follows redirects."""

    def __init__(self, base: str, journey: Journey):
        self.base, self.journey = base, journey
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT

    def get(self, kind: str, path: str) -> str:
        """Open a page; its HTML."""
        response = self._timed(kind, "GET", path)
        if response.status_code != 200:
            raise Refused(f"GET {path} answered {response.status_code}")
        return response.text

    def post(self, kind: str, path: str, fields: dict) -> str:
        """Post a form; where it sends the person."""
        response = self._timed(kind, "POST", path, fields)
        if response.status_code != 302:
            raise Refused(f"POST {path} answered {response.status_code}: {response.text[:300]!r}")
        return response.headers["Location"].removeprefix(self.base)

    def _timed(self, kind: str, method: str, path: str, fields: dict | None = None):
        begun = time.perf_counter()
        response = self.http.request(
            method, self.base + path, data=fields, allow_redirects=False, timeout=60
        )
        self.journey.requests.append((kind, time.perf_counter() - begun))
        # Production cookies are Secure; on loopback without TLS this browser sends them anyway
        # (requests copies the jar for each request, so a cookie policy would not last).
        for cookie in self.http.cookies:
            cookie.secure = False
        return response


def form_fields(page: str, values: dict[str, str | None]) -> dict[str, str]:
    """What a person posts back: the CSRF token, and for every question on the page their
    answer, or the middle choice where they would have skipped it (the page wants them all)."""
    fields, choices, select = {}, defaultdict(list), None
    for found, text in TAG.findall(page):
        attributes = {k.lower(): html.unescape(v) for k, v in ATTRIBUTE.findall(text)}
        name, tag = attributes.get("name"), found.lower()
        if tag == "select":
            select = name
        elif tag == "/select":
            select = None
        elif tag == "option" and select and attributes.get("value"):
            choices[select].append(attributes["value"])
        elif tag == "input" and name == "csrf_token":
            fields[name] = attributes.get("value", "")
        elif tag == "input" and attributes.get("type") == "radio" and name:
            choices[name].append(attributes.get("value", ""))
        elif tag == "input" and name:
            choices.setdefault(name, [])  # a number
    for name, offered in choices.items():
        if name not in values:
            continue  # not a question of the pack (the follow-up about reports)
        value = values[name]
        if offered and value not in offered:
            value = offered[len(offered) // 2]
        fields[name] = value if value is not None else "0"
    return fields


def csrf_token(page: str) -> str:
    """The page form's CSRF token."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if not found:
        raise Refused("no CSRF token on the page")
    return found.group(1)


def take_assessment(base: str, person: Person, journey: Journey, think: float) -> None:
    """Sign in, take every page of the assessment, see the result."""
    journey.started = time.monotonic()
    visitor = Visitor(base, journey)
    try:
        login = visitor.get("log-in page", "/account/login")
        credentials = {"csrf_token": csrf_token(login), "email": person.email, "password": PASSWORD}
        home = visitor.post("sign in (post)", "/account/login", credentials)
        visitor.get("home page", home)
        start = visitor.get("assessment start page", "/assessment/")
        location = visitor.post(
            "start (post)", "/assessment/start", {"csrf_token": csrf_token(start)}
        )
        while "/assessment/" in location:
            page = visitor.get("question page", location)
            time.sleep(think)
            fields = form_fields(page, person.values) | {"action": "next"}
            following = visitor.post("answers (post)", location, fields)
            if "/results/" in following:  # the post that finished it computed the result
                _, seconds = journey.requests.pop()
                journey.requests.append(("last page (post)", seconds))
            location = following
        if "/results/" not in location:
            raise Refused(f"the assessment ended at {location}, not at a result")
        visitor.get("results page", location)
        journey.pack = person.discipline
    except (Refused, requests.RequestException) as error:
        journey.error = f"{type(error).__name__}: {error}"
    finally:
        journey.ended = time.monotonic()
        visitor.http.close()


# --- CPU, from /proc ---


def process_ticks() -> dict[int, tuple[int, int, int]]:
    """Every process: (parent, own CPU ticks, reaped children's CPU ticks)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # it ended
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (
            int(fields[1]),
            int(fields[11]) + int(fields[12]),
            int(fields[13]) + int(fields[14]),
        )
    return found


def tree_seconds(root: int | None, processes: dict[int, tuple[int, int, int]]) -> float:
    """CPU seconds of a process, its children it has reaped and every live descendant."""
    if root is None or root not in processes:
        return 0.0
    total, stack = processes[root][1] + processes[root][2], [root]
    children = defaultdict(list)
    for pid, (parent, _, _) in processes.items():
        children[parent].append(pid)
    while stack:
        for child in children[stack.pop()]:
            total += processes[child][1] + processes[child][2]
            stack.append(child)
    return total / TICKS


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine has spent busy since boot."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / TICKS


@dataclass
class CpuReading:
    """CPU seconds so far: the server, the database, this client and the whole machine."""

    server: float
    database: float
    client: float
    machine: float

    @classmethod
    def now(cls, server: int, database: int | None) -> CpuReading:
        processes = process_ticks()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return cls(
            tree_seconds(server, processes),
            tree_seconds(database, processes),
            usage.ru_utime + usage.ru_stime,
            machine_busy_seconds(),
        )

    def __sub__(self, other: CpuReading) -> CpuReading:
        return CpuReading(
            self.server - other.server,
            self.database - other.database,
            self.client - other.client,
            self.machine - other.machine,
        )


# --- one rate ---


@dataclass
class Step:
    """A rate offered for some seconds, and what came of it."""

    rate: float
    seconds: float
    journeys: list[Journey]
    cpu: CpuReading
    wall: float  # from the first start to the last end

    @property
    def finished(self) -> int:
        return sum(j.error is None for j in self.journeys)

    @property
    def errors(self) -> list[str]:
        return [j.error for j in self.journeys if j.error]

    def latencies(self, kind: str) -> list[float]:
        return sorted(s for j in self.journeys for k, s in j.requests if k == kind)

    @property
    def late(self) -> float:
        """The 99th percentile of how late people started, in seconds."""
        return percentile(sorted(j.started - j.due for j in self.journeys), 99)

    @property
    def in_progress(self) -> float:
        """Assessments in progress at once, on average over the step."""
        return sum(j.ended - j.started for j in self.journeys) / self.wall

    @property
    def most_in_progress(self) -> int:
        """The most assessments in progress at one moment."""
        events = sorted(
            [(j.started, 1) for j in self.journeys] + [(j.ended, -1) for j in self.journeys]
        )
        now = most = 0
        for _, change in events:
            now += change
            most = max(most, now)
        return most

    @property
    def kept_up(self) -> bool:
        """Nobody failed, everybody started on time and they finished about as they came."""
        return (
            not self.errors
            and self.late < LATE_START_SECONDS
            and self.finish_rate >= KEPT_UP * self.rate
        )

    @property
    def finish_rate(self) -> float:
        """Assessments finished per second, from the first to the last to finish: people who
        came 1/rate seconds apart finish as far apart while the server keeps up, and ever
        further apart once it falls behind (however long each one reads)."""
        ends = sorted(j.ended for j in self.journeys if j.error is None)
        return (len(ends) - 1) / (ends[-1] - ends[0]) if len(ends) > 1 else 0.0

    @property
    def sustained(self) -> bool:
        """Kept up, with every kind of assessment post's p99 under the limit."""
        return self.kept_up and all(
            percentile(self.latencies(k), 99) * 1000 < P99_LIMIT_MS for k in JUDGED
        )


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile of sorted values (0 for none)."""
    if not values:
        return 0.0
    return values[min(len(values) - 1, max(0, math.ceil(q / 100 * len(values)) - 1))]


def report(step: Step, cores: int) -> None:
    """Print what one rate gave."""
    requests_made = sum(len(j.requests) for j in step.journeys)
    cpu, wall = step.cpu, step.wall
    others = max(0.0, cpu.machine - cpu.server - cpu.database - cpu.client)
    verdict = (
        "sustained"
        if step.sustained
        else f"kept up, p99 not under {P99_LIMIT_MS:g} ms"
        if step.kept_up
        else "NOT kept up"
    )
    print(
        f"\n{step.rate:g} people/s offered for {step.seconds:g} s ({len(step.journeys)} people): "
        f"{verdict}\n"
        f"  finished {step.finished} ({step.finish_rate:.2f} assessments/s); "
        f"{requests_made} requests in {wall:.0f} s ({requests_made / wall:.1f}/s); "
        f"errors {len(step.errors)}; in progress at once {step.in_progress:.1f} on average, "
        f"{step.most_in_progress} at most; "
        f"latest start {step.late:.2f} s late (p99)"
    )
    print(
        f"  CPU, in cores of {cores}: gunicorn {cpu.server / wall:.2f}, PostgreSQL "
        f"{cpu.database / wall:.2f}, this client {cpu.client / wall:.2f}, the rest of the machine "
        f"{others / wall:.2f}; server and database "
        f"{(cpu.server + cpu.database) / max(step.finished, 1) * 1000:.0f} ms of CPU per finished "
        f"assessment, the client {cpu.client / max(step.finished, 1) * 1000:.0f} ms"
    )
    print(f"  {'':<24}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind in KINDS:
        times = step.latencies(kind)
        if times:
            marks = [percentile(times, q) * 1000 for q in (50, 95, 99)]
            judged = " *" if kind in JUDGED else ""
            print(f"  {kind:<24}{len(times):>9}" + "".join(f"{m:>9.1f}" for m in marks) + judged)
    for error in sorted(set(step.errors))[:5]:
        print(f"  error: {error[:300]}")


def finished_by_pack(environment: dict) -> dict[str, int]:
    """Finished assessments in the database, by the pack version they were taken in."""
    from sqlalchemy import func, select  # noqa: PLC0415

    from webapp import create_app  # noqa: PLC0415
    from webapp.assessment.models import Assessment  # noqa: PLC0415
    from webapp.extensions import db  # noqa: PLC0415

    os.environ.update(environment)
    with create_app().app_context():
        rows = db.session.execute(
            select(Assessment.pack, func.count())
            .where(Assessment.completed_at.is_not(None))
            .group_by(Assessment.pack)
        ).all()
        db.session.remove()
        db.engine.dispose()
    return dict(rows)


@dataclass
class Campaign:
    """The running deployment and its crowd of clients."""

    base: str  # the app's address
    clients: int
    think: float
    server: int  # gunicorn's main process
    database: int | None  # PostgreSQL's, when this run knows it

    def offer(self, rate: float, seconds: float, people: list[Person]) -> Step:
        """Start a person every 1/rate seconds for `seconds`, each on a client of the pool;
        wait for all of them to finish."""
        count = max(1, round(rate * seconds))
        if len(people) < count:
            raise SystemExit(f"{count} people needed at {rate:g}/s, {len(people)} left")
        before = CpuReading.now(self.server, self.database)
        begun = time.monotonic()
        journeys = [Journey(due=begun + i / rate) for i in range(count)]
        with ThreadPoolExecutor(max_workers=self.clients, thread_name_prefix="person") as pool:
            for person, journey in zip(people, journeys, strict=False):
                time.sleep(max(0.0, journey.due - time.monotonic()))
                pool.submit(take_assessment, self.base, person, journey, self.think)
        cpu = CpuReading.now(self.server, self.database) - before
        wall = max(j.ended for j in journeys) - begun
        return Step(rate, seconds, journeys, cpu, wall)

    def ramp(self, rates: list[float], seconds: float, crowd: list[Person], patience: int):
        """Offer each rate in turn until `patience` in a row are not kept up with; each step."""
        steps, misses = [], 0
        for rate in rates:
            step = self.offer(rate, seconds, crowd)
            crowd = crowd[len(step.journeys) :]
            report(step, os.cpu_count() or 1)
            steps.append(step)
            misses = 0 if step.kept_up else misses + 1
            if misses >= patience:
                break
        return steps


def arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rates",
        default="0.5,1,1.4,2,3,4,6,8",
        help="people starting per second, one rate after the other",
    )
    parser.add_argument("--seconds", type=float, default=60, help="how long each rate is offered")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=64, help="HTTP clients in the pool")
    parser.add_argument(
        "--think", type=float, default=0.0, help="seconds each person reads a page before posting"
    )
    parser.add_argument(
        "--patience",
        type=int,
        default=2,
        help="stop after this many rates in a row not kept up with",
    )
    parser.add_argument(
        "--priority",
        type=int,
        default=0,
        help="niceness of the server's and the database's autogroups, e.g. -10 (root)",
    )
    parser.add_argument("--database-url", help="an empty PostgreSQL database to use instead")
    parser.add_argument(
        "--pg-dir", default="/tmp/trackfit-campaign-pg", help="where .ci/postgres keeps its server"
    )
    return parser.parse_args()


def workers_memory(server: int) -> str:
    """The resident memory of each gunicorn worker, in MiB."""
    sizes = []
    for pid, (parent, _, _) in process_ticks().items():
        if parent == server:
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
    return ", ".join(f"{size:.0f}" for size in sorted(sizes))


def give_priority(pids: list[int | None], niceness: int) -> None:
    """Set the niceness of each process's autogroup: on a machine shared with other work, a
    negative one serves the app before that work, as a machine of its own would (root only)."""
    for pid in pids:
        if pid is not None and niceness:
            Path(f"/proc/{pid}/autogroup").write_text(f"{niceness}\n")


def load_average() -> str:
    """The machine's load average over 1, 5 and 15 minutes."""
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    """Seed, serve, ramp the rate, print the figures."""
    args = arguments()
    sys.stdout.reconfigure(line_buffering=True)  # each rate shows as soon as it is measured
    rates = [float(r) for r in args.rates.split(",")]
    packs = active_packs(Path(os.environ.get("TRACKFIT_MODELS") or ROOT / "models"))
    warm_up = 2 * args.workers
    needed = warm_up + sum(max(1, round(r * args.seconds)) for r in rates)
    postgres, url = (None, args.database_url)
    if not url:
        postgres, url = Postgres.start(Path(args.pg_dir))
    environment = {
        **os.environ,
        "TRACKFIT_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
    }
    server = None
    try:
        crowd, disciplines = seed(
            environment, needed, packs, os.environ.get("TRACKFIT_PACK", "engineering")
        )
        port = free_port()
        server = gunicorn(port, args.workers, environment)
        campaign = Campaign(
            f"http://127.0.0.1:{port}",
            args.clients,
            args.think,
            server.pid,
            postgres.postmaster if postgres else None,
        )
        give_priority([campaign.server, campaign.database], args.priority)
        print(
            f"gunicorn, {args.workers} sync workers, production settings, PostgreSQL; "
            f"their autogroups' niceness {args.priority}; "
            f"{len(crowd)} accounts seeded, spread over {', '.join(disciplines)} (packs with an "
            f"active model: {', '.join(packs)}); {args.clients} HTTP clients (requests) in this "
            f"process on the same {os.cpu_count()}-core machine; {args.think:g} s reading each "
            f"page; load average before: {load_average()}; one password check (the sign-in's): "
            f"{password_check_ms():.0f} ms of CPU"
        )
        campaign.offer(warm_up, 1, crowd[:warm_up])  # each worker opens the packs and models
        steps = campaign.ramp(rates, args.seconds, crowd[warm_up:], args.patience)
        print(f"\nfinished assessments by pack version: {finished_by_pack(environment)}")
        print(f"load average after: {load_average()}")
        print(f"gunicorn workers' resident memory: {workers_memory(server.pid)} MiB")
        for verdict, passed in (("kept up with", "kept_up"), ("sustained", "sustained")):
            best = max((s for s in steps if getattr(s, passed)), key=lambda s: s.rate, default=None)
            print(
                f"highest rate {verdict}: {best.rate:g} people/s ({best.finish_rate:.2f} "
                f"finished/s measured, {best.finish_rate * 3600:,.0f} an hour)"
                if best
                else f"no rate {verdict}"
            )
    finally:
        if server:
            server.terminate()
            server.wait()
        if postgres:
            postgres.finish()


if __name__ == "__main__":
    main()
