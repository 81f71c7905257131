"""The export archive: everything a user owns, in open formats, streamed as a zip.

The archive holds one JSON document per domain (``documents.DOCUMENTS``), the JSON Schema of each
under ``schema/``, the sets and the activities as CSV (for a spreadsheet), the calendar as
iCalendar, and ``manifest.json`` last: the format and version, who and when, and the row count,
size and SHA-256 of every file, so an import can tell a complete archive from a cut one.

Rows are read in batches from a server-side cursor and written into the zip as they come, and the
zip is written to a sink the caller drains after every batch: the archive is never whole in
memory, whatever the size of the account (``bench/portability.py`` measures it).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
import uuid
import zipfile
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from atelier import __version__
from atelier.accounts import repository as accounts
from atelier.db import unit_of_work
from atelier.forge.models import Activity, Goal, Location, Recording
from atelier.kit.clock import utcnow
from atelier.planning import ics
from atelier.planning.models import Session
from atelier.portability import documents
from atelier.portability.models import MovementMapping
from atelier.training.models import Attempt, Progress, ProgressExercise, Result, TrainingMetrics
from atelier.wods.models import Wod, WodVersion

BATCH = 500
SPOOL = 4 << 20
KG_PER_LB = 0.45359237
Progressed = Callable[[int], None]

SET_COLUMNS = (
    "date", "session", "session_id", "position", "movement", "exercise", "set", "reps",
    "load", "unit", "load_kg", "rpe", "rir", "distance_m", "time_s", "calories",
)  # fmt: skip
ACTIVITY_COLUMNS = (
    "date", "started_at", "source", "type", "name", "duration_min", "calories", "calorie_model",
    "distance_km", "avg_hr", "rpe", "notes",
)  # fmt: skip


class Sink(io.RawIOBase):
    """A write-only, unseekable file the zip writes into and the response drains."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer += data
        return len(data)

    def take(self) -> bytes:
        out = bytes(self.buffer)
        self.buffer.clear()
        return out


class Entry:
    """One file of the archive being written: counts its rows, bytes and SHA-256 for the manifest."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self.name = name
        self.handle = archive.open(name, "w", force_zip64=True)
        self.digest = hashlib.sha256()
        self.size = 0
        self.rows = 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)

    def close(self) -> dict[str, Any]:
        self.handle.close()
        return {"rows": self.rows, "bytes": self.size, "sha256": self.digest.hexdigest()}


class Table:
    """A CSV written beside a JSON document: spooled (to disk past a few MB) until the document's
    entry is closed, since a zip takes one open entry at a time, then copied in."""

    def __init__(self, name: str, columns: tuple[str, ...]) -> None:
        self.name = name
        self.file = tempfile.SpooledTemporaryFile(max_size=SPOOL)  # noqa: SIM115 - closed in add_to
        self.rows = 0
        self.file.write(_csv_line(list(columns)))

    def write(self, values: list[Any]) -> None:
        self.file.write(_csv_line(values))
        self.rows += 1

    def add_to(self, archive: zipfile.ZipFile) -> dict[str, Any]:
        entry = Entry(archive, self.name)
        self.file.seek(0)
        while chunk := self.file.read(SPOOL):
            entry.write(chunk)
        self.file.close()
        entry.rows = self.rows
        return entry.close()


async def counts(session: AsyncSession, user_id: uuid.UUID) -> dict[str, int]:
    """How many rows each document will hold: the progress bar's total."""

    async def count(model: Any, owner: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(model).where(owner == user_id)) or 0)

    return {
        "wods": await count(Wod, Wod.owner_id),
        "sessions": await count(Session, Session.athlete_id),
        "progress": await count(Progress, Progress.athlete_id),
        "results": await count(Result, Result.athlete_id),
        "recordings": await count(Recording, Recording.user_id),
        "activities": await count(Activity, Activity.user_id),
        "goals": await count(Goal, Goal.user_id),
        "locations": await count(Location, Location.user_id),
        "mappings": await count(MovementMapping, MovementMapping.user_id),
    }


async def _batches(session: AsyncSession, statement: Select[*tuple[Any, ...]]) -> AsyncIterator[list[Any]]:
    result = await session.stream(statement.execution_options(yield_per=BATCH))
    async for partition in result.partitions():
        yield [row[0] if len(row) == 1 else row for row in partition]


def _open_document(entry: Entry, name: str) -> None:
    head = {"format": documents.FORMAT, "version": documents.VERSION, "document": name}
    entry.write(json.dumps(head)[:-1].encode() + b', "items": [\n')


def _add_item(entry: Entry, data: bytes) -> None:
    entry.write((b",\n" if entry.rows else b"") + data)
    entry.rows += 1


def _close_document(entry: Entry) -> dict[str, Any]:
    entry.write(b"\n]}\n")
    return entry.close()


