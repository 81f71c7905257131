"""The Advice and Progression tabs behind seed 004's two-tier cache.

1. **Memory** (this process, 2 minutes): ``runtime.local_cache`` — never Redis, the tier is meant to
   answer without a round trip.
2. **Table** (``training_insights`` 7 days, ``training_progression_insights`` 24 hours): a row is
   served while it has not expired *and* nothing was finished or corrected since it was generated
   (the newest ``training_metrics.computed_at`` of the athlete is not after ``generated_at``). That
   check is what "finishing a session invalidates both" means across processes: the process that
   finished the session also drops its memory entries at once; another process's memory entry can
   outlive it by at most its 2 minutes.
3. **Generation**: the local analyser (``analysis``) answers in milliseconds, inline. With an LLM
   configured, generation is slow and runs as a job: the row is written ``pending`` (the job's
   durable state), the request answers 202, and the job asks the model, validates its JSON against
   the seed's schema and falls back to the local analyser on any failure. A pending row older than
   the job lease is nudged again, so a job lost with its process is picked up.

A manual refresh drops both tiers for the user and is allowed once an hour (429 with
``Retry-After`` otherwise), counted in ``coaching_refreshes`` so every process agrees.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.coaching import analysis, context, llm
from atelier.coaching.facts import PERIOD_DAYS, AthleteFacts
from atelier.coaching.models import CoachingRefresh, ProgressionInsight, TrainingInsight
from atelier.coaching.schemas import Insights, ProgressionContent
from atelier.db import unit_of_work
from atelier.kit.clock import utcnow
from atelier.kit.problems import Problem
from atelier.kit.runtime import Runtime
from atelier.training.models import TrainingMetrics

log = logging.getLogger(__name__)

Kind = Literal["advice", "progression"]
TASK = "coaching.insights"
MEMORY_SECONDS = 120
LIFETIME = {"advice": timedelta(days=7), "progression": timedelta(hours=24)}
REFRESH_EVERY = timedelta(hours=1)
LANGUAGES = ("en", "fr")
PERIODS = tuple(PERIOD_DAYS)


@dataclass(frozen=True)
class Answer:
    tier: str  # memory | table | generated | pending
    body: dict[str, Any] | None  # None while a job generates it

    @property
    def ready(self) -> bool:
        return self.body is not None


def memory_key(user_id: uuid.UUID, kind: Kind, period: str, language: str) -> str:
    return f"coaching:{kind}:{period}:{language}:{user_id}"


Row = TrainingInsight | ProgressionInsight


def _table(kind: Kind) -> type[Row]:
    return TrainingInsight if kind == "advice" else ProgressionInsight


async def _row(
    session: AsyncSession, kind: Kind, user_id: uuid.UUID, period: str, language: str
) -> Row | None:
    if kind == "advice":
        return await session.scalar(select(TrainingInsight).where(*_where(kind, user_id, period, language)))
    return await session.scalar(select(ProgressionInsight).where(*_where(kind, user_id, period, language)))


def _where(kind: Kind, user_id: uuid.UUID, period: str, language: str) -> list[Any]:
    if kind == "advice":
        return [TrainingInsight.user_id == user_id, TrainingInsight.language == language]
    return [
        ProgressionInsight.user_id == user_id,
        ProgressionInsight.period == period,
        ProgressionInsight.language == language,
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def body_of(kind: Kind, row: Row) -> dict[str, Any]:
    """Seed 004's shape: the content itself, with when it was made, until when, and from what."""
    extra = {"period": row.period} if isinstance(row, ProgressionInsight) else {}
    return {
        **(row.content or {}),
        **extra,
        "language": row.language,
        "generatedAt": _iso(row.generated_at),
        "expiresAt": _iso(row.expires_at),
        "sessionsAnalyzed": row.sessions_analyzed,
        "engine": row.engine,
    }


async def _last_change(session: AsyncSession, user_id: uuid.UUID) -> datetime | None:
    return await session.scalar(
        select(func.max(TrainingMetrics.computed_at)).where(TrainingMetrics.athlete_id == user_id)
    )


