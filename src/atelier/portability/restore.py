"""Importing an export archive: into an empty account on another server, or into an existing one.

The archive is checked whole before anything is written: it must be a zip with a manifest of this
format, at a version this server reads (a newer one is refused, not guessed at), and every file
the manifest lists must be there with its SHA-256 — a cut or damaged archive is refused by name.
Each document is then validated against its item model and written in the caller's transaction,
one document at a time, so an error anywhere leaves the account as it was.

Every row gets a new id (the same archive can go into two accounts of one server) and keeps what
it points at through the id map. What the account already has is recognised and skipped:

* a session by its import key (``atelier:<id in the archive>``, or the key it was imported with
  from another app), or because it *is* that session (the archive was taken from this account);
* a WOD by its workout (the owner's WOD that compiles to the same workout);
* a recording by the SHA-256 of its file, a location by its name, a goal, a manual activity and a
  mapping by what they say.

The profile is restored only into an account that has no training yet; otherwise it is kept.
Coach-side references (a routine assignment, a class, a team) stay home: they are another
person's rows.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts import repository as accounts
from atelier.accounts.models import AthleteProfile, User
from atelier.forge.models import Activity, Goal, Location, Recording
from atelier.kit.problems import Problem
from atelier.kit.runtime import Runtime
from atelier.planning.models import Session, SessionKind
from atelier.portability import documents
from atelier.portability.models import MovementMapping
from atelier.training import bests, records
from atelier.training.models import Attempt, Progress, ProgressExercise, Result, TrainingMetrics
from atelier.wods import service as wods
from atelier.wods.models import Visibility, Wod

READ_CHUNK = 1 << 20


class ArchiveRefused(Problem):
    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(422, detail, **extra)


@dataclass
class Report:
    """What an import did: rows added and rows recognised as already there, per document."""

    imported: dict[str, int] = field(default_factory=dict)
    already_there: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, added: bool) -> None:
        counts = self.imported if added else self.already_there
        counts[name] = counts.get(name, 0) + 1


def open_archive(file: IO[bytes]) -> tuple[zipfile.ZipFile, dict[str, Any]]:
    """The zip and its manifest, checked: format, version, and every file whole."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveRefused(f"this is not an Atelier export, or it was cut short: {exc}") from exc
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except KeyError as exc:
        raise ArchiveRefused("the archive has no manifest.json: it is not an Atelier export") from exc
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ArchiveRefused(f"the archive's manifest cannot be read: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != documents.FORMAT:
        raise ArchiveRefused(f"manifest.json does not describe an {documents.FORMAT} archive")
    version = manifest.get("version")
    if not isinstance(version, int) or version < 1:
        raise ArchiveRefused("manifest.json has no valid format version")
    if version > documents.VERSION:
        raise ArchiveRefused(
            f"this archive was written by a newer Atelier (format version {version}); this server reads "
            f"version {documents.VERSION} and older: upgrade it, then import again",
            archive_version=version,
            supported_version=documents.VERSION,
        )
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise ArchiveRefused("manifest.json lists no files")
    for name in documents.DOCUMENTS:
        if f"{name}.json" not in files:
            raise ArchiveRefused(f"the archive has no {name}.json")
    for name, expected in files.items():
        _check_file(archive, name, expected)
    return archive, manifest


def _check_file(archive: zipfile.ZipFile, name: str, expected: Any) -> None:
    digest = hashlib.sha256()
    try:
        with archive.open(name) as handle:
            while chunk := handle.read(READ_CHUNK):
                digest.update(chunk)
    except KeyError as exc:
        raise ArchiveRefused(
            f"{name} is listed in the manifest but missing: the archive is incomplete"
        ) from exc
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ArchiveRefused(f"{name} is damaged or cut short: {exc}") from exc
    if not isinstance(expected, dict) or digest.hexdigest() != expected.get("sha256"):
        raise ArchiveRefused(f"{name} does not match its checksum in the manifest: the archive is damaged")


def items(archive: zipfile.ZipFile, name: str) -> list[Any]:
    """The validated items of one document (a 422 naming the item and field that are wrong)."""
    model: type[BaseModel] = documents.DOCUMENTS[name]
    try:
        body = json.loads(archive.read(f"{name}.json"))
    except ValueError as exc:
        raise ArchiveRefused(f"{name}.json is not valid JSON: {exc}") from exc
    if not isinstance(body, dict) or body.get("document") != name or not isinstance(body.get("items"), list):
        raise ArchiveRefused(f"{name}.json is not a {name} document")
    try:
        return TypeAdapter(list[model]).validate_python(body["items"])  # type: ignore[valid-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ArchiveRefused(f"{name}.json item {where}: {first['msg']}", errors=exc.error_count()) from exc


def _columns(item: BaseModel, **changes: Any) -> dict[str, Any]:
    return item.model_dump(exclude={"wod_library_path"}) | changes


async def restore(
    session: AsyncSession, runtime: Runtime, actor: User, archive: zipfile.ZipFile, *, tick: Any = None
) -> Report:
    """Write the archive into ``actor``'s account (the caller commits, or rolls back on error)."""
    report = Report()
    advance = tick or (lambda _n: None)
    empty = (
        await session.scalar(select(Session.id).where(Session.athlete_id == actor.id).limit(1)) is None
        and await session.scalar(select(Activity.id).where(Activity.user_id == actor.id).limit(1)) is None
    )

    found = items(archive, "profile")
    if len(found) != 1:
        raise ArchiveRefused(f"profile.json must hold one profile, not {len(found)}")
    profile = found[0]
    if empty and profile.profile is not None:
        mine = await accounts.profile_of(session, actor.id)
        values = profile.profile.model_dump()
        if mine is None:
            session.add(AthleteProfile(user_id=actor.id, **values))
        else:
            for key, value in values.items():
                setattr(mine, key, value)
        report.add("profile", True)
    elif profile.profile is not None:
        report.add("profile", False)
        report.notes.append(
            "profile kept: the account already had training, so its settings were left as they are"
        )

    wod_ids: dict[uuid.UUID, uuid.UUID] = {}
    for wod in items(archive, "wods"):
        saved = await wods.restore(
            session,
            runtime,
            owner=actor,
            visibility=Visibility(wod.visibility),
            versions=[(v.version, v.source, v.created_at) for v in wod.versions],
            created_at=wod.created_at,
        )
        wod_ids[wod.id] = saved.wod.id
        report.add("wods", saved.created)
    advance(len(wod_ids))
    library = dict(
        (await session.execute(select(Wod.library_path, Wod.id).where(Wod.library_path.is_not(None)))).all()
    )

    session_ids = await _sessions(session, actor, archive, wod_ids, library, report)
    advance(len(session_ids))
    fresh = {old: new for old, (new, added) in session_ids.items() if added}
    mapped = {old: new for old, (new, _) in session_ids.items()}

    for progress in items(archive, "progress"):
        if progress.session_id not in fresh:
            report.add("progress", False)
            continue
        session_id = fresh[progress.session_id]
        row = Progress(
            id=uuid.uuid4(),
            session_id=session_id,
            athlete_id=actor.id,
            created_at=progress.created_at,
            updated_at=progress.updated_at,
        )
        session.add(row)
        for exercise in progress.exercises:
            session.add(ProgressExercise(**_columns(exercise, id=uuid.uuid4(), progress_id=row.id)))
        for attempt in progress.attempts:
            session.add(
                Attempt(**_columns(attempt, id=uuid.uuid4(), session_id=session_id, athlete_id=actor.id))
            )
        if progress.metrics is not None:
            session.add(
                TrainingMetrics(**_columns(progress.metrics, session_id=session_id, athlete_id=actor.id))
            )
        report.add("progress", True)
    await session.flush()

    restored: set[str] = set()
    for result in items(archive, "results"):
        if result.session_id not in fresh:
            report.add("results", False)
            continue
        session.add(
            Result(
                **_columns(
                    result,
                    id=uuid.uuid4(),
                    session_id=fresh[result.session_id],
                    athlete_id=actor.id,
                    wod_id=wod_ids.get(result.wod_id) if result.wod_id else None,
                )
            )
        )
        restored.add(result.workout_hash)
        report.add("results", True)
    await session.flush()
    await bests.refresh(session, actor.id, restored)  # the boards read each athlete's bests

    recording_ids = await _recordings(session, actor, archive, mapped, report)
    await _activities(session, actor, archive, fresh, recording_ids, report)
    await _small_things(session, actor, archive, report)
    await session.flush()
    await records.forget(runtime, actor.id)
    return report


async def _sessions(
    session: AsyncSession,
    actor: User,
    archive: zipfile.ZipFile,
    wod_ids: dict[uuid.UUID, uuid.UUID],
    library: dict[str | None, uuid.UUID],
    report: Report,
) -> dict[uuid.UUID, tuple[uuid.UUID, bool]]:
    """Sessions, series first (an occurrence points at its series): old id → (new id, added)."""
    known = dict(
        (
            await session.execute(
                select(Session.import_key, Session.id).where(
                    Session.athlete_id == actor.id, Session.import_key.is_not(None)
                )
            )
        ).all()
    )
    mine = set((await session.scalars(select(Session.id).where(Session.athlete_id == actor.id))).all())
    found = items(archive, "sessions")
    found.sort(key=lambda s: s.kind != SessionKind.series.value)
    ids: dict[uuid.UUID, tuple[uuid.UUID, bool]] = {}
    for item in found:
        key = item.import_key or f"atelier:{item.id}"
        if item.id in mine:
            ids[item.id] = (item.id, False)
        elif key in known:
            ids[item.id] = (known[key], False)
        else:
            new_id = uuid.uuid4()
            wod_id = wod_ids.get(item.wod_id) if item.wod_id else None
            if wod_id is None and item.wod_library_path:
                wod_id = library.get(item.wod_library_path)
            parent = ids[item.parent_id][0] if item.parent_id in ids else None
            session.add(
                Session(
                    **_columns(
                        item,
                        id=new_id,
                        athlete_id=actor.id,
                        created_by=actor.id,
                        parent_id=parent,
                        wod_id=wod_id,
                        wod_version=item.wod_version if wod_id else None,
                        import_key=key,
                    )
                )
            )
            known[key] = new_id
            ids[item.id] = (new_id, True)
        report.add("sessions", ids[item.id][1])
    await session.flush()
    return ids


async def _recordings(
    session: AsyncSession,
    actor: User,
    archive: zipfile.ZipFile,
    sessions: dict[uuid.UUID, uuid.UUID],
    report: Report,
) -> dict[uuid.UUID, uuid.UUID]:
    hashes = dict(
        (
            await session.execute(
                select(Recording.content_hash, Recording.id).where(Recording.user_id == actor.id)
            )
        ).all()
    )
    ids: dict[uuid.UUID, uuid.UUID] = {}
    for item in items(archive, "recordings"):
        if item.content_hash in hashes:
            ids[item.id] = hashes[item.content_hash]
            report.add("recordings", False)
            continue
        new_id = uuid.uuid4()
        linked = sessions.get(item.session_id) if item.session_id else None
        session.add(Recording(**_columns(item, id=new_id, user_id=actor.id, session_id=linked)))
        hashes[item.content_hash] = ids[item.id] = new_id
        report.add("recordings", True)
    await session.flush()
    return ids


async def _activities(
    session: AsyncSession,
    actor: User,
    archive: zipfile.ZipFile,
    sessions: dict[uuid.UUID, uuid.UUID],
    recordings: dict[uuid.UUID, uuid.UUID],
    report: Report,
) -> None:
    """Ledger rows: a training row follows its session, a wearable row its recording (each only
    when that was added), a manual row is recognised by what it says."""
    existing = await session.execute(
        select(
            Activity.source,
            Activity.source_id,
            Activity.activity_date,
            Activity.started_at,
            Activity.activity_type,
            Activity.name,
            Activity.duration_seconds,
        ).where(Activity.user_id == actor.id)
    )
    sourced = {(r.source, r.source_id) for r in existing.all() if r.source_id is not None}
    manual = {
        (r.activity_date, r.started_at, r.activity_type, r.name, r.duration_seconds)
        for r in (
            await session.execute(
                select(
                    Activity.activity_date,
                    Activity.started_at,
                    Activity.activity_type,
                    Activity.name,
                    Activity.duration_seconds,
                ).where(Activity.user_id == actor.id, Activity.source == "manual")
            )
        ).all()
    }
    for item in items(archive, "activities"):
        if item.source == "manual":
            key = (item.activity_date, item.started_at, item.activity_type, item.name, item.duration_seconds)
            added = key not in manual
            if added:
                session.add(Activity(**_columns(item, id=uuid.uuid4(), user_id=actor.id)))
                manual.add(key)
        else:
            table = sessions if item.source == "training" else recordings
            target = table.get(item.source_id) if item.source_id else None
            added = target is not None and (item.source, target) not in sourced
            if added:
                session.add(Activity(**_columns(item, id=uuid.uuid4(), user_id=actor.id, source_id=target)))
                sourced.add((item.source, target))
        report.add("activities", added)
    await session.flush()


async def _small_things(session: AsyncSession, actor: User, archive: zipfile.ZipFile, report: Report) -> None:
    goals = {
        (g.goal_type, g.movement, g.target_value, g.unit, g.deadline)
        for g in await session.scalars(select(Goal).where(Goal.user_id == actor.id))
    }
    for item in items(archive, "goals"):
        key = (item.goal_type, item.movement, item.target_value, item.unit, item.deadline)
        if key not in goals:
            session.add(Goal(**_columns(item, id=uuid.uuid4(), user_id=actor.id)))
            goals.add(key)
            report.add("goals", True)
        else:
            report.add("goals", False)
    names = set((await session.scalars(select(Location.name).where(Location.user_id == actor.id))).all())
    has_default = bool(
        await session.scalar(
            select(Location.id).where(Location.user_id == actor.id, Location.is_default.is_(True))
        )
    )
    for item in items(archive, "locations"):
        if item.name in names:
            report.add("locations", False)
            continue
        default = item.is_default and not has_default
        has_default = has_default or default
        session.add(Location(**_columns(item, id=uuid.uuid4(), user_id=actor.id, is_default=default)))
        names.add(item.name)
        report.add("locations", True)
    mapped = set(
        (await session.scalars(select(MovementMapping.name).where(MovementMapping.user_id == actor.id))).all()
    )
    for item in items(archive, "mappings"):
        if item.name in mapped:
            report.add("mappings", False)
            continue
        session.add(MovementMapping(**_columns(item, user_id=actor.id)))
        mapped.add(item.name)
        report.add("mappings", True)
