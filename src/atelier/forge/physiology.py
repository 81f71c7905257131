"""Heart-rate physiology of one recording: cleaning, quality, zones, TRIMP, effort and calories.

A wearable's heart rate is noisy (optical sensors lock onto cadence, straps lose contact), and
every number built on it — time in zones, training load, calories — inherits that noise. So the
series is cleaned first, its quality is graded and shown, and calories fall back to a MET
estimate when the heart rate cannot be trusted. Every function is pure (no I/O, no clock) and
every constant below is the documented choice, so an athlete or coach can redo the arithmetic.

**Maximum heart rate** (``heart_rate_max``): the profile's value; else 220 − age (the default in
Garmin's manuals, ``shared/SCIENCE.md``); else, only when neither is known, the highest cleaned
value of the recording itself ("observed" — it underestimates a true maximum unless the session
was all-out, so zones read high); else unknown.

**Cleaning** (``clean``), after GoldenCheetah's FixHRSpikes and sweatpy's median/MAD filter:

* out of range: HR ≤ 30 or > ``hr_ceiling`` (230) bpm is a sensor fault, not a heart; it becomes
  None (GoldenCheetah drops ≤ 0 and > max; 30 bpm is below any resting heart rate while moving);
* spikes: a value more than ``SPIKE_BPM`` = 35 bpm from the median of its window — itself and
  ``SPIKE_WINDOW`` = 5 valid samples either side — and also more than 3 × 1.4826 × MAD of that
  window (a Hampel filter). Because the median needs a majority, only excursions of at most 5
  samples that come back are spikes; a level that holds (a sprint start) moves the median with it
  and the MAD condition keeps a step change from being flagged. Spikes are replaced by linear
  interpolation in time between the nearest non-spike valid neighbours (the one neighbour's
  value at either end) and count as valid afterwards;
* dropouts: the nominal interval is the median interval between time stamps (or the caller's);
  any stretch between consecutive valid heart-rate samples — or between the recording's start or
  end and the first or last one — longer than ``max(5 s, 5 × nominal)`` is one dropout. That
  covers both a gap in the time stamps and a run of samples without usable HR, without counting
  the same stretch twice; ``dropout_seconds`` adds up each stretch minus one nominal interval;
* expected samples = duration / nominal + 1; completeness = valid / expected (at most 1);
  anomaly share = (spikes + out of range) / samples.

**Quality** (``quality``), seed 004's classes, both conditions needed for a level: excellent
> 95 % complete and < 5 % anomalies; good ≥ 80 % and < 10 %; fair ≥ 60 % and < 20 %; else poor.
A recording without heart rate is poor ("no heart-rate data").

**Zones** (``zone_bounds``, ``time_in_zones``): Z1–Z5 edges at 50/60/70/80/90/100 % of HRmax, or
Karvonen's HRrest + % × (HRmax − HRrest) when the resting rate is known. Each valid sample counts
the time until the next sample, capped at the dropout threshold so a gap adds no time; below Z1 is
``below``, above 100 % counts as Z5.

**TRIMP** (``trimp``, Banister): Σ minutes × HRr × 0.64 e^(1.92 HRr) for men and 0.86 e^(1.67 HRr)
for women, HRr = (HR − rest) / (max − rest) clamped to [0, 1], summed per sample with the same time
weights as the zones (per-sample summation is fairer to intervals than the session average).
Unknown sex uses the men's constants (as GoldenCheetah does for everyone); an unknown resting
rate is ``DEFAULT_RESTING_HR`` = 60 bpm.

**Effort** (``effort_score``): 100 × (1 − e^(−TRIMP / ``EFFORT_SCALE``)), ``EFFORT_SCALE`` = 90, so
the score saturates rather than running past 100, and TRIMP 62 (90 ln 2) is effort 50. Anchors
(HRmax 190, rest 60, male): 60 min steady at 65 % HRmax (Z2, TRIMP ≈ 48) → 41; 30 min at the same
pace → 23; 90 min at 85 % HRmax (TRIMP ≈ 201) → 89.

**Calories** (``calories``): Keytel et al. 2005 (J Sports Sci 23:289–297) from the average heart
rate when sex, age and weight are known and the heart rate is usable (the caller passes no
average when the quality is poor): kJ/min men −55.0969 + 0.6309 HR + 0.1988 kg + 0.2017 age,
women −20.4022 + 0.4472 HR − 0.1263 kg + 0.0740 age, ÷ 4.184 for kcal, never below 0. Otherwise
MET × kg × hours with the MET of ``METS`` for the kind of session and its RPE band, and
``DEFAULT_WEIGHT_KG`` = 70 kg when the profile has no weight (the detail says so).

``METS`` (2024 Adult Compendium of Physical Activities, Herrmann et al., J Sport Health Sci
13:6–12, pacompendium.com): the values ``shared/SCIENCE.md`` quotes are marked [S] — resistance
3.5–6.0, vigorous kettlebell circuit 7.5, running 6 mph 9.3, rowing 100–149 W 7.5, cycling
14–15.9 mph 10.0. The others are the Compendium activities and values chosen here for each band
(codes as in the Compendium's list); they were not re-checked against the 2024 web tables when
written, so check them there before relying on a single figure.
"""

