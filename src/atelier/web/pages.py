"""The pages' routers, static files and the answers to a missing login or a refused form token."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from atelier.kit.problems import Problem
from atelier.web import (
    account_pages,
    class_pages,
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
from atelier.web.i18n import language_of
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
    class_pages.router,
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


API_PREFIXES = ("/api/", "/graphql", "/docs", "/redoc", "/openapi", "/healthz", "/static/", "/feeds/")


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES) and not _wants_json(request)


def _page_errors(app: FastAPI) -> None:
    """On a page, a refusal is a readable page with the same status, not problem JSON."""
    for kind in (Problem, RequestValidationError, StarletteHTTPException):
        api_handler = app.exception_handlers[kind]

        async def handler(request: Request, exc: Exception, api_handler=api_handler) -> Response:
            if not _is_page(request):
                answer: Response = await api_handler(request, exc)
                return answer
            status, detail = _status_and_detail(exc)
            reader = Reader(
                language=language_of(
                    request.headers.get("accept-language"), request.cookies.get("atelier_lang")
                )
            )
            heading = reader.t("Not found") if status == 404 else reader.t("Something is not right")
            text = reader.t("This page does not exist, or it is not yours.") if status == 404 else detail
            return render(
                request,
                "message.html",
                reader,
                None,
                status_code=status,
                heading=heading,
                text=text,
                link="/",
                link_label=reader.t("Back to today"),
            )

        app.add_exception_handler(kind, handler)


def _status_and_detail(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, Problem):
        return exc.status, exc.detail
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code, str(exc.detail)
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    return 422, f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
    _page_errors(app)
