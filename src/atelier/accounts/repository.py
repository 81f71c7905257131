"""Accounts reads, every one scoped by the actor."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import AthleteProfile, AuthSession, CoachLink, LinkStatus, User


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.strip().lower()))


async def user_by_id(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def auth_session(
    session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID
) -> AuthSession | None:
    return await session.scalar(
        select(AuthSession).where(AuthSession.id == session_id, AuthSession.user_id == user_id)
    )


# Built once: every authenticated request runs it, and building the expression costs more than
# running it.
_CALLER = (
    select(AuthSession, User)
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.id == bindparam("login"), AuthSession.user_id == bindparam("account"))
)


async def caller(
    session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID
) -> tuple[AuthSession, User] | None:
    """A login and its account in one round trip (every authenticated request asks for both)."""
    row = (await session.execute(_CALLER, {"login": session_id, "account": user_id})).first()
    return (row[0], row[1]) if row is not None else None


async def profile_of(session: AsyncSession, user_id: uuid.UUID) -> AthleteProfile | None:
    return await session.get(AthleteProfile, user_id)


async def is_coach_of(session: AsyncSession, coach_id: uuid.UUID, athlete_id: uuid.UUID) -> bool:
    """True only while an accepted, not-ended link joins the two."""
    found = await session.scalar(
        select(CoachLink.id).where(
            CoachLink.coach_id == coach_id,
            CoachLink.athlete_id == athlete_id,
            CoachLink.status == LinkStatus.active,
        )
    )
    return found is not None


async def links_of(session: AsyncSession, actor: User) -> list[tuple[CoachLink, str, str]]:
    """Every link the actor is a side of, with both people."""
    coach = User.__table__.alias("coach")
    athlete = User.__table__.alias("athlete")
    rows = await session.execute(
        select(CoachLink, coach.c.name, athlete.c.name)
        .join(coach, coach.c.id == CoachLink.coach_id)
        .join(athlete, athlete.c.id == CoachLink.athlete_id)
        .where(or_(CoachLink.coach_id == actor.id, CoachLink.athlete_id == actor.id))
        .order_by(CoachLink.created_at.desc())
    )
    return [(link, coach_name, athlete_name) for link, coach_name, athlete_name in rows.all()]


async def link_for(session: AsyncSession, actor: User, link_id: uuid.UUID) -> CoachLink | None:
    return await session.scalar(
        select(CoachLink).where(
            CoachLink.id == link_id, or_(CoachLink.coach_id == actor.id, CoachLink.athlete_id == actor.id)
        )
    )


async def open_link(session: AsyncSession, coach_id: uuid.UUID, athlete_id: uuid.UUID) -> CoachLink | None:
    return await session.scalar(
        select(CoachLink).where(
            CoachLink.coach_id == coach_id,
            CoachLink.athlete_id == athlete_id,
            CoachLink.status != LinkStatus.ended,
        )
    )


async def athletes_of(session: AsyncSession, coach: User) -> list[tuple[User, CoachLink]]:
    rows = await session.execute(
        select(User, CoachLink)
        .join(CoachLink, CoachLink.athlete_id == User.id)
        .where(CoachLink.coach_id == coach.id, CoachLink.status == LinkStatus.active)
        .order_by(User.name)
    )
    return [(user, link) for user, link in rows.all()]