from __future__ import annotations

import bisect
import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from atelier.forge.files import Sample, Track

LOW_HR = 30  # at or below: not a heart rate
HR_CEILING = 230
SPIKE_BPM = 35.0
SPIKE_WINDOW = 5  # valid samples each side
HAMPEL_SIGMAS = 3.0
MAD_TO_SD = 1.4826
MIN_GAP_S = 5.0
GAP_FACTOR = 5.0
DEFAULT_RESTING_HR = 60
EFFORT_SCALE = 90.0
DEFAULT_WEIGHT_KG = 70.0
SERIES_STEP_S = 5.0  # the stored heart-rate series keeps one point per 5 s
ZONE_PERCENTS = (0.50, 0.60, 0.70, 0.80, 0.90, 1.00)
ZONES = ("z1", "z2", "z3", "z4", "z5")
LIGHT_BELOW = 4.0  # RPE bands: light < 4, moderate 4–6.9, vigorous ≥ 7
VIGOROUS_FROM = 7.0

# kind → [(RPE upper bound (exclusive), MET, Compendium activity)], light / moderate / vigorous.
METS: dict[str, list[tuple[float, float, str]]] = {
    "strength": [
        (
            LIGHT_BELOW,
            3.5,
            "resistance training, multiple exercises, 8-15 reps, varied resistance",
        ),  # 02054 [S]
        (VIGOROUS_FROM, 5.0, "resistance training, squats, slow or explosive effort"),  # 02052
        (math.inf, 6.0, "resistance training, power lifting or body building, vigorous"),  # 02050 [S]
    ],
    "endurance": [
        (LIGHT_BELOW, 4.8, "rowing, stationary, general, moderate effort"),  # 02071
        (VIGOROUS_FROM, 7.5, "rowing, stationary, 100-149 watts"),  # 02072 [S]
        (math.inf, 9.3, "running, 6 mph (10 min/mile)"),  # 12050 [S]
    ],
    "functional": [
        (LIGHT_BELOW, 4.3, "circuit training, moderate effort"),  # 02035
        (VIGOROUS_FROM, 5.5, "health club exercise, general"),  # 02060
        (math.inf, 7.5, "circuit training with kettlebells, minimal rest, vigorous"),  # 02040 [S]
    ],
    "calisthenics": [
        (LIGHT_BELOW, 2.8, "calisthenics (sit-ups, abdominal crunches), light effort"),  # 02024
        (VIGOROUS_FROM, 3.8, "calisthenics (push-ups, sit-ups, pull-ups, lunges), moderate effort"),  # 02022
        (math.inf, 7.5, "calisthenics (push-ups, sit-ups, pull-ups, jumping jacks), vigorous"),  # 02020
    ],
    "running": [
        (LIGHT_BELOW, 7.0, "jogging, general"),  # 12020
        (VIGOROUS_FROM, 9.3, "running, 6 mph (10 min/mile)"),  # 12050 [S]
        (math.inf, 11.0, "running, 6.7 mph (9 min/mile)"),  # 12070
    ],
    "cycling": [
        (LIGHT_BELOW, 6.8, "bicycling, 10-11.9 mph, leisure, slow, light effort"),  # 01020
        (VIGOROUS_FROM, 8.0, "bicycling, 12-13.9 mph, leisure, moderate effort"),  # 01030
        (math.inf, 10.0, "bicycling, 14-15.9 mph, fast, vigorous effort"),  # 01040 [S]
    ],
    "rowing": [
        (LIGHT_BELOW, 4.8, "rowing, stationary, general, moderate effort"),  # 02071
        (VIGOROUS_FROM, 7.5, "rowing, stationary, 100-149 watts"),  # 02072 [S]
        (math.inf, 8.5, "rowing, stationary, 150-199 watts, vigorous effort"),  # 02073
    ],
    "walking": [
        (LIGHT_BELOW, 3.0, "walking, 2.5 mph, level, firm surface"),  # 17170
        (VIGOROUS_FROM, 4.3, "walking, 3.5 mph, level, brisk"),  # 17200
        (math.inf, 5.0, "walking, 4.0 mph, level, very brisk"),  # 17220
    ],
    "hiking": [
        (LIGHT_BELOW, 5.3, "hiking or walking at a normal pace through fields and hillsides"),  # 17082
        (VIGOROUS_FROM, 6.0, "hiking, cross country"),  # 17080
        (math.inf, 7.8, "backpacking, hiking or organized walking with a daypack"),  # 17012
    ],
    "swimming": [
        (LIGHT_BELOW, 5.8, "swimming laps, freestyle, slow, light or moderate effort"),  # 18310
        (VIGOROUS_FROM, 8.3, "swimming laps, freestyle, medium speed, vigorous effort"),  # 18240
        (math.inf, 9.8, "swimming laps, freestyle, fast, vigorous effort"),  # 18230
    ],
    "other": [
        (LIGHT_BELOW, 3.5, "calisthenics, light or moderate effort, general"),  # 02030
        (VIGOROUS_FROM, 5.5, "health club exercise, general"),  # 02060
        (math.inf, 7.5, "circuit training with kettlebells, minimal rest, vigorous"),  # 02040 [S]
    ],
}
_KIND_ALIASES = {"training": "functional"}  # a file's "training" sport is a gym session


