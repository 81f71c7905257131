"""One WOD seen by one athlete: the whiteboard resolved for their profile, and the timer's timeline."""

from __future__ import annotations

from typing import Any

from wodcraft.emit.board import render
from wodcraft.emit.timeline import timeline, timer_cap, timer_caps
from wodcraft.profile import Profile
from wodcraft.semantics.resolve import resolve

from atelier.accounts.models import AthleteProfile


def wodcraft_profile(
    profile: AthleteProfile | None,
    *,
    category: str | None = None,
    level: str | None = None,
    units: str | None = None,
) -> Profile:
    """The athlete's profile in WODCraft's terms, with per-request overrides."""
    return Profile(
        category=category or (profile.category if profile else "men"),
        level=level or (profile.level if profile else "rx"),
        units=units or (profile.units if profile else "kg"),
        bodyweight_kg=profile.bodyweight_kg if profile else None,
        one_rm=dict(profile.one_rep_maxes or {}) if profile else {},
    )


def board(document: dict[str, Any], profile: Profile, language: str) -> tuple[str, dict[str, Any]]:
    resolved = resolve(document, profile)
    return render(resolved, lang=language), resolved


def segments(document: dict[str, Any]) -> tuple[float | None, list[dict[str, Any]]]:
    """The timeline and the cap a timer shows: the workout's own, or its single block's."""
    caps = timer_caps(document)
    cap = timer_cap(document) or (caps[0] if len(caps) == 1 else None) or _single_block_cap(document)
    return cap, timeline(document)


def segments_for(document: dict[str, Any], profile: Profile) -> tuple[float | None, list[dict[str, Any]]]:
    """The timeline with loads resolved for one athlete (their category, level and units)."""
    return segments(resolve(document, profile))


def _single_block_cap(document: dict[str, Any]) -> float | None:
    """WODCraft moves ``cap:`` over a single block onto that block (``For time, cap 10:00``)."""
    blocks = document.get("blocks") or []
    cap = blocks[0].get("cap_s") if len(blocks) == 1 else None
    return float(cap) if cap else None
