"""Coaching: prescriptions per second per coach, and insights latency cold vs warm (each cache tier).

    .venv/bin/python -m bench.coaching [--backend sqlite|postgresql|both] [--requests R] [--days 90]

1. For each backend: a fresh database at the newest schema, the app, an athlete logged in through
   the API (``bench.wod_search.open_backend``), and ``--days`` of history logged through the API
   like a user would (a strength session every other day with five sets of squats or deadlifts).
2. **Prescriptions**: for each coach, the local engine with the compiler check (``prescribe`` +
   ``compile_now``, the work behind one offer) on the athlete's real facts, as offers per second;
   then ``POST /api/v1/coaching/prescriptions`` in-process (the whole request: facts from the
   database, engine, compiler, stored row, illustration lookups).
3. **Insights** (``GET /api/v1/coaching/insights``), in-process, interleaved request by request:
   cold (both tiers dropped before each call: generation from the database), warm from the table
   (memory tier dropped before each call), warm from memory. ``X-Cache`` is checked on every answer,
   so a path that silently hit another tier fails the run.

Prints tables and PASS/FAIL for the targets (warm p95 < 5 ms from memory, < 20 ms from the table).
Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from datetime import timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import delete

from atelier.coaching import coaches, context
from atelier.coaching.facts import DISCIPLINES, CoachRequest
from atelier.coaching.models import ProgressionInsight, TrainingInsight
from atelier.db import unit_of_work
from atelier.kit.clock import utcnow
from atelier.wods.catalog import normalize_equipment
from atelier.wods.compiler import compile_now
from bench.calendar import Path, measure, quantile
from bench.wod_search import Backend, open_backend

MEMORY_TARGET_MS = 5.0
TABLE_TARGET_MS = 20.0
GYM = ["barbell", "plates", "rig", "pull-up bar", "rower", "kettlebell", "dumbbell", "box", "jump rope"]
SQUATS = "# Squats\nBack squat 5x5 @ 100 kg"
PULLS = "# Pulls\nDeadlift 5x5 @ 140 kg"


async def history(backend: Backend, days: int) -> int:
    client, headers = backend.client, backend.headers
    today = utcnow().date()
    made = 0
    for back in range(days, 0, -2):
        day = today - timedelta(days=back)
        source, load = (SQUATS, 90 + back % 10) if back % 4 else (PULLS, 130 + back % 10)
        planned = await client.post(
            "/api/v1/sessions", json={"date": day.isoformat(), "source": source}, headers=headers
        )
        sid = planned.json()["id"]
        await client.post(f"/api/v1/sessions/{sid}/start", headers=headers)
        sets = [{"reps": 5, "load": {"value": load, "unit": "kg"}, "rpe": 7 + back % 3} for _ in range(5)]
        saved = await client.put(
            f"/api/v1/sessions/{sid}/progress/exercises/0",
            json={"version": 1, "status": "completed", "data": {"sets": sets}},
            headers=headers,
        )
        done = await client.post(f"/api/v1/sessions/{sid}/complete", headers=headers)
        if saved.status_code != 200 or done.status_code != 200:
            raise RuntimeError(f"logging history failed: {saved.text} {done.text}")
        made += 1
    return made


async def engine_rates(backend: Backend, seconds: float) -> list[tuple[str, float, float]]:
    """Offers per second of each local coach (engine + compiler), and the mean ms of one offer."""
    async with unit_of_work(backend.runtime.sessions, user_id=backend.user_id) as session:
        facts = await context.facts_of(session, backend.user_id)
        library = await context.library_for(session, backend.user_id, facts)
    kit = frozenset(normalize_equipment(GYM))
    found = []
    for discipline in DISCIPLINES:
        request = CoachRequest(discipline, 45, kit)
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            offer = coaches.prescribe(facts, request, library)
            if not compile_now(offer.source).ok:
                raise RuntimeError(f"the {discipline} coach wrote source that does not compile")
            count += 1
        elapsed = time.perf_counter() - started
        found.append((discipline, count / elapsed, elapsed / count * 1000))
    return found


def offer_call(backend: Backend, discipline: str) -> Any:
    body = {"discipline": discipline, "minutes": 45, "equipment": GYM}

    async def call() -> int:
        response = await backend.client.post(
            "/api/v1/coaching/prescriptions", json=body, headers=backend.headers
        )
        if response.status_code != 201:
            raise RuntimeError(f"POST prescriptions answered {response.status_code}: {response.text}")
        return len(response.json()["source"])

    return call


async def drop_table_tier(backend: Backend) -> None:
    async with unit_of_work(backend.runtime.sessions, user_id=backend.user_id) as session:
        await session.execute(delete(TrainingInsight).where(TrainingInsight.user_id == backend.user_id))
        await session.execute(delete(ProgressionInsight).where(ProgressionInsight.user_id == backend.user_id))


async def drop_memory_tier(backend: Backend) -> None:
    cache = backend.runtime.local_cache
    await cache.delete(*[k for k in list(cache._entries) if k.startswith("coaching:")])


def insights_call(backend: Backend, tier: str) -> Any:
    async def call() -> int:
        response = await backend.client.get("/api/v1/coaching/insights", headers=backend.headers)
        if response.status_code != 200 or response.headers.get("X-Cache") != tier:
            raise RuntimeError(
                f"expected a {tier} answer, got {response.status_code} {response.headers.get('X-Cache')}"
            )
        return int(response.json()["sessionsAnalyzed"])

    return call


async def measure_tiers(backend: Backend, requests: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {"generated": [], "table": [], "memory": []}
    calls = {tier: insights_call(backend, tier) for tier in samples}
    for index in range(requests + 5):
        for tier, call in calls.items():
            if tier == "generated":
                await drop_table_tier(backend)
                await drop_memory_tier(backend)
            elif tier == "table":
                await drop_memory_tier(backend)
            started = time.perf_counter()
            await call()
            if index >= 5:  # warm-up
                samples[tier].append((time.perf_counter() - started) * 1000)
    return samples


async def run_backend(name: str, args: argparse.Namespace, console: Console) -> tuple[float, float]:
    backend = await open_backend(name)
    try:
        made = await history(backend, args.days)
        console.print(f"{name}: {made} finished sessions over {args.days} days, logged through the API")
        gc.collect()
        rates = await engine_rates(backend, args.seconds)
        offers = [Path(f"POST prescriptions ({d})", offer_call(backend, d)) for d in DISCIPLINES]
        await measure(offers, max(10, args.requests // 10), warmup=3)

        table = Table(
            title=f"Prescriptions per coach — {name} — 45 min, full gym, {made} sessions of history"
        )
        for column in ("coach", "engine + compiler /s", "engine + compiler ms", "API p50 ms", "API p95 ms"):
            table.add_column(column, justify="left" if column == "coach" else "right")
        for (discipline, rate, mean_ms), path in zip(rates, offers, strict=True):
            table.add_row(
                discipline,
                f"{rate:,.0f}",
                f"{mean_ms:.2f}",
                f"{path.quantile(0.5):.1f}",
                f"{path.quantile(0.95):.1f}",
            )
        console.print(table)

        samples = await measure_tiers(backend, args.requests)
        cold = statistics.median(samples["generated"])
        tiers = Table(title=f"GET /api/v1/coaching/insights — {name} — {args.requests} requests per tier")
        for column in ("tier", "p50 ms", "p95 ms", "mean ms", "× memory p50"):
            tiers.add_column(column, justify="left" if column == "tier" else "right")
        memory_p50 = quantile(samples["memory"], 0.5)
        for tier, label in (
            ("generated", "cold: generated from the database"),
            ("table", "warm: table (tier 2)"),
            ("memory", "warm: memory (tier 1)"),
        ):
            values = samples[tier]
            tiers.add_row(
                label,
                f"{quantile(values, 0.5):.2f}",
                f"{quantile(values, 0.95):.2f}",
                f"{statistics.fmean(values):.2f}",
                f"{quantile(values, 0.5) / memory_p50:.1f}×",
            )
        console.print(tiers)
        console.print(f"cold generation median {cold:.1f} ms")
        return quantile(samples["memory"], 0.95), quantile(samples["table"], 0.95)
    finally:
        await backend.close(keep=False)


async def main_async(args: argparse.Namespace) -> int:
    console = Console()
    for name in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        memory_p95, table_p95 = await run_backend(name, args, console)
        for label, value, target in (
            ("memory", memory_p95, MEMORY_TARGET_MS),
            ("table", table_p95, TABLE_TARGET_MS),
        ):
            verdict = "PASS" if value < target else "FAIL"
            console.print(
                f"{verdict}: {name} insights warm from {label} p95 {value:.2f} ms (target < {target:.0f} ms)"
            )
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="postgresql")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seconds", type=float, default=2.0, help="time spent on each coach's engine rate")
    raise SystemExit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