def _csv_line(values: list[Any]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(["" if v is None else v for v in values])
    return out.getvalue().encode()


def _sets_rows(row: Session, exercise: ProgressExercise) -> list[list[Any]]:
    data = exercise.data or {}
    base = [
        row.session_date.isoformat(),
        row.title,
        str(row.id),
        exercise.position,
        exercise.movement,
        exercise.name,
    ]
    lines = []
    for number, done in enumerate(data.get("sets", []), start=1):
        load = done.get("load") or {}
        value, unit = load.get("value"), load.get("unit")
        kg = None if value is None else round(value * (KG_PER_LB if unit == "lb" else 1), 3)
        lines.append(
            [
                *base,
                number,
                done.get("reps"),
                value,
                unit,
                kg,
                done.get("rpe"),
                done.get("rir"),
                None,
                None,
                None,
            ]
        )
    if not lines and any(data.get(k) for k in ("distance_m", "time_s", "calories", "reps", "rounds")):
        load = data.get("load") or {}
        lines.append(
            [*base, 1, data.get("reps"), load.get("value"), load.get("unit"), None, data.get("rpe"), None,
             data.get("distance_m"), data.get("time_s"), data.get("calories")]
        )  # fmt: skip
    return lines


async def stream(
    factory: async_sessionmaker[AsyncSession], user_id: uuid.UUID, *, progressed: Progressed | None = None
) -> AsyncIterator[bytes]:
    """The archive of ``user_id``'s data, chunk by chunk, read as that user (row-level security)."""
    sink = Sink()
    written: dict[str, dict[str, Any]] = {}
    tick = progressed or (lambda _n: None)
    async with unit_of_work(factory, user_id=user_id) as session:
        user = await accounts.user_by_id(session, user_id)
        assert user is not None
        profile = await accounts.profile_of(session, user_id)
        zone = ZoneInfo(profile.timezone if profile else "UTC")
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            for name in documents.DOCUMENTS:
                entry = Entry(archive, f"schema/{name}.schema.json")
                entry.write(json.dumps(documents.schema_of(name), indent=1).encode())
                written[entry.name] = entry.close()
            yield sink.take()

            entry = Entry(archive, "profile.json")
            _open_document(entry, "profile")
            item = documents.ProfileItem(
                user=documents.UserItem(email=user.email, name=user.name, role=user.role.value),
                profile=documents.ITEMS["AthleteProfile"].model_validate(profile, from_attributes=True)
                if profile
                else None,
            )
            _add_item(entry, item.model_dump_json().encode())
            written[entry.name] = _close_document(entry)

            entry = Entry(archive, "wods.json")
            _open_document(entry, "wods")
            versions: dict[uuid.UUID, list[WodVersion]] = defaultdict(list)
            for found in await session.scalars(
                select(WodVersion).join(Wod, Wod.id == WodVersion.wod_id).where(Wod.owner_id == user_id)
            ):
                versions[found.wod_id].append(found)
            async for batch in _batches(
                session, select(Wod).where(Wod.owner_id == user_id).order_by(Wod.created_at, Wod.id)
            ):
                for wod in batch:
                    wod_item = documents.WodItem(
                        id=wod.id,
                        title=wod.title,
                        visibility=wod.visibility.value,
                        version=wod.version,
                        created_at=wod.created_at,
                        versions=[
                            documents.WodVersionItem(
                                version=v.version, title=v.title, source=v.source, created_at=v.created_at
                            )
                            for v in sorted(versions[wod.id], key=lambda v: v.version)
                        ],
                    )
                    _add_item(entry, wod_item.model_dump_json().encode())
                tick(len(batch))
                yield sink.take()
            written[entry.name] = _close_document(entry)

            library = dict(
                (
                    await session.execute(
                        select(Wod.id, Wod.library_path).where(Wod.library_path.is_not(None))
                    )
                ).all()
            )
            entry = Entry(archive, "sessions.json")
            _open_document(entry, "sessions")
            async for batch in _batches(
                session,
                select(Session)
                .where(Session.athlete_id == user_id)
                .order_by(Session.session_date, Session.created_at, Session.id),
            ):
                for row in batch:
                    planned = documents.SessionItem.model_validate(row, from_attributes=True)
                    if row.wod_id in library:
                        planned = planned.model_copy(update={"wod_library_path": library[row.wod_id]})
                    _add_item(entry, planned.model_dump_json().encode())
                tick(len(batch))
                yield sink.take()
            written[entry.name] = _close_document(entry)

            async for chunk in _progress_and_sets(session, archive, sink, user_id, written, tick):
                yield chunk

            for name, model, owner, order in (
                ("results", Result, Result.athlete_id, (Result.performed_on, Result.recorded_at, Result.id)),
                ("recordings", Recording, Recording.user_id, (Recording.started_at, Recording.id)),
                (
                    "activities",
                    Activity,
                    Activity.user_id,
                    (Activity.activity_date, Activity.created_at, Activity.id),
                ),
                ("goals", Goal, Goal.user_id, (Goal.created_at, Goal.id)),
                ("locations", Location, Location.user_id, (Location.name,)),
                ("mappings", MovementMapping, MovementMapping.user_id, (MovementMapping.name,)),
            ):
                entry = Entry(archive, f"{name}.json")
                _open_document(entry, name)
                item_model = documents.DOCUMENTS[name]
                table = Table("activities.csv", ACTIVITY_COLUMNS) if name == "activities" else None
                async for batch in _batches(session, select(model).where(owner == user_id).order_by(*order)):
                    for row in batch:
                        _add_item(entry, documents.item_json(item_model, row))
                        if table:
                            table.write(_activity_row(row, zone))
                    tick(len(batch))
                    yield sink.take()
                written[entry.name] = _close_document(entry)
                if table:
                    written[table.name] = table.add_to(archive)

            calendar = await _calendar(session, user)
            entry = Entry(archive, "calendar.ics")
            entry.write(calendar)
            written[entry.name] = entry.close()

            manifest = {
                "format": documents.FORMAT,
                "version": documents.VERSION,
                "exported_at": utcnow().isoformat(),
                "atelier": __version__,
                "user": {"email": user.email, "name": user.name},
                "timezone": zone.key,
                "files": written,
            }
            with archive.open("manifest.json", "w") as handle:
                handle.write(json.dumps(manifest, indent=1).encode())
        yield sink.take()


async def _progress_and_sets(
    session: AsyncSession,
    archive: zipfile.ZipFile,
    sink: Sink,
    user_id: uuid.UUID,
    written: dict[str, dict[str, Any]],
    tick: Progressed,
) -> AsyncIterator[bytes]:
    """progress.json and sets.csv together: one walk over the logs, a batch of sessions at a time."""
    entry = Entry(archive, "progress.json")
    sets = Table("sets.csv", SET_COLUMNS)
    _open_document(entry, "progress")
    attempt_item = documents.ITEMS["Attempt"]
    exercise_item = documents.ITEMS["ProgressExercise"]
    metrics_item = documents.ITEMS["TrainingMetrics"]
    statement = (
        select(Progress, Session)
        .join(Session, Session.id == Progress.session_id)
        .where(Progress.athlete_id == user_id)
        .order_by(Session.session_date, Session.created_at, Session.id)
    )
    async for batch in _batches(session, statement):
        ids = [progress.session_id for progress, _ in batch]
        by_progress: dict[uuid.UUID, list[ProgressExercise]] = defaultdict(list)
        for exercise in await session.scalars(
            select(ProgressExercise)
            .where(ProgressExercise.progress_id.in_([p.id for p, _ in batch]))
            .order_by(ProgressExercise.position)
        ):
            by_progress[exercise.progress_id].append(exercise)
        attempts: dict[uuid.UUID, list[Attempt]] = defaultdict(list)
        for attempt in await session.scalars(
            select(Attempt).where(Attempt.session_id.in_(ids)).order_by(Attempt.started_at, Attempt.id)
        ):
            attempts[attempt.session_id].append(attempt)
        metrics = {
            m.session_id: m
            for m in await session.scalars(select(TrainingMetrics).where(TrainingMetrics.session_id.in_(ids)))
        }
        for progress, row in batch:
            found = by_progress[progress.id]
            item = documents.ProgressItem(
                session_id=progress.session_id,
                created_at=progress.created_at,
                updated_at=progress.updated_at,
                attempts=[attempt_item.model_validate(a, from_attributes=True) for a in attempts[row.id]],
                exercises=[exercise_item.model_validate(e, from_attributes=True) for e in found],
                metrics=metrics_item.model_validate(metrics[row.id], from_attributes=True)
                if row.id in metrics
                else None,
            )
            _add_item(entry, item.model_dump_json().encode())
            for exercise in found:
                for line in _sets_rows(row, exercise):
                    sets.write(line)
        tick(len(batch))
        yield sink.take()
    written[entry.name] = _close_document(entry)
    written[sets.name] = sets.add_to(archive)


def _activity_row(row: Activity, zone: ZoneInfo) -> list[Any]:
    started = row.started_at.astimezone(zone).isoformat(timespec="minutes") if row.started_at else None
    return [
        row.activity_date.isoformat(),
        started,
        row.source,
        row.activity_type,
        row.name,
        round(row.duration_seconds / 60, 1),
        round(row.calories, 1),
        row.calorie_model,
        None if row.distance_m is None else round(row.distance_m / 1000, 3),
        row.avg_hr,
        row.rpe,
        row.notes,
    ]


async def _calendar(session: AsyncSession, user: Any) -> bytes:
    """Every planned and finished session (not only the feed's recent window) as iCalendar."""
    rows = list(
        await session.scalars(
            select(Session).where(Session.athlete_id == user.id).order_by(Session.session_date, Session.id)
        )
    )
    return ics.build_calendar(rows, name=user.name, today=utcnow().date(), classes=[])


def filename(email: str, at: datetime) -> str:
    who = "".join(c if c.isalnum() else "-" for c in email.split("@")[0])[:40]
    return f"atelier-{who}-{at:%Y%m%d-%H%M}.zip"
