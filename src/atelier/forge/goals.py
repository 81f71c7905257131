"""Training goals (current value recomputed from the athlete's data) and training locations.

Goal types and where their current value comes from:

* ``sessions_per_week`` — finished training sessions in the current ISO week (the athlete's zone).
* ``training_minutes_per_week`` — minutes of those sessions.
* ``calories_per_week`` — ledger calories this week, every source (a Forge goal).
* ``movement_1rm`` — the best of the movement's heaviest single and estimated 1RM, in kg (Records).

``current_value`` is refreshed whenever goals are read (the list, Today); ``achieved_at`` is set the
first time it reaches the target and kept.

A location's equipment is stored in the catalog's words (``normalize_equipment``), so it can be
handed to WOD search as its ``equipment`` filter (``GET /api/v1/wods?location=<id>``).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.forge import repository
from atelier.forge.models import Activity, Goal, Location
from atelier.kit.clock import utcnow
from atelier.kit.problems import Conflict, Problem
from atelier.kit.runtime import Runtime
from atelier.planning.models import Session, Status
from atelier.training import records
from atelier.training.models import TrainingMetrics
from atelier.wods.catalog import ALWAYS_AVAILABLE, known_equipment, normalize_equipment, resolve_movement

GOAL_UNITS = {
    "sessions_per_week": "sessions",
    "training_minutes_per_week": "minutes",
    "calories_per_week": "kcal",
    "movement_1rm": "kg",
}


def _week(today: date) -> tuple[date, date]:
    start = today - timedelta(days=today.weekday())
    return start, start + timedelta(days=6)


def checked_goal(goal_type: str, movement: str | None) -> str | None:
    if goal_type not in GOAL_UNITS:
        raise Problem(422, f"unknown goal type {goal_type!r}", allowed=sorted(GOAL_UNITS))
    if goal_type != "movement_1rm":
        if movement is not None:
            raise Problem(422, f"a {goal_type} goal takes no movement")
        return None
    if not movement:
        raise Problem(422, "a movement_1rm goal needs the movement")
    found = resolve_movement(movement)
    if found is None:
        raise Problem(422, f"unknown movement {movement!r}")
    return found.id


async def _current(
    session: AsyncSession, runtime: Runtime, user_id: uuid.UUID, goal: Goal, today: date
) -> float | None:
    first, last = _week(today)
    if goal.goal_type in ("sessions_per_week", "training_minutes_per_week"):
        row = (
            await session.execute(
                select(func.count(Session.id), func.coalesce(func.sum(TrainingMetrics.duration_seconds), 0))
                .join(TrainingMetrics, TrainingMetrics.session_id == Session.id)
                .where(
                    Session.athlete_id == user_id,
                    Session.status == Status.completed,
                    Session.session_date >= first,
                    Session.session_date <= last,
                )
            )
        ).one()
        return float(row[0]) if goal.goal_type == "sessions_per_week" else round(float(row[1]) / 60, 1)
    if goal.goal_type == "calories_per_week":
        total = await session.scalar(
            select(func.coalesce(func.sum(Activity.calories), 0)).where(
                Activity.user_id == user_id, Activity.activity_date >= first, Activity.activity_date <= last
            )
        )
        return round(float(total or 0), 1)
    book = await records.athlete_book(session, runtime, user_id)
    for entry in book["records"]["movements"]:
        if entry["movement"] == goal.movement:
            values = [entry["e1rm"]["value"]] if entry.get("e1rm") else []
            if "1" in entry["best_loads"]:
                values.append(entry["best_loads"]["1"]["value"])
            return round(max(values), 1) if values else None
    return None


async def refreshed(
    session: AsyncSession, runtime: Runtime, user_id: uuid.UUID, today: date, *, active_only: bool = False
) -> list[Goal]:
    statement = select(Goal).where(Goal.user_id == user_id)
    if active_only:
        statement = statement.where(Goal.is_active.is_(True))
    goals = list(await session.scalars(statement.order_by(Goal.created_at)))
    for goal in goals:
        if not goal.is_active:
            continue
        current = await _current(session, runtime, user_id, goal, today)
        if current != goal.current_value:
            goal.current_value = current
        if current is not None and current >= goal.target_value and goal.achieved_at is None:
            goal.achieved_at = utcnow()
    await session.flush()
    return goals


async def create_goal(session: AsyncSession, user_id: uuid.UUID, values: dict[str, Any]) -> Goal:
    movement = checked_goal(values["goal_type"], values.get("movement"))
    goal = Goal(
        user_id=user_id,
        goal_type=values["goal_type"],
        movement=movement,
        target_value=values["target_value"],
        unit=GOAL_UNITS[values["goal_type"]],
        deadline=values.get("deadline"),
        is_active=values.get("is_active", True),
    )
    session.add(goal)
    await session.flush()
    return goal


async def owned_goal(session: AsyncSession, user_id: uuid.UUID, goal_id: uuid.UUID) -> Goal:
    return await repository.owned(session, Goal, user_id, goal_id, "goal", for_update=True)


async def update_goal(
    session: AsyncSession, user_id: uuid.UUID, goal_id: uuid.UUID, changes: dict[str, Any]
) -> Goal:
    goal = await owned_goal(session, user_id, goal_id)
    for name in ("target_value", "deadline", "is_active"):
        if name in changes:
            setattr(goal, name, changes[name])
    if "target_value" in changes:
        goal.achieved_at = None  # a new target is judged afresh
    goal.updated_at = utcnow()
    await session.flush()
    return goal


async def delete_goal(session: AsyncSession, user_id: uuid.UUID, goal_id: uuid.UUID) -> None:
    await session.delete(await owned_goal(session, user_id, goal_id))
    await session.flush()


# --- locations ------------------------------------------------------------------------------------


def checked_equipment(names: list[str]) -> list[str]:
    """The catalog's names for what the user lists; an unknown piece is a 422 naming it."""
    known = known_equipment() | set(ALWAYS_AVAILABLE)
    have = normalize_equipment(names)
    unknown = sorted(have - known)
    if unknown:
        raise Problem(422, f"unknown equipment: {', '.join(unknown)}", known=sorted(known))
    return sorted(have)


