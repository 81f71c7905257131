"""The ``atelier`` command: serve, db, user, wod."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from atelier.config import Settings, get_settings

app = typer.Typer(help="Atelier: plan, run and record training.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
wod_app = typer.Typer(help="The WOD library.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(wod_app, name="wod")

console = Console()
err = Console(stderr=True)
T = TypeVar("T")


def _run(work: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(work(get_settings()))


async def _account(runtime: Any, email: str) -> Any:
    """The account with this e-mail, or None: nobody is signed in, so it is found in the system
    context; the caller then works as that user."""
    from atelier.accounts import repository as accounts
    from atelier.db import unit_of_work

    async with unit_of_work(runtime.sessions, system=True) as session:
        return await accounts.user_by_email(session, email)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database named by ATELIER_DATABASE_URL to the newest schema."""
    from atelier.migrations.run import upgrade_database

    changed = _run(upgrade_database)
    console.print(f"database is up to date; {changed} catalog movements written")


@db_app.command("partitions")
def db_partitions(
    ahead: Annotated[int, typer.Option(min=1, max=60, help="months to create ahead of this one")] = 3,
) -> None:
    """Create the monthly partitions of results and live events (PostgreSQL; the server also does
    this at start and daily)."""

    async def ensure(settings: Settings) -> dict[str, int]:
        from atelier.kit.runtime import Runtime
        from atelier.training import partitions

        runtime = Runtime.from_settings(settings)
        try:
            return await partitions.ensure(runtime.engine, ahead=ahead)
        finally:
            await runtime.close()

    made = _run(ensure)
    if not made:
        console.print("partitions: SQLite keeps plain tables; nothing to do")
        return
    for table, count in made.items():
        console.print(f"{table}: {count} month{'' if count == 1 else 's'} created")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    library: Annotated[bool, typer.Option(help="import WODCraft's benchmark WODs if missing")] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="server processes (each holds up to ATELIER_DATABASE_POOL_SIZE PostgreSQL connections)",
        ),
    ] = 1,
) -> None:
    """Migrate, then serve the app on ATELIER_DATABASE_URL."""
    import uvicorn

    from atelier.app import serve_app
    from atelier.migrations.run import upgrade_database

    _run(upgrade_database)
    if library:
        created, _ = _run(_import_library_quietly)
        if created:
            console.print(f"imported {created} benchmark WODs from WODCraft's library")
    if workers > 1:
        # Each worker process builds its own app (and its own pool, cache and jobs).
        uvicorn.run(
            "atelier.app:serve_app", factory=True, host=host, port=port, proxy_headers=True, workers=workers
        )
        return
    uvicorn.run(serve_app(), host=host, port=port, proxy_headers=True)


@app.command()
def worker() -> None:
    """Run background jobs: the illustration queue, LLM analyses and the periodic jobs.

    With ATELIER_REDIS_URL set, `atelier serve` only sends jobs and this process runs them; start as
    many as you like. Without Redis, `atelier serve` runs them itself; a worker then only drains the
    queues it finds in the database. Stop with Ctrl-C.
    """
    from atelier.migrations.run import upgrade_database

    _run(upgrade_database)
    try:
        _run(_work_forever)
    except KeyboardInterrupt:
        console.print("worker stopped")


