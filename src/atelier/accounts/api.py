"""Accounts endpoints: /auth, /me, coach links and a coach's athletes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status

from atelier.accounts import repository, service
from atelier.accounts.auth import CallerDep, CurrentUser
from atelier.accounts.models import CoachLink, Role
from atelier.accounts.schemas import (
    AthleteOut,
    InviteIn,
    LinkOut,
    ProfileIn,
    ProfileOut,
    RefreshIn,
    RegisterIn,
    TokenOut,
    UserOut,
)
from atelier.kit.problems import Problem
from atelier.kit.runtime import RuntimeDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/auth/register", status_code=status.HTTP_201_CREATED, response_model=UserOut)
async def register(body: RegisterIn, session: SessionDep, runtime: RuntimeDep) -> UserOut:
    """Create an account (athlete or coach) with an argon2id-hashed password."""
    user = await service.register(
        session, runtime, email=body.email, password=body.password, name=body.name, role=Role(body.role)
    )
    return UserOut.model_validate(user)


@router.post("/auth/token", response_model=TokenOut)
async def token(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    username: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=256)],
) -> TokenOut:
    """OAuth2 password flow: the e-mail as ``username``."""
    if "\x00" in username or "\x00" in password:
        raise Problem(422, "username and password cannot contain a NUL character")
    client = request.client.host if request.client else "unknown"
    tokens = await service.login(session, runtime, email=username, password=password, client=client)
    return TokenOut(
        access_token=tokens.access_token, expires_in=tokens.expires_in, refresh_token=tokens.refresh_token
    )


@router.post("/auth/refresh", response_model=TokenOut)
async def refresh(body: RefreshIn, session: SessionDep, runtime: RuntimeDep) -> TokenOut:
    """Trade a refresh token for a new pair; the old refresh token stops working."""
    try:
        tokens = await service.refresh(session, runtime, body.refresh_token)
    except service.RefreshTokenReplayed:
        # The request is refused, yet the revocation must outlive the rollback that follows a refusal.
        await session.commit()
        raise
    return TokenOut(
        access_token=tokens.access_token, expires_in=tokens.expires_in, refresh_token=tokens.refresh_token
    )


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(caller: CallerDep, session: SessionDep) -> Response:
    """End this login: its access and refresh tokens stop working."""
    await service.logout(session, caller.auth)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=UserOut)
async def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.get("/me/profile", response_model=ProfileOut)
async def my_profile(user: CurrentUser, session: SessionDep) -> ProfileOut:
    return ProfileOut.model_validate(await service.profile(session, user))


@router.patch("/me/profile", response_model=ProfileOut)
async def edit_profile(
    body: ProfileIn, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> ProfileOut:
    """Change category, level, units, language, zone, body weight, heart rates or one-rep maxes."""
    profile = await service.update_profile(session, user, body)
    await runtime.local_cache.delete(service.language_key(user.id))
    return ProfileOut.model_validate(profile)


def _link_out(link: CoachLink, coach_name: str, athlete_name: str) -> LinkOut:
    return LinkOut(
        id=link.id,
        coach_id=link.coach_id,
        athlete_id=link.athlete_id,
        coach_name=coach_name,
        athlete_name=athlete_name,
        status=link.status,
        created_at=link.created_at,
        accepted_at=link.accepted_at,
        ended_at=link.ended_at,
    )


async def _described(session: SessionDep, user: CurrentUser, link: CoachLink) -> LinkOut:
    for found, coach_name, athlete_name in await repository.links_of(session, user):
        if found.id == link.id:
            return _link_out(found, coach_name, athlete_name)
    raise AssertionError("a link the actor just touched is not among their links")


@router.post("/links", status_code=status.HTTP_201_CREATED, response_model=LinkOut)
async def invite(body: InviteIn, user: CurrentUser, session: SessionDep) -> LinkOut:
    """A coach invites an athlete by e-mail; nothing is shared until the athlete accepts."""
    link = await service.invite(session, user, body.athlete_email)
    return await _described(session, user, link)


@router.get("/links", response_model=list[LinkOut])
async def links(user: CurrentUser, session: SessionDep) -> list[LinkOut]:
    """Invitations and links the caller is a side of, as coach or athlete."""
    return [_link_out(*row) for row in await repository.links_of(session, user)]


@router.post("/links/{link_id}/accept", response_model=LinkOut)
async def accept(link_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> LinkOut:
    link = await service.accept(session, user, link_id)
    return await _described(session, user, link)


@router.post("/links/{link_id}/end", response_model=LinkOut)
async def end(link_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> LinkOut:
    """Either side ends the link, or the athlete declines the invitation."""
    link = await service.end(session, user, link_id)
    return await _described(session, user, link)


@router.get("/athletes", response_model=list[AthleteOut])
async def athletes(user: CurrentUser, session: SessionDep) -> list[AthleteOut]:
    """A coach's linked athletes."""
    return [
        AthleteOut(id=athlete.id, name=athlete.name, email=athlete.email, linked_since=link.accepted_at)
        for athlete, link in await repository.athletes_of(session, user)
    ]


@router.get("/athletes/{athlete_id}/profile", response_model=ProfileOut)
async def athlete_profile(athlete_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> ProfileOut:
    """An athlete's profile, for their coach while the link is active."""
    athlete = await service.linked_athlete(session, user, athlete_id)
    return ProfileOut.model_validate(await service.profile(session, athlete))
