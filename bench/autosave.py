"""Auto-save under load: concurrent clients logging sets through ``atelier serve``, next to raw SQL.

    .venv/bin/python -m bench.autosave [--clients 200] [--saves 20] [--backend postgresql|sqlite]
        [--workers 2] [--raw-pool 30] [--pace-ms 1000]

1. A fresh database at the newest schema (``bench.wod_search``'s ``open_backend``: a SQLite file
   under ``bench/results/`` or ``atelier_bench_<random>`` on PostgreSQL, dropped at the end).
   ``--clients`` athletes register and log in through the in-process API (batches of 20 at once);
   each plans a one-off strength session with three exercises and starts it, so its progress and
   its three ``progress_exercises`` rows exist. One save in-process with the app's statements
   captured: what the endpoint sends, listed in ``bench/results/autosave_statements_<backend>.txt``.
2. ``atelier serve --workers N`` in its own processes on that database (``bench.calendar``'s
   ``Served``; default 2 workers, one per core of this machine, sharing the server's 30
   connections: ``ATELIER_DATABASE_POOL_SIZE`` = 30 / N each). The in-process app's pool and the
   owner's pool are emptied first, and every pool after each path, so while timing only the path's
   own connections are open. The baseline's pool is ``--raw-pool`` (default 30, the server's
   most), at most ``--clients`` and, on PostgreSQL, at most ``max_connections`` minus the reserved
   ones, those open now (anyone's), the server's 30 and 30 left for others using the same server.
3. Every path is run by ``--clients`` concurrent clients, each doing ``--saves`` sequential saves:
   append one set to one of its exercises (positions in turn; the last 12 sets kept) and write it
   with the version it last got back. The paths, one after the other, each after one untimed save
   per client:
   - ``raw SQL: versioned UPDATE (baseline)``, back to back: the same rows and documents as
     ``UPDATE progress_exercises SET data, status, version = version + 1, updated_at WHERE
     progress_id AND position AND version = :v RETURNING version``, each save its own connection
     checkout and transaction, as the database owner (no RLS, no pre-ping), on a dedicated engine
     with the pool above (``pool_size`` = that, no overflow);
   - ``API``, back to back: ``PUT /api/v1/sessions/{id}/progress/exercises/{position}`` with
     ``{"version", "status", "data"}`` and a fresh ``Idempotency-Key``, over HTTP to ``atelier
     serve``, one keep-alive connection per athlete like one device each (``bench/http1.py``, a
     lean client: httpx would spend ~3 ms of CPU per request on the cores the server needs);
   - ``raw SQL: the endpoint's 2 writes``: that UPDATE plus the ``idempotent_requests`` row in one
     transaction;
   - ``API, paced``: the API path again, each client pausing ``--pace-ms`` (0.5× to 1.5×, a random
     start) before each save. Back to back, latency is clients / rate (Little's law): p99 under
     50 ms would need over 4,000 saves/s from any path, the raw baseline included; a real athlete
     logs a set every 30 s or more, so the latency target is read at a set every second each.
   A 409 cannot happen (each client owns its session): any answer but 200 is counted and shown.

Prints the table (saves, seconds, saves/s, p50/p95/p99 of each save's latency as the client saw
it, saves/s over the baseline's, on PostgreSQL the peak of client connections), the CPU each
timed part cost per save (this process, the server's processes, this database's PostgreSQL
backends sampled every 0.1 s — those a pool opens and closes inside the window included —, the
whole machine's busy share), PASS/FAIL for the issue's targets on PostgreSQL (at least 40 % of
the raw upsert rate back to back; p99 under 50 ms paced), the server's peak resident memory
(``VmHWM`` of every ``atelier serve`` process, summed) and the benchmark's own (``ru_maxrss``).
Clients, server and database share the machine's cores. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import JSON, Uuid, bindparam, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from atelier.db import POOL_SIZE, WRITE_OPTION, _configure_sqlite
from atelier.kit.clock import utcnow
from atelier.kit.types import UTCDateTime
from atelier.training.models import Progress, ProgressExercise
from bench.calendar import Served
from bench.http1 import Device
from bench.wod_search import PG_ADMIN, RESULTS, Backend, answers, open_backend, quantile

SOURCE = "# Day\n## A\nBack squat 5x5 @ 75%\n## B\nDeadlift 5x3 @ 80%\n## C\nBench press 5x5 @ 70%\n"
TARGET_RATIO = 0.40
TARGET_P99_MS = 50.0
SERVER_POOL = POOL_SIZE  # create_engine's fixed pool, per process
CONNECTION_MARGIN = 30  # left for others on the same PostgreSQL (their test suites, psql)
SETUP_BATCH = 20
MAX_SETS = 12  # a rolling window: the documents stay the size of a real exercise's log

RAW_UPDATE = text(
    "UPDATE progress_exercises SET data = :data, status = :status, version = version + 1, "
    "updated_at = :now WHERE progress_id = :p AND position = :pos AND version = :v RETURNING version"
).bindparams(
    bindparam("data", type_=JSON),
    bindparam("now", type_=UTCDateTime()),
    bindparam("p", type_=Uuid),
)
RAW_REMEMBER = text(
    "INSERT INTO idempotent_requests (user_id, key, scope, request_hash, status_code, response, "
    "created_at) VALUES (:u, :key, :scope, :hash, 200, :response, :now)"
).bindparams(
    bindparam("u", type_=Uuid), bindparam("response", type_=JSON), bindparam("now", type_=UTCDateTime())
)


@dataclass
class Athlete:
    user_id: uuid.UUID
    headers: dict[str, str]
    session_id: uuid.UUID
    progress_id: uuid.UUID
    positions: int


@dataclass
class Exercise:
    version: int
    data: dict[str, Any]


State = dict[tuple[uuid.UUID, int], Exercise]
Save = Callable[[Athlete, int, Exercise, dict[str, Any]], Awaitable[tuple[int, Exercise | str]]]


@dataclass
class Run:
    name: str
    connections: str
    samples: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    problems: dict[int, str] = field(default_factory=dict)  # the first answer of each kind
    seconds: float = 0.0
    baseline: bool = False
    think_ms: float = 0.0  # each client's pause before a save (0: back to back)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds over the timed part, by whom
    peaks: tuple[int, int] = (0, 0)  # PostgreSQL client connections during it: this database's, all

    @property
    def ok(self) -> int:
        return self.statuses[200]

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        return quantile(self.samples, q) if self.samples else float("nan")


def next_data(exercise: Exercise, step: int) -> dict[str, Any]:
    """The exercise's sets with one more: 5 reps, a load that moves, an RPE."""
    sets = list(exercise.data.get("sets", []))
    sets.append({"reps": 5, "load": {"value": float(60 + 2.5 * (step % 17)), "unit": "kg"}, "rpe": 8.0})
    return {"sets": sets[-MAX_SETS:]}