@dataclass(frozen=True)
class Athlete:
    sex: str | None  # "male" | "female" | None
    age: int | None
    weight_kg: float | None
    max_hr: int | None
    resting_hr: int | None


def heart_rate_max(athlete: Athlete, observed_max: int | None = None) -> tuple[int | None, str]:
    """(HRmax, source): "profile", "220-age", "observed" (the recording's own maximum, used only when
    neither the profile nor the age is known) or "unknown"."""
    if athlete.max_hr:
        return athlete.max_hr, "profile"
    if athlete.age is not None and athlete.age > 0:
        return 220 - athlete.age, "220-age"
    if observed_max:
        return observed_max, "observed"
    return None, "unknown"


# ---------------------------------------------------------------------------------------------
# Cleaning and quality
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cleaned:
    hr: list[int | None]  # one per sample: spikes interpolated, invalid values None
    valid: int  # samples with a usable value after cleaning (repaired spikes included)
    expected: int  # duration / nominal interval + 1
    spikes: int
    dropouts: int
    dropout_seconds: float
    out_of_range: int
    nominal_interval_s: float = 1.0

    @property
    def total(self) -> int:
        return len(self.hr)


def nominal_interval(offsets: Sequence[float]) -> float:
    """The median of the positive intervals between time stamps; 1 s when there are none."""
    steps = [b - a for a, b in itertools.pairwise(offsets) if b > a]
    return statistics.median(steps) if steps else 1.0


def dropout_threshold(nominal_s: float) -> float:
    return max(MIN_GAP_S, GAP_FACTOR * nominal_s)


def _spikes(values: list[int]) -> list[bool]:
    """Which of the valid values are spikes (median ± 35 bpm and Hampel on ±5 neighbours)."""
    flagged = [False] * len(values)
    for i, value in enumerate(values):
        window = values[max(0, i - SPIKE_WINDOW) : i + SPIKE_WINDOW + 1]
        middle = statistics.median(window)
        deviation = abs(value - middle)
        if deviation <= SPIKE_BPM:
            continue
        mad = statistics.median(abs(v - middle) for v in window)
        if deviation > HAMPEL_SIGMAS * MAD_TO_SD * mad:
            flagged[i] = True
    return flagged


