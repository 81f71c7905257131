"""Physiology worked examples: each expected number is computed by hand in the comment above it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from atelier.forge.files import Sample, Track, read_track
from atelier.forge.physiology import (
    DEFAULT_WEIGHT_KG,
    METS,
    Athlete,
    calories,
    clean,
    effort_score,
    heart_rate_max,
    keytel_kcal,
    met_for,
    met_kcal,
    quality,
    time_in_zones,
    trimp,
    zone_bounds,
)
from atelier.forge.physiology import analyse as analyse_track

FILES = Path(__file__).parent / "files"
ANA = Athlete(sex="male", age=35, weight_kg=80.0, max_hr=None, resting_hr=None)
NOBODY = Athlete(sex=None, age=None, weight_kg=None, max_hr=None, resting_hr=None)


def samples(hr: Sequence[int | None], offsets: Sequence[float] | None = None) -> list[Sample]:
    """One sample a second unless offsets are given."""
    times = offsets if offsets is not None else [float(i) for i in range(len(hr))]
    return [Sample(t, value, None) for t, value in zip(times, hr, strict=True)]


def track_of(hr: Sequence[int | None], sport: str = "running") -> Track:
    return Track(
        format="fit",
        sport=sport,
        started_at=datetime(2024, 5, 4, 7, 30, tzinfo=UTC),
        duration_s=float(len(hr) - 1),
        samples=samples(hr),
        distance_m=None,
        device_calories=None,
    )


# ---------------------------------------------------------------------------------------------
# Calories
# ---------------------------------------------------------------------------------------------


def test_keytel_man() -> None:
    # -55.0969 + 0.6309×150 + 0.1988×80 + 0.2017×35 = -55.0969 + 94.635 + 15.904 + 7.0595
    # = 62.5016 kJ/min; ÷ 4.184 = 14.9382 kcal/min; × 60 min = 896.29 kcal.
    assert keytel_kcal(sex="male", age=35, weight_kg=80, avg_hr=150, minutes=60) == pytest.approx(
        896.29, abs=0.01
    )


def test_keytel_woman() -> None:
    # -20.4022 + 0.4472×140 - 0.1263×60 + 0.0740×30 = -20.4022 + 62.608 - 7.578 + 2.22
    # = 36.8478 kJ/min; ÷ 4.184 = 8.80683 kcal/min; × 45 min = 396.31 kcal.
    assert keytel_kcal(sex="female", age=30, weight_kg=60, avg_hr=140, minutes=45) == pytest.approx(
        396.31, abs=0.01
    )


def test_keytel_is_never_negative() -> None:
    # -55.0969 + 0.6309×50 + 0.1988×50 + 0.2017×20 = -55.0969 + 31.545 + 9.94 + 4.034 = -9.58 → 0.
    assert keytel_kcal(sex="male", age=20, weight_kg=50, avg_hr=50, minutes=30) == 0.0
    with pytest.raises(ValueError, match="male"):
        keytel_kcal(sex="x", age=20, weight_kg=50, avg_hr=120, minutes=30)


def test_met_kcal() -> None:
    # Running 6 mph: 9.3 MET × 70 kg × 0.5 h = 325.5 kcal.
    assert met_kcal(9.3, 70, 0.5) == pytest.approx(325.5)


def test_met_bands() -> None:
    assert met_for("running", 5)[0] == 9.3  # moderate: running 6 mph
    assert met_for("strength", None)[0] == 5.0  # no RPE: moderate
    assert met_for("strength", 3.9)[0] == 3.5  # light below 4
    assert met_for("strength", 4.0)[0] == 5.0
    assert met_for("strength", 6.9)[0] == 5.0
    assert met_for("strength", 7.0)[0] == 6.0  # vigorous from 7
    assert met_for("functional", 9) == (7.5, "circuit training with kettlebells, minimal rest, vigorous")
    assert met_for("rowing", 5)[0] == 7.5  # 100-149 W
    assert met_for("cycling", 8)[0] == 10.0  # 14-15.9 mph
    assert met_for("training", 8) == met_for("functional", 8)  # a file's "training" is a gym session
    assert met_for("curling", 5) == met_for("other", 5)
    for kind, bands in METS.items():
        mets = [met for _, met, _ in bands]
        assert mets == sorted(mets), kind
        assert [upper for upper, _, _ in bands] == [4.0, 7.0, math.inf], kind


def test_calories_keytel_when_everything_is_known() -> None:
    priced = calories(ANA, minutes=60, avg_hr=150, kind="running", rpe=None)
    assert priced.model == "keytel"
    assert priced.kcal == pytest.approx(896.29, abs=0.01)
    assert priced.detail == "Keytel 2005, male, 35 y, 80 kg, avg HR 150 for 60 min"


def test_calories_met_with_the_default_weight() -> None:
    # Strength at RPE 8 (vigorous): 6.0 MET × 70 kg × 0.75 h = 315 kcal.
    priced = calories(NOBODY, minutes=45, avg_hr=150, kind="strength", rpe=8)
    assert DEFAULT_WEIGHT_KG == 70.0
    assert priced.model == "met"
    assert priced.kcal == pytest.approx(315.0)
    assert "MET 6 (Compendium: resistance training, power lifting" in priced.detail
    assert "× 70 kg (default weight) × 0.75 h" in priced.detail


def test_calories_met_without_heart_rate_uses_the_profile_weight() -> None:
    # Cycling, no RPE → moderate 8.0 MET × 80 kg × 1.5 h = 960 kcal.
    priced = calories(ANA, minutes=90, avg_hr=None, kind="cycling", rpe=None)
    assert (priced.model, priced.kcal) == ("met", pytest.approx(960.0))
    assert "× 80 kg × 1.50 h" in priced.detail and "default" not in priced.detail


# ---------------------------------------------------------------------------------------------
# HRmax, zones, TRIMP, effort
# ---------------------------------------------------------------------------------------------


def test_heart_rate_max_sources() -> None:
    assert heart_rate_max(Athlete("male", 40, 80, 188, None), observed_max=201) == (188, "profile")
    assert heart_rate_max(Athlete("male", 40, 80, None, None), observed_max=201) == (180, "220-age")
    assert heart_rate_max(NOBODY, observed_max=176) == (176, "observed")
    assert heart_rate_max(NOBODY) == (None, "unknown")


def test_zone_bounds_percent_of_hrmax() -> None:
    # 50/60/70/80/90/100 % of 190.
    edges, method = zone_bounds(190, None)
    assert method == "percent_hrmax"
    assert edges == pytest.approx([95, 114, 133, 152, 171, 190])


def test_zone_bounds_karvonen() -> None:
    # 60 + p × (190 - 60) = 60 + p × 130: 125, 138, 151, 164, 177, 190.
    edges, method = zone_bounds(190, 60)
    assert method == "karvonen"
    assert edges == pytest.approx([125, 138, 151, 164, 177, 190])


def test_time_in_zones() -> None:
    edges = [100, 120, 140, 160, 180, 200]
    hr = [90, 110, 130, 150, 170, 190, 210, None, 150, 120, 150]
    # One second each until the next sample, the last sample counts 0 s:
    # 90 below; 110 Z1; 130 Z2; 150, 150 Z3; 120 is Z2's lower edge; 170 Z4; 190 and 210 (above
    # 100 %) Z5; None nothing.
    zones = time_in_zones([float(t) for t in range(11)], hr, edges)
    assert zones == {"below": 1.0, "z1": 1.0, "z2": 2.0, "z3": 2.0, "z4": 1.0, "z5": 2.0}


def test_time_in_zones_caps_a_gap() -> None:
    # 1-s samples, then 60 s without any: the gap counts at most max(5 s, 5 × 1 s) = 5 s.
    # Weights 1 + 1 + 5 + 1 + 0 = 8 s in Z3.
    zones = time_in_zones([0, 1, 2, 62, 63], [150] * 5, [100, 120, 140, 160, 180, 200])
    assert zones["z3"] == 8.0
    assert sum(zones.values()) == 8.0


def test_trimp_constant_heart_rate_closed_form() -> None:
    # HRr = (150 - 60) / (190 - 60) = 0.692308; 60 min (3,601 samples a second apart, the last
    # counting nothing). Men: 60 × 0.692308 × 0.64 × e^(1.92 × 0.692308) = 26.5846 × 3.77816
    # = 100.44. Women: 60 × 0.692308 × 0.86 × e^(1.67 × 0.692308) = 35.7231 × 3.17770 = 113.52.
    offsets = [float(t) for t in range(3601)]
    hr = [150] * 3601
    men = trimp(offsets, hr, hr_max=190, resting_hr=60, sex="male")
    assert men == pytest.approx(100.44, abs=0.01)
    assert trimp(offsets, hr, hr_max=190, resting_hr=60, sex="female") == pytest.approx(113.52, abs=0.01)
    assert trimp(offsets, hr, hr_max=190, resting_hr=60, sex=None) == pytest.approx(men)  # men's constants
    assert trimp(offsets, hr, hr_max=190, resting_hr=None, sex="male") == pytest.approx(men)  # rest 60


def test_trimp_clamps_the_heart_rate_reserve() -> None:
    offsets = [float(t) for t in range(3601)]
    # Above HRmax: HRr clamps to 1: 60 × 1 × 0.64 × e^1.92 = 38.4 × 6.82096 = 261.92.
    assert trimp(offsets, [200] * 3601, hr_max=190, resting_hr=60, sex="male") == pytest.approx(
        261.92, abs=0.01
    )
    # Below rest: HRr clamps to 0.
    assert trimp(offsets, [55] * 3601, hr_max=190, resting_hr=60, sex="male") == 0.0


def test_effort_anchors() -> None:
    assert effort_score(0) == 0
    # 100 × (1 - e^(-62.383/90)) = 100 × (1 - 0.5) = 50.
    assert effort_score(90 * math.log(2)) == 50
    assert effort_score(10_000) == 100
    offsets_60 = [float(t) for t in range(3601)]
    # 60 min steady at 124 bpm (65 % of 190, Z2), rest 60: HRr = 64/130 = 0.492308,
    # TRIMP = 60 × 0.492308 × 0.64 × e^(0.945231) = 18.9046 × 2.57341 = 48.65;
    # effort = 100 × (1 - e^(-48.65/90)) = 100 × (1 - 0.58243) = 41.8 → 42.
    easy = trimp(offsets_60, [124] * 3601, hr_max=190, resting_hr=60, sex="male")
    assert easy == pytest.approx(48.65, abs=0.01)
    assert effort_score(easy) == 42
    # 30 min at the same pace: TRIMP 24.32, effort 100 × (1 - e^(-0.27027)) = 23.7 → 24.
    assert effort_score(trimp(offsets_60[:1801], [124] * 1801, hr_max=190, resting_hr=60, sex="male")) == 24
    # 90 min at 162 bpm (85 %): HRr = 102/130 = 0.784615, TRIMP = 90 × 0.784615 × 0.64 × e^(1.50646)
    # = 45.1938 × 4.51063 = 203.86; effort = 100 × (1 - e^(-2.26509)) = 89.6 → 90.
    hard = trimp([float(t) for t in range(5401)], [162] * 5401, hr_max=190, resting_hr=60, sex="male")
    assert hard == pytest.approx(203.86, abs=0.01)
    assert effort_score(hard) == 90


# ---------------------------------------------------------------------------------------------
# Cleaning and quality
# ---------------------------------------------------------------------------------------------


def test_out_of_range_values_are_dropped() -> None:
    cleaned = clean(samples([140, 0, 140, 300, 140, 30, 140, 231, 140]))
    # 0, 300, 30 (≤ 30) and 231 (> 230) are out of range.
    assert cleaned.hr == [140, None, 140, None, 140, None, 140, None, 140]
    assert (cleaned.out_of_range, cleaned.valid, cleaned.spikes) == (4, 5, 0)
    # The bounds themselves: 31 and 230 are heart rates, 30 and 231 are not.
    assert clean(samples([31] * 5)).valid == 5
    assert clean(samples([230] * 5)).valid == 5
    assert clean(samples([30] * 5)).out_of_range == 5
    assert clean(samples([231] * 5), hr_ceiling=231).valid == 5  # the ceiling is the caller's


def test_a_spike_is_replaced_by_interpolation() -> None:
    # A ramp 100 … 120 bpm with 170 at 10 s: the median of its ±5 window is ~110, 60 bpm away;
    # replaced by the line between 109 (9 s) and 111 (11 s): 110.
    hr: list[int | None] = [100 + t for t in range(21)]
    hr[10] = 170
    cleaned = clean(samples(hr))
    assert cleaned.spikes == 1
    assert cleaned.hr[10] == 110
    assert cleaned.hr[9] == 109 and cleaned.hr[11] == 111
    assert cleaned.valid == 21


def test_spikes_up_to_five_samples_that_come_back() -> None:
    five: list[int | None] = [140] * 30
    five[10:15] = [200] * 5
    cleaned = clean(samples(five))
    assert cleaned.spikes == 5
    assert cleaned.hr == [140] * 30
    six: list[int | None] = [140] * 30
    six[10:16] = [200] * 6  # held 6 samples: the window's median moves with it, a real change
    assert clean(samples(six)).spikes == 0


def test_a_step_change_is_not_a_spike() -> None:
    step = [100] * 10 + [180] * 10
    cleaned = clean(samples(step))
    assert cleaned.spikes == 0
    assert cleaned.hr == step


def test_a_spike_at_the_start_takes_its_one_neighbour() -> None:
    cleaned = clean(samples([200] + [140] * 10))
    assert cleaned.spikes == 1
    assert cleaned.hr[0] == 140


def test_dropout_from_a_gap_in_time_stamps() -> None:
    offsets = [float(t) for t in range(11)] + [float(t) for t in range(40, 51)]
    cleaned = clean(samples([140] * 22, offsets))
    # Nominal 1 s, threshold max(5, 5 × 1) = 5 s: the 30-s gap (10 → 40) is one dropout of
    # 30 - 1 = 29 s. Expected = 50 / 1 + 1 = 51 samples, 22 present.
    assert (cleaned.dropouts, cleaned.dropout_seconds) == (1, 29.0)
    assert (cleaned.valid, cleaned.expected) == (22, 51)


def test_dropout_from_a_run_of_missing_heart_rate() -> None:
    hr: list[int | None] = [140] * 31
    hr[10:20] = [None] * 10  # valid at 9 s, then at 20 s: 11 s > 5 s, dropout of 10 s
    hr[25:28] = [None] * 3  # 24 → 28 s: 4 s, not a dropout
    cleaned = clean(samples(hr))
    assert (cleaned.dropouts, cleaned.dropout_seconds) == (1, 10.0)
    assert cleaned.valid == 18


def test_missing_heart_rate_at_the_start_is_a_dropout() -> None:
    cleaned = clean(samples([None] * 10 + [140] * 10))
    # From the start (0 s) to the first valid sample (10 s): 10 s > 5 s; 10 - 1 = 9 s.
    assert (cleaned.dropouts, cleaned.dropout_seconds) == (1, 9.0)


def test_the_threshold_follows_the_recording_interval() -> None:
    # Smart recording every 5 s: threshold max(5, 5 × 5) = 25 s, so a 20-s gap is not a dropout
    # and a 30-s one is (30 - 5 = 25 s missing).
    offsets = [0.0, 5.0, 10.0, 30.0, 35.0, 40.0, 70.0, 75.0]
    cleaned = clean(samples([140] * 8, offsets))
    assert (cleaned.dropouts, cleaned.dropout_seconds) == (1, 25.0)
    # Expected = 75 / 5 + 1 = 16.
    assert cleaned.expected == 16
    # Told the nominal interval is 1 s: threshold 5 s, so the 20-s and 30-s gaps both count
    # (19 + 29 = 48 s missing); the 5-s steps do not (not longer than 5 s).
    forced = clean(samples([140] * 8, offsets), nominal_interval_s=1.0)
    assert (forced.dropouts, forced.dropout_seconds, forced.expected) == (2, 48.0, 76)


def _graded(hr: Sequence[int | None]) -> tuple[str, float, float, list[str]]:
    q = quality(clean(samples(hr)))
    return q.level, q.completeness, q.anomaly_share, q.reasons


def test_quality_excellent() -> None:
    level, complete, anomaly, reasons = _graded([140] * 201)
    assert (level, complete, anomaly) == ("excellent", 1.0, 0.0)
    assert reasons[0] == "100% of expected heart-rate samples present (201 of 201 at one every 1 s)"


def test_quality_good_by_completeness() -> None:
    # Every 10th sample missing (0, 10, …, 200: 21 of 201): 180 / 201 = 89.6 %.
    level, complete, _, reasons = _graded([None if t % 10 == 0 else 140 for t in range(201)])
    assert level == "good"
    assert complete == pytest.approx(180 / 201)
    assert reasons[0].startswith("89.6% of expected heart-rate samples present (180 of 201")
    assert reasons[-1] == "excellent needs over 95% complete"


def test_quality_good_by_anomalies() -> None:
    # Complete, but 14 isolated spikes of 200 in 201 samples: 14 / 201 = 7.0 % anomalies.
    hr: list[int | None] = [140] * 201
    for t in range(7, 201, 14):
        hr[t] = 200
    level, complete, anomaly, reasons = _graded(hr)
    assert (level, complete) == ("good", 1.0)
    assert anomaly == pytest.approx(14 / 201)
    assert reasons[1] == "7% of samples anomalous (14 spikes repaired, 0 out of range discarded)"
    assert reasons[-1] == "excellent needs under 5% anomalies"


def test_quality_fair() -> None:
    # 3 of every 10 missing (t % 10 in 0, 1, 2 → 61 of 201): 140 / 201 = 69.7 %.
    level, complete, _, _ = _graded([None if t % 10 < 3 else 140 for t in range(201)])
    assert level == "fair"
    assert complete == pytest.approx(140 / 201)


def test_quality_poor_by_completeness() -> None:
    # Every other sample missing: 100 / 201 = 49.8 %.
    level, complete, _, reasons = _graded([None if t % 2 == 0 else 140 for t in range(201)])
    assert level == "poor"
    assert complete == pytest.approx(100 / 201)
    assert reasons[-1] == "fair needs at least 60% complete"


def test_quality_poor_by_anomalies() -> None:
    # 0 bpm every 4th sample (51 of 201): 25.4 % anomalies, 74.6 % complete → poor.
    level, complete, anomaly, reasons = _graded([0 if t % 4 == 0 else 140 for t in range(201)])
    assert level == "poor"
    assert complete == pytest.approx(150 / 201)
    assert anomaly == pytest.approx(51 / 201)
    assert reasons[-1] == "fair needs under 20% anomalies"


def test_quality_boundary_95_percent_is_good() -> None:
    # 19 of 20 present is exactly 95 %: excellent needs more than 95 %.
    level, complete, _, _ = _graded([140] * 10 + [None] + [140] * 9)
    assert (level, complete) == ("good", 0.95)


def test_quality_without_heart_rate() -> None:
    q = quality(clean(samples([None] * 10)))
    assert (q.level, q.completeness, q.reasons) == ("poor", 0.0, ["no heart-rate data"])


# ---------------------------------------------------------------------------------------------
# analyse, end to end on the sample files
# ---------------------------------------------------------------------------------------------


def test_analyse_run_30min() -> None:
    track = read_track((FILES / "run_30min.fit").read_bytes())
    result = analyse_track(track, ANA)
    # 600 samples at 130, 600 at 150, 601 at 170: (78,000 + 90,000 + 102,170) / 1,801 = 150.01.
    assert (result.avg_hr, result.max_hr, result.min_hr) == (150, 170, 130)
    # HRmax 220 - 35 = 185; edges 92.5, 111, 129.5, 148, 166.5, 185: 130 in Z3, 150 in Z4, 170 in
    # Z5, 600 s each (the last sample counts nothing).
    assert (result.hr_max_used, result.hr_max_source, result.zone_method) == (185, "220-age", "percent_hrmax")
    assert result.zones == {"below": 0.0, "z1": 0.0, "z2": 0.0, "z3": 600.0, "z4": 600.0, "z5": 600.0}
    # Rest 60 (default), reserve 125. 10 min each:
    # 130: HRr 0.56, 10 × 0.56 × 0.64 × e^1.0752 = 3.584 × 2.93065 = 10.5034
    # 150: HRr 0.72, 10 × 0.72 × 0.64 × e^1.3824 = 4.608 × 3.98464 = 18.3612
    # 170: HRr 0.88, 10 × 0.88 × 0.64 × e^1.6896 = 5.632 × 5.41722 = 30.5098   → 59.374
    assert result.trimp == pytest.approx(59.374, abs=0.001)
    # 100 × (1 - e^(-59.374/90)) = 100 × (1 - 0.51703) = 48.3 → 48.
    assert result.effort == 48
    # Keytel, male 35 y 80 kg, HR 150: 14.9382 kcal/min × 30 min = 448.15.
    assert result.calories.model == "keytel"
    assert result.calories.kcal == pytest.approx(448.15, abs=0.01)
    assert result.quality.level == "excellent"
    # One point per 5 s: 0, 5, …, 1800 → 361 points.
    assert len(result.hr_series) == 361
    assert result.hr_series[0] == [0, 130]
    assert result.hr_series[120] == [600, 150]
    assert result.hr_series[-1] == [1800, 170]
    assert (result.duration_s, result.distance_m) == (1800.0, 5400.0)


def test_analyse_with_karvonen_zones() -> None:
    track = read_track((FILES / "run_30min.fit").read_bytes())
    result = analyse_track(track, Athlete("male", 35, 80.0, None, 60))
    # 60 + p × 125: 122.5, 135, 147.5, 160, 172.5, 185: 130 in Z1, 150 in Z3, 170 in Z4.
    assert result.zone_method == "karvonen"
    assert result.zones == {"below": 0.0, "z1": 600.0, "z2": 0.0, "z3": 600.0, "z4": 600.0, "z5": 0.0}
    assert result.trimp == pytest.approx(59.374, abs=0.001)  # resting 60 is also the default


def test_analyse_spiky_file() -> None:
    track = read_track((FILES / "spiky.fit").read_bytes())
    result = analyse_track(track, ANA)
    # corpus.spiky_hr: 0 and 250 out of range, spikes 200 (1) and 90 (2) repaired to 140, 20 s
    # without HR at 450–469 s (valid at 449 and 470: 21 s > 5 s, 21 - 1 = 20 s).
    # Valid 601 - 2 - 20 = 579 of 601 = 96.3 %; anomalies 5 / 601 = 0.8 % → excellent.
    q = result.quality
    assert (q.level, q.spikes, q.dropouts) == ("excellent", 3, 1)
    assert q.completeness == pytest.approx(579 / 601)
    assert q.anomaly_share == pytest.approx(5 / 601)
    assert q.reasons[2] == "1 dropout totalling 20 s without heart rate"
    assert (result.avg_hr, result.max_hr, result.min_hr) == (140, 140, 140)
    assert all(point[1] == 140 for point in result.hr_series)


def test_analyse_without_heart_rate() -> None:
    track = read_track((FILES / "walk_no_hr.gpx").read_bytes())
    result = analyse_track(track, NOBODY)
    assert (result.zones, result.zone_method, result.trimp, result.effort) == ({}, "none", None, None)
    assert (result.avg_hr, result.hr_series) == (None, [])
    assert (result.quality.level, result.quality.reasons) == ("poor", ["no heart-rate data"])
    # Walking, no RPE → 4.3 MET × 70 kg (default) × 300/3600 h = 25.083 kcal.
    assert result.calories.model == "met"
    assert result.calories.kcal == pytest.approx(25.083, abs=0.001)
    assert "(default weight)" in result.calories.detail
    assert result.distance_m == pytest.approx(333.96, abs=0.01)


def test_poor_heart_rate_prices_calories_by_met() -> None:
    # Every other sample missing (50 %): poor, so Keytel is not used even with a full profile.
    # Running, no RPE: 9.3 MET × 80 kg × (600 s = 1/6 h) = 124.0 kcal.
    result = analyse_track(track_of([None if t % 2 else 150 for t in range(601)]), ANA)
    assert result.quality.level == "poor"
    assert result.calories.model == "met"
    assert result.calories.kcal == pytest.approx(124.0)
    assert result.effort is not None  # the heart rate there is still counted in zones and TRIMP
