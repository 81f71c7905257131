"""The pages' routers, static files and the answers to a missing login or a refused form token."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from atelier.web import (
    account_pages,
    coach_pages,
    forge_pages,
    plan_pages,
    run_pages,
    today_pages,
    training_pages,
    wod_pages,
)
from atelier.web.auth import LoginRequired
from atelier.web.csrf import CsrfRefused
from atelier.web.render import Reader, render

STATIC = Path(__file__).parent / "static"
ROUTERS = (
    account_pages.router,
    today_pages.router,
    plan_pages.router,
    run_pages.router,
    wod_pages.router,
    training_pages.router,
    forge_pages.router,
    coach_pages.router,
)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "") and not request.headers.get("HX-Request")


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if _wants_json(request):
        # The runner's saves: it keeps what was typed and asks the reader to log in again.
        return JSONResponse(
            {
                "type": "about:blank",
                "title": "Unauthorized",
                "status": 401,
                "detail": "your login has ended; log in again",
                "login": exc.login_url,
            },
            status_code=401,
            media_type="application/problem+json",
        )
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": exc.login_url})
    return RedirectResponse(exc.login_url, status_code=303)


async def _csrf_refused(request: Request, exc: Exception) -> Response:
    detail = "the form has expired; reload the page and send it again"
    if _wants_json(request):
        return JSONResponse(
            {"type": "about:blank", "title": "Forbidden", "status": 403, "detail": detail},
            status_code=403,
            media_type="application/problem+json",
        )
    reader = Reader()
    return render(
        request,
        "message.html",
        reader,
        None,
        status_code=403,
        heading=reader.t("Form expired"),
        text=reader.t("The form has expired. Go back, reload the page and send it again."),
        link=request.headers.get("referer") or "/",
        link_label=reader.t("Back"),
    )


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
