"""A user's secret calendar feed: create (rotate), look at, revoke, and the feed itself.

Calendar apps (Google, Apple) subscribe to a URL and cannot send an Authorization header, so the
URL carries a secret: ``secrets.token_urlsafe(32)``, shown once when created. Only its SHA-256 is
stored. A user has at most one active feed; creating one revokes the previous one. An unknown and
a revoked token get the same 404.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts import repository as accounts
from atelier.accounts.auth import CurrentUser
from atelier.accounts.models import User
from atelier.accounts.security import digest
from atelier.db import set_rls_context
from atelier.kit.clock import utcnow
from atelier.kit.problems import NotFound
from atelier.kit.runtime import SessionDep
from atelier.planning import ics
from atelier.planning.models import CalendarFeed

router = APIRouter(tags=["calendar feed"])

MAX_TOKEN_LENGTH = 128  # ours are 43 characters; anything much longer is not worth a query


class FeedOut(BaseModel):
    url: str = Field(description="the secret feed address; shown only now, keep it private")
    webcal_url: str = Field(description="the same address for apps that open webcal:// links")
    created_at: datetime


class FeedStatusOut(BaseModel):
    active: bool
    created_at: datetime | None = Field(None, description="when the active feed was created")


async def _active(session: AsyncSession, user_id: uuid.UUID) -> CalendarFeed | None:
    return await session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.created_at.desc())
        .limit(1)
    )


async def _revoke_all(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


@router.post("/api/v1/calendar/feed", response_model=FeedOut, status_code=status.HTTP_201_CREATED)
async def create_feed(request: Request, session: SessionDep, user: CurrentUser) -> FeedOut:
    """A new secret feed URL for your calendar; the previous one stops working."""
    # Two concurrent rotations queue on the user's row, so exactly one feed stays active.
    await session.execute(select(User.id).where(User.id == user.id).with_for_update())
    await _revoke_all(session, user.id)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(id=uuid.uuid4(), user_id=user.id, token_hash=digest(token), created_at=utcnow())
    session.add(feed)
    await session.flush()
    url = f"{str(request.base_url).rstrip('/')}/feeds/{token}.ics"
    return FeedOut(url=url, webcal_url="webcal://" + url.split("://", 1)[1], created_at=feed.created_at)


@router.get("/api/v1/calendar/feed", response_model=FeedStatusOut)
async def feed_status(session: SessionDep, user: CurrentUser) -> FeedStatusOut:
    """Whether you have an active feed (its URL is never shown again: create a new one if lost)."""
    feed = await _active(session, user.id)
    return FeedStatusOut(active=feed is not None, created_at=feed.created_at if feed else None)


@router.delete("/api/v1/calendar/feed", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_feed(session: SessionDep, user: CurrentUser) -> Response:
    """Stop your feed URL from working (nothing to do when there is none)."""
    await _revoke_all(session, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.head("/feeds/{token}.ics", include_in_schema=False)  # calendar apps probe with HEAD
@router.get(
    "/feeds/{token}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, 404: {"description": "unknown or revoked"}},
)
async def feed(token: str, session: SessionDep) -> Response:
    """The iCalendar feed behind a secret URL (no Authorization header: the URL is the secret)."""
    owner = None
    if len(token) <= MAX_TOKEN_LENGTH:
        # Nobody is acting yet: find whose feed it is with the system context, then act as them.
        await set_rls_context(session, user_id=None, system=True)
        owner_id = await session.scalar(
            select(CalendarFeed.user_id).where(
                CalendarFeed.token_hash == digest(token), CalendarFeed.revoked_at.is_(None)
            )
        )
        if owner_id is not None:
            await set_rls_context(session, user_id=owner_id)
            owner = await accounts.user_by_id(session, owner_id)
    if owner is None:
        raise NotFound("calendar feed")
    body = await ics.user_calendar(session, owner)
    return Response(
        content=body,
        media_type=ics.MEDIA_TYPE,
        headers={
            "Cache-Control": "private, max-age=300",
            "Content-Disposition": 'inline; filename="atelier.ics"',
        },
    )