async def _work_forever(settings: Settings) -> None:
    import signal

    from atelier import jobs
    from atelier.kit.runtime import Runtime

    runtime = Runtime.from_settings(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        running = await jobs.start(runtime, worker=True)
        broker = "Redis" if running.distributed else "the database only (no ATELIER_REDIS_URL)"
        console.print(f"worker ready: {len(running.names)} jobs, listening on {broker}")
        await stop.wait()
    finally:
        await runtime.close()


async def _import_library_quietly(settings: Settings) -> tuple[int, int]:
    return await _import_library(settings, None)


async def _import_library(settings: Settings, progress: Progress | None) -> tuple[int, int]:
    from atelier.db import unit_of_work
    from atelier.kit.runtime import Runtime
    from atelier.wods import service

    runtime = Runtime.from_settings(settings)
    try:
        task = progress.add_task("library", total=service.library_size()) if progress else None

        def advance(_path: str) -> None:
            if progress is not None and task is not None:
                progress.advance(task)

        async with unit_of_work(runtime.sessions, system=True) as session:
            return await service.import_library(session, runtime, on_progress=advance)
    finally:
        await runtime.close()


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(prompt=True, help="the login e-mail")],
    name: Annotated[str, typer.Option(prompt=True, help="the name people see")],
    role: Annotated[str, typer.Option(help="athlete, coach or admin")] = "athlete",
    password: Annotated[str | None, typer.Option(help="read from a prompt when omitted")] = None,
) -> None:
    """Create an account."""
    from pydantic import ValidationError

    from atelier.accounts.models import Role
    from atelier.accounts.schemas import RegisterIn

    if role not in {r.value for r in Role}:
        _say(err, f"error: role must be athlete, coach or admin, not {role!r}")
        raise typer.Exit(2)
    secret = password if password is not None else getpass.getpass("Password: ")
    try:
        checked = RegisterIn(email=email, password=secret, name=name)
    except ValidationError as exc:
        problem = exc.errors()[0]
        _say(err, f"error: {'.'.join(str(p) for p in problem['loc'])}: {problem['msg']}")
        raise typer.Exit(2) from exc

    async def create(settings: Settings) -> str:
        from atelier.accounts import service
        from atelier.db import unit_of_work
        from atelier.kit.problems import Problem
        from atelier.kit.runtime import Runtime

        runtime = Runtime.from_settings(settings)
        try:
            async with unit_of_work(runtime.sessions) as session:
                user = await service.register(
                    session, runtime, email=checked.email, password=secret, name=checked.name, role=Role(role)
                )
                return str(user.id)
        except Problem as problem:
            _say(err, f"error: {problem.detail}")
            raise typer.Exit(1) from problem
        finally:
            await runtime.close()

    _say(console, f"created {role} {checked.email} ({_run(create)})")


