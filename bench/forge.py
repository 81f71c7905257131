"""The Forge month view at scale: p50/p95 of GET /api/v1/forge/month for an athlete with three years
of daily activities, next to the raw SQL it needs.

    .venv/bin/python -m bench.forge [--backend sqlite|postgresql|both] [--requests R] [--years 3]

1. For each backend: a fresh database at the newest schema, the app, an athlete logged in through
   the API (``bench.wod_search.open_backend``).
2. Three years of ledger rows bulk-inserted as the database owner: a training row every day, a
   manual entry every third day and a wearable row every fifth (~1.5 rows a day, ~1,700 in all),
   then ``VACUUM ANALYZE`` on PostgreSQL.
3. Interleaved request by request: the API through ``atelier serve`` in its
   own process over HTTP (what a user reaches), the same app in-process, and the month's rows read
   by hand-written SQL as the owner (the baseline); the last full month and week, and today.

Prints a table per backend and PASS/FAIL for the target (PostgreSQL, month p95 < 15 ms through
``atelier serve``). Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert, text

from atelier.forge.models import Activity
from atelier.kit.clock import utcnow
from bench.calendar import Call, Path, Served, measure
from bench.wod_search import Backend, open_backend

TARGET_MS = 15.0


def ledger_rows(user_id: uuid.UUID, today: date, years: int) -> list[dict[str, Any]]:
    now = utcnow()
    rows: list[dict[str, Any]] = []
    first = today - timedelta(days=365 * years)

    def row(day: date, source: str, kind: str, name: str, minutes: int, kcal: float) -> dict[str, Any]:
        return {
            "id": uuid.uuid4(),
            "user_id": user_id,
            "source": source,
            "source_id": None if source == "manual" else uuid.uuid4(),
            "activity_type": kind,
            "name": name,
            "activity_date": day,
            "started_at": datetime.combine(day, time(18), UTC),
            "duration_seconds": minutes * 60,
            "calories": kcal,
            "calorie_model": "met",
            "calorie_detail": "MET 6 × 70 kg × 1 h",
            "rpe": 7.0,
            "avg_hr": None,
            "effort": None,
            "distance_m": None,
            "notes": None,
            "created_at": now,
            "updated_at": now,
        }

    day = first
    index = 0
    while day <= today:
        rows.append(row(day, "training", "strength", "Back squat 5x5", 60, 420.0))
        if index % 3 == 0:
            rows.append(row(day, "manual", "cycling", "Bike commute", 30, 240.0))
        if index % 5 == 0:
            rows.append(row(day, "wearable", "running", "Run (FIT)", 45, 510.0))
        day += timedelta(days=1)
        index += 1
    return rows


async def populate(backend: Backend, rows: list[dict[str, Any]]) -> None:
    async with backend.owner.begin() as connection:
        for start in range(0, len(rows), 2000):
            await connection.execute(insert(Activity), rows[start : start + 2000])
    if backend.postgres:
        async with backend.owner.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE activities"))


def api_call(backend: Backend, period: str, day: date, client: httpx.AsyncClient | None = None) -> Call:
    via = client or backend.client
    params = {"date": day.isoformat()}

    async def call() -> int:
        response = await via.get(f"/api/v1/forge/{period}", params=params, headers=backend.headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET /api/v1/forge/{period} answered {response.status_code}: {response.text}")
        return len(response.json()["activities"])

    return call


RAW = text(
    "SELECT id, source, source_id, activity_type, name, activity_date, started_at, duration_seconds, "
    "calories, calorie_model, calorie_detail, rpe, avg_hr, effort, distance_m, notes FROM activities "
    "WHERE user_id = :uid AND activity_date BETWEEN :first AND :last "
    "ORDER BY activity_date, started_at, created_at"
)


def raw_call(backend: Backend, first: date, last: date) -> Call:
    params = {
        "uid": backend.user_id if backend.postgres else backend.user_id.hex,
        "first": first,
        "last": last,
    }

    async def call() -> int:
        async with backend.owner.connect() as connection:
            found = (await connection.execute(RAW, params)).all()
            await connection.commit()
        return len(found)

    return call


async def run_backend(name: str, args: argparse.Namespace, console: Console) -> tuple[Table, float | None]:
    backend = await open_backend(name)
    served: Served | None = None
    try:
        today = utcnow().date()
        rows = ledger_rows(backend.user_id, today, args.years)
        await populate(backend, rows)
        console.print(f"{name}: {len(rows):,} ledger rows over {args.years} years")
        # The last full month and week: every day of them holds rows.
        shown = today.replace(day=1) - timedelta(days=1)
        month_first = shown.replace(day=1)
        month_last = shown
        week_first = today - timedelta(days=today.weekday() + 7)
        gc.collect()
        gc.freeze()
        served = await Served.start(backend)
        tables = {
            "month": [
                Path("API: atelier serve, HTTP", api_call(backend, "month", shown, served.client)),
                Path("API: in-process (ASGI)", api_call(backend, "month", shown)),
                Path(
                    "raw SQL, the month's rows (baseline)",
                    raw_call(backend, month_first, month_last),
                    baseline=True,
                ),
            ],
            "week": [
                Path("API: atelier serve, HTTP", api_call(backend, "week", week_first, served.client)),
                Path(
                    "raw SQL (baseline)",
                    raw_call(backend, week_first, week_first + timedelta(days=6)),
                    baseline=True,
                ),
            ],
            "day": [
                Path("API: atelier serve, HTTP", api_call(backend, "day", today, served.client)),
                Path("raw SQL (baseline)", raw_call(backend, today, today), baseline=True),
            ],
        }
        for paths in tables.values():
            await measure(paths, args.requests, warmup=10)
        table = Table(title=f"Forge views — {name} — {len(rows):,} activities, {args.requests} requests")
        for column in ("view", "path", "p50 ms", "p95 ms", "mean ms", "rows", "× baseline p50"):
            table.add_column(column, justify="left" if column in ("view", "path") else "right")
        month_p95 = None
        for label, paths in tables.items():
            baseline = next(p for p in paths if p.baseline).quantile(0.5)
            for path in paths:
                p50, p95 = path.quantile(0.5), path.quantile(0.95)
                if label == "month" and path.name.startswith("API: atelier serve"):
                    month_p95 = p95
                table.add_row(
                    label, path.name, f"{p50:.2f}", f"{p95:.2f}", f"{statistics.fmean(path.samples):.2f}",
                    ", ".join(str(s) for s in sorted(path.sizes)), f"{p50 / baseline:.1f}×",
                )  # fmt: skip
        return table, month_p95
    finally:
        if served is not None:
            await served.stop()
        await backend.close(keep=False)


async def main_async(args: argparse.Namespace) -> int:
    console = Console()
    for name in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        table, month_p95 = await run_backend(name, args, console)
        console.print(table)
        if name == "postgresql" and month_p95 is not None:
            verdict = "PASS" if month_p95 < TARGET_MS else "FAIL"
            console.print(
                f"{verdict}: PostgreSQL month view p95 {month_p95:.2f} ms (target < {TARGET_MS:.0f} ms)"
            )
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="postgresql")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--years", type=int, default=3)
    raise SystemExit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
