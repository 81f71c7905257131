"""Results at scale: leaderboards and progression on a million results, class event ingest, SSE fan-out.

    .venv/bin/python -m bench.results --backend postgresql [--results 1000000] [--events 200000]
        [--viewers 500] [--requests 300] [--sections abc]
    .venv/bin/python -m bench.results --results 20000 --events 5000 --viewers 50   # a smoke test

One throw-away database (``bench.wod_search``'s ``open_backend``: ``atelier_bench_<random>`` on
PostgreSQL, or a SQLite file under ``bench/results/`` with ``--backend sqlite``, fine at small
sizes), migrated, dropped at the end whatever happens.

(a) **Leaderboards and progression.** ``--results`` rows in ``results`` over ``--workouts`` (200)
    workout hashes and ``--athletes`` (default results / 50: 20,000) athletes (``users`` +
    ``athlete_profiles``), each result with its completed one-off ``sessions`` row, dates spread
    over the last three years (``atelier_month_partitions`` makes those months first), each
    workout with one score type (time, rounds+reps, reps, load, calories) and scores that fit it,
    ~10 % scaled, ~3 % DNF, ~5 % of the athletes private (their results ``is_public`` false). One
    workout is a real public WOD created through the API ("Bench Fran", 21-15-9 for time): its
    results carry ``workout_hash(wod.compiled)``, ~1/200 of them. Loaded as the database owner with
    COPY (asyncpg ``copy_records_to_table``, foreign-key triggers off on that connection:
    ``session_replication_role = replica``, the generator writes consistent rows), then ``VACUUM
    ANALYZE``. Viewers: athletes with a result on that WOD, each with a token minted as a login
    makes one (an ``auth_sessions`` row + ``issue_access_token``), a different one per request.
    Timed, interleaved request by request (``--requests`` each, after ``--warmup``):
    ``GET /api/v1/wods/{id}/leaderboard?limit=10`` and ``GET /api/v1/progression/wods/{id}?period=month``
    (the viewer's own progression) through ``atelier serve`` (``bench.calendar``'s ``Served``, one
    worker, pool 8) with a lean keep-alive HTTP/1.1 client (``bench.http1``), through the same app
    in-process (httpx + ASGITransport), and the **baseline**: hand-written SQL doing the same work
    as the owner (no RLS) on an engine planning like the app's (prepared statements reused): the
    first 11 rows of ``result_bests`` (each athlete's best, kept on write) in index order with the
    board's size; the athlete's results on that hash joined to their sessions, ordered by date. The
    same SQL is also timed planned on every call (``force_custom_plan``), and so is the previous
    approach: every visible result ranked (best per athlete with ``row_number``, ``rank``, the
    counts, limit 10). Every answer is checked against the baseline's (same top-10 result ids and
    total; same number of results): the bests and the full ranking must agree. Then, to
    say what dominates: in-process requests with every statement timed (the board unchanged and
    right after a change), the same under cProfile (own time by package), and EXPLAIN ANALYZE of
    the API's statements (RLS context set; the board's right after a change, when it reads the
    bests) and of the baseline's SQL.
(b) **Event ingest.** A coach and 40 athletes registered, linked (``POST /links``, ``/accept``) and
    booked (``POST /classes/{id}/bookings``) through the API on a class of "AMRAP 20:00 / 5 Pull-up /
    10 Push-up / 15 Air squat". ``--clients`` (4) concurrent clients, each owning 10 athletes, post
    ``POST /api/v1/classes/{id}/events`` batches of ``--batch`` (500) events as the coach (judge), one
    rep each, offsets growing per athlete below the 1,200 s cap, ``--events`` in all, to ``atelier
    serve``. Each answer must be 200 with every event accepted and carry the live board (40 rows, its
    ``seq`` the events stored). Reported: accepted events/s over the run, batch latency p50/p95 (and
    over the first and the last tenth of the batches: a batch reads and upserts the entrants'
    stored standings, never the class's stored events, so the last should cost what the first
    does), the CPU of the server, of this process and of the machine, and a sampling profile of
    the database (``pg_stat_activity`` every 20 ms: what the backends run, or wait for).
    **Baseline**: the same rows inserted as the owner into ``realized_events`` of another class, by
    as many concurrent clients and batches, as the endpoint's multi-row INSERT (SQLAlchemy
    ``insert(RealizedEvent)``) and as COPY (PostgreSQL). Then three batches in-process, alone, with
    every statement timed, three more under cProfile, and EXPLAIN ANALYZE of the endpoint's reads
    (RLS context set) with a custom plan and with the generic plan a long-lived connection may
    settle on.
(c) **SSE fan-out.** ``--viewers`` accounts linked to the coach (minted as the owner, with tokens)
    open ``GET /api/v1/classes/{id}/live`` on two ``atelier serve`` processes sharing Redis
    (``ATELIER_REDIS_URL``; pool 8 each), split evenly, read as raw chunked streams (an
    ``asyncio.Protocol`` per viewer: its ``data_received`` stamps the arrival and de-chunks, with no
    reader task to wake per stream, so this process's own lag stays small); the coach posts
    ``--posts`` (50) single events ``--spacing-ms`` (100 ms) apart on the first. Per viewer and
    board: the delay from the moment the POST's answer arrived to the viewer receiving the ``board``
    event with that ``seq`` (negative: the board beat the answer). **Baseline**: the same posts with
    one viewer per server. Also: how many viewers got every board, the delay on the server posted
    to and on the other one (through Redis), the CPU of each server while posting, this process's
    event-loop lag (every viewer is read by it: a lag near the delays would mean measuring the
    client), and what encoding a board costs (a served process encodes it once for all its viewers).

Targets (PostgreSQL): (a) API p95 < 10 ms for both reads through ``atelier serve``; (b) ≥ 10,000
accepted events/s; (c) p95 < 200 ms, every viewer getting every board. Plans and profiles go to
``bench/results/results_plans_<backend>.txt``. Clients, servers and database share this machine's
cores. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import hashlib
import io
import json
import math
import os
import platform
import pstats
import random
import re
import resource
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any

import asyncpg
import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import TextClause, Uuid, bindparam, event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from atelier.accounts.models import AuthSession, CoachLink, User
from atelier.accounts.security import issue_access_token
from atelier.db import Base, create_engine
from atelier.kit.clock import utcnow
from atelier.models import load_all
from atelier.training.events_api import _sse
from atelier.training.leaderboards import score_type_of
from atelier.training.models import RealizedEvent
from atelier.wods.metadata import workout_hash
from bench.autosave import machine_cpu, process_cpu, process_tree
from bench.calendar import Served
from bench.http1 import Device
from bench.wod_search import (
    PG_ADMIN,
    REDIS_URL,
    RESULTS,
    SET_CONTEXT,
    Backend,
    answers,
    bench_settings,
    open_backend,
    quantile,
)

TARGET_API_P95_MS = 10.0
TARGET_EVENTS_PER_S = 10_000.0
TARGET_FANOUT_P95_MS = 200.0
SERVER_POOL = 8  # ATELIER_DATABASE_POOL_SIZE of every atelier serve started here
LOAD_CHUNK = 50_000
SCORE_TYPES = ("time", "rounds+reps", "reps", "load", "calories")
WOD_SOURCE = "# Bench Fran\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n"
CLASS_SOURCE = "# Bench Cindy\nAMRAP 20:00\n  5 Pull-up\n  10 Push-up\n  15 Air squat\n"
CAP_S = 1200.0
ROUND = (("pull_up", 5), ("push_up", 10), ("air_squat", 15))  # a Cindy round, rep by rep
PASSWORD = "correct horse battery staple"
CONNECT_WAVE = 50  # viewers opening their stream at once

SESSION_COLUMNS = (
    "id", "athlete_id", "created_by", "kind", "title", "wod_id", "wod_version", "session_date",
    "timezone", "exceptions", "status", "started_at", "ended_at", "created_at", "updated_at",
)  # fmt: skip
RESULT_COLUMNS = (
    "id", "session_id", "athlete_id", "wod_id", "wod_version", "workout_hash", "score_type",
    "score_value", "score_secondary", "score_unit", "capped", "is_rx", "level", "is_dnf", "parts",
    "recorded_at", "updated_at", "performed_on", "category", "is_public",
)  # fmt: skip
USER_COLUMNS = ("id", "email", "name", "password_hash", "role", "created_at")
PROFILE_COLUMNS = (
    "user_id", "category", "level", "units", "language", "timezone", "one_rep_maxes",
    "results_visibility", "updated_at",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "class_id", "class_date", "athlete_id", "entrant_id", "team_id", "offset_s", "kind",
    "movement", "quantity", "unit", "accepted", "reason", "done_after", "posted_by", "recorded_at",
)  # fmt: skip
JSON_COLUMNS = frozenset({"exceptions", "parts", "one_rep_maxes"})  # given as JSON text


# ---------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------


def _expect(response: httpx.Response, status: int, what: str) -> dict[str, Any]:
    if response.status_code != status:
        raise RuntimeError(f"{what} answered {response.status_code}: {response.text[:500]}")
    body: dict[str, Any] = response.json()
    return body


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def plain_dsn(backend: Backend) -> str:
    """The benchmark database for asyncpg itself (as the owner)."""
    return make_url(backend.url).set(drivername="postgresql").render_as_string(hide_password=False)


class Loader:
    """Rows in bulk as the database owner. PostgreSQL: COPY on one asyncpg connection whose
    foreign-key triggers are off (``session_replication_role = replica``: the generator writes
    consistent rows; unique keys and partition routing still apply). SQLite: executemany."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.connection: asyncpg.Connection | None = None

    async def __aenter__(self) -> Loader:
        if self.backend.postgres:
            self.connection = await asyncpg.connect(plain_dsn(self.backend))
            await self.connection.execute("SET session_replication_role = replica")
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.connection is not None:
            await self.connection.close()

    async def copy(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.connection is not None:
            await self.connection.copy_records_to_table(table, records=rows, columns=list(columns))
            return
        load_all()
        target = Base.metadata.tables[table]
        json_at = [i for i, c in enumerate(columns) if c in JSON_COLUMNS]
        values = []
        for row in rows:
            item = dict(zip(columns, row, strict=True))
            for i in json_at:
                item[columns[i]] = json.loads(row[i])
            values.append(item)
        async with self.backend.owner.begin() as connection:
            await connection.execute(insert(target), values)


async def mint_tokens(backend: Backend, user_ids: Sequence[uuid.UUID]) -> list[dict[str, str]]:
    """A login for each user as the API makes one (an ``auth_sessions`` row and its access token)."""
    settings = bench_settings(backend.url)
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "user_id": user_id,
            "refresh_hash": "0" * 64,
            "created_at": now,
            "expires_at": now + timedelta(days=1),
        }
        for user_id in user_ids
    ]
    async with backend.owner.begin() as connection:
        for start in range(0, len(rows), 1000):
            await connection.execute(insert(AuthSession), rows[start : start + 1000])
    return [
        {"Authorization": f"Bearer {issue_access_token(settings, row['user_id'], row['id'])[0]}"}
        for row in rows
    ]