def clean(
    samples: Sequence[Sample], *, hr_ceiling: int = HR_CEILING, nominal_interval_s: float | None = None
) -> Cleaned:
    offsets = [s.offset_s for s in samples]
    nominal = nominal_interval_s if nominal_interval_s else nominal_interval(offsets)
    hr: list[int | None] = []
    out_of_range = 0
    for sample in samples:
        value = sample.hr
        if value is not None and (value <= LOW_HR or value > hr_ceiling):
            out_of_range += 1
            value = None
        hr.append(value)

    where = [i for i, value in enumerate(hr) if value is not None]
    values = [v for v in hr if v is not None]
    flagged = _spikes(values)
    spikes = sum(flagged)
    if spikes:
        good = [(offsets[i], values[k]) for k, i in enumerate(where) if not flagged[k]]
        times = [t for t, _ in good]
        for k, i in enumerate(where):
            if flagged[k]:
                hr[i] = _interpolate(good, times, offsets[i])

    threshold = dropout_threshold(nominal)
    dropouts = 0
    dropout_seconds = 0.0
    duration = offsets[-1] - offsets[0] if offsets else 0.0
    if offsets:
        marks = [offsets[0], *(offsets[i] for i, value in enumerate(hr) if value is not None), offsets[-1]]
        for a, b in itertools.pairwise(marks):
            if b - a > threshold:
                dropouts += 1
                dropout_seconds += b - a - nominal
    valid = sum(1 for value in hr if value is not None)
    expected = round(duration / nominal) + 1 if samples else 0
    return Cleaned(
        hr=hr,
        valid=valid,
        expected=expected,
        spikes=spikes,
        dropouts=dropouts,
        dropout_seconds=dropout_seconds,
        out_of_range=out_of_range,
        nominal_interval_s=nominal,
    )


def _interpolate(good: list[tuple[float, int]], times: list[float], at: float) -> int | None:
    """Linear interpolation in time between the nearest good neighbours, or the one there is."""
    if not good:
        return None
    after = bisect.bisect_left(times, at)
    if after == 0:
        return good[0][1]
    if after == len(good):
        return good[-1][1]
    (t0, v0), (t1, v1) = good[after - 1], good[after]
    if t1 == t0:
        return v0
    return round(v0 + (v1 - v0) * (at - t0) / (t1 - t0))


@dataclass(frozen=True)
class Quality:
    level: str  # "excellent" | "good" | "fair" | "poor"
    completeness: float  # 0..1
    anomaly_share: float  # 0..1
    spikes: int
    dropouts: int
    reasons: list[str]


# (level, completeness needed, whether strictly above it, anomaly share to stay under), best first.
LEVELS = (("excellent", 0.95, True, 0.05), ("good", 0.80, False, 0.10), ("fair", 0.60, False, 0.20))


def _percent(share: float) -> str:
    return f"{share * 100:.1f}".rstrip("0").rstrip(".") + "%"


def _meets(completeness: float, anomaly: float, least: float, strict: bool, most: float) -> tuple[bool, bool]:
    """(complete enough, clean enough) for one level."""
    return (completeness > least if strict else completeness >= least), anomaly < most


def quality(cleaned: Cleaned) -> Quality:
    """Seed 004's grade; the reasons give the numbers and, below excellent, what the next level
    up would need."""
    total = cleaned.total
    anomaly = (cleaned.spikes + cleaned.out_of_range) / total if total else 0.0
    if cleaned.valid == 0:
        return Quality("poor", 0.0, anomaly, cleaned.spikes, cleaned.dropouts, ["no heart-rate data"])
    completeness = min(1.0, cleaned.valid / cleaned.expected) if cleaned.expected else 0.0
    level, rank = "poor", len(LEVELS)
    for index, (name, least, strict, most) in enumerate(LEVELS):
        if all(_meets(completeness, anomaly, least, strict, most)):
            level, rank = name, index
            break
    reasons = [
        f"{_percent(completeness)} of expected heart-rate samples present "
        f"({cleaned.valid} of {cleaned.expected} at one every {cleaned.nominal_interval_s:g} s)",
        f"{_percent(anomaly)} of samples anomalous ({cleaned.spikes} spike"
        f"{'' if cleaned.spikes == 1 else 's'} repaired, {cleaned.out_of_range} out of range discarded)",
    ]
    if cleaned.dropouts:
        reasons.append(
            f"{cleaned.dropouts} dropout{'' if cleaned.dropouts == 1 else 's'} "
            f"totalling {cleaned.dropout_seconds:.0f} s without heart rate"
        )
    if rank > 0:
        name, least, strict, most = LEVELS[rank - 1]
        complete, clean_enough = _meets(completeness, anomaly, least, strict, most)
        needs = [] if complete else [f"{'over' if strict else 'at least'} {_percent(least)} complete"]
        if not clean_enough:
            needs.append(f"under {_percent(most)} anomalies")
        reasons.append(f"{name} needs {' and '.join(needs)}")
    return Quality(level, completeness, anomaly, cleaned.spikes, cleaned.dropouts, reasons)