async def read(
    session: AsyncSession, runtime: Runtime, user_id: uuid.UUID, kind: Kind, period: str, language: str
) -> Answer:
    key = memory_key(user_id, kind, period, language)
    cached = await runtime.local_cache.get(key)
    if cached is not None:
        return Answer("memory", cached)
    row = await _row(session, kind, user_id, period, language)
    now = utcnow()
    if row is not None and row.status == "ready" and row.expires_at is not None and row.expires_at > now:
        changed = await _last_change(session, user_id)
        if changed is None or (row.generated_at is not None and row.generated_at >= changed):
            body = body_of(kind, row)
            await runtime.local_cache.set(key, body, MEMORY_SECONDS)
            return Answer("table", body)
    if runtime.settings.llm_url:
        lease = timedelta(seconds=runtime.settings.job_lease_seconds)
        if row is None or row.status != "pending" or row.requested_at < now - lease:
            await _mark_pending(runtime, user_id, kind, period, language)
            await runtime.nudge(TASK, str(user_id), kind, period, language)
        return Answer("pending", None)
    body = await generate(runtime, user_id, kind, period, language, use_llm=False)
    return Answer("generated", body)


async def _mark_pending(runtime: Runtime, user_id: uuid.UUID, kind: Kind, period: str, language: str) -> None:
    await _store(runtime, user_id, kind, period, language, {"status": "pending", "requested_at": utcnow()})


async def _store(
    runtime: Runtime, user_id: uuid.UUID, kind: Kind, period: str, language: str, values: dict[str, Any]
) -> Row:
    """Insert or update the user's row for this key in its own unit of work (a GET may write it)."""
    table = _table(kind)
    for attempt in range(2):
        try:
            async with unit_of_work(runtime.sessions, user_id=user_id) as session:
                row = await _row(session, kind, user_id, period, language)
                if row is None:
                    keys: dict[str, Any] = {"user_id": user_id, "language": language}
                    if kind == "progression":
                        keys["period"] = period
                    row = table(**keys, **values)
                    session.add(row)
                else:
                    for name, value in values.items():
                        setattr(row, name, value)
                await session.flush()
                return row
        except IntegrityError:  # another request inserted the same key first: update theirs
            if attempt:
                raise
    raise AssertionError("unreachable")


def _local(kind: Kind, facts: AthleteFacts, period: str) -> tuple[dict[str, Any], int]:
    if kind == "advice":
        return analysis.insights(facts).model_dump(mode="json"), len(facts.sessions)
    content, analysed = analysis.progression(facts, period)  # type: ignore[arg-type]
    return content.model_dump(mode="json"), analysed


async def _ask_model(runtime: Runtime, kind: Kind, facts: AthleteFacts, period: str) -> dict[str, Any] | None:
    client = llm.client_for(runtime.settings)
    if client is None:
        return None
    try:
        payload = llm_payload(facts, period if kind == "progression" else None)
        answer: Insights | ProgressionContent | None
        if kind == "advice":
            answer = await llm.ask_json(client, llm.INSIGHTS_SYSTEM, payload, Insights)
        else:
            answer = await llm.ask_json(client, llm.PROGRESSION_SYSTEM, payload, ProgressionContent)
    finally:
        await client.aclose()
    return answer.model_dump(mode="json") if answer is not None else None


def llm_payload(facts: AthleteFacts, period: str | None) -> dict[str, Any]:
    """What the model is told: the same numbers the local analyser uses, nothing identifying."""
    return {
        "language": facts.language,
        "today": facts.today.isoformat(),
        "period": period,
        "level": facts.level,
        "acuteChronicRatio": facts.acwr,
        "plannedSessions": facts.planned,
        "oneRepMaxesKg": facts.one_rep_maxes,
        "goals": [
            {"type": g.goal_type, "target": g.target, "current": g.current, "movement": g.movement}
            for g in facts.goals
        ],
        "sessions": [
            {
                "date": s.day.isoformat(),
                "discipline": s.discipline,
                "type": s.session_type,
                "minutes": round(s.duration_seconds / 60),
                "rpe": s.rpe,
                "volumeKg": s.volume_kg,
                "reps": s.reps,
                "distanceM": s.distance_m,
                "movements": list(s.movements),
            }
            for s in facts.sessions
        ],
    }