@wod_app.command("check")
def wod_check(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Print WODCraft's diagnostics for a file; exit 1 when it has errors."""
    from wodcraft.api import compile_file

    result = compile_file(file)
    for diagnostic in result.diagnostics:
        _say(console, diagnostic.format(result.source_lines))
    if not result.ok:
        errors = sum(1 for d in result.diagnostics if d.severity.value == "error")
        _say(err, f"{file}: {errors} error(s)")
        raise typer.Exit(1)
    _say(console, f"{file}: ok ({len(result.documents)} document(s))")


def _say(to: Console, text: str) -> None:
    """Print as written: no markup in file names or messages, and one line stays one line at any
    terminal width, so editors and CI can read ``file:line:col: error CODE: message``."""
    to.print(text, markup=False, highlight=False, soft_wrap=True)


@wod_app.command("import")
def wod_import(
    path: Annotated[Path | None, typer.Argument(help="a .wod file or a folder of them")] = None,
    library: Annotated[bool, typer.Option("--library", help="WODCraft's 83 benchmark WODs")] = False,
    owner: Annotated[str | None, typer.Option(help="e-mail of the owner; public WODs when omitted")] = None,
) -> None:
    """Import WODs as public ones (or an owner's), idempotently, with a progress bar."""
    if library == (path is not None):
        _say(err, "error: give either a path or --library")
        raise typer.Exit(2)
    if library:
        with _progress() as progress:
            created, skipped = _run(lambda s: _import_library(s, progress))
        console.print(f"library: {created} imported, {skipped} already there")
        return
    assert path is not None
    if not path.exists():
        _say(err, f"error: {path} does not exist")
        raise typer.Exit(2)
    files = sorted(path.rglob("*.wod")) if path.is_dir() else [path]
    if not files:
        _say(err, f"error: no .wod files in {path}")
        raise typer.Exit(2)
    with _progress() as progress:
        created, skipped, failed = _run(lambda s: _import_files(s, files, owner, progress))
    console.print(f"{created} imported, {skipped} already there, {len(failed)} refused")
    for name, reason in failed:
        _say(err, f"  {name}: {reason}")
    if failed:
        raise typer.Exit(1)


async def _import_files(
    settings: Settings, files: list[Path], owner_email: str | None, progress: Progress
) -> tuple[int, int, list[tuple[str, str]]]:
    from atelier.accounts import repository as accounts
    from atelier.db import set_rls_context, unit_of_work
    from atelier.kit.problems import Problem
    from atelier.kit.runtime import Runtime
    from atelier.wods import service
    from atelier.wods.models import Visibility

    runtime = Runtime.from_settings(settings)
    created = skipped = 0
    failed: list[tuple[str, str]] = []
    task = progress.add_task("import", total=len(files))
    try:
        async with unit_of_work(runtime.sessions, system=owner_email is None) as session:
            owner = None
            if owner_email:
                owner = await accounts.user_by_email(session, owner_email)
                if owner is None:
                    raise typer.BadParameter(f"no account with e-mail {owner_email}")
                await set_rls_context(session, user_id=owner.id)
            for file in files:
                try:
                    # Each file in its own savepoint: a refused file leaves the others imported.
                    async with session.begin_nested():
                        saved = await service.save(
                            session,
                            runtime,
                            owner=owner,
                            source=file.read_text(encoding="utf-8"),
                            visibility=Visibility.private if owner else Visibility.public,
                        )
                    created += saved.created
                    skipped += not saved.created
                except Problem as problem:
                    failed.append((str(file), problem.detail))
                except UnicodeDecodeError:
                    failed.append((str(file), "not UTF-8 text"))
                progress.advance(task)
    finally:
        await runtime.close()
    return created, skipped, failed


export_app = typer.Typer(help="Export data.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.callback(invoke_without_command=True)
def export_all(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option("--user", help="e-mail of the account to export")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="the zip to write")] = None,
) -> None:
    """Write everything an account owns as one zip: JSON per domain with its JSON Schema, CSV of
    sets and activities, the calendar as iCalendar, and a manifest with checksums."""
    if ctx.invoked_subcommand is not None:
        return
    if user is None:
        _say(err, "error: give --user EMAIL (or use `atelier export ics`)")
        raise typer.Exit(2)

    async def export(settings: Settings) -> tuple[Path, int] | None:
        from atelier.db import unit_of_work
        from atelier.kit.clock import utcnow
        from atelier.kit.runtime import Runtime
        from atelier.portability import archive

        runtime = Runtime.from_settings(settings)
        try:
            owner = await _account(runtime, user)
            if owner is None:
                return None
            async with unit_of_work(runtime.sessions, user_id=owner.id) as session:
                total = sum((await archive.counts(session, owner.id)).values())
            target = output or Path(archive.filename(owner.email, utcnow()))
            partial = target.with_name(target.name + ".part")
            size = 0
            with _progress() as progress, partial.open("wb") as out:
                task = progress.add_task("exporting", total=total)
                async for chunk in archive.stream(
                    runtime.sessions, owner.id, progressed=lambda n: progress.advance(task, n)
                ):
                    out.write(chunk)
                    size += len(chunk)
            partial.replace(target)  # a file named .zip is always a whole archive
            return target, size
        finally:
            await runtime.close()

    done = _run(export)
    if done is None:
        _say(err, f"error: no account with e-mail {user}")
        raise typer.Exit(2)
    _say(console, f"wrote {done[1]:,} bytes to {done[0]}")


@export_app.command("ics")
def export_ics(
    user: Annotated[str, typer.Option("--user", help="e-mail of the account whose calendar to export")],
    output: Annotated[str, typer.Option("--output", "-o", help="a file to write, or - for stdout")] = "-",
) -> None:
    """Write a user's calendar as iCalendar: the same bytes as their secret feed URL serves."""

    async def export(settings: Settings) -> bytes | None:
        from atelier.accounts import repository as accounts
        from atelier.db import set_rls_context, unit_of_work
        from atelier.kit.runtime import Runtime
        from atelier.planning import ics

        runtime = Runtime.from_settings(settings)
        try:
            # Nobody is signed in: find the account with the system context, then read as its owner.
            async with unit_of_work(runtime.sessions, system=True) as session:
                owner = await accounts.user_by_email(session, user)
                if owner is None:
                    return None
                await set_rls_context(session, user_id=owner.id)
                return await ics.user_calendar(session, owner)
        finally:
            await runtime.close()

    data = _run(export)
    if data is None:
        _say(err, f"error: no account with e-mail {user}")
        raise typer.Exit(2)
    if output == "-":
        typer.echo(data, nl=False)
        return
    Path(output).write_bytes(data)
    _say(err, f"wrote {len(data)} bytes to {output}")


