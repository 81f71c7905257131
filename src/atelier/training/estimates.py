"""Estimated one-rep max (e1RM) from a set: load × reps, optionally with its RPE.

Formulas (``shared/SCIENCE.md``, Strength):

* Epley: ``w × (1 + r/30)``, and ``w`` itself for a single (the formula would add 3.3 %);
* Brzycki: ``w × 36 / (37 − r)``, undefined from 37 reps on;
* the RTS RPE chart: %1RM for reps + reps in reserve (RIR = 10 − RPE) from 1 to 12 is
  100, 95.5, 92.2, 89.2, 86.3, 83.7, 81.1, 78.6, 76.2, 73.9, 70.7, 68.0; ``e1RM = w / %1RM``.
  Half RPEs (8.5) fall between two entries and are interpolated linearly.

``e1rm`` uses the chart when the set has an RPE, because Epley and Brzycki assume the set went to
failure and the RPE says how far from it the set stopped; otherwise Epley, which grows evenly with
each rep (Brzycki curves upward and diverges) and is within 4 % of Brzycki up to 12 reps (they
agree at 10). Estimates are not trusted beyond 12 reps (``MAX_REPS``, where the chart ends and rep
formulas scatter) or below RPE 6 (``MIN_RPE``: far from failure, reps in reserve are guessed too
loosely): ``e1rm`` answers None there rather than a number nobody should plan on.
"""

from __future__ import annotations

import math

MAX_REPS = 12
MIN_RPE = 6.0
# %1RM by reps + RIR (index 0 is 1 rep at RPE 10): the RTS chart quoted in shared/SCIENCE.md.
RPE_CHART = (100.0, 95.5, 92.2, 89.2, 86.3, 83.7, 81.1, 78.6, 76.2, 73.9, 70.7, 68.0)


def _check(load_kg: float, reps: int) -> None:
    if not math.isfinite(load_kg) or load_kg < 0:
        raise ValueError(f"load must be a finite number of kg, 0 or more (got {load_kg})")
    if reps < 1:
        raise ValueError(f"a set has at least 1 rep (got {reps})")


def epley(load_kg: float, reps: int) -> float:
    """Epley: ``w × (1 + r/30)``; a single is its own max."""
    _check(load_kg, reps)
    return load_kg if reps == 1 else load_kg * (1 + reps / 30)


def brzycki(load_kg: float, reps: int) -> float:
    """Brzycki: ``w × 36 / (37 − r)``, for fewer than 37 reps."""
    _check(load_kg, reps)
    if reps >= 37:
        raise ValueError(f"Brzycki's formula is undefined from 37 reps (got {reps})")
    return load_kg * 36 / (37 - reps)


def rpe_percent(reps: int, rpe: float) -> float | None:
    """%1RM of ``reps`` at ``rpe`` on the RTS chart; None when reps + RIR is past its 12."""
    if reps < 1:
        raise ValueError(f"a set has at least 1 rep (got {reps})")
    if not 0 <= rpe <= 10:
        raise ValueError(f"RPE is on a 0–10 scale (got {rpe})")
    position = reps + (10 - rpe) - 1  # 0-based place on the chart, fractional for a half RPE
    if position > len(RPE_CHART) - 1:
        return None
    below = math.floor(position)
    if below == position:
        return RPE_CHART[below]
    return RPE_CHART[below] + (position - below) * (RPE_CHART[below + 1] - RPE_CHART[below])


def rpe_chart(load_kg: float, reps: int, rpe: float) -> float | None:
    """e1RM from the RTS chart: ``w / %1RM``; None off the chart."""
    _check(load_kg, reps)
    percent = rpe_percent(reps, rpe)
    return None if percent is None else load_kg * 100 / percent


def e1rm(load_kg: float, reps: int, rpe: float | None = None) -> float | None:
    """Estimated 1RM in kg: the RPE chart when an RPE is given, else Epley; None when untrusted."""
    _check(load_kg, reps)
    if reps > MAX_REPS:
        return None
    if rpe is None:
        return epley(load_kg, reps)
    if not 0 <= rpe <= 10:
        raise ValueError(f"RPE is on a 0–10 scale (got {rpe})")
    if rpe < MIN_RPE:
        return None
    return rpe_chart(load_kg, reps, rpe)
