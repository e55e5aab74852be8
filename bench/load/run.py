"""Load test and profile of issue 9: gunicorn + Flask + PostgreSQL on loopback.

Run: ``.venv/bin/python bench/load/run.py [--duration 60] [--users 16]``
(needs ``locust`` and ``py-spy`` in the venv; see docs/PERFORMANCE.md).

One command does everything, and undoes it:

1. creates a throw-away database on 127.0.0.1:5432 (trust auth, user
   ``postgres``), migrates it, loads the catalogue and a sandbox population
   sized for the run, and picks the people whose 无犯罪记录证明 the rules
   approve at once (the item's own compiled rules screen them, on the sandbox
   data), so that submissions are decided on the spot (秒批);
2. **floor**: serves ``floor_app.py`` (one row inserted per request, same
   stack and engine settings, its own table) with gunicorn and loads it with
   locust: the same users for the same time;
3. serves miaopi (``wsgi:app``) with gunicorn on a free loopback port, logs
   the chosen people in through ``POST /api/v1/auth/dev-login`` before the
   clock starts, and runs ``locustfile.py``'s ``Citizen`` traffic headless,
   bounded by time, request count and the people pool;
4. checks the database (``checks.py``): every submission locust saw accepted
   is there exactly once with its decision and outbox message; counts 5xx;
   shows that the workers ran nothing in the background;
5. profiles the submission path: one instrumented gunicorn worker
   (``instrument.py``), locust's ``SubmitOnly`` journey for a fixed number of
   submissions, ``py-spy record`` on the worker (``hotpath.py`` reads it);
6. stops what it started, by PID, and drops the database.

It prints a Markdown report; locust's CSV and JSON files, the list of accepted
submissions, the gunicorn logs and the raw profile stay in ``--out`` (a
temporary folder, deleted, unless given or ``--keep``).

The app runs in the **standalone** role, because the central role refuses
``AUTH_DEV_LOGIN`` and citizens must log in, but on PostgreSQL and with
nothing in the background: ``create_app`` starts no thread (the terminal
agent and in-process notification delivery belong to ``flask standalone
run``, which is not used; ``NOTIFY_IN_PROCESS`` and ``DEMO_HISTORY`` are off
all the same). The secret key is random per run; the document-signing key and
the local CA are generated into the run's folder by the setup here, before
any worker starts. The public verification's rate limit (60 a minute per
address, and every locust user is 127.0.0.1) is lifted, so the test measures
the page, not the limiter.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import psycopg
import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import checks  # noqa: E402
import floor_app  # noqa: E402
import hotpath  # noqa: E402
import report  # noqa: E402

BIN = Path(sys.executable).parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
ITEM = "no-criminal-record-certificate"
APPROVABLE_SHARE = 0.65  # of the generated subjects (measured: about 0.70)


def main() -> None:
    args = parse_args()
    # Stopped from outside: still stop the servers and drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    out = Path(args.out or tempfile.mkdtemp(prefix="miaopi-load-"))
    out.mkdir(parents=True, exist_ok=True)
    database = create_database()
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    servers: list[Server] = []
    try:
        env = app_environment(url, out, port=free_port())
        setup = prepare(env, people=args.people or sandbox_size(args))
        floor = measure_floor(args, env, out, servers)
        app = measure_app(args, env, out, servers, setup)
        found = checks.integrity(url, out / "accepted.jsonl")
        traces = checks.background(url)
        profile = (
            profile_submissions(args, env, out, servers, setup)
            if args.profile_submissions
            else None
        )
        text = markdown(args, setup, floor, app, found, traces, profile)
        (out / "report.md").write_text(text, encoding="utf-8")
        print(text)
    finally:
        for server in servers:
            server.stop()
        drop_database(database)
        if args.out or args.keep:
            log(f"files kept in {out}")
        else:
            shutil.rmtree(out, ignore_errors=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--users", type=int, default=16, help="locust users")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=4, help="per gthread worker")
    parser.add_argument(
        "--people",
        type=int,
        default=0,
        help="sandbox size (default: enough for the targets)",
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=0,
        help="end a run after this many requests (default: 2,000 a second of run)",
    )
    parser.add_argument(
        "--floor-duration", type=int, default=0, help="seconds (default: --duration)"
    )
    parser.add_argument(
        "--profile-submissions",
        type=int,
        default=300,
        help="submissions made under py-spy (0: no profile)",
    )
    parser.add_argument("--out", default="", help="keep the run's files here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# The database, the data, the app's environment
# --------------------------------------------------------------------------


def create_database() -> str:
    name = f"miaopi_load_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_environment(url: str, folder: Path, *, port: int) -> dict[str, str]:
    """What the workers (and the setup here) see: the standalone role on
    PostgreSQL, nothing in the background, keys and files in the run's folder."""
    return {
        "MIAOPI_CONFIG": "standalone",
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        "MIAOPI_INSTANCE_PATH": str(folder / "instance"),
        "MIAOPI_UPLOAD_DIR": str(folder / "files"),
        "MIAOPI_DOCUMENT_KEY_DIR": str(folder / "keys"),
        "MIAOPI_DOCUMENT_PKI_DIR": str(folder / "pki"),
        "MIAOPI_DOCUMENT_GENERATE_KEYS": "true",
        "MIAOPI_NOTIFY_IN_PROCESS": "false",
        "MIAOPI_DEMO_HISTORY": "false",
        "MIAOPI_VERIFY_RATE_LIMIT": "1000000 per minute",
        "MIAOPI_VERIFY_BASE_URL": f"http://127.0.0.1:{port}/verify/",
        "MIAOPI_LOAD_PORT": str(port),
    }