recovery_app = typer.Typer(help="Runner recovery snapshots.", no_args_is_help=True)
app.add_typer(recovery_app, name="recovery")


@recovery_app.command("prune")
def recovery_prune() -> None:
    """Delete recovery snapshots older than 7 days or whose session is finished (the server also
    does this every hour; running both at once is harmless)."""

    async def prune(settings: Settings) -> int:
        from atelier.db import unit_of_work
        from atelier.kit.clock import utcnow
        from atelier.kit.runtime import Runtime
        from atelier.training import recovery

        runtime = Runtime.from_settings(settings)
        try:
            async with unit_of_work(runtime.sessions, system=True) as session:
                return await recovery.prune(session, utcnow())
        finally:
            await runtime.close()

    deleted = _run(prune)
    _say(console, f"recovery: {deleted} snapshot{'' if deleted == 1 else 's'} deleted")


session_app = typer.Typer(help="Training sessions.", no_args_is_help=True)
app.add_typer(session_app, name="session")

LB_PER_KG = 2.20462262


@session_app.command("log")
def session_log(
    user: Annotated[str, typer.Option("--user", help="e-mail of the athlete")],
    day: Annotated[
        str, typer.Option("--date", help="the day it happened, YYYY-MM-DD, in the athlete's zone")
    ],
    source: Annotated[
        Path | None, typer.Option("--source", exists=True, dir_okay=False, help="a WODCraft file")
    ] = None,
    wod_id: Annotated[str | None, typer.Option("--wod-id", help="a stored WOD instead of a file")] = None,
    at: Annotated[str, typer.Option("--time", help="when it started, HH:MM")] = "12:00",
    minutes: Annotated[int, typer.Option("--minutes", min=0, max=1440, help="how long it lasted")] = 60,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            exists=True,
            dir_okay=False,
            help='JSON list of {"position", "status", "data", "notes"}, as the auto-save takes them',
        ),
    ] = None,
    notes: Annotated[str | None, typer.Option("--notes")] = None,
) -> None:
    """Record a finished session after the fact (back-filling), through the same rules as the app:
    it is planned, started, logged exercise by exercise, completed, and its metrics computed."""
    import json
    import uuid
    from datetime import date, time

    try:
        when = date.fromisoformat(day)
        starts = time.fromisoformat(at)
        entries = json.loads(data.read_text(encoding="utf-8")) if data else []
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ValueError("--data must be a JSON list of objects")
        wod = uuid.UUID(wod_id) if wod_id else None
    except (ValueError, UnicodeDecodeError) as exc:
        _say(err, f"error: {exc}")
        raise typer.Exit(2) from exc
    if (source is None) == (wod is None):
        _say(err, "error: give either --source FILE or --wod-id ID")
        raise typer.Exit(2)
    text = source.read_text(encoding="utf-8") if source else None

    async def log(settings: Settings) -> list[str]:
        from atelier.accounts import repository as accounts
        from atelier.db import set_rls_context, unit_of_work
        from atelier.kit.problems import Problem
        from atelier.kit.runtime import Runtime
        from atelier.planning import service as planning
        from atelier.planning.recurrence import local_instant
        from atelier.planning.schemas import SessionIn
        from atelier.training import service as training
        from atelier.training.models import ExerciseStatus

        runtime = Runtime.from_settings(settings)
        try:
            async with unit_of_work(runtime.sessions, system=True) as session:
                athlete = await accounts.user_by_email(session, user)
                if athlete is None:
                    raise Problem(404, f"no account with e-mail {user}")
                await set_rls_context(session, user_id=athlete.id)
                planned = await planning.create(
                    session,
                    runtime,
                    athlete,
                    SessionIn(source=text, wod_id=wod, date=when, time=starts, notes=notes),
                )
                await planning.act(session, runtime, athlete, planned.id, "start")
                view = await training.progress_view(session, athlete, planned.id)
                versions = {e.position: e.version for e in view.exercises}
                for entry in entries:
                    position = entry.get("position")
                    if not isinstance(position, int) or position not in versions:
                        raise Problem(422, f"no exercise at position {position!r} (0 to {len(versions) - 1})")
                    fields = {k for k in ("status", "data", "notes") if k in entry}
                    change = training.ExerciseSave(
                        version=versions[position],
                        status=ExerciseStatus(entry["status"]) if "status" in entry else None,
                        notes=entry.get("notes"),
                        media=None,
                        data=entry.get("data"),
                        correction=False,
                        fields=fields,
                    )
                    _, saved = await training.save_exercise(session, athlete, planned.id, position, change)
                    versions[position] = saved.version
                row = await planning.act(session, runtime, athlete, planned.id, "complete")
                started = local_instant(when, starts, row.timezone)
                metrics = await training.backfill_times(session, row, started, minutes * 60)
                profile = await accounts.profile_of(session, athlete.id)
                pounds = profile is not None and profile.units == "lb"
                volume = metrics.volume_kg * LB_PER_KG if pounds else metrics.volume_kg
                return [
                    f"logged {row.title!r} on {when.isoformat()} at {starts:%H:%M} ({row.timezone})",
                    f"volume {volume:,.0f} {'lb' if pounds else 'kg'}, {metrics.reps_total} reps, "
                    f"{metrics.duration_seconds // 60} min"
                    + (f", RPE {metrics.rpe_avg:g}" if metrics.rpe_avg is not None else ""),
                ]
        except Problem as problem:
            _say(err, f"error: {problem.detail}")
            raise typer.Exit(2 if problem.status < 500 else 1) from problem
        except ValueError as exc:  # a status that is not one, in --data
            _say(err, f"error: {exc}")
            raise typer.Exit(2) from exc
        finally:
            await runtime.close()

    for line in _run(log):
        _say(console, line)