async def let_go(backend: Backend) -> None:
    """The in-process app's and the owner's pools close their connections (only the timed
    path's own stay open while timing)."""
    await backend.runtime.engine.dispose()
    if backend.runtime.quick_engine is not None:
        await backend.runtime.quick_engine.dispose()
    await backend.owner.dispose()


class StatementClock:
    """Time of every statement the app's engine sends while ``on`` (before/after cursor execute)."""

    def __init__(self, backend: Backend) -> None:
        self.on = False
        self.timed: list[tuple[str, float]] = []
        self.engine = backend.runtime.engine.sync_engine
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, _cursor: Any, _statement: str, _p: Any, _c: Any, _m: bool) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn: Any, _cursor: Any, statement: str, _p: Any, _c: Any, _m: bool) -> None:
        started = conn.info["bench_started"].pop()
        if self.on:
            self.timed.append((statement, time.perf_counter() - started))

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


async def explain_app(backend: Backend, user_id: uuid.UUID, statements: list[tuple[str, Any]]) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of statements the app sent, on its engine with the caller's RLS
    context (PostgreSQL)."""
    out: list[str] = []
    async with backend.runtime.engine.connect() as connection:
        await connection.execute(SET_CONTEXT, {"user_id": str(user_id), "system": "off"})
        for statement, parameters in statements:
            result = await connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            out += [
                "-- app statement (app role, RLS):",
                statement,
                "-- parameters: " + repr(parameters)[:300],
            ]
            out += ["  " + str(row[0]) for row in result.all()]
        await connection.rollback()
    return out


def execution_ms(plan: Sequence[str]) -> list[float]:
    return [float(m.group(1)) for line in plan if (m := re.search(r"Execution Time: ([\d.]+) ms", line))]


class DbSampler:
    """A sampling profile of the database side of a run (PostgreSQL): every 20 ms, what each of
    this database's client backends is running (``pg_stat_activity``), classified; a backend
    waiting for a lock is counted apart."""

    QUERY = (
        "SELECT query, wait_event_type FROM pg_stat_activity WHERE datname = current_database() "
        "AND state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )

    def __init__(self, backend: Backend, classify: Callable[[str], str]) -> None:
        self.backend, self.classify = backend, classify
        self.samples = 0
        self.counts: dict[str, int] = {}
        self.connection: asyncpg.Connection | None = None
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> DbSampler:
        if self.backend.postgres:
            self.connection = await asyncpg.connect(plain_dsn(self.backend))
            self.task = asyncio.create_task(self._loop())
        return self

    async def _loop(self) -> None:
        assert self.connection is not None
        while True:
            rows = await self.connection.fetch(self.QUERY)
            self.samples += 1
            for query, waiting in rows:
                kind = self.classify(query or "")
                if waiting == "Lock":
                    kind = f"waiting for a lock: {kind}"
                self.counts[kind] = self.counts.get(kind, 0) + 1
            await asyncio.sleep(0.02)

    async def __aexit__(self, *_: object) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if self.connection is not None:
            await self.connection.close()

    def summary(self) -> str:
        if not self.samples:
            return "not sampled"
        busy = sum(self.counts.values())
        parts = sorted(self.counts.items(), key=lambda kv: -kv[1])
        return f"{self.samples} samples, {busy / self.samples:.1f} backends busy on average: " + "; ".join(
            f"{kind} {n / busy:.0%}" for kind, n in parts if n / busy >= 0.01
        )


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):  # an array parameter, as PostgreSQL's text form
        return "'{" + ",".join(str(v) for v in value) + "}'"
    return "'" + str(value).replace("'", "''") + "'"


async def explain_generic(backend: Backend, user_id: uuid.UUID, statement: str, parameters: Any) -> list[str]:
    """EXPLAIN ANALYZE of the plan a long-lived connection ends up with for a statement it keeps
    re-running: PostgreSQL's generic plan (``PREPARE``, ``force_generic_plan``), RLS context set."""
    arguments = ", ".join(_literal(v) for v in parameters)
    async with backend.runtime.engine.connect() as connection:
        await connection.execute(SET_CONTEXT, {"user_id": str(user_id), "system": "off"})
        await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        await connection.exec_driver_sql(f"PREPARE bench_generic AS {statement}")
        result = await connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_generic({arguments})"
        )
        plan = ["  " + str(row[0]) for row in result.all()]
        await connection.exec_driver_sql("DEALLOCATE bench_generic")
        await connection.rollback()
    return ["-- the same, generic plan (what a connection re-running it may settle on):", *plan]


class Autoanalyze:
    """What autovacuum would do for a growing table, on a server where it is off (PostgreSQL):
    every 5 s, ANALYZE each partition of ``table`` with more than 50 + 10 % of its rows changed
    since its last ANALYZE (autovacuum's default thresholds). Nothing when autovacuum is on."""

    CHANGED = (
        "SELECT s.relname, s.n_mod_since_analyze, c.reltuples FROM pg_stat_user_tables s "
        "JOIN pg_class c ON c.oid = s.relid WHERE s.relname LIKE $1"
    )

    def __init__(self, backend: Backend, table: str) -> None:
        self.backend, self.table = backend, table
        self.analyzed = 0
        self.active = False
        self.connection: asyncpg.Connection | None = None
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Autoanalyze:
        if self.backend.postgres:
            self.connection = await asyncpg.connect(plain_dsn(self.backend))
            self.active = await self.connection.fetchval("SHOW autovacuum") != "on"
            if self.active:
                self.task = asyncio.create_task(self._loop())
        return self

    async def _loop(self) -> None:
        assert self.connection is not None
        while True:
            await asyncio.sleep(5)
            for name, changed, rows in await self.connection.fetch(self.CHANGED, f"{self.table}_%"):
                if changed > 50 + 0.1 * max(float(rows), 0.0):
                    await self.connection.execute(f'ANALYZE "{name}"')
                    self.analyzed += 1

    async def __aexit__(self, *_: object) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if self.connection is not None:
            await self.connection.close()

    def summary(self) -> str:
        if not self.active:
            return "autovacuum on"
        return f"autovacuum is off on this server: the bench ran ANALYZE {self.analyzed} times as it would"


def cpu_snapshot(servers: Sequence[Served]) -> dict[str, float]:
    """CPU seconds so far: the machine's (busy, all cores), this process's, each server's tree."""
    busy, total = machine_cpu()
    mine = resource.getrusage(resource.RUSAGE_SELF)
    found = {"busy": busy, "total": total, "bench": mine.ru_utime + mine.ru_stime}
    for number, server in enumerate(servers, 1):
        found[f"atelier serve #{number}"] = sum(process_cpu(p) for p in process_tree(server.process.pid))
    return found


def cpu_text(before: dict[str, float], after: dict[str, float]) -> str:
    spent = {key: after[key] - before[key] for key in after}
    servers = [f"{key} {value:.1f} s CPU" for key, value in spent.items() if key.startswith("atelier")]
    busy = spent["busy"] / spent["total"] if spent["total"] else 0.0
    return ", ".join([*servers, f"this process {spent['bench']:.1f} s, machine busy {busy:.0%}"])


def cpu_per(before: dict[str, float], after: dict[str, float], count: int) -> float:
    """Seconds of CPU the servers spent per ``count`` (a batch, a delivered board)."""
    spent = sum(after[key] - before[key] for key in after if key.startswith("atelier"))
    return spent / count if count else float("nan")


def stats(samples: Sequence[float]) -> tuple[str, str, str]:
    if not samples:
        return "-", "-", "-"
    ordered = list(samples)
    return (f"{quantile(ordered, 0.5):.2f}", f"{quantile(ordered, 0.95):.2f}", f"{max(ordered):.2f}")


# ---------------------------------------------------------------------------------------------
# (a) Leaderboards and progression: the population
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workout:
    hash: str
    score_type: str
    title: str
    wod_id: uuid.UUID | None
    base: float  # a middle score: seconds, reps, kg or calories
    round_size: int  # rounds+reps: reps in a round


@dataclass
class Population:
    wod_id: uuid.UUID
    board: Workout
    workouts: int
    results: int
    athletes: int
    private_athletes: int
    on_board: set[uuid.UUID]  # athletes with a result on the WOD
    board_results: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # scaled, dnf, private, capped
    seconds: dict[str, float] = field(default_factory=dict)
    partitions: int = 0
    size_mb: float = 0.0


def _workouts(count: int, board: Workout, rng: random.Random, seed: int) -> list[Workout]:
    made = [board]
    for index in range(1, count):
        kind = SCORE_TYPES[index % len(SCORE_TYPES)]
        base = {
            "time": rng.uniform(240, 1200),
            "rounds+reps": rng.uniform(150, 450),
            "reps": rng.uniform(60, 300),
            "load": rng.uniform(60, 140),
            "calories": rng.uniform(60, 200),
        }[kind]
        digest = hashlib.sha256(f"bench.results:{seed}:{index}".encode()).hexdigest()
        made.append(Workout(digest, kind, f"Workout {index:03d}", None, base, rng.choice((15, 20, 25, 30))))
    return made


def score(workout: Workout, skill: float, rng: random.Random) -> tuple[float, float | None, str, bool]:
    """(value, secondary, unit, capped) as ``training/results.py`` stores that score type."""
    better = math.exp(0.18 * skill + 0.08 * rng.gauss(0.0, 1.0))
    kind = workout.score_type
    if kind == "time":
        seconds = workout.base / better
        if seconds > workout.base * 1.35:  # ~6 % hit the cap: their reps count
            return float(rng.randint(40, 160)), None, "reps", True
        return float(round(seconds)), None, "s", False
    if kind == "rounds+reps":
        rounds, reps = divmod(int(workout.base * better), workout.round_size)
        return float(rounds), float(reps), "rounds", False
    if kind == "load":
        return round(workout.base * better / 2.5) * 2.5, None, "kg", False
    return float(int(workout.base * better)), None, "cal" if kind == "calories" else "reps", False