def sandbox_size(args: argparse.Namespace) -> int:
    """Enough approvable people for the target rate, the whole run, and the profile."""
    wanted = pool_size(args) + args.profile_submissions
    return max(3000, math.ceil(wanted / APPROVABLE_SHARE))


def pool_size(args: argparse.Namespace) -> int:
    return math.ceil(report.TARGETS["submissions/s"] * 1.1 * args.duration)


@dataclass
class Setup:
    subjects: int = 0
    approvable: list[tuple[str, str]] = field(default_factory=list)
    item_codes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def prepare(env: dict[str, str], *, people: int) -> Setup:
    """Migrate, load the catalogue and the sandbox, make the document keys
    (through ``create_app``, as a worker would), and screen the applicants."""
    os.environ.update(env)
    from flask_migrate import upgrade

    from govcore import catalog
    from govcore.catalog import Channel
    from govcore.catalog.search import search_items
    from govcore.clock import local_date, utcnow
    from govcore.datahub import sandbox
    from govcore.db import db
    from webapp import create_app

    started = time.perf_counter()
    app = create_app()
    assert app.extensions["miaopi.documents"] is not None, "no document keys"
    setup = Setup()
    with app.app_context():
        upgrade()
        now = utcnow()
        catalog.load_catalog(
            catalog.read_catalog(Path(app.config["CATALOG_DIR"])), now=now
        )
        setup.subjects, _ = sandbox.generate_into_sandbox(
            people, seed=440507, today=local_date(now), now=now
        )
        setup.approvable = approvable_people(now)
        setup.item_codes = [
            v.spec.code
            for v in search_items(on=local_date(now), channel=Channel.MOBILE)
        ]
        db.session.remove()
        db.engine.dispose()
    setup.seconds = time.perf_counter() - started
    log(
        f"setup: {setup.subjects} subjects, {len(setup.approvable)} approvable "
        f"applicants for {ITEM}, {setup.seconds:.0f} s"
    )
    return setup


