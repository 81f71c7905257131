"""Rendering a page: the template, the reader (language, units, time zone) and the CSRF token."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts import service as accounts
from atelier.accounts.models import Role
from atelier.web import csrf
from atelier.web.auth import PageCaller
from atelier.web.i18n import language_of, translate

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
LB_PER_KG = 2.2046226218
M_PER_MILE = 1609.344


@dataclass(frozen=True)
class Reader:
    """How one reader wants to see things: language, units and time zone."""

    language: str = "en"
    units: str = "kg"
    timezone: str = "UTC"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def t(self, text: str, /, **values: object) -> str:
        return translate(self.language, text, **values)

    def today(self) -> dt.date:
        return dt.datetime.now(self.zone).date()

    def number(self, value: float | None, digits: int = 1) -> str:
        if value is None:
            return "–"
        return format_decimal(
            round(value, digits), format=f"#,##0.{'#' * digits}" if digits else "#,##0", locale=self.language
        )

    def load(self, kg: float | None, digits: int = 1) -> str:
        """A load in the reader's unit, e.g. ``100 kg`` or ``220.5 lb``."""
        if kg is None:
            return "–"
        if self.units == "lb":
            return f"{self.number(kg * LB_PER_KG, digits)}\u00a0lb"
        return f"{self.number(kg, digits)}\u00a0kg"

    def load_value(self, kg: float | None) -> float | None:
        """A load as a number in the reader's unit (for charts and form fields)."""
        if kg is None:
            return None
        return round(kg * LB_PER_KG, 1) if self.units == "lb" else round(kg, 1)

    def load_field(self, load: dict[str, Any] | None) -> str:
        """A logged load ``{"value", "unit"}`` as the number to put back in a form field, in the
        reader's unit."""
        if not isinstance(load, dict) or load.get("value") is None:
            return ""
        value, unit = float(load["value"]), load.get("unit", "kg")
        if unit != self.units:
            value = value * LB_PER_KG if self.units == "lb" else value / LB_PER_KG
        return f"{round(value, 2):g}"

    def distance(self, metres: float | None) -> str:
        if metres is None:
            return "–"
        if self.units == "lb":
            return f"{self.number(metres / M_PER_MILE, 2)}\u00a0mi"
        if metres < 1000:
            return f"{self.number(metres, 0)}\u00a0m"
        return f"{self.number(metres / 1000, 2)}\u00a0km"

    def duration(self, seconds: float | None) -> str:
        """``12:05`` or ``1:02:03``."""
        if seconds is None:
            return "–"
        whole = round(seconds)
        hours, rest = divmod(whole, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"

    def score(
        self, score_type: str, value: float | None, secondary: float | None, capped: bool, dnf: bool
    ) -> str:
        """A WOD score in the reader's language and units: ``7:32``, ``CAP + 180 reps``, ``12 rounds + 4``."""
        if dnf or value is None:
            return self.t("DNF")
        if score_type == "time" and capped:
            return self.t("CAP + {reps} reps", reps=self.number(value, 0))
        if score_type == "time":
            return self.duration(value)
        if score_type == "rounds+reps":
            rounds = self.t("{rounds} rounds", rounds=self.number(value, 0))
            return rounds + (f" + {self.number(secondary, 0)}" if secondary else "")
        if score_type == "load":
            return self.load(value)
        if score_type == "calories":
            return self.t("{calories} cal", calories=self.number(value, 0))
        return self.t("{reps} reps", reps=self.number(value, 0))

    def local(self, moment: dt.datetime) -> dt.datetime:
        return (
            moment.astimezone(self.zone)
            if moment.tzinfo
            else moment.replace(tzinfo=dt.UTC).astimezone(self.zone)
        )

    def when(self, moment: dt.datetime | None) -> str:
        """A moment in the reader's zone and language: ``Mon 3 Nov 2026, 18:00``."""
        if moment is None:
            return "–"
        local = self.local(moment)
        return f"{format_date(local.date(), 'EEE d MMM y', locale=self.language)}, " + format_time(
            local.time(), "HH:mm", locale=self.language
        )

    def day(self, value: dt.date | None, pattern: str = "EEE d MMM y") -> str:
        if value is None:
            return "–"
        return format_date(value, pattern, locale=self.language)

    def clock(self, value: dt.time | None) -> str:
        return "" if value is None else format_time(value, "HH:mm", locale=self.language)

    def stamp(self, moment: dt.datetime) -> str:
        return format_datetime(self.local(moment), "medium", locale=self.language)


async def reader_of(session: AsyncSession, request: Request, caller: PageCaller | None) -> Reader:
    if caller is None:
        return Reader(
            language=language_of(request.headers.get("accept-language"), request.cookies.get("atelier_lang"))
        )
    profile = await accounts.profile(session, caller.user)
    return Reader(language=profile.language, units=profile.units, timezone=profile.timezone)


def render(
    request: Request,
    template: str,
    reader: Reader,
    caller: PageCaller | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page (or an htmx partial) with the reader, the caller and the CSRF token in its context."""
    token = csrf.token_for(request)
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "reader": reader,
            "t": reader.t,
            "caller": caller,
            "user": caller.user if caller else None,
            "is_coach": caller is not None and caller.user.role in (Role.coach, Role.admin),
            "csrf_token": token,
            "csrf_field": csrf.CSRF_FIELD,
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )
    csrf.keep_token(request, response)
    return response


def redirect(request: Request, url: str) -> Response:
    """After a form: a 303 for a plain post, ``HX-Redirect`` for an htmx one."""
    if request.headers.get("HX-Request"):
        response: Response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    csrf.keep_token(request, response)
    return response


def refused(
    request: Request,
    reader: Reader,
    caller: PageCaller | None,
    status_code: int,
    detail: str | None = None,
    back: str = "/",
) -> HTMLResponse:
    """A readable refusal in the reader's language: not there or not theirs (404), coaches only
    (403), or the service's own words for anything else."""
    if status_code == 404:
        heading = reader.t("Not found")
        text = reader.t("This page does not exist, or it is not yours to see.")
    elif status_code == 403:
        heading = reader.t("Coaches only")
        text = reader.t("This page is for coaches. Your coaches' classes are under Classes.")
        back = "/classes"
    else:
        heading = reader.t("Not possible")
        text = detail or ""
    return render(
        request,
        "message.html",
        reader,
        caller,
        status_code=status_code,
        heading=heading,
        text=text,
        link=back,
        link_label=reader.t("Back"),
    )
