"""Recurrence rules (RFC 5545 RRULE) evaluated in the athlete's wall-clock time.

A series happens at a local time ("18:00 in Paris"): dates are produced by ``dateutil.rrule`` on
naive local datetimes and only then placed in the zone, so 18:00 stays 18:00 across DST changes.
A local time that does not exist on a spring-forward day moves forward by the gap (02:30 → 03:30);
an ambiguous one on a fall-back day is the first of the two (``fold=0``).

Monthly rules on day 29–31 follow RFC 5545: months without that day are skipped. To mean "the
last day of every month", use day ``-1``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import DAILY, FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, YEARLY, rrule, weekday

WEEKDAYS: dict[str, weekday] = {"MO": MO, "TU": TU, "WE": WE, "TH": TH, "FR": FR, "SA": SA, "SU": SU}
FREQUENCIES = {"daily": DAILY, "weekly": WEEKLY, "monthly": MONTHLY, "yearly": YEARLY}
MAX_COUNT = 1000


class InvalidRule(ValueError):
    """The rule cannot describe a schedule (the message says why, in the user's terms)."""


@dataclass(frozen=True)
class Rule:
    freq: Literal["daily", "weekly", "monthly", "yearly"]
    interval: int = 1
    by_weekday: tuple[str, ...] = ()
    by_month_day: tuple[int, ...] = ()
    by_set_position: int | None = None
    until: date | None = None
    count: int | None = None

    def to_rrule(self) -> str:
        """The RFC 5545 RRULE value (without ``RRULE:``)."""
        parts = [f"FREQ={self.freq.upper()}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.by_weekday:
            parts.append("BYDAY=" + ",".join(self.by_weekday))
        if self.by_month_day:
            parts.append("BYMONTHDAY=" + ",".join(str(d) for d in self.by_month_day))
        if self.by_set_position is not None:
            parts.append(f"BYSETPOS={self.by_set_position}")
        if self.until is not None:
            parts.append(f"UNTIL={self.until:%Y%m%d}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        return ";".join(parts)


@dataclass(frozen=True)
class Schedule:
    """A rule anchored at a first date and a local time in a zone, minus its exceptions."""

    rule: Rule
    start: date
    at: time
    zone: str
    exceptions: frozenset[date] = field(default_factory=frozenset)

    def _rrule(self, start: date | None = None) -> rrule:
        rule = self.rule
        month_days = list(rule.by_month_day)
        if start is not None and start != self.start and rule.freq == "monthly" and not rule.by_weekday:
            # A later start on the 1st: the day the rule implied by its real start stays explicit.
            month_days = month_days or [self.start.day]
        return rrule(
            FREQUENCIES[rule.freq],
            dtstart=datetime.combine(start or self.start, self.at),
            interval=rule.interval,
            byweekday=[WEEKDAYS[d] for d in rule.by_weekday] or None,
            bymonthday=month_days or None,
            bysetpos=rule.by_set_position,
            until=datetime.combine(rule.until, time.max) if rule.until else None,
            count=rule.count,
            cache=False,
        )

    def dates(self, first: date, last: date) -> list[date]:
        """Every date the schedule produces from ``first`` to ``last`` inclusive, exceptions removed."""
        if last < first:
            return []
        counted = self._counted(first, last)
        if counted is not None:
            return [day for day in counted if day not in self.exceptions]
        window = self._rrule(self._fast_forward(first)).between(
            datetime.combine(first, time.min), datetime.combine(last, time.max), inc=True
        )
        return [moment.date() for moment in window if moment.date() not in self.exceptions]

    def _counted(self, first: date, last: date) -> list[date] | None:
        """Daily and weekly rules without COUNT, computed by arithmetic on the window's days.

        dateutil walks a rule from its start and builds its iterator per call; the calendar asks
        fifty series for a month on every request, so the common shapes are answered directly
        (same dates as the rrule, property-tested); anything else returns None and uses it."""
        rule = self.rule
        if rule.count is not None or rule.by_month_day or rule.by_set_position is not None:
            return None
        if rule.freq == "daily" and not rule.by_weekday:
            days = None
        elif rule.freq == "weekly":
            days = {list(WEEKDAYS).index(d) for d in rule.by_weekday} or {self.start.weekday()}
        else:
            return None
        low = max(first, self.start)
        high = min(last, rule.until) if rule.until is not None else last
        produced: list[date] = []
        if days is None:
            offset = (low - self.start).days
            day = low + timedelta(days=-offset % rule.interval)
            while day <= high:
                produced.append(day)
                day += timedelta(days=rule.interval)
            return produced
        monday = self.start - timedelta(days=self.start.weekday())  # weeks start on Monday (WKST=MO)
        week = timedelta(days=7)
        for wanted in days:
            day = low + timedelta(days=(wanted - low.weekday()) % 7)
            while day <= high:
                if ((day - monday).days // 7) % rule.interval == 0:
                    produced.append(day)
                day += week
        produced.sort()
        return produced

    def _fast_forward(self, first: date) -> date:
        """A later start producing the same dates from ``first`` on, so a window two years into a
        series does not walk every date before it (the calendar's hot path).

        Only for rules without COUNT (which counts from the real start), and by whole periods, so
        the weekday, the week alignment and the interval phase are unchanged; a monthly rule moves
        to the 1st of a month, with its implied day made explicit in ``_rrule``."""
        rule = self.rule
        if rule.count is not None or rule.freq not in ("daily", "weekly", "monthly"):
            return self.start
        if rule.freq == "monthly":
            # Whole periods of months, landing on the 1st so no date of that month is lost.
            months = (first.year - self.start.year) * 12 + first.month - self.start.month
            skipped_months = (months // rule.interval - 1) * rule.interval
            if skipped_months <= 0:
                return self.start
            index = self.start.year * 12 + self.start.month - 1 + skipped_months
            return date(index // 12, index % 12 + 1, 1)
        period = rule.interval * (7 if rule.freq == "weekly" else 1)
        skipped = ((first - self.start).days // period) - 1
        return self.start + timedelta(days=skipped * period) if skipped > 0 else self.start

    def produces(self, day: date) -> bool:
        """True when ``day`` is one of the schedule's dates and not an exception."""
        return bool(self.dates(day, day))

    def starts_at(self, day: date) -> datetime:
        """The UTC instant a date's session starts, from its wall-clock time in the zone."""
        return local_instant(day, self.at, self.zone)

    def last_date(self) -> date | None:
        """The final date of a bounded rule, or None when it runs forever."""
        if self.rule.until is None and self.rule.count is None:
            return None
        produced = list(self._rrule())
        return produced[-1].date() if produced else None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidRule(f"unknown time zone {name!r}") from exc


@lru_cache(maxsize=65536)
def local_instant(day: date, at: time, zone_name: str) -> datetime:
    """The UTC instant of a wall-clock time; a time skipped by DST moves forward by the gap."""
    # PEP 495: with fold=0 a skipped wall time is read with the offset in force before the gap,
    # which lands after it (02:30 on a spring-forward night is 03:30); a repeated one is the first.
    wall = datetime.combine(day, at).replace(tzinfo=zone(zone_name), fold=0)
    return wall.astimezone(UTC)


def validate(rule: Rule, start: date, at: time, zone_name: str) -> Schedule:
    """A schedule for the rule, or InvalidRule saying what is wrong with it."""
    zone(zone_name)
    if not 1 <= rule.interval <= 366:
        raise InvalidRule("interval must be between 1 and 366")
    if rule.count is not None and not 1 <= rule.count <= MAX_COUNT:
        raise InvalidRule(f"count must be between 1 and {MAX_COUNT}")
    if rule.count is not None and rule.until is not None:
        raise InvalidRule("give either until or count, not both")
    if rule.until is not None and rule.until < start:
        raise InvalidRule(f"until ({rule.until}) is before the first date ({start})")
    for name in rule.by_weekday:
        if name not in WEEKDAYS:
            raise InvalidRule(f"unknown weekday {name!r}; use MO, TU, WE, TH, FR, SA or SU")
    for day in rule.by_month_day:
        if day == 0 or not -31 <= day <= 31:
            raise InvalidRule("month days are 1 to 31, or -1 to -31 counted from the end")
    if rule.by_month_day and rule.freq not in ("monthly", "yearly"):
        raise InvalidRule("month days only apply to monthly or yearly rules")
    if rule.by_set_position is not None:
        if rule.freq not in ("monthly", "yearly") or not rule.by_weekday:
            raise InvalidRule('a position ("second Tuesday") needs a monthly rule and a weekday')
        if rule.by_set_position == 0 or not -5 <= rule.by_set_position <= 5:
            raise InvalidRule("position must be 1 to 5, or -1 (last) to -5")
    schedule = Schedule(rule, start, at, zone_name)
    # A rule that never fires within four years (e.g. 31 February) describes no schedule.
    horizon = start + timedelta(days=4 * 366)
    if rule.until is not None:
        horizon = min(horizon, rule.until)
    if not schedule.dates(start, horizon):
        raise InvalidRule("the rule produces no date")
    return schedule