async def populate(backend: Backend, args: argparse.Namespace, console: Console) -> Population:
    """The (a) data: the WOD through the API, then athletes, sessions and results in bulk."""
    rng = random.Random(args.seed)
    created = await backend.client.post(
        "/api/v1/wods", json={"source": WOD_SOURCE, "visibility": "public"}, headers=backend.headers
    )
    if created.status_code not in (200, 201):
        raise RuntimeError(f"POST /wods answered {created.status_code}: {created.text}")
    wod = created.json()
    compiled = wod["compiled"]
    wod_id = uuid.UUID(wod["id"])
    board = Workout(workout_hash(compiled), score_type_of(compiled), wod["title"], wod_id, 300.0, 0)
    workouts = _workouts(args.workouts, board, rng, args.seed)
    athletes = args.athletes or max(100, args.results // 50)
    tag = uuid.uuid4().hex[:8]
    today = utcnow().date()
    first_day = today - timedelta(days=3 * 365)
    span = (today - first_day).days
    now = utcnow()
    ids = [uuid.uuid4() for _ in range(athletes)]
    skills = [rng.gauss(0.0, 1.0) for _ in range(athletes)]
    women = [rng.random() < 0.4 for _ in range(athletes)]
    private = set(rng.sample(range(athletes), k=athletes * 5 // 100))
    population = Population(wod_id, board, len(workouts), args.results, athletes, len(private), set())
    counts = dict.fromkeys(("scaled", "dnf", "private", "capped"), 0)
    started = time.perf_counter()
    async with Loader(backend) as loader:
        if backend.postgres:
            async with backend.owner.begin() as connection:
                population.partitions = int(
                    await connection.scalar(
                        text("SELECT atelier_month_partitions('results', :first, :last)"),
                        {"first": first_day, "last": today},
                    )
                    or 0
                )
        users = [
            (ids[i], f"athlete-{i}-{tag}@bench.example", f"Athlete {i:05d}", "!", "athlete", now)
            for i in range(athletes)
        ]
        profiles = [
            (ids[i], "women" if women[i] else "men", "rx", "kg", "en", "UTC", "{}",
             "private" if i in private else "public", now)
            for i in range(athletes)
        ]  # fmt: skip
        for start in range(0, athletes, LOAD_CHUNK):
            await loader.copy("users", USER_COLUMNS, users[start : start + LOAD_CHUNK])
            await loader.copy("athlete_profiles", PROFILE_COLUMNS, profiles[start : start + LOAD_CHUNK])
        population.seconds["athletes"] = time.perf_counter() - started
        started = time.perf_counter()
        with _progress(console) as progress:
            task = progress.add_task(f"{backend.name}: sessions + results", total=args.results)
            for start in range(0, args.results, LOAD_CHUNK):
                sessions: list[tuple[Any, ...]] = []
                results: list[tuple[Any, ...]] = []
                for _ in range(min(LOAD_CHUNK, args.results - start)):
                    who = rng.randrange(athletes)
                    workout = workouts[rng.randrange(len(workouts))]
                    athlete = ids[who]
                    day = first_day + timedelta(days=rng.randrange(span))
                    began = datetime.combine(day, clock(6), UTC) + timedelta(minutes=rng.randrange(900))
                    ended = began + timedelta(minutes=rng.randrange(8, 40))
                    session_id = uuid.uuid4()
                    wod_version = 1 if workout.wod_id else None
                    sessions.append(
                        (session_id, athlete, athlete, "one_off", workout.title, workout.wod_id, wod_version,
                         day, "UTC", "[]", "completed", began, ended, ended, ended)
                    )  # fmt: skip
                    scaled = rng.random() < 0.10
                    if rng.random() < 0.03:
                        value, secondary, unit, capped, dnf = None, None, None, False, True
                    else:
                        value, secondary, unit, capped = score(workout, skills[who] - scaled, rng)
                        dnf = False
                    results.append(
                        (uuid.uuid4(), session_id, athlete, workout.wod_id, wod_version, workout.hash,
                         workout.score_type, value, secondary, unit, capped, not scaled,
                         "scaled" if scaled else None, dnf, "[]", ended, ended, day,
                         "women" if women[who] else "men", who not in private)
                    )  # fmt: skip
                    counts["scaled"] += scaled
                    counts["dnf"] += dnf
                    counts["capped"] += capped
                    counts["private"] += who in private
                    if workout is board:
                        population.on_board.add(athlete)
                        population.board_results += 1
                await loader.copy("sessions", SESSION_COLUMNS, sessions)
                await loader.copy("results", RESULT_COLUMNS, results)
                progress.advance(task, len(results))
    population.seconds["results"] = time.perf_counter() - started
    population.counts = counts
    started = time.perf_counter()
    async with backend.owner.begin() as connection:
        # Each athlete's bests, as recording every result would have left them (0010's fill).
        if backend.postgres:
            await connection.execute(text("SELECT set_config('app.system', 'on', true)"))
        await connection.execute(text(_bests_fill()))
    population.seconds["bests"] = time.perf_counter() - started
    started = time.perf_counter()
    async with backend.owner.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        if backend.postgres:
            for table in ("users", "athlete_profiles", "sessions", "results", "result_bests"):
                await connection.execute(text(f"VACUUM (ANALYZE) {table}"))
            size = await connection.scalar(
                text(
                    "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                    "WHERE inhparent = 'results'::regclass"
                )
            )
        else:
            await connection.execute(text("ANALYZE"))
            size = await connection.scalar(
                text("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
            )
    population.seconds["analyze"] = time.perf_counter() - started
    population.size_mb = float(size or 0) / 1e6
    return population


def _bests_fill() -> str:
    """Migration 0010's INSERT that derives ``result_bests`` from ``results`` (one statement)."""
    import importlib.util
    from pathlib import Path

    import atelier.migrations

    path = Path(atelier.migrations.__file__).parent / "versions" / "0010_result_bests.py"
    spec = importlib.util.spec_from_file_location("bench_0010", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.FILL)


# ---------------------------------------------------------------------------------------------
# (a) The reads: API (served, in-process) and the same work as raw SQL
# ---------------------------------------------------------------------------------------------


def _sort_keys(score_type: str) -> list[str]:
    """``leaderboards.sort_keys`` written by hand (itself ``ranking._order``)."""
    keys = [
        "CASE WHEN is_dnf THEN 1 ELSE 0 END",
        "CASE WHEN is_dnf THEN 0 WHEN is_rx THEN 0 ELSE 1 END",
    ]
    if score_type == "time":
        keys += [
            "CASE WHEN is_dnf THEN 0 WHEN capped THEN 1 ELSE 0 END",
            "CASE WHEN is_dnf THEN 0.0 WHEN capped THEN -score_value ELSE score_value END",
        ]
    elif score_type == "rounds+reps":
        keys += [
            "CASE WHEN is_dnf THEN 0.0 ELSE -score_value END",
            "CASE WHEN is_dnf THEN 0.0 ELSE -coalesce(score_secondary, 0.0) END",
        ]
    else:
        keys.append("CASE WHEN is_dnf THEN 0.0 ELSE -score_value END")
    return keys


def board_sql(score_type: str) -> TextClause:
    """The board by hand: each athlete's best (``row_number``), ranked (``rank``), counted, top 10."""
    keys = _sort_keys(score_type)
    named = ", ".join(f"{key} AS k{i}" for i, key in enumerate(keys))
    order = ", ".join(f"k{i}" for i in range(len(keys)))
    return text(
        f"""
        WITH picked AS (
            SELECT id, athlete_id, score_value, score_secondary, score_unit, capped, is_rx, level,
                   is_dnf, performed_on, recorded_at, category, class_id, {named},
                   row_number() OVER (PARTITION BY athlete_id ORDER BY {", ".join(keys)}, recorded_at, id)
                       AS pick
            FROM results
            WHERE workout_hash = :hash AND score_type = :score_type
              AND (is_public OR athlete_id = :viewer OR athlete_id IN (
                   SELECT athlete_id FROM coach_links WHERE coach_id = :viewer AND status = 'active'))
        )
        SELECT p.*, u.name, rank() OVER (ORDER BY {order}) AS position,
               count(*) OVER (PARTITION BY {order}) AS sharing, count(*) OVER () AS total
        FROM picked p JOIN users u ON u.id = p.athlete_id
        WHERE p.pick = 1
        ORDER BY {order}, p.recorded_at, p.id
        LIMIT 10
        """
    ).bindparams(bindparam("viewer", type_=Uuid))


def bests_board_sql(prefix: str = "") -> TextClause:
    """The board as the app now reads it, by hand: the first 11 rows of ``result_bests`` (one per
    athlete, kept on write) in index order, named, with the board's size."""
    visible = (
        "(is_public OR athlete_id = :viewer OR athlete_id IN ("
        "SELECT athlete_id FROM coach_links WHERE coach_id = :viewer AND status = 'active'))"
    )
    return text(
        prefix
        + f"""
        SELECT p.*, u.name, (SELECT count(*) FROM result_bests
                             WHERE workout_hash = :hash AND score_type = :score_type AND best_overall
                               AND {visible}) AS total
        FROM (SELECT result_id AS id, athlete_id, score_value, score_secondary, score_unit, capped,
                     is_rx, level, is_dnf, performed_on, recorded_at, category, class_id,
                     k0, k1, k2, k3
              FROM result_bests
              WHERE workout_hash = :hash AND score_type = :score_type AND best_overall AND {visible}
              ORDER BY k0, k1, k2, k3, recorded_at, result_id
              LIMIT 11) p
        JOIN users u ON u.id = p.athlete_id
        ORDER BY p.k0, p.k1, p.k2, p.k3, p.recorded_at, p.id
        """
    ).bindparams(bindparam("viewer", type_=Uuid))


def progression_sql(prefix: str = "") -> TextClause:
    """The athlete's results on one workout with their sessions' titles, oldest first."""
    return text(
        prefix
        + """
    SELECT r.id, r.score_type, r.score_value, r.score_secondary, r.capped, r.is_rx, r.is_dnf,
           r.recorded_at, r.performed_on, r.session_id, r.score_unit, r.level, r.workout_hash,
           r.wod_id, s.title, w.title
    FROM results r JOIN sessions s ON s.id = r.session_id LEFT JOIN wods w ON w.id = r.wod_id
    WHERE r.athlete_id = :athlete AND r.workout_hash = :hash AND r.score_type <> 'multi' AND NOT r.is_dnf
    ORDER BY r.performed_on, r.recorded_at
    """
    ).bindparams(bindparam("athlete", type_=Uuid))


def _uuid(value: Any) -> str:
    return str(uuid.UUID(str(value)))


Call = Callable[[int], Awaitable[Any]]


@dataclass
class Timed:
    name: str
    call: Call
    baseline: bool = False
    served: bool = False
    samples: list[float] = field(default_factory=list)
    answers: list[Any] = field(default_factory=list)
    # Run before each timed call, off the clock (a change to the board: the next read builds it).
    prepare: Callable[[], Awaitable[None]] | None = None
    state: str = ""  # what the verdict calls this served path

    def quantile(self, q: float) -> float:
        return quantile(self.samples, q)


async def measure(paths: list[Timed], requests: int, warmup: int) -> None:
    """Warm every path, then time them request by request, interleaved, so drift hits all alike;
    request ``i`` of every path is for the same viewer."""
    for i in range(warmup):
        for path in paths:
            if path.prepare is not None:
                await path.prepare()
            await path.call(-1 - i)
    gc.collect()
    for i in range(requests):
        for path in paths:
            if path.prepare is not None:
                await path.prepare()
            started = time.perf_counter()
            answer = await path.call(i)
            path.samples.append((time.perf_counter() - started) * 1000)
            path.answers.append(answer)


def board_answer(body: dict[str, Any]) -> tuple[tuple[str, ...], int]:
    return tuple(row["result_id"] for row in body["rows"]), int(body["total"])


def progression_answer(body: dict[str, Any]) -> int:
    return sum(int(point["count"]) for point in body["points"])


RAW_BASELINE = "raw SQL, same work, owner (baseline)"
RAW_REPLANNED = "raw SQL, planned on every call (force_custom_plan)"
RAW_PREVIOUS = "raw SQL ranking every result (the previous approach)"


RAISE_VERSION = text(
    "INSERT INTO board_versions (workout_hash, version) VALUES (:hash, 1) "
    "ON CONFLICT (workout_hash) DO UPDATE SET version = board_versions.version + 1"
)


async def raise_board_version(engine: AsyncEngine, workout_hash: str) -> None:
    """What any write to a board's bests does (migration 0013's triggers): its kept page is stale."""
    async with engine.begin() as connection:
        await connection.execute(RAISE_VERSION, {"hash": workout_hash})


def read_paths(
    backend: Backend,
    raw: AsyncEngine,
    population: Population,
    device: Device,
    viewers: list[uuid.UUID],
    headers: list[dict[str, str]],
) -> dict[str, list[Timed]]:
    wod = population.wod_id
    board_path = f"/api/v1/wods/{wod}/leaderboard?limit=10"
    progression_path = f"/api/v1/progression/wods/{wod}?period=month"
    board_query = board_sql(population.board.score_type)
    bests_query = bests_board_sql()
    progression = progression_sql()

    def served(path: str, read: Callable[[dict[str, Any]], Any]) -> Call:
        async def call(i: int) -> Any:
            status, body = await device.request("GET", path, headers=headers[i % len(headers)])
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
            return read(json.loads(body))

        return call

    def in_process(path: str, read: Callable[[dict[str, Any]], Any]) -> Call:
        async def call(i: int) -> Any:
            return read(_expect(await backend.client.get(path, headers=headers[i % len(headers)]), 200, path))

        return call

    def raw_board(engine: AsyncEngine, statement: TextClause) -> Call:
        async def call(i: int) -> Any:
            params = {
                "hash": population.board.hash,
                "score_type": population.board.score_type,
                "viewer": viewers[i % len(viewers)],
            }
            async with engine.connect() as connection:
                rows = (await connection.execute(statement, params)).all()[:10]
                await connection.commit()
            return tuple(_uuid(row.id) for row in rows), int(rows[0].total) if rows else 0

        return call

    def raw_progression(engine: AsyncEngine) -> Call:
        async def call(i: int) -> Any:
            params = {"athlete": viewers[i % len(viewers)], "hash": population.board.hash}
            async with engine.connect() as connection:
                rows = (await connection.execute(progression, params)).all()
                await connection.commit()
            return sum(1 for row in rows if row.score_value is not None)

        return call

    async def change() -> None:
        await raise_board_version(raw, population.board.hash)

    # A change first, then the read it invalidated (built again for a viewer who sees only public
    # results, kept), then reads of an unchanged board (kept: viewers with nothing of theirs
    # hidden share it; the others get their hidden bests merged into its first page), then
    # in-process after a change of its own.
    paths: dict[str, list[Timed]] = {
        "leaderboard, top 10": [
            Timed(
                "API: atelier serve, HTTP, after a change (built)",
                served(board_path, board_answer),
                served=True,
                prepare=change,
                state="after a change",
            ),
            Timed(
                "API: atelier serve, HTTP, unchanged board (public board kept)",
                served(board_path, board_answer),
                served=True,
                state="unchanged board",
            ),
            Timed(
                "API: in-process (ASGI, httpx), after a change",
                in_process(board_path, board_answer),
                prepare=change,
            ),
            Timed(RAW_BASELINE, raw_board(raw, bests_query), baseline=True),
            Timed(RAW_PREVIOUS, raw_board(raw, board_query)),
        ],
        "progression, by month": [
            Timed("API: atelier serve, HTTP", served(progression_path, progression_answer), served=True),
            Timed("API: in-process (ASGI, httpx)", in_process(progression_path, progression_answer)),
            Timed(RAW_BASELINE, raw_progression(raw), baseline=True),
        ],
    }
    if backend.postgres:  # the owner's engine of open_backend plans every execution for its values
        paths["leaderboard, top 10"].append(Timed(RAW_REPLANNED, raw_board(backend.owner, bests_query)))
        paths["progression, by month"].append(Timed(RAW_REPLANNED, raw_progression(backend.owner)))
    return paths


async def explain_reads(
    backend: Backend, population: Population, viewer: uuid.UUID, headers: dict[str, str]
) -> tuple[list[str], dict[str, tuple[list[float], list[float]]]]:
    """Plans of what the API sent for one viewer (its RLS context set) and of the raw SQL."""
    out: list[str] = []
    times: dict[str, tuple[list[float], list[float]]] = {}
    wod = population.wod_id
    reads = {
        "leaderboard": (
            f"/api/v1/wods/{wod}/leaderboard?limit=10",
            "leaderboard",
            {"hash": population.board.hash, "score_type": population.board.score_type, "viewer": viewer},
        ),
        "progression": (
            f"/api/v1/progression/wods/{wod}?period=month",
            "progression",
            {"athlete": viewer, "hash": population.board.hash},
        ),
    }
    for name, (path, raw, params) in reads.items():
        if raw == "leaderboard":  # built, not kept: the statement a change makes the board send
            await raise_board_version(backend.owner, population.board.hash)
        backend.captured = []
        try:
            _expect(await backend.client.get(path, headers=headers), 200, path)
            sent = [(s, p) for s, p in backend.captured if "FROM results" in s or "FROM result_bests" in s]
        finally:
            backend.captured = None
        out.append(f"==== (a) {name}: {path}")
        app_plan = await explain_app(backend, viewer, sent)
        prefix = "EXPLAIN (ANALYZE, BUFFERS) "
        if raw == "leaderboard":
            prefixed, plain = bests_board_sql(prefix), bests_board_sql()
        else:
            prefixed, plain = progression_sql(prefix), progression_sql()
        async with backend.owner.connect() as connection:
            raw_plan = ["-- raw SQL (owner):", plain.text]
            raw_plan += ["  " + str(row[0]) for row in (await connection.execute(prefixed, params)).all()]
            await connection.rollback()
        out += app_plan + raw_plan
        times[name] = (execution_ms(app_plan), execution_ms(raw_plan))
    return out, times


BREAKDOWN = 30  # in-process requests timed statement by statement


def _read_kind(statement: str) -> str:
    flat = " ".join(statement.split())
    if "set_config" in flat:
        return "RLS context"
    if "auth_sessions" in flat:
        return "authentication"
    if "FROM results" in flat:
        return "the results query"
    if "board_versions" in flat:
        return "board version and viewer"
    if "FROM result_bests" in flat:
        return "the bests page"
    if "FROM wods" in flat:
        return "WOD lookup"
    return "other"


@dataclass
class Breakdown:
    """In-process requests of one read: mean time, SQL per statement kind, profile shares."""

    total_ms: float
    sql_ms: dict[str, float]
    shares: dict[str, float]
    profile: str


async def breakdown_reads(
    backend: Backend, population: Population, headers: list[dict[str, str]]
) -> dict[str, Breakdown]:
    """In-process requests with every statement timed (what the SQL costs inside a request), then
    the same requests under cProfile (where the rest goes, by package)."""
    wod = population.wod_id
    board = f"/api/v1/wods/{wod}/leaderboard?limit=10"
    reads = {
        "leaderboard (unchanged)": (board, False),
        "leaderboard after a change": (board, True),
        "progression": (f"/api/v1/progression/wods/{wod}?period=month", False),
    }
    found: dict[str, Breakdown] = {}
    for name, (path, changed) in reads.items():
        watch = StatementClock(backend)
        totals = []
        try:
            for each in headers[:BREAKDOWN]:
                if changed:
                    await raise_board_version(backend.owner, population.board.hash)
                watch.on = True
                started = time.perf_counter()
                _expect(await backend.client.get(path, headers=each), 200, path)
                totals.append((time.perf_counter() - started) * 1000)
                watch.on = False
        finally:
            watch.close()
        per_kind: dict[str, float] = {}
        for statement, seconds in watch.timed:
            kind = _read_kind(statement)
            per_kind[kind] = per_kind.get(kind, 0.0) + seconds * 1000 / len(totals)
        profile = cProfile.Profile()
        for each in headers[:BREAKDOWN]:
            if changed:
                await raise_board_version(backend.owner, population.board.hash)
            profile.enable()
            _expect(await backend.client.get(path, headers=each), 200, path)
            profile.disable()
        found[name] = Breakdown(statistics.fmean(totals), per_kind, *profiled(profile))
    return found


PACKAGES = (
    ("/sqlalchemy/", "SQLAlchemy"),
    ("/asyncpg/", "asyncpg"),
    ("/fastapi/", "FastAPI/Starlette"),
    ("/starlette/", "FastAPI/Starlette"),
    ("/pydantic", "pydantic"),
    ("/httpx/", "httpx (the in-process client)"),
    ("/httpcore/", "httpx (the in-process client)"),
    ("/atelier/", "atelier"),
    ("/asyncio/", "asyncio"),
    ("/json/", "json"),
)


def profiled(profile: cProfile.Profile) -> tuple[dict[str, float], str]:
    """Own time by package, as shares of the profiled time (the profiler slows Python, not the
    waits, so shares rather than milliseconds), and the top functions as text."""
    stats = pstats.Stats(profile)
    by: dict[str, float] = {}
    for (filename, _, function), (_, _, own, _, _) in stats.stats.items():
        if filename == "~" and "epoll" in function:
            kind = "waiting (epoll: database, network)"
        else:
            kind = next((name for part, name in PACKAGES if part in filename), "other (builtins, stdlib)")
        by[kind] = by.get(kind, 0.0) + own
    whole = sum(by.values()) or 1.0
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
    return {kind: own / whole for kind, own in by.items()}, out.getvalue()


def shares_text(shares: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.0%}" for k, v in sorted(shares.items(), key=lambda kv: -kv[1]) if v >= 0.02)


async def section_a(
    backend: Backend, population: Population, served: Served, args: argparse.Namespace, console: Console
) -> tuple[dict[str, float], list[str]]:
    rng = random.Random(args.seed + 1)
    pool = sorted(population.on_board)
    viewers = rng.sample(pool, k=min(len(pool), args.requests))
    headers = await mint_tokens(backend, viewers)
    port = served.client.base_url.port
    assert port is not None
    device = Device("127.0.0.1", port)
    # The baseline's engine: the owner's, planning like the app's engine (prepared statements
    # reused per connection, PostgreSQL's default plan_cache_mode), no RLS.
    raw = create_engine(backend.url, pool_size=2)
    measured = read_paths(backend, raw, population, device, viewers, headers)
    try:
        for paths in measured.values():
            await measure(paths, args.requests, args.warmup)
    finally:
        await device.close()
        await raw.dispose()
    table = Table(
        title=f"(a) {backend.name}: {population.results:,} results, {population.workouts} workouts, "
        f"{population.athletes:,} athletes; '{population.board.title}' ({population.board.score_type}) "
        f"has {population.board_results:,} results of {len(population.on_board):,} athletes; "
        f"{args.requests} requests per path, a different viewer each"
    )
    table.add_column("read")
    table.add_column("path")
    for column in ("p50 ms", "p95 ms", "mean ms", "answers = raw SQL", "× raw p50", "× raw p95"):
        table.add_column(column, justify="right")
    served_p95: dict[str, float] = {}
    for read, paths in measured.items():
        base = next(p for p in paths if p.baseline)
        for i, path in enumerate(paths):
            agree = sum(a == b for a, b in zip(path.answers, base.answers, strict=True))
            if path.served:
                served_p95[f"{read}, {path.state}" if path.state else read] = path.quantile(0.95)
            table.add_row(
                read if i == 0 else "",
                path.name,
                f"{path.quantile(0.5):.2f}",
                f"{path.quantile(0.95):.2f}",
                f"{statistics.fmean(path.samples):.2f}",
                "(itself)" if path.baseline else f"{agree}/{len(path.answers)}",
                f"{path.quantile(0.5) / base.quantile(0.5):.2f}",
                f"{path.quantile(0.95) / base.quantile(0.95):.2f}",
            )
        table.add_section()
    console.print(table)
    sizes = [len(a[0]) for a in measured["leaderboard, top 10"][-1].answers]
    totals = [a[1] for a in measured["leaderboard, top 10"][-1].answers]
    points = measured["progression, by month"][-1].answers
    console.print(
        f"  board rows per answer {min(sizes)}–{max(sizes)}, ranked athletes "
        f"{min(totals):,}–{max(totals):,}; progression results per viewer {min(points)}–{max(points)}"
    )
    plans: list[str] = []
    for read, found in (await breakdown_reads(backend, population, headers)).items():
        console.print(
            f"  {read}, in-process, mean of {len(headers[:BREAKDOWN])} requests: {found.total_ms:.2f} ms, of "
            f"which SQL {sum(found.sql_ms.values()):.2f} ms ("
            + "; ".join(f"{k} {v:.2f}" for k, v in sorted(found.sql_ms.items(), key=lambda kv: -kv[1]))
            + f"). Profile, own time: {shares_text(found.shares)}"
        )
        plans += [f"==== (a) {read}: cProfile of {BREAKDOWN} in-process requests", found.profile]
    if backend.postgres:
        explained, times = await explain_reads(backend, population, viewers[0], headers[0])
        plans += explained
        for name, (app_ms, raw_ms) in times.items():
            console.print(
                f"  EXPLAIN ANALYZE {name}: the API's statements on results "
                f"{' + '.join(f'{t:.2f}' for t in app_ms) or '-'} ms (app role, RLS), raw SQL "
                f"{' + '.join(f'{t:.2f}' for t in raw_ms) or '-'} ms"
            )
    return served_p95, plans


# ---------------------------------------------------------------------------------------------
# (b) Event ingest
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    email: str
    headers: dict[str, str]


@dataclass
class Box:
    coach: Account
    athletes: list[Account]
    day: date
    ingest_class: uuid.UUID
    baseline_class: uuid.UUID
    live_class: uuid.UUID


async def register(client: httpx.AsyncClient, name: str, role: str = "athlete") -> Account:
    email = f"{role}-{uuid.uuid4().hex[:12]}@bench.example"
    created = _expect(
        await client.post(
            "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name, "role": role}
        ),
        201,
        "register",
    )
    token = _expect(
        await client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD}), 200, "login"
    )
    return Account(uuid.UUID(created["id"]), email, {"Authorization": f"Bearer {token['access_token']}"})


async def set_up_box(backend: Backend, athletes: int, console: Console) -> Box:
    """A coach, athletes linked and booked, three classes of the AMRAP: all through the API."""
    started = time.perf_counter()
    client = backend.client
    coach = await register(client, "Bench Coach", role="coach")
    people: list[Account] = []
    for first in range(0, athletes, 10):
        people += await asyncio.gather(
            *(register(client, f"Live {i:02d}") for i in range(first, min(first + 10, athletes)))
        )
    for athlete in people:
        link = _expect(
            await client.post("/api/v1/links", json={"athlete_email": athlete.email}, headers=coach.headers),
            201,
            "POST /links",
        )
        _expect(
            await client.post(f"/api/v1/links/{link['id']}/accept", headers=athlete.headers), 200, "accept"
        )
    day = utcnow().date() + timedelta(days=1)  # bookings close when a class starts
    classes = []
    for title in ("Ingest", "Raw baseline", "Live"):
        made = _expect(
            await client.post(
                "/api/v1/classes",
                json={
                    "title": f"Bench {title}",
                    "source": CLASS_SOURCE,
                    "date": day.isoformat(),
                    "time": "23:00",
                    "timezone": "UTC",
                    "capacity": max(athletes, 1),
                },
                headers=coach.headers,
            ),
            201,
            "POST /classes",
        )
        classes.append(uuid.UUID(made["id"]))
    for class_id in (classes[0], classes[2]):
        for i, athlete in enumerate(people):
            _expect(
                await client.post(
                    f"/api/v1/classes/{class_id}/bookings",
                    json={"track": "SCALED" if i % 10 == 9 else "RX"},
                    headers=athlete.headers,
                ),
                201,
                "POST /bookings",
            )
    console.print(
        f"(b)/(c) set-up through the API: a coach, {athletes} athletes registered, linked and booked on "
        f"two classes (+1 for the raw baseline) in {time.perf_counter() - started:.1f} s"
    )
    return Box(coach, people, day, classes[0], classes[1], classes[2])


def _movement(k: int) -> str:
    position = k % sum(n for _, n in ROUND)
    for movement, reps in ROUND:
        if position < reps:
            return movement
        position -= reps
    raise AssertionError("unreachable")


def ingest_batches(
    athletes: Sequence[Account], per_athlete: int, per_batch: int
) -> list[list[dict[str, Any]]]:
    """One client's batches: ``per_batch`` consecutive reps of each of its athletes per batch."""
    step = (CAP_S - 1.0) / (per_athlete + 1)
    batches = []
    for start in range(0, per_athlete, per_batch):
        batch = []
        for athlete in athletes:
            for k in range(start, min(start + per_batch, per_athlete)):
                batch.append(
                    {
                        "id": str(uuid.uuid4()),
                        "athlete_id": str(athlete.id),
                        "offset_s": round((k + 1) * step, 4),
                        "kind": "complete",
                        "movement": _movement(k),
                        "quantity": 1,
                        "unit": "reps",
                    }
                )
        batches.append(batch)
    return batches


@dataclass
class Ingest:
    name: str
    events: int = 0
    seconds: float = 0.0
    latencies: list[tuple[int, float]] = field(default_factory=list)  # (batch number, ms)
    problems: list[str] = field(default_factory=list)
    baseline: bool = False

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def quantile(self, q: float, part: slice = slice(None)) -> float:
        ordered = [ms for _, ms in sorted(self.latencies)[part]]
        return quantile(ordered, q) if ordered else float("nan")


async def drive_api(
    port: int, box: Box, plan: list[list[list[dict[str, Any]]]], run: Ingest, expected_rows: int
) -> None:
    """Each client posts its batches in turn to ``atelier serve``; every answer is checked."""
    path = f"/api/v1/classes/{box.ingest_class}/events"
    devices = [Device("127.0.0.1", port) for _ in plan]
    seqs: list[int] = []
    try:
        for device in devices:  # connection open, the workout compiled and cached
            status, _ = await device.request(
                "GET", f"/api/v1/classes/{box.ingest_class}/board", headers=box.coach.headers
            )
            if status != 200:
                raise RuntimeError(f"GET /board answered {status}")

        async def client(device: Device, batches: list[list[dict[str, Any]]]) -> None:
            for number, batch in enumerate(batches):
                started = time.perf_counter()
                status, body = await device.request("POST", path, {"events": batch}, box.coach.headers)
                elapsed = (time.perf_counter() - started) * 1000
                if status != 200:
                    run.problems.append(f"{status}: {body[:300]!r}")
                    continue
                answer = json.loads(body)
                run.latencies.append((number, elapsed))
                run.events += int(answer["accepted"])
                board = answer["board"]
                seqs.append(int(board["seq"]))
                if answer["accepted"] != len(batch) or len(board["rows"]) != expected_rows:
                    run.problems.append(
                        f"accepted {answer['accepted']}/{len(batch)}, board rows {len(board['rows'])}"
                    )

        started = time.perf_counter()
        await asyncio.gather(*(client(d, b) for d, b in zip(devices, plan, strict=True)))
        run.seconds = time.perf_counter() - started
    finally:
        for device in devices:
            await device.close()
    if seqs and max(seqs) != run.events:
        run.problems.append(f"the last board's seq is {max(seqs)}, {run.events} events were accepted")


def raw_rows(box: Box, plan: list[list[list[dict[str, Any]]]]) -> list[list[list[tuple[Any, ...]]]]:
    """The same events as ``realized_events`` rows of the baseline class (counted, done so far)."""
    now = utcnow()
    done: dict[str, int] = {}
    out = []
    for batches in plan:
        mine = []
        for batch in batches:
            rows = []
            for e in batch:
                done[e["athlete_id"]] = done.get(e["athlete_id"], 0) + 1
                athlete = uuid.UUID(e["athlete_id"])
                rows.append(
                    (uuid.uuid4(), box.baseline_class, box.day, athlete, athlete, None, e["offset_s"],
                     "complete", e["movement"], 1.0, "reps", True, None, float(done[e["athlete_id"]]),
                     box.coach.id, now)
                )  # fmt: skip
            mine.append(rows)
        out.append(mine)
    return out


async def drive_raw(
    backend: Backend, rows: list[list[list[tuple[Any, ...]]]], run: Ingest, copy: bool
) -> None:
    """As many concurrent clients, each its batches in turn, one transaction each, as the owner."""
    connections = [await asyncpg.connect(plain_dsn(backend)) for _ in rows] if copy else []

    async def client(index: int, batches: list[list[tuple[Any, ...]]]) -> None:
        for number, batch in enumerate(batches):
            started = time.perf_counter()
            if copy:
                await connections[index].copy_records_to_table(
                    "realized_events", records=batch, columns=list(EVENT_COLUMNS)
                )
            else:
                values = [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in batch]
                async with backend.owner.begin() as connection:
                    await connection.execute(insert(RealizedEvent), values)
            run.latencies.append((number, (time.perf_counter() - started) * 1000))
            run.events += len(batch)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(client(i, b) for i, b in enumerate(rows)))
        run.seconds = time.perf_counter() - started
    finally:
        for connection in connections:
            await connection.close()


def _kind_of(statement: str) -> str:
    flat = " ".join(statement.split())
    if flat.startswith("INSERT INTO realized_events"):
        return "INSERT the events (multi-row)"
    if "FOR UPDATE" in flat or "FOR SHARE" in flat:
        return "lock the class (FOR SHARE: batches share it)"
    if "pg_advisory_xact_lock" in flat:
        return "lock the entrants moved (advisory)"
    if "FROM realized_events" in flat and "GROUP BY" in flat:
        return "standings: GROUP BY over the class's events"
    if "FROM realized_events" in flat:
        return "ids already stored"
    if "class_bookings" in flat or "class_teams" in flat:
        return "roster, teams"
    return "authentication, RLS context, commit, other"


@dataclass
class Diagnosis:
    sql_ms: dict[str, float]  # per statement kind, one batch
    batch_ms: float
    shares: dict[str, float]  # profile, own time by package
    listing: list[str]
    plans: list[tuple[str, list[float], list[float]]]  # statement kind, custom and generic plan ms


async def diagnose_ingest(
    backend: Backend, box: Box, athletes: Sequence[Account], batches: int, per_batch: int
) -> Diagnosis:
    """Batches in-process, one at a time: ``batches`` with every statement timed, as many again
    under cProfile (slower: its numbers are shares), and the plans of the endpoint's reads."""
    client = backend.client
    path = f"/api/v1/classes/{box.ingest_class}/events"
    _expect(
        await client.get(f"/api/v1/classes/{box.ingest_class}/board", headers=box.coach.headers), 200, "board"
    )
    watch = StatementClock(backend)
    profile = cProfile.Profile()
    totals: list[float] = []
    captured: list[tuple[str, Any]] = []
    plans: list[tuple[str, list[float], list[float]]] = []
    try:
        for n in range(2 * batches):
            batch = [
                {"id": str(uuid.uuid4()), "athlete_id": str(a.id), "offset_s": CAP_S - 0.5 + n * 0.01,
                 "kind": "complete", "movement": "pull_up", "quantity": 1, "unit": "reps"}
                for a in athletes
                for _ in range(per_batch)
            ]  # fmt: skip
            timed = n < batches
            if n == batches - 1:
                backend.captured = []
            watch.on = timed
            if not timed:
                profile.enable()
            started = time.perf_counter()
            _expect(await client.post(path, json={"events": batch}, headers=box.coach.headers), 200, "events")
            if timed:
                totals.append(time.perf_counter() - started)
            else:
                profile.disable()
            watch.on = False
            if backend.captured is not None:
                captured, backend.captured = backend.captured, None
    finally:
        watch.close()
        backend.captured = None
    per_kind: dict[str, float] = {}
    for statement, seconds in watch.timed:
        kind = _kind_of(statement)
        per_kind[kind] = per_kind.get(kind, 0.0) + seconds * 1000 / batches
    size = len(athletes) * per_batch
    out = [f"==== (b) one batch of {size} events, in-process: SQL per statement kind (ms, mean of {batches})"]
    out += [f"  {kind}: {ms:.2f}" for kind, ms in sorted(per_kind.items(), key=lambda kv: -kv[1])]
    shares, listing = profiled(profile)
    out += [f"==== (b) cProfile of {batches} in-process batches (the event loop's thread)", listing]
    if backend.postgres:
        reads = [
            (s, p) for s, p in captured if "FROM realized_events" in s and s.lstrip().startswith("SELECT")
        ]
        inserts = [(s, p) for s, p in captured if s.lstrip().startswith("INSERT INTO realized_events")]
        out.append("==== (b) the endpoint's INSERT of a batch, EXPLAIN ANALYZE (as the coach, rolled back)")
        for statement, parameters in inserts:  # the same batch under fresh ids ($5: the id array)
            again = (*parameters[:4], [uuid.uuid4() for _ in parameters[4]], *parameters[5:])
            explained = await explain_app(backend, box.coach.id, [(statement, again)])
            out += explained
            took = []
            async with backend.runtime.engine.connect() as connection:
                await connection.execute(SET_CONTEXT, {"user_id": str(box.coach.id), "system": "off"})
                for _ in range(10):
                    again = (*parameters[:4], [uuid.uuid4() for _ in parameters[4]], *parameters[5:])
                    started = time.perf_counter()
                    await connection.exec_driver_sql(statement, again)
                    took.append((time.perf_counter() - started) * 1000)
                await connection.rollback()
            out.append(f"-- the same INSERT 10 times on one connection (ms): {[round(t, 1) for t in took]}")
            plans.append((_kind_of(statement), execution_ms(explained), []))
        out.append("==== (b) the endpoint's reads of realized_events, EXPLAIN ANALYZE (coach's RLS context)")
        for statement, parameters in reads:
            custom = await explain_app(backend, box.coach.id, [(statement, parameters)])
            generic = await explain_generic(backend, box.coach.id, statement, parameters)
            out += custom + generic
            plans.append((_kind_of(statement), execution_ms(custom), execution_ms(generic)))
    return Diagnosis(per_kind, statistics.fmean(totals) * 1000, shares, out, plans)


async def section_b(
    backend: Backend, box: Box, served: Served, args: argparse.Namespace, console: Console
) -> tuple[float, list[str]]:
    per_client = len(box.athletes) // args.clients
    per_athlete = max(1, args.events // (per_client * args.clients))
    per_batch = max(1, args.batch // per_client)
    plan = [
        ingest_batches(box.athletes[c * per_client : (c + 1) * per_client], per_athlete, per_batch)
        for c in range(args.clients)
    ]
    total = sum(len(b) for batches in plan for b in batches)
    rows = raw_rows(box, plan)
    port = served.client.base_url.port
    assert port is not None
    await let_go(backend)
    gc.collect()
    (fresh,) = await mint_tokens(backend, [box.coach.id])  # the login's token lasts 30 minutes
    box.coach.headers.update(fresh)
    api = Ingest("API: POST /classes/{id}/events, atelier serve")
    before = cpu_snapshot([served])
    async with Autoanalyze(backend, "realized_events") as analyzer, DbSampler(backend, _kind_of) as sampled:
        await drive_api(port, box, plan, api, expected_rows=len(box.athletes))
    after = cpu_snapshot([served])
    console.print(
        f"  (b) API: {api.events:,} events accepted in {api.seconds:.1f} s ({api.rate:,.0f}/s); "
        f"{cpu_text(before, after)} ({cpu_per(before, after, len(api.latencies)) * 1000:.0f} ms of server "
        "CPU per batch)"
    )
    if backend.postgres:
        console.print(f"  (b) database during the API run ({analyzer.summary()}), {sampled.summary()}")
    runs = [api]
    baselines = [Ingest("raw multi-row INSERT (the endpoint's insert alone; baseline)", baseline=True)]
    if backend.postgres:
        baselines.append(Ingest("raw COPY"))
    for number, run in enumerate(baselines):
        if number:  # the same events again under fresh ids (the key is the id and the date)
            rows = [[[(uuid.uuid4(), *row[1:]) for row in b] for b in c] for c in rows]
        await drive_raw(backend, rows, run, copy=run.name.startswith("raw COPY"))
        runs.append(run)
    base = runs[1]
    batches_per_client = len(plan[0])
    tenth = max(1, batches_per_client // 10)
    table = Table(
        title=f"(b) {backend.name}: {total:,} events, {args.clients} concurrent clients × "
        f"{batches_per_client} batches of {per_client}×{per_batch} = {per_client * per_batch} events, "
        f"{len(box.athletes)} athletes"
    )
    table.add_column("path")
    for column in (
        "events", "seconds", "events/s", "batch p50 ms", "batch p95 ms",
        f"p50 first / last {tenth} batches", "× raw INSERT events/s",
    ):  # fmt: skip
        table.add_column(column, justify="right")
    for run in runs:
        table.add_row(
            run.name,
            f"{run.events:,}",
            f"{run.seconds:.2f}",
            f"{run.rate:,.0f}",
            f"{run.quantile(0.5):.1f}",
            f"{run.quantile(0.95):.1f}",
            f"{run.quantile(0.5, slice(None, tenth * args.clients)):.1f} / "
            f"{run.quantile(0.5, slice(-tenth * args.clients, None)):.1f}",
            f"{run.rate / base.rate:.2f}" if base.rate else "-",
        )
    console.print(table)
    for problem in api.problems[:5]:
        console.print(f"[red]  (b) API answer: {problem}")
    found = await diagnose_ingest(backend, box, box.athletes[:per_client], 3, per_batch)
    console.print(
        f"  (b) one batch of {per_client * per_batch} in-process, alone (mean of 3, the class holding "
        f"{api.events:,} events): {found.batch_ms:.1f} ms, of which SQL {sum(found.sql_ms.values()):.1f} ms "
        "— "
        + "; ".join(f"{k} {v:.1f}" for k, v in sorted(found.sql_ms.items(), key=lambda kv: -kv[1]))
        + f". Profile, own time: {shares_text(found.shares)}"
    )
    for kind, custom, generic in found.plans:
        console.print(
            f"  (b) EXPLAIN ANALYZE, {kind}: {' + '.join(f'{t:.1f}' for t in custom) or '-'} ms "
            f"(custom plan), {' + '.join(f'{t:.1f}' for t in generic) or '-'} ms (generic plan)"
        )
    out = found.listing
    return (api.rate if not api.problems else 0.0), out


# ---------------------------------------------------------------------------------------------
# (c) SSE fan-out
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def redis_for_served(url: str) -> Iterator[None]:
    """``Served.start`` drops ``ATELIER_REDIS_URL`` from the server's environment (the other
    benchmarks measure without Redis). pydantic-settings reads environment names regardless of
    case, so the lower-case name reaches the served app and is not the one dropped. The run
    proves it: viewers on the second server only get boards posted on the first through Redis."""
    os.environ["atelier_redis_url"] = url  # noqa: SIM112 (the spelling Served keeps)
    try:
        yield
    finally:
        os.environ.pop("atelier_redis_url", None)


class Viewer(asyncio.Protocol):
    """One ``GET /classes/{id}/live`` stream read as raw HTTP/1.1 (chunked): when each board arrived.

    A protocol, not a reader task: ``data_received`` runs straight from the event loop, stamps the
    time and de-chunks in place, so 500 streams cost this process one callback per chunk and no
    task to wake (with a task per stream, the client's own loop lag was a large part of the delay
    it reported)."""

    def __init__(self, number: int, port: int, path: str, headers: dict[str, str]) -> None:
        self.number, self.port = number, port
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: text/event-stream"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.received: dict[int, float] = {}
        self.first: dict[str, Any] | None = None  # the first board, parsed (viewer 0 parses all)
        self.ready = asyncio.Event()
        self.reached = asyncio.Event()
        self.wanted: int | None = None
        self.error: str | None = None
        self.task: asyncio.Task[None] | None = None
        self.transport: asyncio.BaseTransport | None = None
        self._raw = bytearray()  # received, not yet parsed
        self._head = True  # still reading the status line and headers
        self._chunked = False
        self._chunk_left = 0  # data bytes of the current chunk still to come
        self._crlf_left = 0  # then the CRLF that closes it
        self._body = bytearray()  # de-chunked SSE text, not yet a whole event

    def start(self) -> None:
        self.task = asyncio.create_task(self._connect())

    async def _connect(self) -> None:
        try:
            loop = asyncio.get_running_loop()
            transport, _ = await loop.create_connection(lambda: self, "127.0.0.1", self.port)
            transport.write(self.request)
        except Exception as exc:  # shown in the report
            self._fail(exc)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            self._fail(exc)

    def data_received(self, data: bytes) -> None:
        arrived = time.perf_counter()
        self._raw += data
        try:
            if self._head and not self._read_head():
                return
            self._read_body(arrived)
        except Exception as exc:  # shown in the report
            self._fail(exc)
            if self.transport is not None:
                self.transport.close()

    def _read_head(self) -> bool:
        end = self._raw.find(b"\r\n\r\n")
        if end < 0:
            return False
        status, *fields = bytes(self._raw[:end]).split(b"\r\n")
        if b" 200 " not in status:
            raise RuntimeError(f"answered {status!r}")
        for line in fields:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
                self._chunked = True
        del self._raw[: end + 4]
        self._head = False
        return True

    def _read_body(self, arrived: float) -> None:
        if not self._chunked:
            self._body += self._raw
            self._raw.clear()
        while self._chunked and self._raw:
            if self._chunk_left:
                take = min(self._chunk_left, len(self._raw))
                self._body += self._raw[:take]
                del self._raw[:take]
                self._chunk_left -= take
            elif self._crlf_left:
                take = min(self._crlf_left, len(self._raw))
                del self._raw[:take]
                self._crlf_left -= take
            else:
                end = self._raw.find(b"\r\n")
                if end < 0:
                    break
                size = int(bytes(self._raw[:end]).split(b";")[0].strip() or b"0", 16)
                del self._raw[: end + 2]
                self._chunk_left, self._crlf_left = size, 2
        while (end := self._body.find(b"\n\n")) >= 0:
            block = bytes(self._body[:end])
            del self._body[: end + 2]
            self._event(block, arrived)

    def _fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = f"{type(exc).__name__}: {exc}"[:200]
        self.ready.set()
        self.reached.set()

    def _event(self, block: bytes, arrived: float) -> None:
        kind, seq, data = b"", None, b""
        for line in block.split(b"\n"):
            if line.startswith(b"event:"):
                kind = line[6:].strip()
            elif line.startswith(b"id:"):
                seq = int(line[3:].strip() or b"-1")
            elif line.startswith(b"data:"):
                data = line[5:]
        if kind != b"board" or seq is None:
            return
        self.received.setdefault(seq, arrived)
        if self.first is None and self.number == 0:
            self.first = json.loads(data)
        self.ready.set()
        if self.wanted is not None and seq >= self.wanted:
            self.reached.set()

    async def wait_for(self, seq: int) -> None:
        self.wanted = seq
        if max(self.received, default=-1) >= seq or self.error:
            return
        self.reached.clear()
        await self.reached.wait()

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        if self.transport is not None:
            self.transport.close()


@dataclass
class Fanout:
    name: str
    viewers: int
    posts: int = 0
    from_answer: list[float] = field(default_factory=list)  # ms, every (viewer, board)
    from_sent: list[float] = field(default_factory=list)
    local: list[float] = field(default_factory=list)  # viewers on the server posted to
    remote: list[float] = field(default_factory=list)  # the other server: through Redis
    complete: int = 0  # viewers that got every board
    missing: int = 0
    post_ms: list[float] = field(default_factory=list)
    lag_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    connect_s: float = 0.0
    cpu: str = ""  # CPU spent by each server, this process and the machine while posting
    server_cpu_s: float = 0.0  # by both servers while posting
    board: dict[str, Any] | None = None  # the first board viewer 0 got, parsed

    def p95(self) -> float:
        return quantile(self.from_answer, 0.95) if self.from_answer else float("nan")


class Coach:
    """The coach's posts: one ``complete`` event each, athletes in turn, offsets growing."""

    def __init__(self, athletes: Sequence[Account]) -> None:
        self.athletes = athletes
        self.count = 0

    def next(self) -> dict[str, Any]:
        athlete = self.athletes[self.count % len(self.athletes)]
        self.count += 1
        offset = min(CAP_S, 1.0 + self.count * 0.5)
        return {"id": str(uuid.uuid4()), "athlete_id": str(athlete.id), "offset_s": offset,
                "kind": "complete", "movement": "pull_up", "quantity": 1, "unit": "reps"}  # fmt: skip


async def loop_lag(samples: list[float], stop: asyncio.Event) -> None:
    """How late this process's event loop wakes a 10 ms sleep (the clients share the loop)."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        samples.append((time.perf_counter() - started - 0.01) * 1000)


async def fan_out(
    run: Fanout,
    servers: list[Served],
    box: Box,
    coach: dict[str, str],
    headers: Sequence[dict[str, str]],
    judge: Coach,
    args: argparse.Namespace,
) -> None:
    path = f"/api/v1/classes/{box.live_class}/live"
    ports = [int(s.client.base_url.port or 0) for s in servers]
    viewers = [Viewer(i, ports[i % len(ports)], path, headers[i]) for i in range(run.viewers)]
    poster = Device("127.0.0.1", ports[0])
    events_path = f"/api/v1/classes/{box.live_class}/events"
    stop = asyncio.Event()
    lag = asyncio.create_task(loop_lag(run.lag_ms, stop))
    try:
        started = time.perf_counter()
        for first in range(0, len(viewers), CONNECT_WAVE):
            wave = viewers[first : first + CONNECT_WAVE]
            for viewer in wave:
                viewer.start()
            await asyncio.wait_for(asyncio.gather(*(v.ready.wait() for v in wave)), timeout=120)
        run.connect_s = time.perf_counter() - started
        run.errors += [f"viewer {v.number}: {v.error}" for v in viewers if v.error]

        async def post() -> tuple[float, float, int]:
            sent = time.perf_counter()
            status, body = await poster.request("POST", events_path, judge.next(), coach)
            answered = time.perf_counter()
            if status != 200:
                raise RuntimeError(f"POST /events answered {status}: {body[:300]!r}")
            return sent, answered, int(json.loads(body)["board"]["seq"])

        async def delivered(seq: int, within_s: float) -> None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*(v.wait_for(seq) for v in viewers)), within_s)

        _, _, warm = await post()  # untimed: the hub path is up on both servers
        await delivered(warm, 10)
        if any(warm not in v.received for v in viewers if not v.error):
            raise RuntimeError("a viewer did not get the warm-up board: do both servers reach Redis?")
        lag.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await lag
        run.lag_ms.clear()
        lag = asyncio.create_task(loop_lag(run.lag_ms, stop))
        timeline: dict[int, tuple[float, float]] = {}
        before = cpu_snapshot(servers)
        began = time.perf_counter()
        for k in range(args.posts):
            await asyncio.sleep(max(0.0, began + k * args.spacing_ms / 1000 - time.perf_counter()))
            sent, answered, seq = await post()
            timeline[seq] = (sent, answered)
            run.post_ms.append((answered - sent) * 1000)
        await delivered(max(timeline), 10)
        after = cpu_snapshot(servers)
        run.cpu = cpu_text(before, after)
        run.server_cpu_s = cpu_per(before, after, 1)
        run.posts = len(timeline)
        run.board = viewers[0].first
        for viewer in viewers:
            got = 0
            for seq, (sent, answered) in timeline.items():
                arrived = viewer.received.get(seq)
                if arrived is None:
                    run.missing += 1
                    continue
                got += 1
                run.from_answer.append((arrived - answered) * 1000)
                run.from_sent.append((arrived - sent) * 1000)
                (run.local if viewer.port == ports[0] else run.remote).append((arrived - answered) * 1000)
            run.complete += got == len(timeline)
        run.errors += [f"viewer {v.number}: {v.error}" for v in viewers if v.error]
        if viewers[0].first is not None and len(viewers[0].first["rows"]) != len(box.athletes):
            run.errors.append(f"the first board has {len(viewers[0].first['rows'])} rows")
    finally:
        stop.set()
        lag.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await lag
        await poster.close()
        await asyncio.gather(*(v.close() for v in viewers))


async def mint_viewers(backend: Backend, coach: uuid.UUID, count: int) -> list[uuid.UUID]:
    """``count`` accounts linked to the coach (active links): each may watch the coach's classes."""
    now = utcnow()
    tag = uuid.uuid4().hex[:8]
    ids = [uuid.uuid4() for _ in range(count)]
    users = [
        {"id": u, "email": f"viewer-{i}-{tag}@bench.example", "name": f"Viewer {i:03d}",
         "password_hash": "!", "role": "athlete", "created_at": now}
        for i, u in enumerate(ids)
    ]  # fmt: skip
    links = [
        {"id": uuid.uuid4(), "coach_id": coach, "athlete_id": u, "status": "active", "created_at": now,
         "accepted_at": now}
        for u in ids
    ]  # fmt: skip
    async with backend.owner.begin() as connection:
        for start in range(0, count, 1000):
            await connection.execute(insert(User), users[start : start + 1000])
            await connection.execute(insert(CoachLink), links[start : start + 1000])
    return ids


async def section_c(
    backend: Backend, box: Box, args: argparse.Namespace, console: Console
) -> tuple[float | None, list[Fanout]]:
    if not answers(REDIS_URL, 6379):
        console.print(f"[yellow](c) Redis is not answering at {REDIS_URL}: skipped")
        return None, []
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:  # the servers, started after this, inherit it
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    viewer_ids = await mint_viewers(backend, box.coach.id, args.viewers)
    headers = await mint_tokens(backend, viewer_ids)
    (coach,) = await mint_tokens(backend, [box.coach.id])
    await let_go(backend)
    servers: list[Served] = []
    judge = Coach(box.athletes)
    runs = [
        Fanout("baseline: one viewer per server", 2),
        Fanout(f"{args.viewers} viewers, split over both", args.viewers),
    ]
    try:
        with redis_for_served(REDIS_URL):
            for _ in range(2):
                servers.append(await Served.start(backend, 1, SERVER_POOL))
        for run in runs:
            gc.collect()
            await fan_out(run, servers, box, coach, headers, judge, args)
            per_board = run.server_cpu_s / max(len(run.from_answer), 1) * 1e6
            console.print(
                f"  (c) {run.name}: {run.viewers} viewers connected in {run.connect_s:.1f} s, "
                f"{run.posts} boards, p95 {run.p95():.1f} ms; while posting: {run.cpu}: "
                f"{per_board:.0f} µs of server CPU per board delivered to a viewer (the POSTs included)"
            )
    finally:
        for server in servers:
            await server.stop()
    base = runs[0]
    table = Table(
        title=f"(c) {backend.name}: SSE fan-out of one class's board, 2 atelier serve processes sharing "
        f"Redis (pool {SERVER_POOL} each), {args.posts} single events posted {args.spacing_ms:g} ms apart "
        f"on the first; delay from the POST's answer to each viewer's board (ms)"
    )
    table.add_column("run")
    for column in (
        "viewers", "boards", "delivered", "p50", "p95", "max", "p95 same server / other (Redis)",
        "p95 from POST sent", "viewers with every board", "POST p50 / p95", "client loop lag p95 / max",
        "× baseline p95",
    ):  # fmt: skip
        table.add_column(column, justify="right")
    for run in runs:
        p50, p95, most = stats(run.from_answer)
        expected = run.viewers * run.posts
        table.add_row(
            run.name,
            str(run.viewers),
            str(run.posts),
            f"{len(run.from_answer):,}/{expected:,}",
            p50,
            p95,
            most,
            f"{stats(run.local)[1]} / {stats(run.remote)[1]}",
            stats(run.from_sent)[1],
            f"{run.complete}/{run.viewers}",
            f"{stats(run.post_ms)[0]} / {stats(run.post_ms)[1]}",
            f"{stats(run.lag_ms)[1]} / {stats(run.lag_ms)[2]}",
            f"{run.p95() / base.p95():.1f}" if base.from_answer else "-",
        )
    console.print(table)
    for run in runs:
        for error in run.errors[:5]:
            console.print(f"[red]  (c) {run.name}: {error}")
    main = runs[-1]
    if main.board is not None:
        frame = _sse("board", main.board)
        started = time.perf_counter()
        for _ in range(1000):
            _sse("board", main.board)
        each = (time.perf_counter() - started) / 1000
        console.print(
            f"  (c) a served process encodes each board once and shares the frame with its viewers "
            f"(events_api._board_frame): {each * 1e6:.0f} µs for this {len(main.board['rows'])}-row board "
            f"({len(frame) / 1024:.1f} KB; once per viewer it would be "
            f"{each * 1000 * main.viewers / 2:.1f} ms for {main.viewers // 2} viewers), then writes "
            f"{len(frame) * main.viewers / 2 / 1e6:.1f} MB"
        )
    ok = not main.errors and main.complete == main.viewers
    return (main.p95() if ok else float("inf")), runs


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def verdict(console: Console, passed: bool, text_: str) -> None:
    console.print(f"{'[green]PASS' if passed else '[red]FAIL'}[/] {text_}")


async def run(args: argparse.Namespace, console: Console) -> None:
    if args.backend == "postgresql" and not answers(PG_ADMIN, 5432):
        console.print(f"PostgreSQL is not answering at {make_url(PG_ADMIN).host}: nothing measured")
        return
    backend = await open_backend(args.backend)
    served: Served | None = None
    plans: list[str] = []
    found: dict[str, Any] = {}
    scope = "target" if backend.postgres else "(the target is PostgreSQL's; shown for comparison)"
    try:
        population = None
        if "a" in args.sections:
            population = await populate(backend, args, console)
            s = population.seconds
            c = population.counts
            made = f"; {population.partitions} monthly partitions made" if backend.postgres else ""
            console.print(
                f"(a) {args.backend}: {population.athletes:,} athletes ({population.private_athletes:,} "
                f"private) in {s['athletes']:.1f} s; {population.results:,} sessions + results in "
                f"{s['results']:.1f} s ({population.results / s['results']:,.0f} results/s with their "
                f"sessions{made}), "
                f"{'VACUUM ANALYZE' if backend.postgres else 'ANALYZE'} "
                f"{s['analyze']:.1f} s; results {population.size_mb:,.0f} MB. Scaled {c['scaled']:,}, "
                f"DNF {c['dnf']:,}, capped {c['capped']:,}, private {c['private']:,}"
            )
        box = None
        if "b" in args.sections or "c" in args.sections:
            box = await set_up_box(backend, args.athletes_per_class, console)
        gc.collect()
        gc.freeze()
        if "a" in args.sections or "b" in args.sections:
            await let_go(backend)
            served = await Served.start(backend, 1, SERVER_POOL)
        if population is not None and served is not None:
            found["a"], more = await section_a(backend, population, served, args, console)
            plans += more
        if box is not None and served is not None and "b" in args.sections:
            found["b"], more = await section_b(backend, box, served, args, console)
            plans += more
        if served is not None:
            await served.stop()
            served = None
        if box is not None and "c" in args.sections:
            found["c"], _ = await section_c(backend, box, args, console)
    finally:
        if served is not None:
            await served.stop()
        await backend.close(keep=False)
        console.print(f"Dropped the benchmark database {backend.database}")
    if plans:
        RESULTS.mkdir(parents=True, exist_ok=True)
        listing = RESULTS / f"results_plans_{backend.name}.txt"
        listing.write_text("\n".join(plans) + "\n", encoding="utf-8")
        console.print(f"Plans and profile: {listing}")
    if "a" in found:
        for read, p95 in found["a"].items():
            verdict(
                console,
                p95 < TARGET_API_P95_MS,
                f"(a) {read}: API p95 through atelier serve {p95:.2f} ms < "
                f"{TARGET_API_P95_MS:.0f} ms {scope}",
            )
    if "b" in found:
        verdict(
            console,
            found["b"] >= TARGET_EVENTS_PER_S,
            f"(b) ingest {found['b']:,.0f} accepted events/s ≥ {TARGET_EVENTS_PER_S:,.0f} {scope}",
        )
    if found.get("c") is not None:
        verdict(
            console,
            found["c"] < TARGET_FANOUT_P95_MS,
            f"(c) fan-out p95 {found['c']:.1f} ms < {TARGET_FANOUT_P95_MS:.0f} ms, every viewer "
            f"every board {scope}",
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.results",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--sections", default="abc", help="which of a, b, c to run (default abc)")
    parser.add_argument("--results", type=int, default=1_000_000, help="(a) results (default 1000000)")
    parser.add_argument("--workouts", type=int, default=200, help="(a) distinct workouts (default 200)")
    parser.add_argument("--athletes", type=int, default=None, help="(a) athletes (default results / 50)")
    parser.add_argument("--requests", type=int, default=300, help="(a) timed requests per path (default 300)")
    parser.add_argument("--warmup", type=int, default=20, help="(a) untimed requests per path first")
    parser.add_argument("--events", type=int, default=200_000, help="(b) events in all (default 200000)")
    parser.add_argument("--batch", type=int, default=500, help="(b) events per batch (default 500)")
    parser.add_argument("--clients", type=int, default=4, help="(b) concurrent clients (default 4)")
    parser.add_argument(
        "--athletes-per-class", type=int, default=40, help="(b, c) booked athletes (default 40)"
    )
    parser.add_argument("--viewers", type=int, default=500, help="(c) SSE viewers (default 500)")
    parser.add_argument("--posts", type=int, default=50, help="(c) single events posted (default 50)")
    parser.add_argument("--spacing-ms", type=float, default=100.0, help="(c) between posts (default 100)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.results < 1 or args.requests < 1 or args.events < 1 or args.viewers < 1 or args.posts < 1:
        parser.error("--results, --requests, --events, --viewers and --posts must be positive")
    if args.athletes_per_class % args.clients or args.workouts < 1:
        parser.error("--athletes-per-class must be a multiple of --clients; --workouts positive")
    console = Console(width=180)
    started = time.perf_counter()
    console.print(
        f"Results benchmark: backend {args.backend}, sections {args.sections}; (a) {args.results:,} results, "
        f"(b) {args.events:,} events, (c) {args.viewers} viewers; Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs (clients, servers and database share them)"
    )
    asyncio.run(run(args, console))
    console.print(f"Done in {time.perf_counter() - started:.0f} s")
    return 0  # a benchmark reports; it does not fail the build on a timing


if __name__ == "__main__":
    sys.exit(main())
