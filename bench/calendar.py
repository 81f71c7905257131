"""The calendar at scale: p50/p95 of GET /api/v1/calendar for a month and a year, next to raw SQL.

    .venv/bin/python -m bench.calendar [--backend sqlite|postgresql|both] [--requests R] [--series 50]

1. For each backend: a fresh database at the newest schema, the real app in-process (httpx +
   ASGITransport), an athlete registered and logged in through the API (``bench.wod_search``'s
   ``open_backend``).
2. The athlete's history, bulk-inserted as the database owner: ``--series`` active series (weekly on
   one to three days, every few days, monthly, second Tuesday…) that started two years ago and never
   end, every past date of each one a finished occurrence with its snapshot (~10k rows for 50
   series), a few skipped dates and exceptions, and 20 one-off sessions a month from two years ago
   to a year ahead. ``VACUUM ANALYZE`` on PostgreSQL.
3. Times, interleaved request by request, for this month and for the next 365 days: the API served
   by ``atelier serve`` in its own process over HTTP (what a user reaches, through the lean client
   of ``bench.http1``), right after a change to the calendar (the counter the triggers of migration
   0012 raise on any write, raised off the clock: the calendar is built again) and unchanged since
   the previous read (served as the process kept it); the same app in-process (httpx +
   ASGITransport, the client sharing the server's event loop) after a change; the same reads as
   raw SQL (the baseline: what the endpoint costs beyond the database); and the rule expansion
   alone, walking every series from its first date (the previous approach) versus computing or
   fast-forwarding (``Schedule._counted``, ``Schedule._fast_forward``). Parsing the JSON answer is
   the client's work and happens after the clock stops.

Prints one table per backend and PASS/FAIL for the target (PostgreSQL, p95 < 15 ms for a month
through ``atelier serve``), for both states. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import socket
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path as FilePath
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import insert, text

from atelier.kit.clock import utcnow
from atelier.planning.models import Session, SessionKind, Status
from atelier.planning.recurrence import Rule, Schedule
from atelier.planning.service import rule_json
from bench.http1 import Device
from bench.wod_search import Backend, bench_settings, open_backend, quantile

TARGET_MS = 15.0
ZONE = "Europe/Paris"
SOURCES = {
    "Back squat 5x5": "# Back squat 5x5\nBack squat 5x5 @ 75%\n",
    "Engine": "# Engine\nEMOM 10\n  Odd: 12/10 cal Row\n  Even: 10 Burpee\n",
    "Cindy": "# Cindy\nAMRAP 20\n  5 Pull-up\n  10 Push-up\n  15 Air squat\n",
}
RULES = (
    Rule("weekly", by_weekday=("MO", "TH")),
    Rule("weekly", by_weekday=("TU",)),
    Rule("weekly", by_weekday=("MO", "WE", "FR")),
    Rule("daily", interval=3),
    Rule("weekly", interval=2, by_weekday=("SA",)),
    Rule("monthly", by_month_day=(15,)),
    Rule("monthly", by_weekday=("TU",), by_set_position=2),
)


def history_rows(user_id: uuid.UUID, series_count: int, today: date, seed: int = 7) -> list[dict[str, Any]]:
    """Series, their finished past dates, and one-off sessions, as ``sessions`` rows."""
    chooser = random.Random(seed)
    now = utcnow()
    start = today - timedelta(days=730)
    rows: list[dict[str, Any]] = []

    def row(**values: Any) -> dict[str, Any]:
        title = values.pop("title", chooser.choice(list(SOURCES)))
        base = {
            "id": uuid.uuid4(),
            "athlete_id": user_id,
            "created_by": user_id,
            "parent_id": None,
            "occurrence_date": None,
            "title": title,
            "wod_id": None,
            "wod_version": None,
            "source": SOURCES[title],
            "notes": None,
            "session_time": clock(chooser.choice([6, 7, 12, 18, 19])),
            "timezone": ZONE,
            "rule": None,
            "exceptions": [],
            "ends_on": None,
            "status": Status.scheduled,
            "snapshot": None,
            "snapshot_at": None,
            "started_at": None,
            "ended_at": None,
            "created_at": now,
            "updated_at": now,
        }
        return base | values

    for index in range(series_count):
        rule = RULES[index % len(RULES)]
        first = start + timedelta(days=chooser.randrange(0, 14))
        schedule = Schedule(rule, first, clock(18), ZONE)
        past = schedule.dates(first, today - timedelta(days=1))
        skipped = set(chooser.sample(past, k=min(3, len(past))))
        exceptions = sorted(
            d.isoformat() for d in chooser.sample(past, k=min(2, len(past))) if d not in skipped
        )
        series = row(
            kind=SessionKind.series,
            session_date=first,
            rule=rule_json(rule),
            exceptions=exceptions,
            session_time=clock(18),
        )
        rows.append(series)
        for day in past:
            if day.isoformat() in exceptions:
                continue
            done = day not in skipped
            rows.append(
                row(
                    kind=SessionKind.occurrence,
                    parent_id=series["id"],
                    occurrence_date=day,
                    session_date=day,
                    title=series["title"],
                    session_time=series["session_time"],
                    status=Status.completed if done else Status.skipped,
                    snapshot={"name": series["title"], "sections": [], "format": 1},
                    snapshot_at=now,
                    started_at=now if done else None,
                    ended_at=now if done else None,
                )
            )
    month = date(start.year, start.month, 1)
    while month <= today + timedelta(days=365):
        for _ in range(20):
            day = month + timedelta(days=chooser.randrange(0, 28))
            rows.append(
                row(
                    kind=SessionKind.one_off,
                    session_date=day,
                    status=Status.completed if day < today else Status.scheduled,
                    snapshot={"name": "one-off", "sections": [], "format": 1},
                    snapshot_at=now,
                )
            )
        month = date(month.year + (month.month // 12), month.month % 12 + 1, 1)
    return rows


async def populate(backend: Backend, rows: list[dict[str, Any]], console: Console) -> float:
    started = time.perf_counter()
    series = [r for r in rows if r["kind"] == SessionKind.series]
    others = [r for r in rows if r["kind"] != SessionKind.series]
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task(f"{backend.name}: inserting sessions", total=len(rows))
        async with backend.owner.begin() as connection:
            for chunk in (series, *[others[i : i + 2000] for i in range(0, len(others), 2000)]):
                if chunk:
                    await connection.execute(insert(Session), chunk)
                    progress.advance(task, len(chunk))
    if backend.postgres:
        async with backend.owner.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE sessions"))
    return time.perf_counter() - started


# A path answers a count, or a function counting once the clock has stopped (parsing the JSON
# answer is the client's work, not the endpoint's).
Counted = int | Callable[[], int]
Call = Callable[[], Awaitable[Counted]]


@dataclass
class Served:
    """``atelier serve`` in its own process on the benchmark database, as a user reaches it."""

    process: asyncio.subprocess.Process
    client: httpx.AsyncClient
    device: Device

    @classmethod
    async def start(cls, backend: Backend, workers: int = 1, pool_size: int | None = None) -> Served:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {
            **os.environ,
            "ATELIER_DATABASE_URL": backend.url,
            "ATELIER_SECRET_KEY": bench_settings(backend.url).secret_key,
        }
        env.pop("ATELIER_REDIS_URL", None)
        if pool_size is not None:
            env["ATELIER_DATABASE_POOL_SIZE"] = str(pool_size)
        atelier = str(FilePath(sys.executable).with_name("atelier"))
        process = await asyncio.create_subprocess_exec(
            atelier, "serve", "--port", str(port), "--no-library", "--workers", str(workers),
            env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30)
        for _ in range(300):
            if process.returncode is not None:
                raise RuntimeError(f"atelier serve exited with {process.returncode}")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return cls(process, client, Device("127.0.0.1", port))
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        process.kill()
        raise RuntimeError("atelier serve did not answer within 30 s")

    async def stop(self) -> None:
        await self.device.close()
        await self.client.aclose()
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), timeout=10)
        except TimeoutError:
            self.process.kill()


@dataclass
class Path:
    name: str
    call: Call
    samples: list[float] = field(default_factory=list)
    sizes: set[int] = field(default_factory=set)
    baseline: bool = False
    # Run before each timed call, off the clock (a change to the calendar, for a read after one).
    prepare: Callable[[], Awaitable[None]] | None = None

    def quantile(self, q: float) -> float:
        return quantile(self.samples, q)


def api_call(backend: Backend, first: date, last: date, client: httpx.AsyncClient | None = None) -> Call:
    """The endpoint in-process (httpx + ASGITransport); the answer is read after the clock stops."""
    params = {"from": first.isoformat(), "to": last.isoformat()}
    via = client or backend.client

    async def call() -> Counted:
        response = await via.get("/api/v1/calendar", params=params, headers=backend.headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET /api/v1/calendar answered {response.status_code}: {response.text}")
        return lambda: len(response.json()["entries"])

    return call


def served_call(backend: Backend, first: date, last: date, device: Device) -> Call:
    """The endpoint through ``atelier serve`` over a lean keep-alive HTTP/1.1 connection
    (``bench.http1``: httpx would spend ~3 ms of CPU per request on the server's cores)."""
    path = f"/api/v1/calendar?from={first.isoformat()}&to={last.isoformat()}"

    async def call() -> Counted:
        status, body = await device.request("GET", path, headers=backend.headers)
        if status != 200:
            raise RuntimeError(f"GET /api/v1/calendar answered {status}: {body[:300]!r}")
        return lambda: len(json.loads(body)["entries"])

    return call


RAW_DATED = text(
    "SELECT id, kind, title, status, session_date, session_time, timezone, parent_id, occurrence_date "
    "FROM sessions WHERE athlete_id = :uid AND kind != 'series' AND session_date BETWEEN :first AND :last"
)
RAW_SERIES = text(
    "SELECT id, title, session_date, session_time, timezone, rule, exceptions FROM sessions "
    "WHERE athlete_id = :uid AND kind = 'series' AND session_date <= :last "
    "AND (ends_on IS NULL OR ends_on >= :first)"
)
RAW_OVERRIDDEN = text(
    "SELECT parent_id, occurrence_date FROM sessions WHERE parent_id IN "
    "(SELECT id FROM sessions WHERE athlete_id = :uid AND kind = 'series') "
    "AND occurrence_date BETWEEN :first AND :last"
)


def calendar_change(backend: Backend) -> Callable[[], Awaitable[None]]:
    """What any write to the athlete's calendar does to it (migration 0012's triggers): raise their
    calendar version, so the next read builds the calendar again."""
    raise_version = text(
        "INSERT INTO calendar_versions (user_id, version) VALUES (:uid, 1) "
        "ON CONFLICT (user_id) DO UPDATE SET version = calendar_versions.version + 1"
    )
    uid = backend.user_id if backend.postgres else backend.user_id.hex

    async def change() -> None:
        async with backend.owner.begin() as connection:
            await connection.execute(raise_version, {"uid": uid})

    return change


def raw_call(backend: Backend, first: date, last: date) -> Call:
    """The calendar's reads as hand-written SQL, as the owner (no RLS, no ORM, no expansion)."""
    params = {
        "uid": backend.user_id if backend.postgres else backend.user_id.hex,
        "first": first,
        "last": last,
    }

    async def call() -> int:
        async with backend.owner.connect() as connection:
            dated = (await connection.execute(RAW_DATED, params)).all()
            (await connection.execute(RAW_SERIES, params)).all()
            (await connection.execute(RAW_OVERRIDDEN, params)).all()
            await connection.commit()
        return len(dated)

    return call


def expansion_call(schedules: list[Schedule], first: date, last: date, *, walk: bool) -> Call:
    """The rule expansion alone: every series over the window, walked from its start or not."""

    async def call() -> int:
        produced = 0
        for schedule in schedules:
            if walk:
                window = schedule._rrule().between(
                    datetime.combine(first, clock.min), datetime.combine(last, clock.max), inc=True
                )
                produced += len(window)
            else:
                produced += len(schedule.dates(first, last))
        return produced

    return call


async def measure(paths: list[Path], requests: int, warmup: int) -> None:
    for _ in range(warmup):
        for path in paths:
            if path.prepare is not None:
                await path.prepare()
            await path.call()
    gc.collect()
    for _ in range(requests):
        for path in paths:
            if path.prepare is not None:
                await path.prepare()
            started = time.perf_counter()
            answer = await path.call()
            path.samples.append((time.perf_counter() - started) * 1000)
            path.sizes.add(answer() if callable(answer) else answer)


def schedules_of(rows: list[dict[str, Any]]) -> list[Schedule]:
    found = []
    for row in rows:
        if row["kind"] != SessionKind.series:
            continue
        rule = row["rule"]
        found.append(
            Schedule(
                Rule(
                    rule["freq"],
                    interval=rule["interval"],
                    by_weekday=tuple(rule["by_weekday"]),
                    by_month_day=tuple(rule["by_month_day"]),
                    by_set_position=rule["by_set_position"],
                ),
                row["session_date"],
                row["session_time"],
                ZONE,
                frozenset(date.fromisoformat(d) for d in row["exceptions"]),
            )
        )
    return found


async def run_backend(
    name: str, args: argparse.Namespace, console: Console
) -> tuple[Table, dict[str, float]]:
    backend = await open_backend(name)
    served: Served | None = None
    try:
        today = utcnow().date()
        rows = history_rows(backend.user_id, args.series, today)
        seconds = await populate(backend, rows, console)
        console.print(f"{name}: {len(rows):,} session rows inserted in {seconds:.1f} s")
        month = (date(today.year, today.month, 1), date(today.year, today.month, 1) + timedelta(days=30))
        year = (today, today + timedelta(days=364))
        schedules = schedules_of(rows)
        row_count = len(rows)
        rows.clear()
        # As `atelier serve` does before serving: what setup built is frozen out of collections.
        gc.collect()
        gc.freeze()
        served = await Served.start(backend)
        windows = {"month": month, "year": year}
        change = calendar_change(backend)
        tables: dict[str, list[Path]] = {}
        for label, (first, last) in windows.items():
            # A change first, then the read it invalidated (built again, served once kept), then
            # the in-process read after a change of its own: every round the same three states.
            tables[label] = [
                Path(
                    "API: atelier serve, HTTP, after a change (built)",
                    served_call(backend, first, last, served.device),
                    prepare=change,
                ),
                Path(
                    "API: atelier serve, HTTP, unchanged since read (kept)",
                    served_call(backend, first, last, served.device),
                ),
                Path(
                    "API: in-process (ASGI, same loop), after a change (built)",
                    api_call(backend, first, last),
                    prepare=change,
                ),
                Path("raw SQL, same reads (baseline)", raw_call(backend, first, last), baseline=True),
                Path("expansion: fast-forward", expansion_call(schedules, first, last, walk=False)),
                Path(
                    "expansion: walk from start (before)", expansion_call(schedules, first, last, walk=True)
                ),
            ]
            await measure(tables[label], args.requests, warmup=10)
        table = Table(
            title=f"calendar — {name} — {args.series} series, {row_count:,} rows, {args.requests} requests"
        )
        for column in ("window", "path", "p50 ms", "p95 ms", "mean ms", "entries/rows", "× baseline p50"):
            table.add_column(column, justify="left" if column in ("window", "path") else "right")
        month_api_p95: dict[str, float] = {}
        for label, paths in tables.items():
            baseline = next(p for p in paths if p.baseline).quantile(0.5)
            for path in paths:
                p50, p95 = path.quantile(0.5), path.quantile(0.95)
                if label == "month" and path.name.startswith("API: atelier serve"):
                    month_api_p95[path.name.rsplit("(", 1)[1].rstrip(")")] = p95
                table.add_row(
                    label,
                    path.name,
                    f"{p50:.2f}",
                    f"{p95:.2f}",
                    f"{statistics.fmean(path.samples):.2f}",
                    ", ".join(str(s) for s in sorted(path.sizes)),
                    f"{p50 / baseline:.1f}×",
                )
        return table, month_api_p95
    finally:
        if served is not None:
            await served.stop()
        await backend.close(keep=False)


async def main_async(args: argparse.Namespace) -> int:
    console = Console()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for name in backends:
        table, month_p95 = await run_backend(name, args, console)
        console.print(table)
        if name != "postgresql":
            continue
        for state, p95 in month_p95.items():
            console.print(
                f"{'PASS' if p95 < TARGET_MS else 'FAIL'}: PostgreSQL API p95 for a month, {state}: "
                f"{p95:.2f} ms (target < {TARGET_MS:.0f} ms)"
            )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--series", type=int, default=50)
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
