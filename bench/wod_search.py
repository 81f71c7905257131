"""WOD search at scale: p50/p95 through the HTTP API, next to the same query as raw SQL in the same run.

    .venv/bin/python -m bench.wod_search [--count N] [--backend sqlite|postgresql|both] [--requests R]

1. Generates ``--count`` WODCraft sources from the movement catalog (every format the issue lists),
   compiles them with ``compile_now`` on a process pool, keeps those that compile, and caches the
   rows under ``bench/results/`` (keyed by count, seed, generator and WODCraft version).
2. For each backend: a fresh database (a SQLite file under ``bench/results/``, or
   ``atelier_bench_<random>`` on PostgreSQL, dropped at the end) migrated with ``upgrade_database``;
   the real app in-process (httpx + ASGITransport); a user registered and logged in through the API;
   the rows bulk-inserted as public WODs plus ~1 % private WODs of that user (with their versions),
   through an engine that does not switch role; ``VACUUM ANALYZE`` on PostgreSQL.
3. Times two searches, interleaved request by request, on every path:
   - ``API``: ``GET /api/v1/wods``, all of it (token, RLS context, search, serialization);
   - ``repository.search``: the repository function itself, in a session of the app's engine with
     the request's RLS context (on PostgreSQL also in a session of the owner's engine: no RLS). It
     sends what the API sends (checked on the engine): a count bounded at ``COUNT_CAP`` + 1 rows and
     a page of summary columns (``compiled``/``source`` deferred) ordered by (title, id);
   - ``minimal SQL, count ≤ 1000``: hand-written SQL of that same shape, the floor for it;
   - ``minimal SQL, exact count``: the baseline, hand-written with an exact ``count(*)`` (the
     previous approach: its total is the exact one every other path is checked against);
   - SQLite only, ``candidate: instr() pre-check``: the bounded shape with a byte search on the
     JSON text before ``json_each``, a fix still proposed for src.
   Also the API floor: an authenticated endpoint doing next to nothing (``GET /me/profile``).
   Totals: the exact paths must agree; every capped path must answer min(exact, 1000) and say
   "capped" exactly when more than 1000 match.
4. What-ifs (``--what-if-requests``, 0 to skip): changes proposed for src, applied to the benchmark
   database only, then the API, ``repository.search`` and the minimal SQL are timed again. One is
   left: the array operators LEAKPROOF on PostgreSQL, skipped when the migration already did it
   (it does); SQLite has none.
5. Times ``compile_now`` against ``compile_cached`` hits for the 83 library WODs (memory, Redis).

Prints one table per backend and a PASS/FAIL line for the target (PostgreSQL, API p95 < 20 ms for
both searches), measured before any what-if. The plans (EXPLAIN of the statements the API sent, and
of the minimal SQL) go to ``bench/results/wod_search_plans_<backend>.txt``. Nothing here asserts a
timing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import pickle
import platform
import random
import socket
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import (
    Text,
    TextClause,
    Uuid,
    bindparam,
    event,
    insert,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from atelier.app import create_app
from atelier.config import Settings
from atelier.db import create_engine, execute_outside_transaction, session_factory, set_rls_context
from atelier.kit.cache import Cache, MemoryCache, RedisCache
from atelier.kit.clock import utcnow
from atelier.kit.runtime import Runtime
from atelier.migrations.run import upgrade_database
from atelier.wods import repository
from atelier.wods.catalog import MovementEntry, movement_catalog, normalize_equipment
from atelier.wods.compiler import WODCRAFT_VERSION, compile_cached, compile_now
from atelier.wods.metadata import describe, workout_hash
from atelier.wods.models import Visibility, Wod, WodVersion

RESULTS = Path(__file__).resolve().parent / "results"
PG_ADMIN = os.environ.get("ATELIER_BENCH_PG_ADMIN", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("ATELIER_BENCH_REDIS", "redis://127.0.0.1:6379/15")
TARGET_P95_MS = 20.0
INSERT_CHUNK = 5_000
PRIVATE_EVERY = 100  # one WOD in a hundred is private, owned by the benchmark user
PAGE = 20
COUNT_CAP = repository.COUNT_CAP  # search totals are exact up to this, then "1000+"

# ---------------------------------------------------------------------------------------------
# Generation: WODCraft sources from the catalog
# ---------------------------------------------------------------------------------------------

GENERATOR_VERSION = 1  # bump when the generator changes: it is part of the cache key
# How often a gym programs a movement, relative to an uncommon one (weight 1).
POPULAR = {
    "thruster": 16,
    "pull_up": 16,
    "burpee": 10,
    "run": 10,
    "row": 10,
    "kettlebell_swing": 9,
    "box_jump": 9,
    "wall_ball": 9,
    "double_under": 9,
    "deadlift": 8,
    "push_up": 8,
    "air_squat": 8,
    "toes_to_bar": 7,
    "power_clean": 7,
    "back_squat": 6,
    "clean_and_jerk": 6,
    "handstand_push_up": 6,
    "sit_up": 6,
    "snatch": 5,
    "lunge": 5,
    "chest_to_bar_pull_up": 5,
    "dumbbell_snatch": 5,
    "front_squat": 5,
    "push_press": 5,
    "assault_bike": 5,
    "bar_muscle_up": 4,
    "overhead_squat": 4,
    "ski_erg": 4,
    "rope_climb": 4,
    "ring_muscle_up": 3,
}
FORMATS = {"for_time": 20, "rounds": 18, "ladder": 12, "amrap": 18, "emom": 12, "every": 8, "sets": 12}
REPS = (1, 2, 3, 5, 6, 7, 8, 9, 10, 12, 14, 15, 20, 21, 25, 30, 40, 50, 60, 75, 100)
CALORIES = (5, 6, 8, 10, 12, 15, 18, 20, 25, 30, 40, 50)
METRES = (10, 15, 20, 25, 30, 50, 100, 150, 200, 250, 300, 400, 500, 600, 800, 1000, 1200, 1600, 2000)
SECONDS = (20, 30, 40, 45, 60, 90, 120)
LADDERS = ("21-15-9", "15-12-9", "12-9-6", "9-7-5", "10-8-6-4-2", "5-4-3-2-1", "27-21-15-9")
SET_SCHEMES = ("5x5", "5x3", "3x3", "4x6", "3x8", "6x2", "10x1", "5-5-3-3-1-1", "3-3-2-2-1-1")
STRENGTH_KIT = {"barbell", "dumbbell", "kettlebell"}
GENERIC_LOADS = {  # men's kg when the catalog has no reference; women take ~70 %
    "barbell": (50, 60, 70, 80, 100, 120, 140),
    "dumbbell": (15, 22.5, 25, 32.5),
    "kettlebell": (16, 24, 32),
    "sandbag": (30, 45, 60),
    "plate": (10, 15, 20, 25),
    "sled": (40, 60, 90),
}


@dataclass(frozen=True)
class MovementPool:
    entries: tuple[MovementEntry, ...]
    cumulative: tuple[float, ...]

    def pick(self, rng: random.Random, k: int) -> list[MovementEntry]:
        """``k`` distinct movements, the popular ones more often."""
        k = min(k, len(self.entries))
        chosen: dict[str, MovementEntry] = {}
        while len(chosen) < k:
            entry = rng.choices(self.entries, cum_weights=self.cumulative)[0]
            chosen.setdefault(entry.id, entry)
        return list(chosen.values())


def _pool(entries: list[MovementEntry]) -> MovementPool:
    weights = [float(POPULAR.get(e.id, 1)) for e in entries]
    return MovementPool(tuple(entries), tuple(accumulate(weights)))


@dataclass(frozen=True)
class Pools:
    metcon: MovementPool  # everything but mobility drills
    ladder: MovementPool  # movements a rep ladder can give reps to
    strength: MovementPool  # loaded lifts for sets
    pace: dict[str, dict[str, float]]


@lru_cache(maxsize=1)
def pools() -> Pools:
    from wodcraft.catalog import load_catalog

    entries = sorted(movement_catalog().values(), key=lambda e: e.id)
    metcon = [e for e in entries if e.category != "mobility"]
    return Pools(
        metcon=_pool(metcon),
        ladder=_pool([e for e in metcon if "reps" in e.quantities]),
        strength=_pool(
            [
                e
                for e in metcon
                if "load" in e.params and "reps" in e.quantities and STRENGTH_KIT & set(e.equipment)
            ]
        ),
        pace={mid: dict(m.pace) for mid, m in load_catalog().movements.items()},
    )


def _nice(value: float, steps: Sequence[float]) -> float:
    return min(steps, key=lambda step: abs(step - value))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60}:{seconds % 60:02d}"


def quantity(entry: MovementEntry, rng: random.Random, work_s: float) -> str:
    """A quantity the movement accepts, sized to about ``work_s`` seconds of work at its pace."""
    kinds = entry.quantities
    pace = pools().pace.get(entry.id, {})
    if "reps" in kinds and (len(kinds) == 1 or rng.random() < 0.85):
        return _number(_nice(work_s / pace.get("rep", 3.0), REPS))
    if "calories" in kinds and rng.random() < 0.6:
        men = _nice(work_s / pace.get("cal", 3.5), CALORIES)
        women = _nice(men * 0.8, CALORIES)
        return f"{_number(men)}/{_number(women)} cal" if women != men else f"{_number(men)} cal"
    if "distance" in kinds:
        return f"{_number(_nice(work_s / pace.get('m', 1.0), METRES))} m"
    if "time" in kinds:
        return _clock(_nice(work_s, SECONDS))
    return _number(_nice(work_s / pace.get("rep", 3.0), REPS))


def _reference_kg(entry: MovementEntry, rng: random.Random) -> tuple[float, float]:
    for source in (entry.rx, (entry.default_loads or {}).get("rx")):
        if source and "men" in source:
            unit = (entry.rx or {}).get("unit") or (entry.default_loads or {}).get("unit", "kg")
            factor = 0.45359237 if unit == "lb" else 1.0
            men = float(source["men"]) * factor
            return men, float(source.get("women", men * 0.7)) * factor
    kit = next((k for k in entry.equipment if k in GENERIC_LOADS), None)
    men = float(rng.choice(GENERIC_LOADS[kit])) if kit else float(rng.choice((20, 30, 40)))
    return men, men * 0.7


def load_text(entry: MovementEntry, rng: random.Random) -> str:
    men, women = _reference_kg(entry, rng)
    roll = rng.random()
    scaled = (entry.default_loads or {}).get("scaled")
    if 0.55 <= roll < 0.75:
        if scaled and (entry.default_loads or {}).get("unit", "kg") == "kg":
            men, women = float(scaled["men"]), float(scaled["women"])
        else:
            men, women = men * 0.7, women * 0.7
    elif roll >= 0.75:
        factor = 1.2 if roll < 0.9 else 1.4
        men, women = men * factor, women * factor
    step = 2.5 if "barbell" in entry.equipment else 0.5
    men, women = max(step, round(men / step) * step), max(step, round(women / step) * step)
    return f"{_number(men)}/{_number(women)} kg" if men != women else f"{_number(men)} kg"


def height_text(entry: MovementEntry, rng: random.Random) -> str:
    if "load" in entry.params:  # a wall ball: ball weight and target height
        return "10/9 ft"
    if rng.random() < 0.25:
        return "24/20 in"
    rx = entry.rx if entry.rx and entry.rx.get("unit") == "cm" else {"men": 60, "women": 50}
    return f"{_number(float(rx['men']))}/{_number(float(rx['women']))} cm"


def params_text(entry: MovementEntry, rng: random.Random) -> str:
    parts = []
    if "load" in entry.params:
        parts.append(load_text(entry, rng))
    if "height" in entry.params:
        parts.append(height_text(entry, rng))
    return " ".join(parts)


def movement_line(entry: MovementEntry, rng: random.Random, work_s: float | None) -> str:
    """``[QUANTITY] NAME [PARAM]*``; no quantity inside a rep ladder (``work_s`` None)."""
    parts = [quantity(entry, rng, work_s)] if work_s is not None else []
    parts.append(entry.name)
    params = params_text(entry, rng)
    if params:
        parts.append(params)
    return " ".join(parts)


def _lines(rng: random.Random, entries: list[MovementEntry], low: float, high: float) -> list[str]:
    return ["  " + movement_line(e, rng, rng.uniform(low, high)) for e in entries]


def _for_time(rng: random.Random, p: Pools) -> list[str]:
    head = "For time" if rng.random() < 0.6 else f"For time, cap {rng.choice((10, 12, 15, 20, 25, 30))}:00"
    return [head, *_lines(rng, p.metcon.pick(rng, rng.randint(3, 5)), 45, 150)]


def _rounds(rng: random.Random, p: Pools) -> list[str]:
    return [
        f"{rng.randint(3, 8)} rounds for time",
        *_lines(rng, p.metcon.pick(rng, rng.randint(2, 4)), 20, 60),
    ]


def _ladder(rng: random.Random, p: Pools) -> list[str]:
    entries = p.ladder.pick(rng, rng.randint(2, 3))
    return [f"{rng.choice(LADDERS)} for time", *("  " + movement_line(e, rng, None) for e in entries)]


def _amrap(rng: random.Random, p: Pools) -> list[str]:
    minutes = rng.choice((7, 8, 10, 12, 14, 15, 18, 20, 25, 30))
    return [f"AMRAP {minutes}", *_lines(rng, p.metcon.pick(rng, rng.randint(2, 4)), 15, 45)]


def _emom(rng: random.Random, p: Pools) -> list[str]:
    head = f"EMOM {rng.choice((8, 10, 12, 14, 16, 20, 24, 30))}"
    if rng.random() < 0.5:
        return [head, *_lines(rng, p.metcon.pick(rng, rng.randint(1, 2)), 10, 25)]
    odd, even = p.metcon.pick(rng, 2)
    return [
        head,
        f"  Odd: {movement_line(odd, rng, rng.uniform(20, 40))}",
        f"  Even: {movement_line(even, rng, rng.uniform(20, 40))}",
    ]


def _every(rng: random.Random, p: Pools) -> list[str]:
    head = f"Every {rng.choice(('1:30', '2:00', '2:30', '3:00', '4:00'))} x {rng.randint(4, 10)}"
    return [head, *_lines(rng, p.metcon.pick(rng, rng.randint(1, 3)), 20, 40)]


def _sets(rng: random.Random, p: Pools) -> list[str]:
    lines = []
    for entry in p.strength.pick(rng, 1 if rng.random() < 0.6 else 2):
        roll = rng.random()
        if roll < 0.45:
            intensity = f"@ {rng.randrange(60, 95, 5)}%"
        elif roll < 0.7:
            intensity = f"@ RPE {rng.randint(6, 9)}"
        else:
            intensity = load_text(entry, rng)
        lines.append(f"{entry.name} {rng.choice(SET_SCHEMES)} {intensity}")
    return lines


BUILDERS: dict[str, Callable[[random.Random, Pools], list[str]]] = {
    "for_time": _for_time,
    "rounds": _rounds,
    "ladder": _ladder,
    "amrap": _amrap,
    "emom": _emom,
    "every": _every,
    "sets": _sets,
}


def make_source(index: int, seed: int) -> str:
    """The WODCraft source of WOD number ``index``: the same for the same (index, seed)."""
    rng = random.Random(f"{seed}:{index}")
    kind = rng.choices(list(FORMATS), weights=list(FORMATS.values()))[0]
    body = BUILDERS[kind](rng, pools())
    return "\n".join([f"# Bench {index:06d}", *body]) + "\n"


def build_row(task: tuple[int, int]) -> tuple[dict[str, Any] | None, str | None]:
    """Worker: compile, describe and hash one generated source (JSON kept as text: cheap to ship)."""
    index, seed = task
    source = make_source(index, seed)
    compilation = compile_now(source)
    document = compilation.document
    if not compilation.ok or document is None:
        first = compilation.errors[0] if compilation.errors else {"code": "?", "message": "no document"}
        return None, f"{first['code']} {first['message']}: {source!r}"
    meta = describe(document)
    return {
        "title": meta.title,
        "source": source,
        "compiled": json.dumps(document, separators=(",", ":")),
        "source_hash": workout_hash(document),
        "format": meta.format,
        "score_type": meta.score_type,
        "movements": meta.movements,
        "equipment": meta.equipment,
        "modalities": meta.modalities,
        "categories": meta.categories,
        "duration_seconds": meta.duration_seconds,
        "difficulty": meta.difficulty,
        "team_size": meta.team_size,
        "metadata": json.dumps(asdict(meta), separators=(",", ":")),
        "warnings": len(compilation.warnings),
    }, None


def _warm_worker() -> None:
    pools()
    compile_now("# warm\nFor time\n  10 Burpee\n")


@dataclass
class Generated:
    rows: list[dict[str, Any]]
    requested: int
    rejected: int
    rejections: list[str]
    seconds: float
    cached: bool
    path: Path


def generate(count: int, seed: int, workers: int, console: Console) -> Generated:
    path = RESULTS / f"wods-n{count}-s{seed}-g{GENERATOR_VERSION}-wodcraft{WODCRAFT_VERSION}.pkl"
    if path.exists():
        started = time.perf_counter()
        with path.open("rb") as handle:
            stored: dict[str, Any] = pickle.load(handle)
        return Generated(
            stored["rows"],
            count,
            stored["rejected"],
            stored["rejections"],
            time.perf_counter() - started,
            True,
            path,
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    rejections: list[str] = []
    rejected = 0
    started = time.perf_counter()
    with (
        multiprocessing.Pool(workers, initializer=_warm_worker) as pool,
        _progress(console) as progress,
    ):
        task = progress.add_task("compile", total=count)
        tasks = ((index, seed) for index in range(count))
        for row, error in pool.imap(build_row, tasks, chunksize=250):
            if row is not None:
                rows.append(row)
            else:
                rejected += 1
                if len(rejections) < 5:
                    rejections.append(error or "")
            progress.advance(task)
    seconds = time.perf_counter() - started
    partial = path.with_suffix(".tmp")
    with partial.open("wb") as handle:  # plain types only: the module runs as __main__
        stored = {"rows": rows, "rejected": rejected, "rejections": rejections}
        pickle.dump(stored, handle, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(path)
    return Generated(rows, count, rejected, rejections, seconds, False, path)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description:>10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.percentage:>5.1f} %"),
        TimeElapsedColumn(),
        console=console,
    )


# ---------------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------------


def answers(url: str, default_port: int) -> bool:
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


async def _admin(statement: str) -> None:
    await execute_outside_transaction(PG_ADMIN, statement)


def bench_settings(url: str) -> Settings:
    return Settings(
        database_url=url,
        redis_url=None,
        secret_key="bench-secret-key-that-is-long-enough-for-hs256",
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        sql_echo=False,
    )


SET_CONTEXT = text(
    "SELECT set_config('app.user_id', :user_id, true), set_config('app.system', :system, true)"
)


@dataclass
class Backend:
    name: str
    url: str
    postgres: bool
    runtime: Runtime
    client: httpx.AsyncClient
    owner: AsyncEngine  # no role switch: bulk insert, VACUUM, minimal SQL
    user_id: uuid.UUID
    headers: dict[str, str]
    database: str  # PostgreSQL database name or SQLite file path
    setup: dict[str, float] = field(default_factory=dict)
    captured: list[tuple[str, Any]] | None = None

    async def close(self, keep: bool) -> None:
        await self.client.aclose()
        await self.runtime.close()
        await self.owner.dispose()
        if keep:
            return
        if self.postgres:
            await _admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        else:
            _delete_sqlite(self.database)


def _delete_sqlite(database: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(database + suffix).unlink(missing_ok=True)


async def open_backend(name: str) -> Backend:
    """A fresh database at the newest schema, the app on it, and a user logged in through the API."""
    postgres = name == "postgresql"
    tag = uuid.uuid4().hex[:10]
    started = time.perf_counter()
    if postgres:
        database = f"atelier_bench_{tag}"
        await _admin(f'CREATE DATABASE "{database}"')
        url = make_url(PG_ADMIN).set(database=database).render_as_string(hide_password=False)
    else:
        RESULTS.mkdir(parents=True, exist_ok=True)
        database = str(RESULTS / f"wod_search_{tag}.db")
        url = f"sqlite+aiosqlite:///{database}"
    try:
        settings = bench_settings(url)
        await upgrade_database(settings)
        migrated = time.perf_counter() - started
        runtime = Runtime.from_settings(settings)
        runtime.cache = MemoryCache()
        app = create_app(settings, runtime=runtime)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://atelier.bench")
        email, password = f"bench-{tag}@example.com", "correct horse battery staple"
        created = await client.post(
            "/api/v1/auth/register",
            json={"email": email, "password": password, "name": "Bench", "role": "athlete"},
        )
        if created.status_code != 201:
            raise RuntimeError(f"register answered {created.status_code}: {created.text}")
        token = await client.post("/api/v1/auth/token", data={"username": email, "password": password})
        if token.status_code != 200:
            raise RuntimeError(f"login answered {token.status_code}: {token.text}")
        backend = Backend(
            name=name,
            url=url,
            postgres=postgres,
            runtime=runtime,
            client=client,
            owner=create_engine(
                url, custom_plans=True
            ),  # the raw baselines plan per values, as the app's reads do
            user_id=uuid.UUID(created.json()["id"]),
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            database=database,
        )
    except BaseException:
        if postgres:
            await _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        else:
            _delete_sqlite(database)
        raise
    backend.setup["migrate"] = migrated
    _capture_sql(backend)
    return backend


def _capture_sql(backend: Backend) -> None:
    """Record the statements the app's engines send while ``backend.captured`` is a list."""

    def _record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if backend.captured is not None:
            backend.captured.append((statement, parameters))

    for engine in (backend.runtime.engine, backend.runtime.quick_engine):
        if engine is not None:
            event.listen(engine.sync_engine, "before_cursor_execute", _record)