# ---------------------------------------------------------------------------------------------
# Zones, TRIMP, effort
# ---------------------------------------------------------------------------------------------


def zone_bounds(hr_max: int, resting_hr: int | None) -> tuple[list[float], str]:
    """The 6 edges of Z1..Z5 (50 … 100 %) and the method: "karvonen" or "percent_hrmax"."""
    if resting_hr is not None and 0 < resting_hr < hr_max:
        return [resting_hr + p * (hr_max - resting_hr) for p in ZONE_PERCENTS], "karvonen"
    return [p * hr_max for p in ZONE_PERCENTS], "percent_hrmax"


def _weights(offsets: Sequence[float]) -> list[float]:
    """Seconds each sample stands for: until the next sample, at most the dropout threshold."""
    cap = dropout_threshold(nominal_interval(offsets))
    weights = [min(b - a, cap) for a, b in itertools.pairwise(offsets)]
    weights.append(0.0)  # the last sample has no time after it
    return weights


def time_in_zones(
    offsets: Sequence[float], hr: Sequence[int | None], edges: Sequence[float]
) -> dict[str, float]:
    seconds = dict.fromkeys(("below", *ZONES), 0.0)
    for weight, value in zip(_weights(offsets), hr, strict=True):
        if value is None or weight <= 0:
            continue
        if value < edges[0]:
            seconds["below"] += weight
        else:
            index = min(bisect.bisect_right(edges, value), 5)  # above 100 %: Z5
            seconds[ZONES[index - 1]] += weight
    return seconds


def trimp(
    offsets: Sequence[float],
    hr: Sequence[int | None],
    *,
    hr_max: int,
    resting_hr: int | None,
    sex: str | None,
) -> float:
    rest = resting_hr if resting_hr is not None else DEFAULT_RESTING_HR
    reserve = hr_max - rest
    if reserve <= 0:
        return 0.0
    a, b = (0.86, 1.67) if sex == "female" else (0.64, 1.92)
    total = 0.0
    for weight, value in zip(_weights(offsets), hr, strict=True):
        if value is None or weight <= 0:
            continue
        ratio = min(1.0, max(0.0, (value - rest) / reserve))
        total += weight / 60.0 * ratio * a * math.exp(b * ratio)
    return total


def effort_score(trimp_value: float) -> int:
    return max(0, min(100, round(100 * (1 - math.exp(-trimp_value / EFFORT_SCALE)))))


# ---------------------------------------------------------------------------------------------
# Calories
# ---------------------------------------------------------------------------------------------


def keytel_kcal(*, sex: str, age: int, weight_kg: float, avg_hr: float, minutes: float) -> float:
    if sex == "male":
        kj_per_min = -55.0969 + 0.6309 * avg_hr + 0.1988 * weight_kg + 0.2017 * age
    elif sex == "female":
        kj_per_min = -20.4022 + 0.4472 * avg_hr - 0.1263 * weight_kg + 0.0740 * age
    else:
        raise ValueError(f"Keytel's equations are for sex 'male' or 'female', not {sex!r}")
    return max(0.0, kj_per_min / 4.184 * minutes)


def met_for(kind: str, rpe: float | None) -> tuple[float, str]:
    """(MET, Compendium activity) for the kind of session and its RPE band (None: moderate)."""
    bands = METS.get(_KIND_ALIASES.get(kind, kind), METS["other"])
    if rpe is None:
        _, met, label = bands[1]
        return met, label
    for upper, met, label in bands:
        if rpe < upper:
            return met, label
    _, met, label = bands[-1]
    return met, label


def met_kcal(met: float, weight_kg: float, hours: float) -> float:
    return met * weight_kg * hours


@dataclass(frozen=True)
class Calories:
    kcal: float
    model: str  # "keytel" | "met"
    detail: str


def _band(rpe: float | None) -> str:
    if rpe is None:
        return "moderate, no RPE"
    if rpe < LIGHT_BELOW:
        return f"light, RPE {rpe:g}"
    return f"moderate, RPE {rpe:g}" if rpe < VIGOROUS_FROM else f"vigorous, RPE {rpe:g}"


