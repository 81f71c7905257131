"""WODCraft compilation behind a cache keyed by the source's hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import anyio.to_thread
from wodcraft.api import compile_source

from atelier.kit.cache import Cache

WODCRAFT_VERSION = version("wodcraft")


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
    """Compile one source with WODCraft; one document per source (a session is one document)."""
    result = compile_source(source)
    diagnostics = [d.to_dict() for d in result.diagnostics]
    if len(result.documents) > 1:
        diagnostics.append(
            {
                "code": "A001",
                "severity": "error",
                "message": "one workout or session per WOD: this source holds "
                f"{len(result.documents)} documents",
                "line": 1,
                "col": 1,
                "suggestion": "save each '# Title' document as its own WOD, or make them sections (##)",
            }
        )
    if not result.documents:
        diagnostics.append(
            {"code": "A002", "severity": "error", "message": "the source is empty", "line": 1, "col": 1}
        )
    document = result.document if result.ok else None
    return Compilation(document, diagnostics)


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