async def populate(backend: Backend, rows: list[dict[str, Any]], console: Console) -> None:
    """Bulk insert (Core ``insert(Wod)``, chunks of 5k) as the owner, then VACUUM ANALYZE (PostgreSQL)."""
    started = time.perf_counter()
    now = utcnow()
    private = 0
    with _progress(console) as progress:
        task = progress.add_task(f"insert {backend.name[:6]}", total=len(rows))
        async with backend.owner.connect() as connection:
            for start in range(0, len(rows), INSERT_CHUNK):
                wods: list[dict[str, Any]] = []
                versions: list[dict[str, Any]] = []
                for index, row in enumerate(rows[start : start + INSERT_CHUNK], start):
                    mine = index % PRIVATE_EVERY == PRIVATE_EVERY // 2
                    private += mine
                    owner_id = backend.user_id if mine else None
                    wod_id = uuid.uuid4()
                    compiled = json.loads(row["compiled"])
                    wods.append(
                        {
                            "id": wod_id,
                            "owner_id": owner_id,
                            "visibility": Visibility.private if mine else Visibility.public,
                            "library_path": None,
                            "version": 1,
                            "title": row["title"],
                            "source": row["source"],
                            "compiled": compiled,
                            "source_hash": row["source_hash"],
                            "format": row["format"],
                            "score_type": row["score_type"],
                            "movements": row["movements"],
                            "equipment": row["equipment"],
                            "modalities": row["modalities"],
                            "categories": row["categories"],
                            "duration_seconds": row["duration_seconds"],
                            "difficulty": row["difficulty"],
                            "team_size": row["team_size"],
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    versions.append(
                        {
                            "id": uuid.uuid4(),
                            "wod_id": wod_id,
                            "version": 1,
                            "title": row["title"],
                            "source": row["source"],
                            "compiled": compiled,
                            "source_hash": row["source_hash"],
                            "metadata": json.loads(row["metadata"]),
                            "created_by": owner_id,
                            "created_at": now,
                        }
                    )
                await connection.execute(insert(Wod), wods)
                await connection.execute(insert(WodVersion), versions)
                await connection.commit()
                progress.advance(task, len(wods))
    backend.setup["insert"] = time.perf_counter() - started
    backend.setup["private"] = private
    if backend.postgres:
        started = time.perf_counter()
        async with backend.owner.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM (ANALYZE) wods"))
            await connection.execute(text("VACUUM (ANALYZE) wod_versions"))
        backend.setup["analyze"] = time.perf_counter() - started
    async with backend.owner.connect() as connection:
        if backend.postgres:
            size = await connection.scalar(text("SELECT pg_total_relation_size('wods')"))
        else:
            size = await connection.scalar(
                text("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
            )
    backend.setup["size_mb"] = float(size or 0) / 1e6


# ---------------------------------------------------------------------------------------------
# Searches and the paths that answer them
# ---------------------------------------------------------------------------------------------

SUMMARY_COLUMNS = (
    "id, version, title, visibility, owner_id, format, score_type, movements, equipment, "
    "modalities, categories, duration_seconds, difficulty, team_size, library_path"
)


@dataclass(frozen=True)
class Search:
    key: str
    label: str
    params: list[tuple[str, str]]  # the API's query string
    query: repository.WodQuery  # what the API builds from it


def searches(movements: tuple[str, str]) -> list[Search]:
    kit = ["barbell", "pull-up bar", "kettlebell"]
    return [
        Search(
            "a",
            f"(a) {movements[0]} + {movements[1]}, match=all",
            [("movement", movements[0]), ("movement", movements[1]), ("match", "all")],
            repository.WodQuery(movements=list(movements), match="all"),
        ),
        Search(
            "b",
            "(b) 5–20 min, difficulty 30–70, kit",
            [
                ("duration_min", "300"),
                ("duration_max", "1200"),
                ("difficulty_min", "30"),
                ("difficulty_max", "70"),
                *(("equipment", k) for k in kit),
            ],
            repository.WodQuery(
                equipment=normalize_equipment(kit),
                duration_min=300,
                duration_max=1200,
                difficulty_min=30,
                difficulty_max=70,
            ),
        ),
    ]


def _where_minimal(search: Search, postgres: bool) -> tuple[str, list[Any]]:
    """The hand-written WHERE clause of a search, and its bind parameters."""
    q = search.query
    where = ["(visibility = 'public' OR owner_id = :uid)"]
    binds: list[Any] = [bindparam("uid", type_=Uuid())]
    if q.movements:
        if postgres:
            where.append("movements @> CAST(:movements AS TEXT[])")
            binds.append(bindparam("movements", sorted(q.movements), type_=ARRAY(Text())))
        else:
            where.append(
                "(SELECT count(*) FROM json_each(wods.movements) WHERE value IN :movements) = :n_movements"
            )
            binds += [
                bindparam("movements", sorted(q.movements), expanding=True),
                bindparam("n_movements", len(set(q.movements))),
            ]
    if q.duration_min is not None:
        where.append("duration_seconds BETWEEN :dmin AND :dmax")
        binds += [bindparam("dmin", q.duration_min), bindparam("dmax", q.duration_max)]
    if q.difficulty_min is not None:
        where.append("difficulty BETWEEN :fmin AND :fmax")
        binds += [bindparam("fmin", q.difficulty_min), bindparam("fmax", q.difficulty_max)]
    if q.equipment is not None:
        if postgres:
            where.append("equipment <@ CAST(:kit AS TEXT[])")
            binds.append(bindparam("kit", sorted(q.equipment), type_=ARRAY(Text())))
        else:
            where.append("NOT EXISTS (SELECT 1 FROM json_each(wods.equipment) WHERE value NOT IN :kit)")
            binds.append(bindparam("kit", sorted(q.equipment), expanding=True))
    return " AND ".join(where), binds


def _where_candidate(search: Search, postgres: bool) -> tuple[str, list[Any]] | None:
    """SQLite only: the same filters with a plain-text pre-check on the JSON text before json_each.

    ``instr(movements, '"thruster"')`` is a byte search on the stored JSON array and cannot match
    anything else (ids are quoted, no id contains a quote); json_each still decides."""
    if postgres or not search.query.movements:
        return None
    where, binds = _where_minimal(search, postgres)
    checks = []
    for i, movement in enumerate(sorted(search.query.movements)):
        checks.append(f"instr(movements, :needle{i}) > 0")
        binds.append(bindparam(f"needle{i}", json.dumps(movement)))
    return " AND ".join(checks) + " AND " + where, binds


def _statements(
    where: str, binds: list[Any], columns: str, *, cap: int | None
) -> tuple[TextClause, TextClause]:
    """The count (exact, or of at most ``cap`` + 1 rows) and the page, in title order."""
    if cap is None:
        count = text(f"SELECT count(*) FROM wods WHERE {where}")
    else:
        count = text(f"SELECT count(*) FROM (SELECT id FROM wods WHERE {where} LIMIT {cap + 1}) AS bounded")
    page = text(f"SELECT {columns} FROM wods WHERE {where} ORDER BY title, id LIMIT {PAGE} OFFSET 0")
    return count.bindparams(*binds), page.bindparams(*binds)


@dataclass(frozen=True)
class Answer:
    total: int
    capped: bool | None  # None: the path counts exactly

    def __str__(self) -> str:
        return f"{self.total}+" if self.capped else str(self.total)


Call = Callable[[], Awaitable[tuple[float, Answer]]]


def quantile(samples: list[float], q: float) -> float:
    """The q-quantile of the samples, interpolated between the two nearest (numpy's default)."""
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class TimedPath:
    name: str
    call: Call
    exact: bool  # answers the exact total (a capped count answers min(exact, COUNT_CAP))
    samples: list[float] = field(default_factory=list)
    answers: set[Answer] = field(default_factory=set)
    baseline: bool = False

    def quantile(self, q: float) -> float:
        return quantile(self.samples, q)

    def totals(self) -> str:
        return ", ".join(str(a) for a in sorted(self.answers, key=lambda a: (a.total, bool(a.capped))))


def api_call(backend: Backend, search: Search) -> Call:
    params = httpx.QueryParams(tuple(search.params))

    async def call() -> tuple[float, Answer]:
        started = time.perf_counter()
        response = await backend.client.get("/api/v1/wods", params=params, headers=backend.headers)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"GET /api/v1/wods answered {response.status_code}: {response.text}")
        body = response.json()
        return elapsed, Answer(int(body["total"]), bool(body["total_capped"]))

    return call


def repository_call(backend: Backend, search: Search, *, rls: bool) -> Call:
    """``repository.search`` itself, in a session set up as the API's (RLS context, one commit).

    ``rls``: a session of the app's engine (the app role on PostgreSQL, so the policies apply);
    otherwise of the owner's engine, which the policies do not restrict."""
    sessions = backend.runtime.sessions if rls else session_factory(backend.owner)

    async def call() -> tuple[float, Answer]:
        started = time.perf_counter()
        async with sessions() as session:
            await set_rls_context(session, user_id=backend.user_id)
            found = await repository.search(session, backend.user_id, search.query)
            await session.commit()
        return time.perf_counter() - started, Answer(found.total, found.total_capped)

    return call


def text_call(backend: Backend, count: TextClause, page: TextClause, *, cap: int | None) -> Call:
    params = {"uid": backend.user_id}

    async def call() -> tuple[float, Answer]:
        started = time.perf_counter()
        async with backend.owner.connect() as connection:
            counted = int((await connection.execute(count, params)).scalar_one())
            (await connection.execute(page, params)).all()
            await connection.commit()
        elapsed = time.perf_counter() - started
        if cap is None:
            return elapsed, Answer(counted, None)
        return elapsed, Answer(min(counted, cap), counted > cap)

    return call


def minimal_paths(backend: Backend, search: Search) -> list[TimedPath]:
    """Hand-written SQL as the owner: the shape the repository now uses, and the exact baseline."""
    where, binds = _where_minimal(search, backend.postgres)
    bounded = _statements(where, binds, SUMMARY_COLUMNS, cap=COUNT_CAP)
    exact = _statements(where, binds, SUMMARY_COLUMNS, cap=None)
    return [
        TimedPath(
            f"minimal SQL, count ≤ {COUNT_CAP}", text_call(backend, *bounded, cap=COUNT_CAP), exact=False
        ),
        TimedPath(
            "minimal SQL, exact count (previous approach)",
            text_call(backend, *exact, cap=None),
            exact=True,
            baseline=True,
        ),
    ]


def paths_for(backend: Backend, search: Search) -> list[TimedPath]:
    pg = backend.postgres
    paths = [
        TimedPath("API", api_call(backend, search), exact=False),
        TimedPath(
            "repository.search" + (" (app role, RLS)" if pg else ""),
            repository_call(backend, search, rls=True),
            exact=False,
        ),
    ]
    if pg:
        paths.append(
            TimedPath(
                "repository.search (owner, no RLS)", repository_call(backend, search, rls=False), exact=False
            )
        )
    paths += minimal_paths(backend, search)
    candidate = _where_candidate(search, pg)
    if candidate is not None:
        statements = _statements(*candidate, SUMMARY_COLUMNS, cap=COUNT_CAP)
        paths.append(
            TimedPath(
                f"candidate: instr() pre-check, count ≤ {COUNT_CAP}",
                text_call(backend, *statements, cap=COUNT_CAP),
                exact=False,
            )
        )
    return paths


async def measure(paths: list[TimedPath], requests: int, warmup: int) -> list[TimedPath]:
    """Warm every path, then time them request by request, interleaved, so drift hits all alike."""
    for _ in range(warmup):
        for path in paths:
            await path.call()
    gc.collect()
    for _ in range(requests):
        for path in paths:
            elapsed, answer = await path.call()
            path.samples.append(elapsed * 1000)
            path.answers.add(answer)
    return paths


async def api_floor(backend: Backend, requests: int, warmup: int) -> TimedPath:
    """An authenticated endpoint with one trivial query: what every request pays before searching."""

    async def call() -> tuple[float, Answer]:
        started = time.perf_counter()
        response = await backend.client.get("/api/v1/me/profile", headers=backend.headers)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"GET /api/v1/me/profile answered {response.status_code}: {response.text}")
        return elapsed, Answer(0, None)

    (path,) = await measure([TimedPath("API floor", call, exact=True)], requests, warmup)
    return path


@dataclass(frozen=True)
class WhatIf:
    """A change applied to the benchmark database only, to measure a proposed fix in src."""

    label: str
    statements: tuple[str, ...]  # ``{database}``: the benchmark database's name
    already: str | None = None  # a query answering true when the database already has it


ARRAY_FUNCTIONS = ("arraycontains", "arraycontained", "arrayoverlap")
# Implemented in src since this bench first ran, so no longer what-ifs: summary columns only,
# 'public' inline, the count bounded at COUNT_CAP, no ix_wods_visibility_owner, an index on
# (title, id), plan_cache_mode = force_custom_plan.
WHAT_IFS: dict[str, tuple[WhatIf, ...]] = {
    "postgresql": (
        WhatIf(
            "array operators LEAKPROOF",
            tuple(
                f"ALTER FUNCTION pg_catalog.{name}(anyarray, anyarray) LEAKPROOF" for name in ARRAY_FUNCTIONS
            ),
            already="SELECT bool_and(proleakproof) FROM pg_proc WHERE proname IN ("
            + ", ".join(f"'{name}'" for name in ARRAY_FUNCTIONS)
            + ")",
        ),
    ),
    "sqlite": (),
}


def what_if_paths(backend: Backend, search: Search) -> list[TimedPath]:
    return [
        TimedPath("API", api_call(backend, search), exact=False),
        TimedPath("repository.search", repository_call(backend, search, rls=True), exact=False),
        *minimal_paths(backend, search),
    ]


async def apply_what_if(backend: Backend, what_if: WhatIf) -> bool:
    """Apply a what-if; False when the database already has it (nothing to measure)."""
    async with backend.owner.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        if what_if.already and await connection.scalar(text(what_if.already)):
            return False
        for statement in what_if.statements:
            await connection.execute(text(statement.format(database=backend.database)))
    # Fresh connections: no prepared statement planned before the change survives it.
    await backend.runtime.engine.dispose()
    await backend.owner.dispose()
    return True


def _searching(captured: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [(statement, repr(parameters)) for statement, parameters in captured if "FROM wods" in statement]


async def same_sql_check(backend: Backend, search: Search) -> tuple[bool, list[tuple[str, Any]]]:
    """Does the API send the very statements (and parameters) the 'repository.search' path sends?"""
    backend.captured = []
    await api_call(backend, search)()
    from_api = backend.captured
    backend.captured = []
    await repository_call(backend, search, rls=True)()
    from_bench = backend.captured
    backend.captured = None
    searched = [(s, p) for s, p in from_api if "FROM wods" in s]
    same = bool(searched) and _searching(from_api) == _searching(from_bench)
    return same, searched


async def explain(backend: Backend, search: Search, statements: list[tuple[str, Any]]) -> str:
    """Plans of what the API sent (with its RLS context) and of the minimal SQL, for the report."""
    out = [f"==== {backend.name}: {search.label}"]
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if backend.postgres else "EXPLAIN QUERY PLAN "
    async with backend.runtime.engine.connect() as connection:
        if backend.postgres:
            await connection.execute(SET_CONTEXT, {"user_id": str(backend.user_id), "system": "off"})
        for statement, parameters in statements:
            result = await connection.exec_driver_sql(prefix + statement, parameters)
            out += ["-- API statement:", statement, "-- parameters: " + repr(parameters)]
            out += ["  " + " | ".join(str(v) for v in row) for row in result.all()]
        await connection.rollback()
    where, binds = _where_minimal(search, backend.postgres)
    exact_count, page = _statements(where, binds, SUMMARY_COLUMNS, cap=None)
    bounded_count, _ = _statements(where, binds, SUMMARY_COLUMNS, cap=COUNT_CAP)
    async with backend.owner.connect() as connection:
        for clause in (bounded_count, exact_count, page):
            prefixed = text(prefix + clause.text).bindparams(*binds)
            result = await connection.execute(prefixed, {"uid": backend.user_id})
            out += ["-- minimal SQL (owner):", clause.text]
            out += ["  " + " | ".join(str(v) for v in row) for row in result.all()]
        await connection.rollback()
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Compile vs cache
# ---------------------------------------------------------------------------------------------


@dataclass
class CacheResult:
    name: str
    total_ms: float
    count: int


async def compile_vs_cache(passes: int, console: Console) -> list[CacheResult]:
    from wodcraft import library

    sources = [entry.source for entry in library.entries()]
    compile_now(sources[0])  # imports and catalog loaded before the clock starts

    def compile_all() -> float:
        started = time.perf_counter()
        for source in sources:
            compile_now(source)
        return (time.perf_counter() - started) * 1000

    results = [
        CacheResult("compile_now", statistics.median(compile_all() for _ in range(passes)), len(sources))
    ]

    async def cached_all(cache: Cache) -> float:
        started = time.perf_counter()
        for source in sources:
            compilation = await compile_cached(cache, source, 3600)
            if not compilation.ok:
                raise RuntimeError("a library WOD does not compile")
        return (time.perf_counter() - started) * 1000

    caches: list[tuple[str, Cache]] = [("memory", MemoryCache())]
    if answers(REDIS_URL, 6379):
        caches.append(("Redis", RedisCache(REDIS_URL, prefix=f"bench:{uuid.uuid4().hex}:")))
    else:
        console.print(f"Redis is not answering at {REDIS_URL}: memory cache only")
    for name, cache in caches:
        try:
            cold = await cached_all(cache)
            results.append(CacheResult(f"compile_cached, {name}, cold (miss + set)", cold, len(sources)))
            hits = [await cached_all(cache) for _ in range(passes)]
            results.append(
                CacheResult(f"compile_cached, {name}, warm (hit)", statistics.median(hits), len(sources))
            )
        finally:
            from atelier.wods.compiler import source_key

            await cache.delete(*(source_key(s) for s in sources))
            await cache.close()
    return results


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


async def bench_backend(
    backend: Backend, args: argparse.Namespace, movements: tuple[str, str], console: Console
) -> dict[str, float]:
    """Time every path of both searches, then the what-ifs; returns the API p95 of each search."""
    measured: list[tuple[Search, list[TimedPath]]] = []
    plans: list[str] = []
    all_same = True
    for search in searches(movements):
        same, statements = await same_sql_check(backend, search)
        all_same &= same
        paths = await measure(paths_for(backend, search), args.requests, args.warmup)
        _check_totals(backend, search, paths, console)
        measured.append((search, paths))
        plans.append(await explain(backend, search, statements))
    floor = await api_floor(backend, args.requests, args.warmup)
    console.print(table_for(backend, measured))
    console.print(
        f"{args.requests} timed requests per path after {args.warmup} warm-up, interleaved. "
        + (
            "repository.search sent the very statements and parameters the API sent (captured on the engine)."
            if all_same
            else "[yellow]The API sent other SQL than repository.search sends here."
        )
    )
    console.print(
        f"API floor (authenticated GET /api/v1/me/profile: token, RLS context, 3 small queries): "
        f"p50 {floor.quantile(0.5):.2f} ms, p95 {floor.quantile(0.95):.2f} ms"
    )
    before = {search.key: paths[0] for search, paths in measured}
    plans += await what_ifs(backend, args, movements, before, console)
    plan_file = RESULTS / f"wod_search_plans_{backend.name}.txt"
    plan_file.write_text("\n".join(plans), encoding="utf-8")
    console.print(f"Query plans (EXPLAIN of the API's own statements and of the minimal SQL): {plan_file}")
    return {key: path.quantile(0.95) for key, path in before.items()}


async def what_ifs(
    backend: Backend,
    args: argparse.Namespace,
    movements: tuple[str, str],
    before: dict[str, TimedPath],
    console: Console,
) -> list[str]:
    """Apply each what-if of the backend in turn and time again; returns the plans under each."""
    candidates = WHAT_IFS.get(backend.name, ())
    if not args.what_if_requests or not candidates:
        why = "--what-if-requests 0" if candidates else f"none left for {backend.name}"
        console.print(f"What-ifs skipped: {why}")
        return []
    plans: list[str] = []
    table = Table(
        title=f"{backend.name}: what if (changes applied to the benchmark database only; "
        f"{args.what_if_requests} requests per path)"
    )
    for column in ("change", "query", "path", "total"):
        table.add_column(column)
    for column in ("p50 ms", "p95 ms", "× API p95 before"):
        table.add_column(column, justify="right")
    for what_if in candidates:
        try:
            if not await apply_what_if(backend, what_if):
                console.print(f"what if {what_if.label!r}: the migrated database already has it")
                continue
        except Exception as exc:  # e.g. not a superuser: say so and go on
            console.print(f"[yellow]what if {what_if.label!r} skipped: {exc}")
            continue
        for search in searches(movements):
            _, statements = await same_sql_check(backend, search)
            warmup = min(args.warmup, 5)
            paths = await measure(what_if_paths(backend, search), args.what_if_requests, warmup)
            _check_totals(backend, search, paths, console)
            plans.append(f"#### what if: {what_if.label}\n" + await explain(backend, search, statements))
            for i, path in enumerate(paths):
                table.add_row(
                    what_if.label if i == 0 and search.key == "a" else "",
                    search.label if i == 0 else "",
                    path.name,
                    path.totals(),
                    f"{path.quantile(0.5):.2f}",
                    f"{path.quantile(0.95):.2f}",
                    f"{path.quantile(0.95) / before[search.key].quantile(0.95):.2f}",
                )
        table.add_section()
    if table.row_count:
        console.print(table)
    return plans


def _check_totals(backend: Backend, search: Search, paths: list[TimedPath], console: Console) -> None:
    """Exact paths agree on one total; capped paths answer min(exact, COUNT_CAP), capped iff above it."""
    where = f"[red]{backend.name} ({search.key}):"
    for path in paths:
        if len(path.answers) != 1:
            console.print(f"{where} {path.name} answered several totals: {path.totals()}")
    exact = {a.total for p in paths if p.exact for a in p.answers}
    if len(exact) != 1:
        console.print(f"{where} the exact paths disagree on the total: {sorted(exact)}")
        return
    (total,) = exact
    expected = Answer(min(total, COUNT_CAP), total > COUNT_CAP)
    for path in paths:
        if not path.exact and path.answers != {expected}:
            console.print(
                f"{where} {path.name} answered {path.totals()}; the exact total {total} means {expected}"
            )


def table_for(backend: Backend, measured: list[tuple[Search, list[TimedPath]]]) -> Table:
    table = Table(
        title=f"{backend.name}: GET /api/v1/wods vs raw SQL ({PAGE} per page + total; "
        f"{COUNT_CAP}+: more than {COUNT_CAP} match)"
    )
    for column in ("query", "path", "total"):
        table.add_column(column)
    for column in ("p50 ms", "p95 ms", "× exact p50", "× exact p95"):
        table.add_column(column, justify="right")
    for search, paths in measured:
        base = next(p for p in paths if p.baseline)
        for i, path in enumerate(paths):
            table.add_row(
                search.label if i == 0 else "",
                path.name,
                path.totals(),
                f"{path.quantile(0.5):.2f}",
                f"{path.quantile(0.95):.2f}",
                f"{path.quantile(0.5) / base.quantile(0.5):.2f}",
                f"{path.quantile(0.95) / base.quantile(0.95):.2f}",
            )
        table.add_section()
    return table


def describe_generated(generated: Generated, movements: tuple[str, str], console: Console) -> None:
    rows = generated.rows
    valid = len(rows)
    share = 100 * valid / max(generated.requested, 1)
    how = f"loaded from {generated.path.name}" if generated.cached else "compiled on the pool"
    console.print(
        f"Generated {generated.requested} sources: {valid} compile ({share:.2f} %), "
        f"{generated.rejected} rejected; {how} in {generated.seconds:.1f} s"
    )
    for rejection in generated.rejections:
        console.print(f"  rejected: {rejection}")
    formats = Counter(row["format"] for row in rows)
    console.print("  formats: " + ", ".join(f"{k} {v}" for k, v in formats.most_common()))
    frequency = Counter(m for row in rows for m in row["movements"])
    console.print("  top movements: " + ", ".join(f"{k} {v}" for k, v in frequency.most_common(8)))
    both = sum(1 for row in rows if set(movements) <= set(row["movements"]))
    console.print(f"  {movements[0]} + {movements[1]} together: {both} WODs")
    durations = sorted(row["duration_seconds"] for row in rows) or [0]
    difficulties = sorted(row["difficulty"] for row in rows) or [0]
    console.print(
        f"  duration p10/p50/p90: {durations[len(durations) // 10]}/{durations[len(durations) // 2]}/"
        f"{durations[9 * len(durations) // 10]} s; difficulty p10/p50/p90: "
        f"{difficulties[len(difficulties) // 10]}/{difficulties[len(difficulties) // 2]}/"
        f"{difficulties[9 * len(difficulties) // 10]}"
    )
    console.print(f"  compiler warnings (kept, like the API keeps them): {sum(r['warnings'] for r in rows)}")


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


async def run(args: argparse.Namespace, generated: Generated, console: Console) -> bool:
    movements = (args.movements[0], args.movements[1])
    wanted = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in wanted and not answers(PG_ADMIN, 5432):
        console.print(f"PostgreSQL is not answering at {make_url(PG_ADMIN).host}: skipped")
        wanted.remove("postgresql")
    backends: list[Backend] = []
    target: dict[str, float] = {}
    try:
        for name in wanted:
            backend = await open_backend(name)
            backends.append(backend)
            await populate(backend, generated.rows, console)
            setup = backend.setup
            analyze = f", VACUUM ANALYZE {setup['analyze']:.1f} s" if "analyze" in setup else ""
            console.print(
                f"{name}: migrated in {setup['migrate']:.1f} s; inserted {len(generated.rows)} WODs "
                f"({int(setup['private'])} private) + their versions in {setup['insert']:.1f} s "
                f"({len(generated.rows) / setup['insert']:.0f} WODs/s){analyze}; wods table "
                f"{setup['size_mb']:.0f} MB" + ("" if backend.postgres else " (whole SQLite file)")
            )
        generated.rows.clear()  # the timings should not pay for collecting 100k rows
        gc.collect()
        gc.freeze()
        for backend in backends:
            target_p95 = await bench_backend(backend, args, movements, console)
            if backend.postgres:
                target.update(target_p95)
    finally:
        for backend in backends:
            await backend.close(keep=args.keep)
    passed = False
    if target:
        passed = all(p95 < TARGET_P95_MS for p95 in target.values())
        verdict = "[green]PASS" if passed else "[red]FAIL"
        detail = ", ".join(f"({key}) p95 {p95:.2f} ms" for key, p95 in sorted(target.items()))
        console.print(f"{verdict}[/] PostgreSQL target, API p95 < {TARGET_P95_MS:.0f} ms for both: {detail}")
    else:
        console.print("[yellow]PostgreSQL target not measured")

    results = await compile_vs_cache(args.compile_passes, console)
    base = results[0].total_ms
    table = Table(title=f"Compile vs cache: the {results[0].count} library WODs (median of passes)")
    table.add_column("path")
    for column in ("total ms", "µs per WOD", "× faster than compile"):
        table.add_column(column, justify="right")
    for result in results:
        table.add_row(
            result.name,
            f"{result.total_ms:.2f}",
            f"{1000 * result.total_ms / result.count:.0f}",
            f"{base / result.total_ms:.1f}",
        )
    console.print(table)
    return passed


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.wod_search", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="WODs to generate (default 100000)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per path and query")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per path first")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--compile-passes", type=int, default=5)
    parser.add_argument(
        "--what-if-requests",
        type=int,
        default=50,
        help="timed requests per path for each what-if (0: skip the what-ifs)",
    )
    parser.add_argument(
        "--movements", nargs=2, default=["thruster", "pull_up"], metavar=("A", "B"), help="query (a)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases (default: dropped)")
    args = parser.parse_args(argv)
    if args.count < 1 or args.requests < 1 or args.warmup < 0:
        parser.error("--count and --requests must be positive, --warmup not negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    console = Console(width=160)
    started = time.perf_counter()
    console.print(
        f"WOD search benchmark: {args.count} WODs, backend {args.backend}, {args.requests} requests "
        f"(+{args.warmup} warm-up), seed {args.seed}; WODCraft {WODCRAFT_VERSION}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    generated = generate(args.count, args.seed, args.workers, console)
    describe_generated(generated, (args.movements[0], args.movements[1]), console)
    asyncio.run(run(args, generated, console))
    console.print(f"Done in {time.perf_counter() - started:.0f} s")
    return 0  # a benchmark reports; it does not fail the build on a timing


if __name__ == "__main__":
    sys.exit(main())
