"""Seed 004's illustration pipeline: the library first, otherwise a queued generation.

* **Lookup**: the exact movement id in ``illustration_library``, then the movement a name or alias
  resolves to (``ohp`` → ``strict_press``). Found: served at once.
* **Queue**: otherwise one row per movement in ``illustration_generation_queue`` (asking twice keeps
  one row and the more urgent priority; 1 is most urgent, 9 least). A nudge tells a worker.
* **Worker** (``drain``): takes the most urgent due job — ``pending`` whose ``next_attempt_at`` has
  come, or ``processing`` whose lease (``locked_until``) ran out because its worker died — by a
  conditional UPDATE, so two workers never take the same job. It generates outside any transaction,
  writes the file, records it in the library and marks the job ``completed``. A failure is retried
  after 30 s × 2^(attempt−1) (30 s, 60 s, …) until ``max_attempts``, then the job is ``failed`` with
  its error; asking for the movement again puts a failed job back in the queue.
* **Generators**: the local SVG card (``illustrate.svg_card``, from catalog data: name, family,
  equipment, muscle groups) by default; the image provider when ``ATELIER_IMAGE_URL`` is set.
* **Files** go to ``ATELIER_STORAGE_DIR``/illustrations under a name holding their content hash, so
  they never change and are served with a one-year immutable cache header.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.coaching import illustrate
from atelier.coaching.models import Illustration, IllustrationJob
from atelier.db import unit_of_work
from atelier.kit.clock import utcnow
from atelier.kit.problems import NotFound, Problem
from atelier.kit.runtime import Runtime
from atelier.wods.catalog import MovementEntry, movement_catalog, resolve_movement, suggest_movements

log = logging.getLogger(__name__)

TASK = "coaching.illustrations"
FILES_URL = "/illustrations/files/"
BACKOFF_SECONDS = 30
HIGHEST, DEFAULT_PRIORITY, LOWEST = 1, 5, 9


@dataclass(frozen=True)
class Status:
    movement: str
    status: str  # completed | pending | processing | failed
    url: str | None = None
    priority: int | None = None
    attempts: int = 0
    last_error: str | None = None
    generator: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "movement": self.movement,
            "status": self.status,
            "url": self.url,
            "priority": self.priority,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "generator": self.generator,
        }


def movement_of(name: str) -> MovementEntry:
    """The catalog movement a name means: exact id first, then a name or alias (EN/FR)."""
    entry = movement_catalog().get(name) or resolve_movement(name)
    if entry is None:
        raise Problem(422, f"unknown movement {name!r}", suggestions=suggest_movements(name)[:5])
    return entry


def storage(runtime: Runtime) -> Path:
    return Path(runtime.settings.storage_dir) / "illustrations"


def _done(row: Illustration) -> Status:
    return Status(row.movement, "completed", FILES_URL + row.file_name, generator=row.generator)


async def lookup(session: AsyncSession, movement: str) -> Status | None:
    row = await session.scalar(select(Illustration).where(Illustration.movement == movement))
    return _done(row) if row is not None else None


async def request(
    session: AsyncSession,
    movement: MovementEntry,
    *,
    priority: int = DEFAULT_PRIORITY,
    discipline: str | None = None,
) -> tuple[Status, bool]:
    """The movement's illustration, or its place in the queue; True when the queue has new work."""
    found = await lookup(session, movement.id)
    if found is not None:
        await session.execute(
            update(Illustration)
            .where(Illustration.movement == movement.id)
            .values(usage_count=Illustration.usage_count + 1)
        )
        return found, False
    job = await session.scalar(select(IllustrationJob).where(IllustrationJob.movement == movement.id))
    queued = False
    if job is None:
        job = IllustrationJob(movement=movement.id, discipline=discipline, priority=priority)
        try:
            async with session.begin_nested():
                session.add(job)
        except IntegrityError:  # asked for at the same moment by someone else: that row stands
            job = await session.scalar(select(IllustrationJob).where(IllustrationJob.movement == movement.id))
            if job is None:
                raise
        queued = True
    else:
        if priority < job.priority:
            job.priority = priority
            queued = True
        if job.status == "failed":
            job.status, job.attempts, job.next_attempt_at, job.locked_until = "pending", 0, utcnow(), None
            queued = True
        await session.flush()
    return _queued(job), queued


def _queued(job: IllustrationJob) -> Status:
    return Status(job.movement, job.status, None, job.priority, job.attempts, job.last_error)


async def status_of(session: AsyncSession, name: str) -> Status:
    movement = movement_of(name)
    found = await lookup(session, movement.id)
    if found is not None:
        return found
    job = await session.scalar(select(IllustrationJob).where(IllustrationJob.movement == movement.id))
    if job is None:
        raise NotFound("illustration (ask for it first with POST)")
    return _queued(job)