# ---------------------------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------------------------


async def athlete(backend: Backend, index: int) -> tuple[uuid.UUID, dict[str, str], uuid.UUID]:
    """Register, log in, plan the strength session and start it, all through the in-process API."""
    client = backend.client
    email, password = f"autosave-{index}-{uuid.uuid4().hex[:8]}@example.com", "correct horse battery"
    created = await client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": password, "name": f"Athlete {index}", "role": "athlete"},
    )
    if created.status_code != 201:
        raise RuntimeError(f"register answered {created.status_code}: {created.text}")
    token = await client.post("/api/v1/auth/token", data={"username": email, "password": password})
    if token.status_code != 200:
        raise RuntimeError(f"login answered {token.status_code}: {token.text}")
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    planned = await client.post(
        "/api/v1/sessions", json={"source": SOURCE, "date": utcnow().date().isoformat()}, headers=headers
    )
    if planned.status_code != 201:
        raise RuntimeError(f"POST /sessions answered {planned.status_code}: {planned.text}")
    session_id = planned.json()["id"]
    started = await client.post(f"/api/v1/sessions/{session_id}/start", headers=headers)
    if started.status_code != 200:
        raise RuntimeError(f"start answered {started.status_code}: {started.text}")
    return uuid.UUID(created.json()["id"]), headers, uuid.UUID(session_id)


