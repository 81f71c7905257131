"""Export and re-import of an account with five years of daily training: time and peak memory.

    .venv/bin/python -m bench.portability [--backend postgresql] [--years 5] [--keep]

1. A fresh database at the newest schema (``bench.wod_search.open_backend``) and two athletes, A
   and B, registered through the API.
2. A gets ``--years`` of daily training written straight into the tables, as finishing sessions
   would leave them: one finished session a day (its compiled snapshot, four logged exercises of
   five sets, an attempt, its metrics and its Forge row), a scored Fran every week (a result), a
   manual bike commute every other day.
3. Each measured step runs in a fresh Python process, so its peak resident memory (``VmHWM``) is
   its own: ``export`` streams A's archive to a file (``portability.archive.stream``, what both
   ``GET /api/v1/export`` and ``atelier export`` run); ``import`` brings that file into B in one
   transaction (``portability.restore``, what ``POST /api/v1/import`` and ``atelier import`` run).
   Each reports its wall time, its peak, and the peak of the same process before the work (Python,
   the app's imports).
4. Baseline, same run: the raw SQL that reads every row the export writes (``SELECT *`` of A's rows
   of each table, fetched), to show what the archive costs over reading the data at all.

Prints the table and PASS/FAIL for the targets: each step under 30 s and under 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import text

TARGET_SECONDS = 30.0
TARGET_MB = 300.0
SQUATS = (
    "# Strength day\nBack squat 5x5 @ 100 kg\nBench press 5x5 @ 70 kg\nDeadlift 5x5 @ 140 kg\nPull-up 5x8\n"
)
FRAN = "# Fran\n21-15-9 for time, cap 10:00\n  Thruster 43/30 kg\n  Pull-up\n"


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def populate(url: str, user_id: uuid.UUID, years: int) -> int:
    """A's history, written as finished sessions leave it (no API: five years would take long)."""
    from atelier.db import create_engine, session_factory, unit_of_work
    from atelier.forge.models import Activity
    from atelier.planning import snapshot
    from atelier.planning.models import Session, SessionKind, Status
    from atelier.training.exercises import exercises_of
    from atelier.training.models import (
        Attempt,
        AttemptStatus,
        ExerciseStatus,
        Progress,
        ProgressExercise,
        Result,
        TrainingMetrics,
    )
    from atelier.wods.compiler import compile_now
    from atelier.wods.metadata import describe, workout_hash

    engine = create_engine(url)
    factory = session_factory(engine)
    rows = 0
    async with unit_of_work(factory, user_id=user_id) as session:
        plans = {}
        for source in (SQUATS, FRAN):
            document = compile_now(source).document
            assert document is not None
            planned = snapshot.Planned(describe(document).title, document, source, None, None)
            plans[source] = (await snapshot.take(session, user_id, planned), workout_hash(document))
        start = date.today() - timedelta(days=365 * years)
        for day_number in range(365 * years):
            day = start + timedelta(days=day_number)
            fran = day_number % 7 == 3
            source = FRAN if fran else SQUATS
            shot, hashed = plans[source]
            began = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=17)
            sid = uuid.uuid4()
            session.add(
                Session(
                    id=sid,
                    athlete_id=user_id,
                    created_by=user_id,
                    kind=SessionKind.one_off,
                    title=shot["name"],
                    source=source,
                    session_date=day,
                    timezone="Europe/Paris",
                    exceptions=[],
                    status=Status.completed,
                    snapshot=shot,
                    snapshot_at=began,
                    started_at=began,
                    ended_at=began + timedelta(minutes=55),
                    created_at=began,
                    updated_at=began,
                )
            )
            progress = Progress(
                id=uuid.uuid4(), session_id=sid, athlete_id=user_id, created_at=began, updated_at=began
            )
            session.add(progress)
            for exercise in exercises_of(shot):
                load = 60 + (day_number % 40)
                data = (
                    {"rounds": 0, "reps": 0, "time_s": 290 + day_number % 60}
                    if fran
                    else {"sets": [{"reps": 5, "load": {"value": load, "unit": "kg"}, "rpe": 8}] * 5}
                )
                session.add(
                    ProgressExercise(
                        id=uuid.uuid4(),
                        progress_id=progress.id,
                        status=ExerciseStatus.completed,
                        media=[],
                        data=data,
                        version=3,
                        updated_at=began,
                        **exercise,
                    )
                )
                rows += 1
            session.add(
                Attempt(
                    id=uuid.uuid4(),
                    session_id=sid,
                    athlete_id=user_id,
                    started_at=began,
                    ended_at=began + timedelta(minutes=55),
                    duration_seconds=3300,
                    exercises_completed=4,
                    exercises_total=4,
                    status=AttemptStatus.completed,
                )
            )
            session.add(
                TrainingMetrics(
                    session_id=sid,
                    athlete_id=user_id,
                    volume_kg=8000,
                    reps_total=100,
                    distance_m=0,
                    calories=0,
                    duration_seconds=3300,
                    rpe_avg=8,
                    discipline="strength",
                    session_type="strength",
                    computed_at=began,
                )
            )
            session.add(
                Activity(
                    id=uuid.uuid4(),
                    user_id=user_id,
                    source="training",
                    source_id=sid,
                    activity_type="strength",
                    name=shot["name"],
                    activity_date=day,
                    started_at=began,
                    duration_seconds=3300,
                    calories=420.5,
                    calorie_model="met",
                    calorie_detail="MET 6 × 70 kg × 0.92 h",
                    rpe=8,
                    created_at=began,
                    updated_at=began,
                )
            )
            if fran:
                session.add(
                    Result(
                        id=uuid.uuid4(),
                        performed_on=day,
                        session_id=sid,
                        athlete_id=user_id,
                        workout_hash=hashed,
                        score_type="time",
                        score_value=290 + day_number % 60,
                        is_rx=True,
                        is_dnf=False,
                        parts=[],
                        recorded_at=began,
                        updated_at=began,
                        category="women",
                        is_public=True,
                    )
                )
            if day_number % 2:
                session.add(
                    Activity(
                        id=uuid.uuid4(),
                        user_id=user_id,
                        source="manual",
                        activity_type="cycling",
                        name="Bike commute",
                        activity_date=day,
                        started_at=began - timedelta(hours=9),
                        duration_seconds=1500,
                        calories=206.7,
                        calorie_model="met",
                        calorie_detail="MET 8 × 62 kg × 0.42 h",
                        created_at=began,
                        updated_at=began,
                    )
                )
            rows += 6
            if day_number % 200 == 199:
                await session.flush()
    await engine.dispose()
    return rows