def approvable_people(now: Any) -> list[tuple[str, str]]:
    """(ID number, name) of everyone the item's rules approve when they apply
    themselves, for work (就业), whose draft fills itself (a phone number on
    record) and whose ID card is in the e-licence library.

    The item's compiled rules decide, on the same snapshot the decision would
    gather, read from the sandbox table in one query instead of four per person.
    """
    import sqlalchemy as sa

    from govcore.catalog import get_item_version
    from govcore.clock import local_date
    from govcore.datahub import DataLookup, DataSource, DataSourceError, NoRecordError
    from govcore.datahub.ports import SourceRecord
    from govcore.datahub.sandbox.models import SandboxRecord
    from govcore.db import db
    from govcore.decisions.facts import person_snapshot
    from govcore.rules.engine import compile_rules, evaluate

    rows = db.session.execute(
        sa.select(
            SandboxRecord.source,
            SandboxRecord.subject_id,
            SandboxRecord.record_id,
            SandboxRecord.data,
        ).where(SandboxRecord.source.in_(("HK", "PS", "EL", "SI")))
    )
    records = {(r.source, r.subject_id): (r.record_id, r.data) for r in rows}

    class Preloaded(DataSource):
        def fetch(self, source: str, subject_id: str, *, now: Any) -> SourceRecord:
            try:
                record_id, data = records[(source, subject_id)]
            except KeyError:
                raise NoRecordError(source, "no record") from None
            return SourceRecord(source, subject_id, record_id, now, dict(data))

    def value(lookup: DataLookup, path: str, subject: str) -> Any:
        try:
            return lookup.value(path, subject).value
        except DataSourceError:
            return None

    today = local_date(now)
    rules = compile_rules(get_item_version(ITEM, on=today).spec)
    chosen = []
    for source, subject in sorted(records):
        if source != "HK":
            continue
        lookup = DataLookup(Preloaded(), now=now)
        snapshot = person_snapshot(rules, lookup, subject, now=now)
        snapshot["form"] = {"purpose": "就业"}
        if (
            evaluate(rules, snapshot).outcome == "approve"
            and lookup.find_elicence(subject, "ID_CARD", on=today) is not None
            and value(lookup, "SI.card.phone", subject)
        ):
            chosen.append((subject, value(lookup, "HK.name", subject)))
    return chosen


# --------------------------------------------------------------------------
# gunicorn and locust
# --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn master and its workers, started and stopped by PID."""

    def __init__(
        self,
        app: str,
        env: dict[str, str],
        log_file: Path,
        *,
        port: int,
        workers: int,
        worker_class: str = "sync",
        threads: int = 1,
        pythonpath: Path = ROOT,
        config: Path | None = None,
    ) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.log_file = log_file
        self.workers = workers
        command = [
            str(BIN / "gunicorn"),
            *(["--config", str(config)] if config else []),
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--bind",
            f"127.0.0.1:{port}",
            "--pythonpath",
            str(pythonpath),
            "--chdir",
            str(ROOT),
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
            "--error-logfile",
            str(log_file),
            "--log-level",
            "warning",
            "--no-control-socket",  # its default path is shared by every gunicorn
        ]
        if worker_class == "gthread":
            command += ["--threads", str(threads)]
        self.process = subprocess.Popen(
            [*command, app],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_file}")
            try:
                ready = requests.get(f"{self.base}/readyz", timeout=2).ok
            except requests.RequestException:
                ready = False
            if ready and len(self.worker_pids()) == self.workers:
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready in {timeout} s; see {self.log_file}")

    def worker_pids(self) -> list[int]:
        try:
            return [c.pid for c in psutil.Process(self.process.pid).children()]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        """SIGTERM to the master (it stops its workers), SIGKILL after 20 s."""
        if self.process.poll() is not None:
            return
        workers = self.worker_pids()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            for pid in (self.process.pid, *workers):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.process.wait()

    def log_problems(self) -> dict[str, int]:
        text = (
            self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
        )
        return {
            "tracebacks": text.count("Traceback (most recent call last)"),
            "worker timeouts": text.count("WORKER TIMEOUT"),
            "worker deaths": text.count("exited with code")
            + text.count("was sent SIG"),
        }


