"""Accounts request and response bodies."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from atelier.accounts.models import LinkStatus, Role


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: object) -> object:
        # PostgreSQL text cannot hold a NUL character: refuse it here rather than fail at the database.
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(value, str) and "\x00" in value:
                    raise ValueError(f"{key} cannot contain a NUL character")
        return data


class RegisterIn(Strict):
    email: EmailStr
    password: str = Field(min_length=8, max_length=256)
    # Stripped before the length check, so a name of only spaces is refused rather than stored empty.
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    role: Literal["athlete", "coach"] = "athlete"


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    role: Role
    created_at: datetime


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str


class RefreshIn(Strict):
    refresh_token: str = Field(min_length=10, max_length=300)


class ProfileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: uuid.UUID
    category: Literal["men", "women"]
    level: Literal["rx", "intermediate", "scaled", "foundations"]
    units: Literal["kg", "lb"]
    language: Literal["en", "fr"]
    timezone: str
    bodyweight_kg: float | None
    birth_date: date | None
    resting_hr: int | None
    max_hr: int | None
    one_rep_maxes: dict[str, float]
    results_visibility: Literal["public", "private"]


class ProfileIn(Strict):
    """A partial update: only the fields sent change."""

    category: Literal["men", "women"] | None = None
    level: Literal["rx", "intermediate", "scaled", "foundations"] | None = None
    units: Literal["kg", "lb"] | None = None
    language: Literal["en", "fr"] | None = None
    timezone: str | None = Field(default=None, max_length=64)
    bodyweight_kg: float | None = Field(default=None, gt=20, lt=400)
    birth_date: date | None = None
    resting_hr: int | None = Field(default=None, ge=25, le=120)
    max_hr: int | None = Field(default=None, ge=100, le=240)
    one_rep_maxes: dict[str, float] | None = Field(
        default=None, description="movement id or alias → one-rep max in kg"
    )
    results_visibility: Literal["public", "private"] | None = Field(
        default=None, description="private: your results leave every leaderboard but yours and your coaches'"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth(cls, value: date | None) -> date | None:
        if value is not None and not date(1900, 1, 1) <= value <= date.today():
            raise ValueError("birth date must be between 1900 and today")
        return value

    @field_validator("one_rep_maxes")
    @classmethod
    def _positive_loads(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is not None:
            for movement, load in value.items():
                if not 0 < load < 600:
                    raise ValueError(f"one-rep max for {movement!r} must be between 0 and 600 kg")
        return value


class InviteIn(Strict):
    athlete_email: EmailStr


class LinkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    coach_id: uuid.UUID
    athlete_id: uuid.UUID
    coach_name: str
    athlete_name: str
    status: LinkStatus
    created_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None


class AthleteOut(BaseModel):
    id: uuid.UUID
    name: str
    email: str
    linked_since: datetime | None
