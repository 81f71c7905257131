"""The JSON shapes of seed 004's edge functions, validated wherever they come from (local or LLM)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VolumeTrend(_Strict):
    trend: Literal["up", "down", "stable"]
    percentage: float
    comment: str = Field(min_length=1)


class IntensityTrend(_Strict):
    trend: Literal["up", "down", "stable"]
    avgRPE: float | None
    comment: str = Field(min_length=1)


class Consistency(_Strict):
    percentage: float = Field(ge=0, le=100)
    comment: str = Field(min_length=1)


class ProgressionTrends(_Strict):
    volume: VolumeTrend
    intensity: IntensityTrend
    consistency: Consistency


class Imbalance(_Strict):
    type: str = Field(min_length=1)
    description: str = Field(min_length=1)
    severity: Literal["low", "medium", "high"]


class WeakPoint(_Strict):
    exercise: str = Field(min_length=1)
    issue: str = Field(min_length=1)
    recommendation: str = Field(min_length=1)


class Recommendation(_Strict):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    category: Literal["volume", "intensity", "recovery", "consistency", "balance", "technique", "goal"]
    priority: Literal["high", "medium", "low"]
    actionable: bool


class IntensityDistribution(_Strict):
    easy: int = Field(ge=0, le=100)
    moderate: int = Field(ge=0, le=100)
    hard: int = Field(ge=0, le=100)


class NextWeekFocus(_Strict):
    suggestedSessions: int = Field(ge=0, le=14)
    focusAreas: list[str]
    intensityDistribution: IntensityDistribution
    restDaysRecommended: int = Field(ge=0, le=7)


class Insights(_Strict):
    """training-insights-generator's output (the Advice tab)."""

    summary: str = Field(min_length=1)
    progressionTrends: ProgressionTrends
    imbalances: list[Imbalance]
    weakPoints: list[WeakPoint]
    recommendations: list[Recommendation]
    nextWeekFocus: NextWeekFocus


class ProgressionContent(_Strict):
    """training-progression-analyzer's output (the Progression tab), before the cache's times."""

    paragraph1: str = Field(min_length=1)
    paragraph2: str = Field(min_length=1)
    recommendations: list[str] = Field(min_length=3, max_length=3)
