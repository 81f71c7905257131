"""RFC 9457 problem details: every error a user can cause is answered with one."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """An error the user caused; rendered as problem JSON with ``status``."""

    def __init__(self, status: int, detail: str, *, title: str | None = None, **extensions: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.extensions = extensions
        self.headers: dict[str, str] = {}


class NotFound(Problem):
    def __init__(self, what: str) -> None:
        super().__init__(404, f"{what} not found")


class Forbidden(Problem):
    def __init__(self, detail: str) -> None:
        super().__init__(403, detail)


class Conflict(Problem):
    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(409, detail, **extensions)


def problem_response(
    status: int, detail: str, *, title: str | None = None, instance: str | None = None, **extensions: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        errors.append(
            {
                "loc": [str(part) for part in error.get("loc", ())],
                "message": error.get("msg", ""),
                "type": error.get("type", ""),
            }
        )
    return errors


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        response = problem_response(
            exc.status, exc.detail, title=exc.title, instance=request.url.path, **exc.extensions
        )
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        first = errors[0] if errors else {"loc": [], "message": "invalid request"}
        where = ".".join(first["loc"])
        detail = f"{where}: {first['message']}" if where else str(first["message"])
        return problem_response(422, detail, instance=request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = problem_response(exc.status_code, str(exc.detail), instance=request.url.path)
        if exc.headers:
            response.headers.update(exc.headers)
        return response
