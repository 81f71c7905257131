"""Pages: sign up, log in, log out, settings (language, units, time zone, category, level)."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import available_timezones

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from atelier.accounts import service as accounts
from atelier.accounts.models import AthleteProfile, Role
from atelier.accounts.schemas import ProfileIn, RegisterIn
from atelier.kit.problems import Problem
from atelier.kit.runtime import RuntimeDep, SessionDep
from atelier.web import csrf
from atelier.web.auth import MaybeUser, PageUser, forget_login, keep_login, start_over
from atelier.web.forms import FormState, explain
from atelier.web.i18n import LANGUAGES
from atelier.web.render import Reader, reader_of, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf.check)])
ZONES = sorted(available_timezones())


def _safe_next(target: str | None) -> str:
    # Only a path on this site: an open redirect would let a link send a fresh login elsewhere.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/signup")
async def signup_page(request: Request, session: SessionDep, caller: MaybeUser) -> Response:
    if caller is not None:
        return redirect(request, "/")
    reader = await reader_of(session, request, None)
    return render(request, "account/signup.html", reader, None, form=FormState(values={"role": "athlete"}))


@router.post("/signup")
async def signup(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "athlete",
    timezone: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
) -> Response:
    reader = await reader_of(session, request, None)
    form = FormState.of({"name": name, "email": email, "role": role})
    try:
        body = RegisterIn(email=email, password=password, name=name, role=role)
    except ValidationError as error:
        form.errors = explain(
            error, reader, {"email": "email", "password": "password", "name": "name", "role": "role"}
        )
        return render(request, "account/signup.html", reader, None, status_code=422, form=form)
    try:
        user = await accounts.register(
            session,
            runtime,
            email=str(body.email),
            password=body.password,
            name=body.name,
            role=Role(body.role),
        )
    except Problem as problem:
        await session.rollback()
        form.fail(
            "email",
            reader.t("An account with this e-mail already exists.")
            if problem.status == 409
            else problem.detail,
        )
        return render(request, "account/signup.html", reader, None, status_code=problem.status, form=form)
    # The browser knows the reader's zone and the page their language: start the profile with both.
    chosen = {"language": language if language in LANGUAGES else reader.language}
    if timezone in ZONES:
        chosen["timezone"] = timezone
    await accounts.update_profile(session, user, ProfileIn(**chosen))
    client = request.client.host if request.client else "unknown"
    tokens = await accounts.login(
        session, runtime, email=str(body.email), password=body.password, client=client
    )
    response = redirect(request, "/")
    keep_login(response, request, runtime, tokens)
    return response


@router.get("/login")
async def login_page(
    request: Request, session: SessionDep, caller: MaybeUser, next: Annotated[str | None, Query()] = None
) -> Response:
    if caller is not None:
        return redirect(request, _safe_next(next))
    reader = await reader_of(session, request, None)
    return render(request, "account/login.html", reader, None, form=FormState(), next=_safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    reader = await reader_of(session, request, None)
    form = FormState.of({"email": email})
    if not email.strip():
        form.fail("email", reader.t("Enter your e-mail."))
    if not password:
        form.fail("password", reader.t("Enter your password."))
    if form.ok:
        client = request.client.host if request.client else "unknown"
        try:
            tokens = await accounts.login(session, runtime, email=email, password=password, client=client)
        except Problem as problem:
            form.message = (
                reader.t("Wrong e-mail or password.")
                if problem.status == 401
                else reader.t("Too many attempts: wait a few minutes and try again.")
            )
            return render(
                request,
                "account/login.html",
                reader,
                None,
                status_code=problem.status,
                form=form,
                next=_safe_next(next),
            )
        response = redirect(request, _safe_next(next))
        keep_login(response, request, runtime, tokens)
        return response
    return render(
        request, "account/login.html", reader, None, status_code=422, form=form, next=_safe_next(next)
    )


@router.post("/logout")
async def logout(request: Request, session: SessionDep, caller: MaybeUser) -> Response:
    if caller is not None:
        await accounts.logout(session, caller.auth)
    response = redirect(request, "/login")
    forget_login(response)
    return response


@router.get("/language/{code}")
async def choose_language(
    request: Request, code: str, next: Annotated[str | None, Query()] = None
) -> Response:
    """The language of the pages before logging in (after, the profile's language is used)."""
    response = redirect(request, _safe_next(next))
    if code in LANGUAGES:
        response.set_cookie("atelier_lang", code, max_age=365 * 86400, samesite="lax", path="/")
    return response


def _settings_form(reader: Reader, profile: AthleteProfile) -> FormState:
    fields = (
        "language",
        "units",
        "timezone",
        "category",
        "level",
        "bodyweight_kg",
        "resting_hr",
        "max_hr",
        "results_visibility",
    )
    values = {name: "" if getattr(profile, name) is None else str(getattr(profile, name)) for name in fields}
    weight = profile.bodyweight_kg
    values["bodyweight"] = "" if weight is None else str(reader.load_value(weight))
    return FormState(values=values)


@router.get("/settings")
async def settings_page(request: Request, session: SessionDep, caller: PageUser) -> Response:
    reader = await reader_of(session, request, caller)
    profile = await accounts.profile(session, caller.user)
    return render(
        request,
        "account/settings.html",
        reader,
        caller,
        form=_settings_form(reader, profile),
        zones=ZONES,
        saved=request.query_params.get("saved") == "1",
    )


@router.post("/settings")
async def save_settings(
    request: Request, session: SessionDep, runtime: RuntimeDep, caller: PageUser
) -> Response:
    reader = await reader_of(session, request, caller)
    sent = await request.form()
    form = FormState.of(sent)
    changes: dict[str, object] = {}
    for name in ("language", "units", "timezone", "category", "level", "results_visibility"):
        if form.value(name):
            changes[name] = form.value(name)
    for name in ("resting_hr", "max_hr"):
        raw = form.value(name).strip()
        if raw:
            if raw.isdigit():
                changes[name] = int(raw)
            else:
                form.fail(name, reader.t("Enter a whole number."))
    raw_weight = form.value("bodyweight").strip().replace(",", ".")
    if raw_weight:
        try:
            weight = float(raw_weight)
        except ValueError:
            form.fail("bodyweight", reader.t("Enter a number."))
        else:
            unit = form.value("units") or reader.units
            changes["bodyweight_kg"] = round(weight / 2.2046226218, 2) if unit == "lb" else weight
    if form.ok:
        try:
            update = ProfileIn(**changes)
        except ValidationError as error:
            form.errors = explain(
                error,
                reader,
                {
                    "bodyweight_kg": "bodyweight",
                    "timezone": "timezone",
                    "resting_hr": "resting_hr",
                    "max_hr": "max_hr",
                },
            )
        else:
            try:
                await accounts.update_profile(session, caller.user, update)
            except Problem as problem:
                await start_over(session, caller)
                form.message = problem.detail
            else:
                await runtime.local_cache.delete(accounts.language_key(caller.user.id))
                return redirect(request, "/settings?saved=1")
    return render(
        request, "account/settings.html", reader, caller, status_code=422, form=form, zones=ZONES, saved=False
    )