# --- the worker ----------------------------------------------------------------------------------


def _due(now: datetime) -> Any:
    return or_(
        and_(IllustrationJob.status == "pending", IllustrationJob.next_attempt_at <= now),
        and_(IllustrationJob.status == "processing", IllustrationJob.locked_until < now),
    )


async def _claim(runtime: Runtime) -> IllustrationJob | None:
    """Take the most urgent due job, or None; the conditional UPDATE makes the claim exclusive."""
    lease = timedelta(seconds=runtime.settings.job_lease_seconds)
    for _ in range(5):  # another worker may win a candidate: try the next one
        async with unit_of_work(runtime.sessions, system=True) as session:
            now = utcnow()
            job = await session.scalar(
                select(IllustrationJob)
                .where(_due(now))
                .order_by(IllustrationJob.priority, IllustrationJob.created_at)
                .limit(1)
            )
            if job is None:
                return None
            taken = await session.execute(
                update(IllustrationJob)
                .where(IllustrationJob.id == job.id, IllustrationJob.attempts == job.attempts, _due(now))
                .values(
                    status="processing", attempts=job.attempts + 1, locked_until=now + lease, updated_at=now
                )
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                await session.refresh(job)
                return job
    return None


async def generate(runtime: Runtime, movement: MovementEntry, discipline: str | None) -> illustrate.Image:
    settings = runtime.settings
    if settings.image_url:
        return await illustrate.provider_image(
            settings.image_url, settings.image_key, movement, discipline, settings.image_timeout_seconds
        )
    return illustrate.svg_card(movement)


def _write(folder: Path, movement: str, image: illustrate.Image) -> str:
    """Write the file under a content-addressed name, whole or not at all."""
    digest = hashlib.sha256(image.content).hexdigest()[:16]
    name = f"{movement}-{digest}.{image.extension}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        partial = folder / f".{name}.{uuid.uuid4().hex}.part"
        partial.write_bytes(image.content)
        os.replace(partial, target)
    return name


async def _finish(runtime: Runtime, job: IllustrationJob, image: illustrate.Image, name: str) -> None:
    movement = movement_catalog()[job.movement]
    async with unit_of_work(runtime.sessions, system=True) as session:
        if await session.scalar(select(Illustration.id).where(Illustration.movement == job.movement)) is None:
            session.add(
                Illustration(
                    movement=job.movement,
                    discipline=job.discipline,
                    muscle_groups=list(movement.muscle_groups),
                    tags=[movement.family, movement.category, *movement.equipment],
                    file_name=name,
                    content_type=image.content_type,
                    generator=image.generator,
                    size_bytes=len(image.content),
                )
            )
        await session.execute(
            update(IllustrationJob)
            .where(IllustrationJob.id == job.id)
            .values(
                status="completed",
                locked_until=None,
                last_error=None,
                completed_at=utcnow(),
                updated_at=utcnow(),
            )
        )


async def _fail(runtime: Runtime, job: IllustrationJob, error: str) -> None:
    now = utcnow()
    final = job.attempts >= job.max_attempts
    values: dict[str, Any] = {"locked_until": None, "last_error": error[:2000], "updated_at": now}
    if final:
        values["status"] = "failed"
    else:
        values["status"] = "pending"
        values["next_attempt_at"] = now + timedelta(seconds=BACKOFF_SECONDS * 2 ** (job.attempts - 1))
    async with unit_of_work(runtime.sessions, system=True) as session:
        await session.execute(update(IllustrationJob).where(IllustrationJob.id == job.id).values(**values))
    log.warning(
        "illustration of %s failed (attempt %d of %d): %s",
        job.movement,
        job.attempts,
        job.max_attempts,
        error,
    )


async def drain(runtime: Runtime, limit: int = 100) -> int:
    """Process due jobs until none is left (or ``limit``); returns how many completed."""
    completed = 0
    for _ in range(limit):
        job = await _claim(runtime)
        if job is None:
            break
        try:
            movement = movement_catalog()[job.movement]
            image = await generate(runtime, movement, job.discipline)
            name = _write(storage(runtime), job.movement, image)
        except Exception as exc:  # a provider that fails, a full disk: retried, then failed
            await _fail(runtime, job, f"{type(exc).__name__}: {exc}")
            continue
        await _finish(runtime, job, image, name)
        completed += 1
    return completed


async def due(runtime: Runtime) -> int:
    """How many jobs a worker could take now (the sweep nudges when there are any)."""
    async with unit_of_work(runtime.sessions, system=True) as session:
        rows = await session.scalars(select(IllustrationJob.id).where(_due(utcnow())))
        return len(rows.all())