def start_server(
    app: str,
    args: argparse.Namespace,
    env: dict[str, str],
    out: Path,
    servers: list[Server],
    name: str,
    **options: Any,
) -> Server:
    options.setdefault("workers", args.workers)
    options.setdefault("worker_class", args.worker_class)
    options.setdefault("threads", args.threads)
    options.setdefault("port", free_port())
    server = Server(app, env, out / f"gunicorn-{name}.log", **options)
    servers.append(server)
    server.wait_ready()
    return server


@dataclass
class LocustRun:
    rows: list[report.Row]
    statuses: dict[str, dict[str, int]]
    ended_by: str
    people_left: int
    cpu: dict[str, float]
    notes: dict[str, Any] = field(default_factory=dict)


def run_locust(
    user_class: str,
    server: Server,
    out: Path,
    name: str,
    *,
    users: int,
    duration: int,
    database: str,
    extra: tuple[str, ...] = (),
) -> LocustRun:
    """Run locust headless; return its stats and the CPU each side used."""
    prefix = out / name
    command = [
        str(BIN / "locust"),
        "--locustfile",
        str(HERE / "locustfile.py"),
        "--headless",
        "--only-summary",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{duration}s",
        "--stop-timeout",
        "10",
        "--host",
        server.base,
        "--csv",
        str(prefix),
        "--json-file",
        str(prefix),
        "--statuses",
        f"{prefix}_statuses.json",
        "--loglevel",
        "WARNING",
        *extra,
        user_class,
    ]
    before = cpu_seconds(server.worker_pids(), database)
    with open(f"{prefix}_locust.log", "w") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    after = cpu_seconds(server.worker_pids(), database)
    cpu = {k: after[k] - before.get(k, 0.0) for k in after}
    cpu["locust"] = usage.ru_utime + usage.ru_stime
    outcome = json.loads(Path(f"{prefix}_statuses.json").read_text())
    with open(f"{prefix}_exceptions.csv", newline="") as file:
        errors = sum(int(row["Count"]) for row in csv.DictReader(file))
    return LocustRun(
        rows=report.read_stats(Path(f"{prefix}.json")),
        statuses=outcome["statuses"],
        ended_by=outcome["stopped_because"],
        people_left=outcome["people_left"],
        cpu=cpu,
        notes={
            "locust task exceptions": errors,
            "locust exit code": process.returncode,
        },
    )


def cpu_seconds(workers: list[int], database: str) -> dict[str, float]:
    """CPU seconds (user + system) of the workers and of the database's backends."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        backends = [
            row[0]
            for row in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,)
            )
        ]
    return {
        "gunicorn workers": sum(_cpu(pid) for pid in workers),
        "postgres backends": sum(_cpu(pid) for pid in backends),
    }


def _cpu(pid: int) -> float:
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


def database_of(env: dict[str, str]) -> str:
    return env["DATABASE_URL"].rsplit("/", 1)[1]


def max_requests(args: argparse.Namespace) -> str:
    return str(args.max_requests or 2000 * args.duration)


def log_in(base: str, people: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Log everyone in through the development login, 8 at a time."""

    def one(person: tuple[str, str]) -> dict[str, str]:
        id_number, name = person
        response = requests.post(
            f"{base}/api/v1/auth/dev-login",
            json={"id_number": id_number, "name": name},
            timeout=30,
        )
        response.raise_for_status()
        return {"id_number": id_number, "token": response.json()["token"]}

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, people))


# --------------------------------------------------------------------------
# The three measurements
# --------------------------------------------------------------------------


def measure_floor(
    args: argparse.Namespace, env: dict[str, str], out: Path, servers: list[Server]
) -> LocustRun:
    floor_app.create_schema(env["DATABASE_URL"])
    server = start_server(
        "floor_app:create_app()", args, env, out, servers, "floor", pythonpath=HERE
    )
    duration = args.floor_duration or args.duration
    log(f"floor: {server.base}, {args.users} users, {duration} s")
    run = run_locust(
        "Floor",
        server,
        out,
        "floor",
        users=args.users,
        duration=duration,
        database=database_of(env),
        extra=("--max-requests", max_requests(args)),
    )
    server.stop()
    run.notes["rows inserted"] = floor_app.count_rows(env["DATABASE_URL"])
    run.notes["gunicorn log"] = server.log_problems()
    return run


