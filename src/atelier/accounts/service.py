"""Accounts rules: registration, login with rate limiting, token rotation, profiles, coach links."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from wodcraft.catalog import load_catalog

from atelier.accounts import repository
from atelier.accounts.models import AthleteProfile, AuthSession, CoachLink, LinkStatus, Role, User
from atelier.accounts.schemas import ProfileIn
from atelier.accounts.security import (
    InvalidToken,
    digest,
    format_refresh_token,
    issue_access_token,
    new_refresh_secret,
    parse_refresh_token,
)
from atelier.db import set_rls_context
from atelier.kit.clock import utcnow
from atelier.kit.problems import Conflict, Forbidden, NotFound, Problem
from atelier.kit.runtime import Runtime
from atelier.training import bests
from atelier.training.models import Result


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_in: int
    refresh_token: str


class RefreshTokenReplayed(Problem):
    """An already-rotated refresh token came back: its login is revoked, and that must be kept."""

    def __init__(self) -> None:
        super().__init__(401, "the refresh token is not valid or has expired")


class TooManyAttempts(Problem):
    def __init__(self, retry_after: int) -> None:
        super().__init__(429, "too many failed logins; try again later", retry_after=retry_after)
        self.headers = {"Retry-After": str(retry_after)}


async def register(
    session: AsyncSession, runtime: Runtime, *, email: str, password: str, name: str, role: Role
) -> User:
    email = email.strip().lower()
    if await repository.user_by_email(session, email):
        raise Conflict("an account with this e-mail already exists")
    user = User(id=uuid.uuid4(), email=email, name=name.strip(), role=role)
    user.password_hash = await runtime.passwords.hash(password)
    session.add(user)
    await set_rls_context(session, user_id=user.id)
    try:
        await session.flush()
    except IntegrityError as exc:  # two registrations of one e-mail racing each other
        raise Conflict("an account with this e-mail already exists") from exc
    session.add(AthleteProfile(user_id=user.id, one_rep_maxes={}))
    await session.flush()
    return user


async def login(session: AsyncSession, runtime: Runtime, *, email: str, password: str, client: str) -> Tokens:
    """Check the password and open a session; repeated failures per e-mail or client are refused."""
    settings = runtime.settings
    email = email.strip().lower()
    keys = (f"login-fail:email:{email}", f"login-fail:client:{client}")
    limit = settings.login_attempts
    for key in keys:
        failures = await runtime.cache.get(key)
        # The client key allows more: several people may log in from one gym's address.
        allowed = limit if key.startswith("login-fail:email") else limit * 4
        if failures is not None and int(failures) >= allowed:
            raise TooManyAttempts(settings.login_window_seconds)
    user = await repository.user_by_email(session, email)
    # An unknown e-mail still pays for one argon2 check, so timing does not tell who has an account.
    known_hash = user.password_hash if user else await runtime.passwords.decoy_hash()
    if not await runtime.passwords.verify(known_hash, password) or user is None:
        for key in keys:
            await runtime.cache.incr(key, settings.login_window_seconds)
        raise Problem(401, "wrong e-mail or password")
    await runtime.cache.delete(keys[0])
    return await _open_session(session, runtime, user)


async def _open_session(session: AsyncSession, runtime: Runtime, user: User) -> Tokens:
    await set_rls_context(session, user_id=user.id)
    secret = new_refresh_secret()
    auth = AuthSession(
        id=uuid.uuid4(),
        user_id=user.id,
        refresh_hash=digest(secret),
        expires_at=utcnow() + timedelta(days=runtime.settings.refresh_token_days),
    )
    session.add(auth)
    await session.flush()
    access, expires_in = issue_access_token(runtime.settings, user.id, auth.id)
    return Tokens(access, expires_in, format_refresh_token(user.id, auth.id, secret))


async def refresh(session: AsyncSession, runtime: Runtime, refresh_token: str) -> Tokens:
    """Rotate: the old refresh token stops working, a reused one ends the whole session."""
    invalid = Problem(401, "the refresh token is not valid or has expired")
    try:
        user_id, session_id, secret = parse_refresh_token(refresh_token)
    except InvalidToken as exc:
        raise invalid from exc
    await set_rls_context(session, user_id=user_id)
    auth = await repository.auth_session(session, user_id, session_id)
    if auth is None or auth.revoked_at is not None or auth.expires_at < utcnow():
        raise invalid
    if auth.refresh_hash != digest(secret):
        auth.revoked_at = utcnow()  # a stolen, already-rotated token was replayed
        await session.flush()
        raise RefreshTokenReplayed
    new_secret = new_refresh_secret()
    auth.refresh_hash = digest(new_secret)
    auth.expires_at = utcnow() + timedelta(days=runtime.settings.refresh_token_days)
    await session.flush()
    access, expires_in = issue_access_token(runtime.settings, user_id, auth.id)
    return Tokens(access, expires_in, format_refresh_token(user_id, auth.id, new_secret))


async def logout(session: AsyncSession, auth: AuthSession) -> None:
    auth.revoked_at = utcnow()
    await session.flush()


async def profile(session: AsyncSession, user: User) -> AthleteProfile:
    found = await repository.profile_of(session, user.id)
    if found is None:  # accounts created before profiles existed, or by hand
        found = AthleteProfile(user_id=user.id, one_rep_maxes={})
        session.add(found)
        await session.flush()
    return found


NOT_EMPTY = frozenset(
    {"category", "level", "units", "language", "timezone", "one_rep_maxes", "results_visibility"}
)


async def update_profile(session: AsyncSession, user: User, changes: ProfileIn) -> AthleteProfile:
    current = await profile(session, user)
    values = changes.model_dump(exclude_unset=True)
    if "one_rep_maxes" in values and values["one_rep_maxes"] is not None:
        values["one_rep_maxes"] = _catalog_maxes(values["one_rep_maxes"])
    for field, value in values.items():
        if value is None and field in NOT_EMPTY:
            raise Problem(422, f"{field} cannot be empty")
        setattr(current, field, value)
    if "results_visibility" in values:
        # Boards read the visibility from each result (no join under RLS): keep them in step.
        await session.execute(
            update(Result)
            .where(Result.athlete_id == user.id)
            .values(is_public=current.results_visibility == "public")
        )
        await bests.set_public(session, user.id, current.results_visibility == "public")
    await session.flush()
    return current


def _catalog_maxes(maxes: dict[str, float]) -> dict[str, float]:
    catalog = load_catalog()
    resolved: dict[str, float] = {}
    for name, load in maxes.items():
        movement = catalog.get(name)
        if movement is None:
            suggestions = catalog.suggest(name)
            hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
            raise Problem(422, f"unknown movement {name!r} in one_rep_maxes{hint}")
        resolved[movement.id] = round(float(load), 2)
    return resolved


async def invite(session: AsyncSession, coach: User, athlete_email: str) -> CoachLink:
    if coach.role not in (Role.coach, Role.admin):
        raise Forbidden("only coaches can invite athletes")
    athlete = await repository.user_by_email(session, athlete_email)
    if athlete is None:
        raise NotFound("athlete with this e-mail")
    if athlete.id == coach.id:
        raise Problem(422, "a coach cannot invite themselves")
    if await repository.open_link(session, coach.id, athlete.id):
        raise Conflict("this athlete is already invited or linked")
    link = CoachLink(id=uuid.uuid4(), coach_id=coach.id, athlete_id=athlete.id, status=LinkStatus.pending)
    session.add(link)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("this athlete is already invited or linked") from exc
    return link


async def accept(session: AsyncSession, athlete: User, link_id: uuid.UUID) -> CoachLink:
    link = await repository.link_for(session, athlete, link_id)
    if link is None:
        raise NotFound("link")
    if link.athlete_id != athlete.id:
        raise Forbidden("only the invited athlete can accept")
    if link.status != LinkStatus.pending:
        raise Conflict(f"the link is {link.status.value}", status_now=link.status.value)
    link.status = LinkStatus.active
    link.accepted_at = utcnow()
    await session.flush()
    return link


async def end(session: AsyncSession, actor: User, link_id: uuid.UUID) -> CoachLink:
    """Either side ends a link (or declines an invitation); the coach loses access at once."""
    link = await repository.link_for(session, actor, link_id)
    if link is None:
        raise NotFound("link")
    if link.status == LinkStatus.ended:
        raise Conflict("the link has already ended", status_now=link.status.value)
    link.status = LinkStatus.ended
    link.ended_at = utcnow()
    await session.flush()
    return link


async def linked_athlete(session: AsyncSession, coach: User, athlete_id: uuid.UUID) -> User:
    """The athlete, if the coach may see them now; otherwise 404 (no hint that they exist)."""
    if not await repository.is_coach_of(session, coach.id, athlete_id):
        raise NotFound("athlete")
    athlete = await repository.user_by_id(session, athlete_id)
    if athlete is None:
        raise NotFound("athlete")
    return athlete


def language_key(user_id: uuid.UUID) -> str:
    """This process's memory of a user's language (dropped when their profile changes here)."""
    return f"profile:language:{user_id}"
