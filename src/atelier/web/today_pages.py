"""Pages: Today — readiness, today's sessions, and the "resume or discard" prompt after a crash."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from atelier.forge import today
from atelier.kit.runtime import RuntimeDep, SessionDep
from atelier.planning import service as planning
from atelier.planning.models import Status
from atelier.training import recovery
from atelier.web import csrf
from atelier.web.auth import MaybeUser, PageUser
from atelier.web.plan_pages import entry_link
from atelier.web.render import reader_of, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf.check)])


@router.get("/")
async def today_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, caller: MaybeUser
) -> Response:
    if caller is None:
        return redirect(request, "/login")
    reader = await reader_of(session, request, caller)
    found = await today.context(session, runtime, caller.user, caller.user.id)
    offered = await recovery.offered(session, caller.user)
    return render(request, "today.html", reader, caller, day=found, offered=offered, link=entry_link)


@router.post("/recovery/{session_id}/discard")
async def discard(
    request: Request, session_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, caller: PageUser
) -> Response:
    """ "Discard": forget the runner's saved place and cancel the interrupted session (the sets that
    were saved stay with it)."""
    row = await planning.readable(session, caller.user, session_id)
    await recovery.forget(session, row.id)
    if row.status == Status.in_progress:
        await planning.act(session, runtime, caller.user, row.id, "cancel")
    return redirect(request, "/")