async def set_up(backend: Backend, clients: int, console: Console) -> list[Athlete]:
    started = time.perf_counter()
    made: list[tuple[uuid.UUID, dict[str, str], uuid.UUID]] = []
    for first in range(0, clients, SETUP_BATCH):
        batch = range(first, min(first + SETUP_BATCH, clients))
        made += await asyncio.gather(*(athlete(backend, i) for i in batch))
    async with backend.owner.connect() as connection:
        progress = dict((await connection.execute(select(Progress.session_id, Progress.id))).all())
        counts = Counter((await connection.execute(select(ProgressExercise.progress_id))).scalars().all())
    athletes = [
        Athlete(user_id, headers, sid, progress[sid], counts[progress[sid]]) for user_id, headers, sid in made
    ]
    if any(a.positions < 2 for a in athletes):
        raise RuntimeError("a session was started without its exercises")
    console.print(
        f"{backend.name}: {len(athletes)} athletes registered, each with a started session of "
        f"{athletes[0].positions} exercises, in {time.perf_counter() - started:.1f} s"
    )
    return athletes


async def current_state(backend: Backend) -> State:
    async with backend.owner.connect() as connection:
        rows = await connection.execute(
            select(
                ProgressExercise.progress_id,
                ProgressExercise.position,
                ProgressExercise.version,
                ProgressExercise.data,
            )
        )
        return {(p, pos): Exercise(v, d or {}) for p, pos, v, d in rows.all()}


async def connection_budget(backend: Backend, wanted: int) -> tuple[int, str]:
    """How many connections the baseline may hold (at most ``wanted``), and why."""
    if not backend.postgres:
        return wanted, "SQLite: no connection limit; one writer at a time (BEGIN IMMEDIATE)"
    async with backend.owner.connect() as connection:
        most = int(await connection.scalar(text("SHOW max_connections")) or 100)
        reserved = int(await connection.scalar(text("SHOW superuser_reserved_connections")) or 3)
        open_now = int(
            await connection.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
            )
            or 0
        )
    budget = most - reserved - open_now - SERVER_POOL - CONNECTION_MARGIN
    pool = max(1, min(wanted, budget))
    why = (
        f"asked {wanted}; at most max_connections {most} − {reserved} reserved − {open_now} open now "
        f"(anyone's) − {SERVER_POOL} for atelier serve − {CONNECTION_MARGIN} left for others = {budget}"
    )
    return pool, why


def raw_engine(url: str, pool: int) -> AsyncEngine:
    """An engine like ``atelier.db.create_engine``'s without role switch nor pre-ping, sized ``pool``."""
    if make_url(url).get_backend_name() == "postgresql":
        return create_async_engine(
            url,
            pool_size=pool,
            max_overflow=0,
            pool_timeout=120,
            connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan", "jit": "off"}},
        )
    engine = create_async_engine(
        url, pool_size=pool, max_overflow=0, pool_timeout=120, connect_args={"timeout": 30}
    )
    _configure_sqlite(engine)
    return engine


# ---------------------------------------------------------------------------------------------
# The paths
# ---------------------------------------------------------------------------------------------


def api_save(device_of: Callable[[Athlete], Device]) -> Save:
    async def save(
        who: Athlete, position: int, exercise: Exercise, data: dict[str, Any]
    ) -> tuple[int, Exercise | str]:
        status, answer = await device_of(who).request(
            "PUT",
            f"/api/v1/sessions/{who.session_id}/progress/exercises/{position}",
            {"version": exercise.version, "status": "in_progress", "data": data},
            who.headers | {"Idempotency-Key": uuid.uuid4().hex},
        )
        if status != 200:
            return status, answer[:300].decode(errors="replace")
        body = json.loads(answer)
        return 200, Exercise(body["version"], body["data"])

    return save