async def raw_read(url: str, user_id: uuid.UUID) -> float:
    """Read every row the export writes, with plain SQL: the floor for any export."""
    from atelier.db import create_engine

    engine = create_engine(url)
    started = time.perf_counter()
    async with engine.connect() as connection:
        params = {"id": user_id if engine.dialect.name == "postgresql" else user_id.hex}
        for statement in (
            "SELECT * FROM sessions WHERE athlete_id = :id",
            "SELECT e.* FROM progress_exercises e JOIN progress p ON p.id = e.progress_id "
            "WHERE p.athlete_id = :id",
            "SELECT * FROM attempts WHERE athlete_id = :id",
            "SELECT * FROM training_metrics WHERE athlete_id = :id",
            "SELECT * FROM results WHERE athlete_id = :id",
            "SELECT * FROM activities WHERE user_id = :id",
        ):
            (await connection.execute(text(statement), params)).all()
    seconds = time.perf_counter() - started
    await engine.dispose()
    return seconds


async def phase_export(url: str, user_id: uuid.UUID, out: Path) -> dict[str, Any]:
    from atelier.db import create_engine, session_factory
    from atelier.portability import archive

    engine = create_engine(url)
    before = peak_mb()
    started = time.perf_counter()
    size = 0
    with out.open("wb") as handle:
        async for chunk in archive.stream(session_factory(engine), user_id):
            handle.write(chunk)
            size += len(chunk)
    seconds = time.perf_counter() - started
    await engine.dispose()
    return {"seconds": seconds, "peak_mb": peak_mb(), "before_mb": before, "bytes": size}