def calories(
    athlete: Athlete, *, minutes: float, avg_hr: float | None, kind: str, rpe: float | None
) -> Calories:
    """Keytel from the average heart rate when it and sex, age and weight are known, else MET."""
    minutes = max(0.0, minutes)
    if (
        avg_hr is not None
        and avg_hr > 0
        and athlete.sex in ("male", "female")
        and athlete.age is not None
        and athlete.weight_kg
    ):
        kcal = keytel_kcal(
            sex=athlete.sex, age=athlete.age, weight_kg=athlete.weight_kg, avg_hr=avg_hr, minutes=minutes
        )
        return Calories(
            kcal,
            "keytel",
            f"Keytel 2005, {athlete.sex}, {athlete.age} y, {athlete.weight_kg:g} kg, "
            f"avg HR {avg_hr:.0f} for {minutes:.0f} min",
        )
    met, label = met_for(kind, rpe)
    weight = athlete.weight_kg or DEFAULT_WEIGHT_KG
    weight_text = f"{weight:g} kg" if athlete.weight_kg else f"{weight:g} kg (default weight)"
    hours = minutes / 60
    return Calories(
        met_kcal(met, weight, hours),
        "met",
        f"MET {met:g} (Compendium: {label}; {_band(rpe)}) × {weight_text} × {hours:.2f} h",
    )


# ---------------------------------------------------------------------------------------------
# One recording end to end
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    avg_hr: int | None
    max_hr: int | None
    min_hr: int | None
    zones: dict[str, float]
    zone_method: str  # "karvonen" | "percent_hrmax" | "none"
    hr_max_used: int | None
    hr_max_source: str
    trimp: float | None
    effort: int | None
    calories: Calories
    quality: Quality
    hr_series: list[list[int | float]]  # [[offset_s, hr], ...], one point per 5 s at most
    duration_s: float
    distance_m: float | None


def _series(offsets: Sequence[float], hr: Sequence[int | None]) -> list[list[int | float]]:
    """The cleaned series for storage and charts: per 5-s bucket, the first valid sample's offset
    and the bucket's mean HR (a 4-hour recording keeps 2,880 points, ~20 KB of JSON)."""
    series: list[list[int | float]] = []
    bucket: int | None = None
    first = 0.0
    values: list[int] = []
    for offset, value in zip(offsets, hr, strict=True):
        if value is None:
            continue
        key = int(offset // SERIES_STEP_S)
        if key != bucket:
            if values:
                series.append([_compact(first), round(sum(values) / len(values))])
            bucket, first, values = key, offset, []
        values.append(value)
    if values:
        series.append([_compact(first), round(sum(values) / len(values))])
    return series


def _compact(offset: float) -> int | float:
    return int(offset) if offset == int(offset) else round(offset, 1)


def analyse(track: Track, athlete: Athlete) -> Analysis:
    """Clean, grade and measure one recording. Zones, TRIMP and effort use every cleaned sample
    whatever the grade (the grade is shown next to them); calories use Keytel only when the grade
    is better than poor. Without heart rate: no zones, no effort, calories by MET for the sport."""
    cleaned = clean(track.samples)
    graded = quality(cleaned)
    offsets = [s.offset_s for s in track.samples]
    values = [v for v in cleaned.hr if v is not None]
    minutes = track.duration_s / 60
    if not values:
        hr_max, source = heart_rate_max(athlete)
        return Analysis(
            avg_hr=None,
            max_hr=None,
            min_hr=None,
            zones={},
            zone_method="none",
            hr_max_used=hr_max,
            hr_max_source=source,
            trimp=None,
            effort=None,
            calories=calories(athlete, minutes=minutes, avg_hr=None, kind=track.sport, rpe=None),
            quality=graded,
            hr_series=[],
            duration_s=track.duration_s,
            distance_m=track.distance_m,
        )
    avg = round(sum(values) / len(values))
    highest = max(values)
    hr_max, source = heart_rate_max(athlete, highest)
    assert hr_max is not None  # an observed maximum exists whenever there is heart rate
    edges, method = zone_bounds(hr_max, athlete.resting_hr)
    load = trimp(offsets, cleaned.hr, hr_max=hr_max, resting_hr=athlete.resting_hr, sex=athlete.sex)
    usable = graded.level != "poor"
    return Analysis(
        avg_hr=avg,
        max_hr=highest,
        min_hr=min(values),
        zones=time_in_zones(offsets, cleaned.hr, edges),
        zone_method=method,
        hr_max_used=hr_max,
        hr_max_source=source,
        trimp=load,
        effort=effort_score(load),
        calories=calories(
            athlete, minutes=minutes, avg_hr=float(avg) if usable else None, kind=track.sport, rpe=None
        ),
        quality=graded,
        hr_series=_series(offsets, cleaned.hr),
        duration_s=track.duration_s,
        distance_m=track.distance_m,
    )