async def _writer(engine: AsyncEngine) -> AsyncConnection:
    connection = await engine.connect()
    await connection.execution_options(**{WRITE_OPTION: True})  # SQLite: BEGIN IMMEDIATE
    return connection


def raw_save(engine: AsyncEngine, *, all_writes: bool) -> Save:
    async def save(
        who: Athlete, position: int, exercise: Exercise, data: dict[str, Any]
    ) -> tuple[int, Exercise | str]:
        now = utcnow()
        connection = await _writer(engine)
        try:
            version = (
                await connection.execute(
                    RAW_UPDATE,
                    {
                        "data": data,
                        "status": "in_progress",
                        "now": now,
                        "p": who.progress_id,
                        "pos": position,
                        "v": exercise.version,
                    },
                )
            ).scalar_one_or_none()
            if version is None:
                await connection.rollback()
                return 409, f"version {exercise.version} of {who.progress_id}/{position} is stale"
            if all_writes:
                await connection.execute(
                    RAW_REMEMBER,
                    {
                        "u": who.user_id,
                        "key": uuid.uuid4().hex,
                        "scope": f"PUT /sessions/{who.session_id}/progress/exercises/{position}",
                        "hash": uuid.uuid4().hex * 2,
                        "response": {"position": position, "data": data, "version": version},
                        "now": now,
                    },
                )
            await connection.commit()
        finally:
            await connection.close()
        return 200, Exercise(version, data)

    return save


async def drive(
    run: Run,
    save: Save,
    athletes: list[Athlete],
    state: State,
    saves: int,
    *,
    think_ms: float = 0.0,
    timed: bool = True,
) -> None:
    """Every athlete at once, each saving ``saves`` times in a row; positions in turn. With
    ``think_ms``, each waits about that long (0.5× to 1.5×, and a random start) before each save."""

    async def client(index: int, who: Athlete) -> None:
        pause = random.Random(index)
        for step in range(saves):
            if think_ms:
                await asyncio.sleep(think_ms / 1000 * (pause.random() if step == 0 else 0.5 + pause.random()))
            position = (index + step) % who.positions
            exercise = state[(who.progress_id, position)]
            data = next_data(exercise, step)
            started = time.perf_counter()
            try:
                status, outcome = await save(who, position, exercise, data)
            except Exception as exc:  # a transport error or a pool timeout: counted, shown once
                status, outcome = -1, f"{type(exc).__name__}: {exc}"[:300]
            elapsed = (time.perf_counter() - started) * 1000
            if timed:
                run.samples.append(elapsed)
                run.statuses[status] += 1
            if isinstance(outcome, Exercise):
                state[(who.progress_id, position)] = outcome
            elif timed:
                run.problems.setdefault(status, f"after {elapsed / 1000:.1f} s: {outcome}")

    started = time.perf_counter()
    await asyncio.gather(*(client(i, who) for i, who in enumerate(athletes)))
    if timed:
        run.seconds = time.perf_counter() - started


TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds of a process's live threads so far, to the nanosecond where the kernel keeps
    ``schedstat`` (a PostgreSQL backend's few milliseconds would round to 0 in clock ticks)."""
    try:
        total = 0
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat", encoding="ascii") as schedstat:
                total += int(schedstat.read().split()[0])
        return total / 1e9
    except OSError:
        pass
    try:  # no schedstat: user + system clock ticks
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0.0  # gone
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores."""
    with open("/proc/stat", encoding="ascii") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / TICKS, sum(values[:8]) / TICKS


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (``atelier serve --workers N``: the supervisor and its workers)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parent = int(stat.read().rpartition(")")[2].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            parents.setdefault(parent, []).append(int(entry))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending += parents.get(current, [])
    return found


def usage(server_pids: list[int]) -> dict[str, float]:
    """CPU seconds so far: the machine (busy, total), this process, ``atelier serve``'s processes."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    busy, total = machine_cpu()
    return {
        "busy": busy,
        "total": total,
        "client": mine.ru_utime + mine.ru_stime,
        "server": sum(process_cpu(pid) for pid in server_pids),
    }


class Database:
    """This database's PostgreSQL backends, sampled every 0.1 s on a connection of its own: the
    peaks of client connections (this database's, everyone's) and the CPU its backends spent,
    including backends that start or end inside the window (a pool's overflow comes and goes).
    Nothing on SQLite, which runs inside whichever process writes."""

    SAMPLE = text(
        "SELECT pid, datname = current_database() FROM pg_stat_activity "
        "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )

    def __init__(self, backend: Backend) -> None:
        self.engine = (
            create_async_engine(backend.url, pool_size=1, max_overflow=0, isolation_level="AUTOCOMMIT")
            if backend.postgres
            else None
        )
        self.task: asyncio.Task[None] | None = None
        self.connection: AsyncConnection | None = None
        self.lock = asyncio.Lock()
        self.window = False
        self.first: dict[int, float] = {}  # a backend's CPU when the window opened (0: born inside)
        self.last: dict[int, float] = {}  # its CPU when last seen
        self.ours = self.everyone = 0

    async def _sample(self) -> None:
        assert self.connection is not None
        async with self.lock:
            rows = (await self.connection.execute(self.SAMPLE)).all()
        mine = [pid for pid, ours in rows if ours]
        if self.window:
            self.ours = max(self.ours, len(mine) + 1)  # + this sampler's own
            self.everyone = max(self.everyone, len(rows) + 1)
        for pid in mine:
            self.last[pid] = process_cpu(pid)
            if self.window:
                self.first.setdefault(pid, 0.0)

    async def _loop(self) -> None:
        while True:
            await self._sample()
            await asyncio.sleep(0.1)

    async def start(self) -> None:
        if self.engine is not None:
            self.connection = await self.engine.connect()
            self.task = asyncio.create_task(self._loop())

    async def open_window(self) -> None:
        if self.engine is None:
            return
        self.last.clear()
        await self._sample()
        self.first = dict(self.last)
        self.ours = self.everyone = 0
        self.window = True

    async def close_window(self) -> dict[str, float]:
        if self.engine is None:
            return {"database": 0.0, "opened": 0.0, "ours": 0.0, "everyone": 0.0}
        await self._sample()
        self.window = False
        born = [pid for pid, cpu in self.first.items() if cpu == 0.0 and pid in self.last]
        return {
            "database": sum(self.last[pid] - cpu for pid, cpu in self.first.items() if pid in self.last),
            "opened": float(len(born)),
            "ours": float(self.ours),
            "everyone": float(self.everyone),
        }

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if self.connection is not None:
            await self.connection.close()
        if self.engine is not None:
            await self.engine.dispose()


async def measure(
    backend: Backend,
    run: Run,
    save: Save,
    athletes: list[Athlete],
    saves: int,
    server_pid: int,
    database: Database,
    console: Console,
) -> None:
    state = await current_state(backend)
    await backend.owner.dispose()
    await drive(run, save, athletes, state, 1, timed=False)  # warm-up: every connection opened
    gc.collect()
    await database.open_window()
    server_pids = process_tree(server_pid)
    before = usage(server_pids)
    await drive(run, save, athletes, state, saves, think_ms=run.think_ms)
    after = usage(server_pids)
    seen = await database.close_window()
    run.peaks = (int(seen["ours"]), int(seen["everyone"]))
    run.cpu = {key: after[key] - before[key] for key in after} | {
        "database": seen["database"],
        "opened": seen["opened"],
    }
    console.print(
        f"  {run.name}: {run.ok}/{sum(run.statuses.values())} saved in {run.seconds:.2f} s "
        f"({run.rate:.0f}/s), p99 {run.quantile(0.99):.1f} ms"
    )


async def statements_per_save(backend: Backend, who: Athlete) -> list[str]:
    """One save through the in-process app with its statements captured on the app's engine."""
    state = await current_state(backend)
    exercise = state[(who.progress_id, 0)]
    backend.captured = []
    try:
        response = await backend.client.put(
            f"/api/v1/sessions/{who.session_id}/progress/exercises/0",
            json={"version": exercise.version, "status": "in_progress", "data": next_data(exercise, 0)},
            headers=who.headers | {"Idempotency-Key": uuid.uuid4().hex},
        )
        if response.status_code != 200:
            raise RuntimeError(f"in-process save answered {response.status_code}: {response.text}")
        return [" ".join(statement.split()) for statement, _ in backend.captured]
    finally:
        backend.captured = None


def memory_kib(pid: int) -> dict[str, int]:
    """Peak and current resident memory of ``pid`` and its descendants, summed (each worker's)."""
    found = {"VmHWM": 0, "VmRSS": 0}
    for each in process_tree(pid):
        try:
            with open(f"/proc/{each}/status", encoding="ascii") as status:
                for line in status:
                    key, _, value = line.partition(":")
                    if key in found:
                        found[key] += int(value.split()[0])
        except OSError:
            continue
    return found


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


async def run_backend(args: argparse.Namespace, console: Console) -> bool | None:
    backend = await open_backend(args.backend)
    served: Served | None = None
    engines: list[AsyncEngine] = []
    try:
        athletes = await set_up(backend, args.clients, console)
        statements = await statements_per_save(backend, athletes[0])
        RESULTS.mkdir(parents=True, exist_ok=True)
        listing = RESULTS / f"autosave_statements_{backend.name}.txt"
        listing.write_text("\n".join(statements) + "\n", encoding="utf-8")
        # The in-process app and the owner's pool let go of their connections: only the server's
        # and the baseline's are open while timing.
        await backend.runtime.engine.dispose()
        await backend.owner.dispose()
        served = await Served.start(backend, args.workers, SERVER_POOL // args.workers)
        startup = memory_kib(served.process.pid)
        pool, why = await connection_budget(backend, min(args.raw_pool, args.clients))
        await backend.owner.dispose()
        console.print(f"{backend.name}: baseline pool {pool} connections ({why})")
        engines = [raw_engine(backend.url, pool)]
        # One lean keep-alive connection per athlete, like one device each (bench/http1.py: httpx
        # would spend ~3 ms of CPU per request on the cores the server needs).
        port = served.client.base_url.port
        assert port is not None
        devices = {a.session_id: Device("127.0.0.1", port) for a in athletes}
        server = f"{POOL_SIZE} (app)" if backend.postgres else "5 + 10 (app)"
        runs: list[Run] = []
        database = Database(backend)
        await database.start()
        try:
            gc.freeze()
            paths: list[tuple[Run, Save]] = [
                (
                    Run("raw SQL: versioned UPDATE (baseline)", f"{pool} (bench)", baseline=True),
                    raw_save(engines[0], all_writes=False),
                ),
                (
                    Run("API: PUT, a connection each", server),
                    api_save(lambda who: devices[who.session_id]),
                ),
            ]
            paths.append(
                (
                    Run("raw SQL: the endpoint's 2 writes", f"{pool} (bench)"),
                    raw_save(engines[0], all_writes=True),
                )
            )
            paths.append(
                (
                    Run(
                        f"API: PUT, paced (a save every ~{args.pace_ms / 1000:g} s each)",
                        server,
                        think_ms=args.pace_ms,
                    ),
                    api_save(lambda who: devices[who.session_id]),
                )
            )
            console.print(
                f"{backend.name}: {args.clients} clients × {args.saves} saves per path "
                f"(+1 untimed save each first)"
            )
            for run, save in paths:
                await measure(
                    backend,
                    run,
                    save,
                    athletes,
                    args.saves,
                    served.process.pid,
                    database,
                    console,
                )
                # Every pool let go between paths: only the path's own connections are open.
                await backend.owner.dispose()
                for engine in engines:
                    await engine.dispose()
                runs.append(run)
        finally:
            await database.stop()
            for device in devices.values():
                await device.close()
        after = memory_kib(served.process.pid)
        return report(backend, args, runs, statements, listing, startup, after, console)
    finally:
        for engine in engines:
            await engine.dispose()
        if served is not None:
            await served.stop()
        await backend.close(keep=False)


def report(
    backend: Backend,
    args: argparse.Namespace,
    runs: list[Run],
    statements: list[str],
    listing: FilePath,
    startup: dict[str, int],
    after: dict[str, int],
    console: Console,
) -> bool | None:
    base = next(r for r in runs if r.baseline)
    table = Table(
        title=f"auto-save — {backend.name} — {args.clients} concurrent clients × {args.saves} saves each"
    )
    pg = backend.postgres
    table.add_column("path")
    table.add_column("DB pool")
    if pg:
        table.add_column("PG conns peak: this db / all", justify="right")
    for column in ("saves", "not 200", "seconds", "saves/s", "p50 ms", "p95 ms", "p99 ms", "mean ms"):
        table.add_column(column, justify="right")
    table.add_column("× raw saves/s", justify="right")
    for run in runs:
        others = sum(n for status, n in run.statuses.items() if status != 200)
        table.add_row(
            run.name,
            run.connections,
            *([f"{run.peaks[0]} / {run.peaks[1]}"] if pg else []),
            str(run.ok),
            str(others),
            f"{run.seconds:.2f}",
            f"{run.rate:.0f}",
            f"{run.quantile(0.5):.1f}",
            f"{run.quantile(0.95):.1f}",
            f"{run.quantile(0.99):.1f}",
            f"{statistics.fmean(run.samples):.1f}" if run.samples else "-",
            f"{run.rate / base.rate:.2f}" if base.rate else "-",
        )
    console.print(table)
    cpu = Table(
        title="CPU per save (ms) in each timed part: this process (the clients), the server"
        + (
            ", this database's backends sampled every 0.1 s (PG opened: how many started during it)"
            if pg
            else " (SQLite runs inside whichever process writes)"
        )
        + "; machine busy: all cores, everyone's processes"
    )
    cpu.add_column("path")
    columns = ("bench", "atelier serve", *(("PG backends",) if pg else ()), "sum")
    columns += ("PG opened", "machine busy") if pg else ("machine busy",)
    for column in columns:
        cpu.add_column(column, justify="right")
    for run in runs:
        per = 1000 / max(run.ok, 1)
        spent = [run.cpu["client"], run.cpu["server"], *([run.cpu["database"]] if pg else [])]
        cpu.add_row(
            run.name,
            *(f"{v * per:.2f}" for v in spent),
            f"{sum(spent) * per:.2f}",
            *([f"{run.cpu['opened']:.0f}"] if pg else []),
            f"{run.cpu['busy'] / run.cpu['total']:.0%}" if run.cpu["total"] else "-",
        )
    console.print(cpu)
    for run in runs:
        if run.problems:
            seen = ", ".join(f"{s}×{n}" for s, n in sorted(run.statuses.items()) if s != 200)
            console.print(f"[red]{run.name}: answers other than 200 ({seen})")
            for status, first in sorted(run.problems.items()):
                console.print(f"  first {status if status > 0 else 'exception'}: {first}")
    api = next(r for r in runs if r.name.startswith("API") and not r.think_ms)  # back to back
    paced = next(r for r in runs if r.name.startswith("API") and r.think_ms)
    one_call = any("atelier_autosave" in statement for statement in statements)
    console.print(
        f"The endpoint sent {len(statements)} statement(s) for one save, listed in {listing}"
        + (
            ": one call of atelier_autosave in autocommit, on a pool without pre-ping."
            if one_call
            else ", then COMMIT"
            + (", plus the pool's pre-ping on each checkout." if backend.postgres else ".")
        )
    )
    ratio = api.rate / base.rate if base.rate else 0.0
    everyone = args.clients * args.saves
    fair = api.ok == everyone and paced.ok == everyone
    rate_ok = fair and ratio >= TARGET_RATIO
    p99_ok = fair and paced.quantile(0.99) < TARGET_P99_MS
    scope = "target" if backend.postgres else "(the target is PostgreSQL's; shown for comparison)"
    console.print(
        f"{'PASS' if rate_ok else 'FAIL'}: API ≥ {TARGET_RATIO:.0%} of the raw upsert rate {scope}, "
        f"back to back: {api.rate:.0f}/s vs {base.rate:.0f}/s = {ratio:.0%}"
        + ("" if fair else " (some saves failed)")
    )
    console.print(
        f"{'PASS' if p99_ok else 'FAIL'}: API p99 < {TARGET_P99_MS:.0f} ms {scope}, {args.clients} clients "
        f"each saving every ~{args.pace_ms / 1000:g} s ({paced.rate:.0f} saves/s offered): "
        f"{paced.quantile(0.99):.1f} ms"
    )
    console.print(
        f"Back to back, a client's mean latency is {args.clients} clients / rate (Little's law): a mean "
        f"under {TARGET_P99_MS:.0f} ms would need ≥ {args.clients / TARGET_P99_MS * 1000:.0f} saves/s on "
        f"any path (raw baseline: mean {statistics.fmean(base.samples):.0f} ms at {base.rate:.0f}/s), so "
        f"the latency target is measured at a set every ~{args.pace_ms / 1000:g} s per athlete (a real "
        f"one logs a set every 30 s or more)"
    )
    console.print(
        f"Server (atelier serve --workers {args.workers}, every process summed) peak resident memory VmHWM "
        f"{mib(after['VmHWM'])} (after startup {mib(startup['VmHWM'])}; resident now {mib(after['VmRSS'])}); "
        f"this benchmark's peak (ru_maxrss) {mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)}"
    )
    if not backend.postgres:
        return None
    return rate_ok and p99_ok


async def main_async(args: argparse.Namespace, console: Console) -> int:
    if args.backend == "postgresql" and not answers(PG_ADMIN, 5432):
        console.print(f"PostgreSQL is not answering at {make_url(PG_ADMIN).host}: nothing measured")
        return 0
    await run_backend(args, console)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.autosave",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--clients", type=int, default=200, help="concurrent clients (default 200)")
    parser.add_argument("--saves", type=int, default=20, help="timed saves per client and path (default 20)")
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--pace-ms",
        type=float,
        default=1000.0,
        help="the paced API run: each client's pause before a save, 0.5× to 1.5× this (default 1000)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="atelier serve --workers (default 2, one per core here); the server's 30 connections are "
        "shared between them",
    )
    parser.add_argument(
        "--raw-pool",
        type=int,
        default=SERVER_POOL,
        help=f"connections of the raw SQL baseline's pool (default {SERVER_POOL}, the server's; capped by "
        f"what max_connections leaves, {CONNECTION_MARGIN} kept for others)",
    )
    args = parser.parse_args(argv)
    if args.clients < 1 or args.saves < 1 or args.pace_ms <= 0 or args.raw_pool < 1:
        parser.error("--clients and --saves must be positive, --think-ms not negative")
    console = Console(width=160)
    started = time.perf_counter()
    console.print(
        f"Auto-save benchmark: backend {args.backend}, {args.clients} clients × {args.saves} saves; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs (clients, server and database "
        f"share them)"
    )
    code = asyncio.run(main_async(args, console))
    console.print(f"Done in {time.perf_counter() - started:.0f} s")
    return code  # a benchmark reports; it does not fail the build on a timing


if __name__ == "__main__":
    sys.exit(main())
