"""WODCraft compilation behind a cache keyed by the source's hash."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import anyio.to_thread
from wodcraft.api import compile_source

from atelier.kit.cache import Cache

WODCRAFT_VERSION = version("wodcraft")
MAX_TITLE_CHARS = 200  # the title columns of ``wods`` and ``wod_versions``
# JSON levels of a compiled document (about two per nested block); Pydantic stops serialising a
# response at about 255, and no coach nests blocks fifty deep.
MAX_DOCUMENT_DEPTH = 100

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Compilation:
    document: dict[str, Any] | None
    diagnostics: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return self.document is not None and not self.errors

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [d for d in self.diagnostics if d["severity"] == "error"]

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return [d for d in self.diagnostics if d["severity"] != "error"]


def compile_now(source: str) -> Compilation:
    """Compile one source with WODCraft; one document per source (a session is one document).

    Atelier adds its own errors (``A0xx``) for what WODCraft accepts but a WOD cannot be: several
    documents, nothing at all, or something no database column or JSON document can hold."""
    unstorable = _unstorable_text(source)
    if unstorable:
        return Compilation(None, [unstorable])
    try:
        result = compile_source(source)
    except Exception as exc:  # WODCraft crashes on some inputs (deep nesting, huge numbers)
        log.warning("WODCraft failed on a source of %d characters", len(source), exc_info=True)
        return Compilation(None, [_crash(exc)])
    diagnostics = [d.to_dict() for d in result.diagnostics]
    documents = [d for d in result.documents if not _blank(d)]
    if len(documents) > 1:
        diagnostics.append(
            {
                "code": "A001",
                "severity": "error",
                "message": f"one workout or session per WOD: this source holds {len(documents)} documents",
                "line": 1,
                "col": 1,
                "suggestion": "save each '# Title' document as its own WOD, or make them sections (##)",
            }
        )
    if not documents:
        diagnostics.append(
            {"code": "A002", "severity": "error", "message": "the source is empty", "line": 1, "col": 1}
        )
    document = documents[0] if result.ok and documents else None
    if document is not None:
        problem = _unstorable_document(document)
        if problem:
            diagnostics.append(problem)
            document = None
    return Compilation(document, diagnostics)


def _blank(document: dict[str, Any]) -> bool:
    """The document WODCraft makes of comment lines before the first ``# Title``: its spec calls
    such lines blank, so they are no document of their own (nor a workout when alone)."""
    return not any(document.get(key) for key in ("title", "blocks", "sections", "meta"))


def _unstorable_text(source: str) -> dict[str, Any] | None:
    """PostgreSQL text cannot hold a NUL character, so a source with one could never be saved."""
    at = source.find("\x00")
    if at < 0:
        return None
    line_start = source.rfind("\n", 0, at) + 1
    return {
        "code": "A003",
        "severity": "error",
        "message": "the source contains a NUL character",
        "line": source.count("\n", 0, at) + 1,
        "col": at - line_start + 1,
        "suggestion": "delete the invisible character",
    }


def _unstorable_document(document: dict[str, Any]) -> dict[str, Any] | None:
    title = str(document.get("title") or "")
    if len(title) > MAX_TITLE_CHARS:
        return {
            "code": "A004",
            "severity": "error",
            "message": f"the title has {len(title)} characters; at most {MAX_TITLE_CHARS} are allowed",
            "line": 1,
            "col": 1,
            "suggestion": "shorten the '# Title' line; put the rest in a 'note:' line",
        }
    depth = _depth(document)
    if depth > MAX_DOCUMENT_DEPTH:
        return {
            "code": "A006",
            "severity": "error",
            "message": f"blocks are nested too deeply ({depth} levels; at most {MAX_DOCUMENT_DEPTH})",
            "line": 1,
            "col": 1,
            "suggestion": "flatten the indentation",
        }
    try:
        json.dumps(document, allow_nan=False)
    except ValueError:  # a number so large WODCraft turned it into infinity
        return {
            "code": "A005",
            "severity": "error",
            "message": "a number in this workout is too large",
            "line": 1,
            "col": 1,
            "suggestion": "check the durations, distances and loads for a typo",
        }
    return None


def _depth(document: dict[str, Any]) -> int:
    """How many dicts and lists deep the document goes (without recursion: it may be very deep)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _crash(exc: Exception) -> dict[str, Any]:
    return {
        "code": "A000",
        "severity": "error",
        "message": f"WODCraft could not compile this source ({type(exc).__name__})",
        "line": 1,
        "col": 1,
        "suggestion": "look for very deep indentation or enormous numbers",
    }


def source_key(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    return f"compile:{WODCRAFT_VERSION}:{digest}"


async def compile_cached(cache: Cache, source: str, ttl_seconds: int) -> Compilation:
    """The compilation of ``source``, from the cache when this exact text was compiled before.

    The key is the hash of the text itself, so a hit only ever returns what the caller sent."""
    key = source_key(source)
    cached = await cache.get(key)
    if cached is not None:
        return Compilation(cached["document"], cached["diagnostics"])
    compilation = await anyio.to_thread.run_sync(compile_now, source)
    await cache.set(
        key, {"document": compilation.document, "diagnostics": compilation.diagnostics}, ttl_seconds
    )
    return compilation