@app.command()
def demo(
    offer: Annotated[
        bool, typer.Option("--offer", help="only on a database with no accounts: ask first (make run)")
    ] = False,
) -> None:
    """Load a demo coach and athlete with three months of history, and a few more athletes, so every
    page has something to show. Running it again changes nothing."""
    import sys

    from atelier import demo as demo_data
    from atelier.migrations.run import upgrade_database

    async def has_users(settings: Settings) -> bool:
        from atelier.kit.runtime import Runtime

        runtime = Runtime.from_settings(settings)
        try:
            return await demo_data.has_users(runtime)
        finally:
            await runtime.close()

    async def load(settings: Settings) -> demo_data.Built | None:
        from atelier.kit.clock import utcnow
        from atelier.kit.runtime import Runtime

        runtime = Runtime.from_settings(settings)
        plan = demo_data.plan_for(utcnow())
        try:
            if await demo_data.exists(runtime):
                return None
            with _progress() as progress:
                task = progress.add_task("demo", total=plan.steps)
                return await demo_data.build(runtime, plan, tick=lambda: progress.advance(task))
        finally:
            await runtime.close()

    _run(upgrade_database)
    if offer:
        if _run(has_users):
            return
        if not sys.stdin.isatty():
            _say(console, "No accounts yet: run `.venv/bin/atelier demo` to load a demo coach and athlete.")
            return
        if not typer.confirm("Load a demo coach and athlete with three months of history?", default=False):
            return
    built = _run(load)
    if built is None:
        _say(
            console,
            f"the demo accounts already exist ({demo_data.COACH}, {demo_data.ATHLETE}): nothing to do",
        )
    else:
        _demo_summary(built)
    _say(console, f"log in at {demo_data.LOGIN_URL} as {demo_data.ATHLETE} or {demo_data.COACH}")
    _say(console, f"password: {demo_data.PASSWORD}")


def _demo_summary(built: Any) -> None:
    from rich.table import Table

    table = Table(title="demo loaded", show_header=False)
    table.add_column("what")
    table.add_column("", justify="right")
    for email, role in built.accounts:
        table.add_row(f"{role} account", email)
    table.add_row("finished sessions of the athlete", str(built.finished_sessions))
    table.add_row("her personal records", str(built.records))
    table.add_row("her Forge activities", str(built.activities))
    table.add_row("scored results, all athletes", str(built.results))
    table.add_row("planned ahead (a series, a routine's days)", str(built.upcoming))
    console.print(table)


KM_PER_MILE = 1.609344