async def generate(
    runtime: Runtime, user_id: uuid.UUID, kind: Kind, period: str, language: str, *, use_llm: bool
) -> dict[str, Any]:
    """Compute from the athlete's data (the model first when asked and configured), store both tiers."""
    async with unit_of_work(runtime.sessions, user_id=user_id) as session:
        facts = await context.facts_of(session, user_id, language)
    content, analysed = _local(kind, facts, period)
    engine = "local"
    if use_llm:
        from_model = await _ask_model(runtime, kind, facts, period)
        if from_model is not None:
            content, engine = from_model, "llm"
    now = utcnow()
    row = await _store(
        runtime,
        user_id,
        kind,
        period,
        language,
        {
            "status": "ready",
            "content": content,
            "sessions_analyzed": analysed,
            "engine": engine,
            "generated_at": now,
            "expires_at": now + LIFETIME[kind],
        },
    )
    body = body_of(kind, row)
    await runtime.local_cache.set(memory_key(user_id, kind, period, language), body, MEMORY_SECONDS)
    return body


async def run_job(runtime: Runtime, user_id: str, kind: str, period: str, language: str) -> None:
    """The job behind a pending row (LLM configured): generate unless someone already did."""
    who = uuid.UUID(user_id)
    checked: Kind = "advice" if kind == "advice" else "progression"
    async with unit_of_work(runtime.sessions, user_id=who) as session:
        row = await _row(session, checked, who, period, language)
    if row is None or row.status != "pending":
        return
    await generate(runtime, who, checked, period, language, use_llm=True)


async def stale_pending(runtime: Runtime) -> list[tuple[str, str, str, str]]:
    """Pending rows whose job lease ran out (the job died with its process): to nudge again."""
    cutoff = utcnow() - timedelta(seconds=runtime.settings.job_lease_seconds)
    found: list[tuple[str, str, str, str]] = []
    async with unit_of_work(runtime.sessions, system=True) as session:
        for user, language in await session.execute(
            select(TrainingInsight.user_id, TrainingInsight.language).where(
                TrainingInsight.status == "pending", TrainingInsight.requested_at < cutoff
            )
        ):
            found.append((str(user), "advice", "all", language))
        for user, period, language in await session.execute(
            select(ProgressionInsight.user_id, ProgressionInsight.period, ProgressionInsight.language).where(
                ProgressionInsight.status == "pending", ProgressionInsight.requested_at < cutoff
            )
        ):
            found.append((str(user), "progression", period, language))
    return found


async def forget(runtime: Runtime, user_id: uuid.UUID) -> None:
    """Drop this process's memory tier for the user (a session finished; see the module docstring)."""
    keys = [memory_key(user_id, "advice", "all", lang) for lang in LANGUAGES]
    keys += [memory_key(user_id, "progression", p, lang) for p in PERIODS for lang in LANGUAGES]
    await runtime.local_cache.delete(*keys)


async def refresh(session: AsyncSession, runtime: Runtime, user_id: uuid.UUID) -> datetime:
    """Drop both tiers for the user, once an hour; returns when the next refresh is allowed."""
    now = utcnow()
    row = await session.get(CoachingRefresh, user_id, with_for_update=True)
    if row is not None and row.refreshed_at > now - REFRESH_EVERY:
        allowed = row.refreshed_at + REFRESH_EVERY
        wait = max(1, int((allowed - now).total_seconds()) + 1)
        problem = Problem(
            429,
            f"analysis can be refreshed once an hour; try again in {-(-wait // 60)} min",
            retry_after_seconds=wait,
        )
        problem.headers = {"Retry-After": str(wait)}
        raise problem
    if row is None:
        session.add(CoachingRefresh(user_id=user_id, refreshed_at=now))
    else:
        row.refreshed_at = now
    await session.execute(delete(TrainingInsight).where(TrainingInsight.user_id == user_id))
    await session.execute(delete(ProgressionInsight).where(ProgressionInsight.user_id == user_id))
    await session.flush()
    await forget(runtime, user_id)
    return now + REFRESH_EVERY


async def expire(runtime: Runtime) -> int:
    """The periodic cache expiry: delete table rows past their expiry (system-wide)."""
    now = utcnow()
    async with unit_of_work(runtime.sessions, system=True) as session:
        gone = 0
        for table in (TrainingInsight, ProgressionInsight):
            result = await session.execute(
                delete(table).where(table.status == "ready", table.expires_at < now)
            )
            gone += result.rowcount or 0  # type: ignore[attr-defined]
    return gone
