"""Pages: (being written)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from atelier.web import csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf.check)])