@app.command("import")
def import_recordings(
    files: Annotated[
        list[Path],
        typer.Argument(
            help=".zip (an Atelier export), .csv (Strong, Hevy), .fit, .gpx or .tcx", dir_okay=False
        ),
    ],
    user: Annotated[str, typer.Option("--user", help="whose files (e-mail)")],
    weight_unit: Annotated[str, typer.Option(help="Strong CSV: the unit of its weights, kg or lb")] = "kg",
    leave_out_unmapped: Annotated[
        bool, typer.Option(help="CSV: import without exercises no movement matches")
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="CSV: report what would be imported, write nothing")] = False,
) -> None:
    """Import files. An Atelier export comes back whole (what the account has is not added twice);
    a Strong or Hevy history moves in; wearable files become recordings, linked to the training
    session they overlap or added to the Forge ledger. A broken file is reported, the others still
    import, and each file imports whole or not at all."""
    archives = [f for f in files if f.suffix.lower() in (".zip", ".csv")]
    if archives:
        if len(archives) != len(files):
            _say(err, "error: import an archive or CSV on its own, not with wearable files")
            raise typer.Exit(2)
        failed = sum(_import_file(path, user, weight_unit, leave_out_unmapped, dry_run) for path in archives)
        if failed:
            raise typer.Exit(2)
        return
    from atelier.forge import files as wearable_files

    async def work(settings: Settings) -> int:
        from atelier.accounts import repository as accounts
        from atelier.db import unit_of_work
        from atelier.forge import recordings
        from atelier.kit.problems import Problem
        from atelier.kit.runtime import Runtime

        runtime = Runtime.from_settings(settings)
        failed = 0
        try:
            async with unit_of_work(runtime.sessions, system=True) as session:
                athlete = await accounts.user_by_email(session, user)
                profile = await accounts.profile_of(session, athlete.id) if athlete else None
            if athlete is None:
                _say(err, f"error: no account with e-mail {user}")
                return len(files)
            zone = ZoneInfo(profile.timezone if profile else "UTC")
            miles = profile is not None and profile.units == "lb"
            progress = _progress() if len(files) > 1 else None
            task = progress.add_task("importing", total=len(files)) if progress else None
            if progress:
                progress.start()
            for path in files:
                try:
                    data = path.read_bytes()[: wearable_files.MAX_BYTES + 1]
                    if len(data) > wearable_files.MAX_BYTES:
                        raise Problem(413, f"wearable files are limited to {wearable_files.LIMIT_TEXT}")
                    async with unit_of_work(runtime.sessions, user_id=athlete.id) as session:
                        done = await recordings.import_file(session, athlete.id, data, path.name)
                        _say(console, f"{path.name}: {_described(done, zone, miles)}")
                except (Problem, OSError) as problem:
                    failed += 1
                    detail = problem.detail if isinstance(problem, Problem) else str(problem)
                    _say(err, f"{path.name}: error: {detail}")
                if progress and task is not None:
                    progress.advance(task)
            if progress:
                progress.stop()
            return failed
        finally:
            await runtime.close()

    if _run(work):
        raise typer.Exit(2)


def _described(done: Any, zone: ZoneInfo, miles: bool) -> str:
    rec = done.recording
    when = rec.started_at.astimezone(zone)
    parts = [f"{rec.sport} on {when:%Y-%m-%d %H:%M} ({zone.key})", f"{rec.duration_seconds // 60} min"]
    if rec.distance_m:
        distance = rec.distance_m / 1000 / (KM_PER_MILE if miles else 1)
        parts.append(f"{distance:,.2f} {'mi' if miles else 'km'}")
    if rec.avg_hr is not None:
        parts.append(f"avg HR {rec.avg_hr}")
    if rec.effort is not None:
        parts.append(f"effort {rec.effort}")
    parts.append(f"quality {rec.quality}")
    parts.append(f"{rec.calories:,.0f} kcal ({rec.calorie_model})")
    if not done.created:
        place = "already imported"
    elif rec.session_id is not None:
        place = "linked to its training session"
    else:
        place = "added to the Forge ledger"
    return ", ".join(parts) + f" — {place}"