async def phase_import(url: str, user_id: uuid.UUID, file: Path) -> dict[str, Any]:
    from atelier.accounts import repository as accounts
    from atelier.db import unit_of_work
    from atelier.kit.cache import MemoryCache
    from atelier.kit.runtime import Runtime
    from atelier.portability import restore
    from bench.wod_search import bench_settings

    runtime = Runtime.from_settings(bench_settings(url))
    runtime.cache = MemoryCache()
    before = peak_mb()
    started = time.perf_counter()
    async with unit_of_work(runtime.sessions, user_id=user_id) as session:
        user = await accounts.user_by_id(session, user_id)
        assert user is not None
        with file.open("rb") as handle:
            zipped, _ = restore.open_archive(handle)
            report = await restore.restore(session, runtime, user, zipped)
    seconds = time.perf_counter() - started
    await runtime.close()
    return {"seconds": seconds, "peak_mb": peak_mb(), "before_mb": before, "imported": report.imported}


def child(phase: str, url: str, user_id: uuid.UUID, file: Path) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.portability",
            "--phase",
            phase,
            "--url",
            url,
            "--user",
            str(user_id),
            "--file",
            str(file),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def main(backend_name: str, years: int, keep: bool, console: Console) -> None:
    from bench.wod_search import open_backend

    backend = await open_backend(backend_name)
    try:
        other = await backend.client.post(
            "/api/v1/auth/register",
            json={
                "email": f"b-{uuid.uuid4().hex[:8]}@example.com",
                "password": "correct horse battery",
                "name": "B",
            },
        )
        target = uuid.UUID(other.json()["id"])
        started = time.perf_counter()
        rows = await populate(backend.url, backend.user_id, years)
        console.print(f"populated {years} years: {rows:,} rows in {time.perf_counter() - started:.1f} s")
        raw = await raw_read(backend.url, backend.user_id)
        with tempfile.TemporaryDirectory() as folder:
            file = Path(folder) / "archive.zip"
            exported = child("export", backend.url, backend.user_id, file)
            imported = child("import", backend.url, target, file)
        table = Table(title=f"Export and re-import of {years} years of daily training ({backend_name})")
        for column in (
            "step",
            "time (s)",
            "× raw SQL read",
            "peak RSS (MB)",
            "before work (MB)",
            "target",
            "verdict",
        ):
            table.add_column(column)
        table.add_row("raw SQL read of every row (baseline)", f"{raw:.2f}", "1.0", "", "", "", "")
        for name, done in (("export (stream the zip)", exported), ("import into an empty account", imported)):
            ok = done["seconds"] < TARGET_SECONDS and done["peak_mb"] < TARGET_MB
            table.add_row(
                name,
                f"{done['seconds']:.2f}",
                f"{done['seconds'] / raw:.1f}",
                f"{done['peak_mb']:.0f}",
                f"{done['before_mb']:.0f}",
                f"< {TARGET_SECONDS:.0f} s, < {TARGET_MB:.0f} MB",
                "PASS" if ok else "FAIL",
            )
        console.print(table)
        console.print(f"archive: {exported['bytes'] / 1e6:.1f} MB; imported: {imported['imported']}")
    finally:
        await backend.close(keep)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--phase", choices=("export", "import"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--user", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "export":
        print(json.dumps(asyncio.run(phase_export(args.url, uuid.UUID(args.user), Path(args.file)))))
    elif args.phase == "import":
        print(json.dumps(asyncio.run(phase_import(args.url, uuid.UUID(args.user), Path(args.file)))))
    else:
        asyncio.run(main(args.backend, args.years, args.keep, Console()))