def measure_app(
    args: argparse.Namespace,
    env: dict[str, str],
    out: Path,
    servers: list[Server],
    setup: Setup,
) -> LocustRun:
    server = start_server(
        "wsgi:app", args, env, out, servers, "app", port=int(env["MIAOPI_LOAD_PORT"])
    )
    people = setup.approvable[
        : min(pool_size(args), len(setup.approvable) - args.profile_submissions)
    ]
    started = time.perf_counter()
    pool = log_in(server.base, people)
    (out / "pool.json").write_text(json.dumps(pool))
    log(
        f"app: {server.base}, {len(pool)} people logged in "
        f"({time.perf_counter() - started:.0f} s); {args.users} users, "
        f"{args.duration} s"
    )
    threads = {
        pid: checks.python_threads(BIN / "py-spy", pid) for pid in server.worker_pids()
    }
    run = run_locust(
        "Citizen",
        server,
        out,
        "app",
        users=args.users,
        duration=args.duration,
        database=database_of(env),
        extra=(
            "--pool",
            str(out / "pool.json"),
            "--accepted",
            str(out / "accepted.jsonl"),
            "--item-codes",
            ",".join(setup.item_codes),
            "--max-requests",
            max_requests(args),
        ),
    )
    server.stop()
    run.notes["Python threads per worker"] = sorted(map(tuple, threads.values()))
    run.notes["gunicorn log"] = server.log_problems()
    return run


@dataclass
class ProfileRun:
    wall: hotpath.Profile
    cpu_samples: hotpath.Profile
    sql: dict[str, dict[str, float]]
    submissions: int
    seconds: float
    cpu: dict[str, float]