async def _name_free(session: AsyncSession, user_id: uuid.UUID, name: str) -> None:
    taken = await session.scalar(
        select(Location.id).where(Location.user_id == user_id, Location.name == name)
    )
    if taken is not None:
        raise Conflict(f"you already have a location named {name!r}", location_id=str(taken))


async def _only_default(session: AsyncSession, user_id: uuid.UUID, keep: Location) -> None:
    if keep.is_default:
        for other in await session.scalars(
            select(Location).where(Location.user_id == user_id, Location.id != keep.id, Location.is_default)
        ):
            other.is_default = False


async def create_location(session: AsyncSession, user_id: uuid.UUID, values: dict[str, Any]) -> Location:
    await _name_free(session, user_id, values["name"])
    location = Location(
        user_id=user_id,
        name=values["name"],
        equipment=checked_equipment(values.get("equipment", [])),
        is_default=values.get("is_default", False),
    )
    session.add(location)
    await session.flush()
    await _only_default(session, user_id, location)
    await session.flush()
    return location


async def locations_of(session: AsyncSession, user_id: uuid.UUID) -> list[Location]:
    return list(
        await session.scalars(
            select(Location)
            .where(Location.user_id == user_id)
            .order_by(Location.is_default.desc(), Location.name)
        )
    )


async def owned_location(session: AsyncSession, user_id: uuid.UUID, location_id: uuid.UUID) -> Location:
    return await repository.owned(session, Location, user_id, location_id, "location")


async def update_location(
    session: AsyncSession, user_id: uuid.UUID, location_id: uuid.UUID, changes: dict[str, Any]
) -> Location:
    location = await owned_location(session, user_id, location_id)
    if "name" in changes and changes["name"] != location.name:
        await _name_free(session, user_id, changes["name"])
        location.name = changes["name"]
    if "equipment" in changes:
        location.equipment = checked_equipment(changes["equipment"])
    if "is_default" in changes:
        location.is_default = changes["is_default"]
    location.updated_at = utcnow()
    await session.flush()
    await _only_default(session, user_id, location)
    await session.flush()
    return location


async def delete_location(session: AsyncSession, user_id: uuid.UUID, location_id: uuid.UUID) -> None:
    await session.delete(await owned_location(session, user_id, location_id))
    await session.flush()