def _import_parsed(parsed: Any, label: str, user: str, leave_out_unmapped: bool, dry_run: bool) -> bool:
    return _import_file(Path(label), user, "kg", leave_out_unmapped, dry_run, parsed=parsed)


def _import_file(
    path: Path, user: str, weight_unit: str, leave_out_unmapped: bool, dry_run: bool, *, parsed: Any = None
) -> bool:
    """Import one archive, CSV or fetched history in one transaction; True when it failed."""

    async def work(settings: Settings) -> list[str]:
        from atelier.db import unit_of_work
        from atelier.kit.problems import Problem
        from atelier.kit.runtime import Runtime
        from atelier.portability import moving_in, restore

        runtime = Runtime.from_settings(settings)
        try:
            athlete = await _account(runtime, user)
            if athlete is None:
                raise Problem(404, f"no account with e-mail {user}")
            with _progress() as progress:
                async with unit_of_work(runtime.sessions, user_id=athlete.id) as session:
                    if path.suffix.lower() == ".zip":
                        with path.open("rb") as handle:
                            zipped, _ = restore.open_archive(handle)
                            task = progress.add_task(f"importing {path.name}", total=None)
                            report = await restore.restore(
                                session, runtime, athlete, zipped, tick=lambda n: progress.advance(task, n)
                            )
                        added = ", ".join(f"{n} {k}" for k, n in report.imported.items()) or "nothing new"
                        known = sum(report.already_there.values())
                        return [f"{path.name}: imported {added}; {known} already there", *report.notes]
                    history = parsed
                    assert history is not None
                    task = progress.add_task(f"moving in {path.name}", total=len(history.workouts))
                    moved = await moving_in.move_in(
                        session,
                        runtime,
                        athlete,
                        history,
                        leave_out_unmapped=leave_out_unmapped,
                        dry_run=dry_run,
                        tick=lambda n: progress.advance(task, n),
                    )
            verb = "would import" if dry_run else "imported"
            lines = [
                f"{path.name} ({moved.app}): {verb} {moved.workouts_imported} workouts, "
                f"{moved.sets_imported} sets; {moved.workouts_already_there} already there, "
                f"{moved.sets_left_out} sets left out"
            ]
            lines += [
                f"  unmapped: {u.name!r} ({u.sets} sets) — maybe {', '.join(u.suggestions[:3]) or '?'}"
                for u in moved.unmapped
            ]
            lines += [f"  skipped: {reason}" for reason in moved.skipped]
            return lines
        finally:
            await runtime.close()

    from atelier.kit.problems import Problem
    from atelier.portability import foreign

    try:
        if parsed is None and path.suffix.lower() == ".csv":
            try:
                parsed = foreign.parse(path.read_bytes(), weight_unit=weight_unit)
            except (foreign.Unreadable, ValueError) as exc:
                raise Problem(422, str(exc)) from exc
        lines = _run(work)
    except Problem as problem:
        _say(err, f"{path.name}: error: {problem.detail}")
        for name in (u["name"] for u in problem.extensions.get("unmapped", [])):
            _say(err, f"  unmapped: {name!r} (map it with PUT /api/v1/imports/mappings)")
        return True
    except OSError as exc:
        _say(err, f"{path.name}: error: {exc}")
        return True
    for line in lines:
        _say(console, line)
    return False


@app.command("import-wger")
def import_wger(
    user: Annotated[str, typer.Option("--user", help="whose account (e-mail)")],
    url: Annotated[str, typer.Option("--url", help="the wger server, e.g. https://wger.de")],
    token: Annotated[str, typer.Option("--token", envvar="WGER_TOKEN", help="the wger API key")],
    leave_out_unmapped: Annotated[
        bool, typer.Option(help="import without exercises no movement matches")
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="report what would be imported, write nothing")] = False,
) -> None:
    """Move in from a wger account through its REST API (the key is used once, never stored)."""
    from atelier.portability import wger

    async def fetch(_settings: Settings) -> Any:
        return await wger.fetch_wger(url, token)

    try:
        parsed = _run(fetch)
    except wger.WgerError as exc:
        _say(err, f"error: {exc}")
        raise typer.Exit(2) from exc
    if _import_parsed(parsed, "wger", user, leave_out_unmapped, dry_run):
        raise typer.Exit(2)