def profile_submissions(
    args: argparse.Namespace,
    env: dict[str, str],
    out: Path,
    servers: list[Server],
    setup: Setup,
) -> ProfileRun:
    """py-spy on one instrumented sync worker under the same mixed traffic
    (2 users), until N submissions."""
    counts = out / "sql-counts"
    server = start_server(
        "wsgi:app",
        args,
        {**env, "MIAOPI_LOAD_SQL_COUNTS": str(counts)},
        out,
        servers,
        "profile",
        workers=1,
        worker_class="sync",
        config=HERE / "instrument.py",
    )
    pool = log_in(server.base, setup.approvable[-args.profile_submissions :])
    (out / "profile-pool.json").write_text(json.dumps(pool))
    (worker,) = server.worker_pids()
    # Two samplers at once: with --idle (wall time: waits for PostgreSQL
    # count) and without (on-CPU samples only: what the CPU is spent on).
    raw = {"wall": out / "profile-wall.txt", "cpu": out / "profile-cpu.txt"}
    spies = [
        subprocess.Popen(
            [
                str(BIN / "py-spy"),
                "record",
                "--pid",
                str(worker),
                "--rate",
                "500",
                *(["--idle"] if kind == "wall" else []),
                "--nonblocking",  # never stop the worker to read its stack
                "--nolineno",
                "--format",
                "raw",
                "--output",
                str(path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for kind, path in raw.items()
    ]
    try:
        time.sleep(1)
        log(f"profile: py-spy on worker {worker}, {len(pool)} submissions")
        started = time.perf_counter()
        run = run_locust(
            "Citizen",
            server,
            out,
            "profile",
            users=2,
            duration=max(120, len(pool)),
            database=database_of(env),
            extra=(
                "--pool",
                str(out / "profile-pool.json"),
                "--item-codes",
                ",".join(setup.item_codes),
                "--max-submissions",
                str(len(pool)),
            ),
        )
        seconds = time.perf_counter() - started
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file and exits
        for spy in spies:
            spy.wait(timeout=60)
    server.stop()  # the worker writes its SQL counts as it exits
    names = {row.name for row in run.rows}  # not the logins before the clock
    sql: dict[str, dict[str, float]] = {}
    for part in out.glob("sql-counts.*.json"):
        sql.update(
            (k, v) for k, v in json.loads(part.read_text()).items() if k in names
        )
    submitted = next((r.count for r in run.rows if r.name == report.SUBMIT), 0)
    return ProfileRun(
        hotpath.summarise(raw["wall"], ROOT),
        hotpath.summarise(raw["cpu"], ROOT),
        sql,
        submitted,
        seconds,
        run.cpu,
    )


# --------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------


def markdown(
    args: argparse.Namespace,
    setup: Setup,
    floor: LocustRun,
    app: LocustRun,
    found: dict[str, Any],
    traces: dict[str, int],
    profile: ProfileRun | None,
) -> str:
    floor_total = report.combine(floor.rows[0].name, floor.rows) if floor.rows else None
    assert floor_total is not None, "the floor run made no request"
    stack = f"gunicorn {args.workers} × {args.worker_class}" + (
        f" × {args.threads} threads" if args.worker_class == "gthread" else ""
    )
    lines = [
        f"## Load test, {time.strftime('%Y-%m-%d %H:%M')} "
        f"(load average {os.getloadavg()[0]:.1f} at the end)",
        "",
        f"{stack}; locust {args.users} users, closed loop without think time, "
        f"{args.duration} s (floor {args.floor_duration or args.duration} s); "
        f"PostgreSQL on loopback; sandbox of {setup.subjects} subjects, "
        f"{len(setup.approvable)} approvable for {ITEM}. App run ended by: "
        f"{app.ended_by} (people left: {app.people_left}); floor run ended by: "
        f"{floor.ended_by}.",
        "",
        *report.table(app.rows, app.statuses, floor_total, floor.statuses),
        "",
        *report.verdicts(app.rows, app.statuses),
        "",
        "CPU used during each run (user + system seconds):",
        "",
        "| run | gunicorn workers | postgres backends | locust | requests "
        "| server CPU ms per request |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, run in (("floor", floor), ("app", app)):
        count = sum(r.count for r in run.rows)
        server = run.cpu["gunicorn workers"] + run.cpu["postgres backends"]
        lines.append(
            f"| {name} | {run.cpu['gunicorn workers']:.1f} "
            f"| {run.cpu['postgres backends']:.1f} | {run.cpu['locust']:.1f} "
            f"| {count} | {1000 * server / max(count, 1):.2f} |"
        )
    codes: dict[str, int] = {}
    for counts in app.statuses.values():
        for code, n in counts.items():
            codes[code] = codes.get(code, 0) + n
    lines += [
        "",
        f"Integrity check: **{'PASS' if found['ok'] else 'FAIL'}**: "
        f"{found['accepted']} accepted submissions {found['outcomes']}; "
        f"problems: {found['problems'] or 'none'}; decided but never answered: "
        f"{found['decided but never answered']}; applications by status: "
        f"{found['applications by status']}.",
        "",
        f"Answer codes (app run): {dict(sorted(codes.items()))}. Exceptions in "
        f"locust's tasks: app {app.notes['locust task exceptions']}, floor "
        f"{floor.notes['locust task exceptions']}. gunicorn logs: "
        f"app {app.notes['gunicorn log']}, floor {floor.notes['gunicorn log']}. "
        f"Floor rows inserted: {floor.notes['rows inserted']}.",
        "",
        f"Nothing in the background: Python threads per worker "
        f"{app.notes['Python threads per worker']}; {traces}.",
    ]
    if profile:
        lines += [
            "",
            *hotpath.markdown(
                profile.wall,
                profile.cpu_samples,
                profile.sql,
                profile.cpu["postgres backends"],
                f"### Profile (py-spy 500 Hz; one sync worker, "
                f"the same mixed traffic from 2 users until {profile.submissions} "
                f"submissions, {profile.seconds:.0f} s)",
            ),
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
