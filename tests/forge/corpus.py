"""Wearable files built with real writers, so the readers are tested on bytes a device could send.

FIT files are written by fit-tool's FitFileBuilder (a dev-only dependency), GPX by gpxpy, TCX by
hand (no writer is installed; the XML is Garmin's TrainingCenterDatabase v2). Each builder takes
the heart rate as a function of the second, so a test can say exactly what it put in and check
exactly what comes out.

``python -m tests.forge.corpus`` regenerates the small sample files kept in ``tests/forge/files/``
(what each contains is listed in ``FILES`` below). FIT heart rate is a uint8 on the wire (0–254,
255 meaning "no value"), so ``spiky.fit``'s out-of-range high value is 250, above the cleaning
ceiling of 230; a 300 bpm reading can only be tested as a ``Sample``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from xml.etree import ElementTree as ET

import fitdecode
import gpxpy
import gpxpy.gpx
from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.activity_message import ActivityMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.profile_type import FileType, Manufacturer, Sport

FILES = Path(__file__).parent / "files"
START = datetime(2024, 5, 4, 7, 30, tzinfo=UTC)
TPX = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
LAT0, LON0 = 45.0, 6.0

HeartRate = Callable[[int], int | None]


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def fit_bytes(
    *,
    start: datetime,
    seconds: int,
    hr: HeartRate,
    sport: str = "running",
    step_s: int = 1,
    distance_per_s: float = 3.0,
    calories: int | None = 300,
) -> bytes:
    """A FIT activity: records at 0, step_s, … seconds (inclusive), heart rate ``hr(t)`` (omitted
    when None), cumulative distance ``distance_per_s × t``, then a session and an activity."""
    builder = FitFileBuilder(auto_define=True)
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.time_created = _ms(start)
    file_id.serial_number = 0x5EED
    builder.add(file_id)
    records = []
    for t in range(0, seconds + 1, step_s):
        record = RecordMessage()
        record.timestamp = _ms(start) + t * 1000
        value = hr(t)
        if value is not None:
            record.heart_rate = value
        record.distance = distance_per_s * t
        records.append(record)
    builder.add_all(records)
    last = (seconds // step_s) * step_s
    session = SessionMessage()
    session.timestamp = _ms(start) + last * 1000
    session.start_time = _ms(start)
    session.sport = Sport[sport.upper()]
    session.total_elapsed_time = float(last)
    session.total_timer_time = float(last)
    session.total_distance = distance_per_s * last
    if calories is not None:
        session.total_calories = calories
    builder.add(session)
    activity = ActivityMessage()
    activity.timestamp = _ms(start) + last * 1000
    activity.total_timer_time = float(last)
    activity.num_sessions = 1
    builder.add(activity)
    return bytes(builder.build().to_bytes())


def gpx_bytes(
    *,
    start: datetime | None,
    points: int,
    step_s: int = 5,
    hr: HeartRate | None = None,
    sport: str | None = "cycling",
    lat_step: float = 0.0005,
) -> bytes:
    """A GPX track due north from 45° N 6° E, one point every ``step_s`` s (no ``<time>`` when
    ``start`` is None), heart rate in Garmin's TrackPointExtension when ``hr`` is given."""
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "atelier test corpus"
    if hr is not None:
        gpx.nsmap["gpxtpx"] = TPX
    track = gpxpy.gpx.GPXTrack(name="corpus")
    track.type = sport
    gpx.tracks.append(track)
    segment = gpxpy.gpx.GPXTrackSegment()
    track.segments.append(segment)
    for i in range(points):
        t = i * step_s
        point = gpxpy.gpx.GPXTrackPoint(
            round(LAT0 + i * lat_step, 7),
            LON0,
            elevation=300.0,
            time=start + timedelta(seconds=t) if start is not None else None,
        )
        value = hr(t) if hr is not None else None
        if value is not None:
            extension = ET.Element(f"{{{TPX}}}TrackPointExtension")
            ET.SubElement(extension, f"{{{TPX}}}hr").text = str(value)
            point.extensions.append(extension)
        segment.points.append(point)
    return gpx.to_xml().encode()


def tcx_bytes(
    *,
    start: datetime,
    seconds: int,
    step_s: int,
    hr: HeartRate | None,
    sport: str = "Running",
    distance_per_s: float = 3.0,
    calories: int | None = 100,
    utc_offset: timedelta = timedelta(0),
) -> bytes:
    """A TCX activity with one lap; times written in ``utc_offset`` (``Z`` when zero)."""

    def stamp(t: int) -> str:
        moment = (start + timedelta(seconds=t)).astimezone(timezone(utc_offset))
        return moment.isoformat().replace("+00:00", "Z")

    last = (seconds // step_s) * step_s
    points = []
    for t in range(0, seconds + 1, step_s):
        value = hr(t) if hr is not None else None
        beat = f"<HeartRateBpm><Value>{value}</Value></HeartRateBpm>" if value is not None else ""
        points.append(
            f"<Trackpoint><Time>{stamp(t)}</Time>"
            f"<DistanceMeters>{distance_per_s * t:.1f}</DistanceMeters>{beat}</Trackpoint>"
        )
    kcal = f"<Calories>{calories}</Calories>" if calories is not None else ""
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="{sport}"><Id>{stamp(0)}</Id>'
        f'<Lap StartTime="{stamp(0)}"><TotalTimeSeconds>{last}</TotalTimeSeconds>'
        f"<DistanceMeters>{distance_per_s * last:.1f}</DistanceMeters>{kcal}"
        f"<Track>{''.join(points)}</Track></Lap></Activity></Activities></TrainingCenterDatabase>\n"
    )
    return xml.encode()


def empty_tcx() -> bytes:
    """A well-formed TCX whose activity has no lap and no track point (an aborted recording)."""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        b'<Activities><Activity Sport="Running"><Id>2024-05-04T07:30:00Z</Id></Activity></Activities>'
        b"</TrainingCenterDatabase>\n"
    )


# ---------------------------------------------------------------------------------------------
# The kept sample files
# ---------------------------------------------------------------------------------------------


def run_hr(t: int) -> int:
    """run_30min.fit: 130 bpm for 10 min, 150 for 10 min, 170 for the last 10 min and the end."""
    return 130 if t < 600 else 150 if t < 1200 else 170


def spiky_hr(t: int) -> int | None:
    """spiky.fit: 140 bpm with 0 at 100 s, 250 at 200 s (both out of range), spikes of 200 at
    300 s and 90 at 400–401 s, and no heart rate from 450 to 469 s (a 20-s dropout)."""
    if t == 100:
        return 0
    if t == 200:
        return 250
    if t == 300:
        return 200
    if t in (400, 401):
        return 90
    if 450 <= t < 470:
        return None
    return 140


def ride_hr(t: int) -> int:
    """ride_hr.gpx: one point every 5 s, 110 bpm rising 1 bpm a point (110 … 170 over 61 points)."""
    return 110 + t // 5


def run_tcx_hr(t: int) -> int:
    """run.tcx: one point every 30 s, 140 bpm + 1 per point (140 … 150 over 11 points)."""
    return 140 + t // 30


def bike_tcx_hr(t: int) -> int:
    """bike.tcx: one point every 10 s, 120 bpm + 2 per point (120 … 132 over 7 points)."""
    return 120 + 2 * (t // 10)


def _corrupt(good: bytes) -> bytes:
    """Flip one bit of a data byte from the middle on, the first place where the file still parses
    but its CRC no longer matches (deterministic for a given file)."""
    position = len(good) // 2
    while True:
        damaged = bytearray(good)
        damaged[position] ^= 0x01
        try:
            with fitdecode.FitReader(
                io.BytesIO(bytes(damaged)), check_crc=fitdecode.CrcCheck.RAISE
            ) as reader:
                for _ in reader:
                    pass
        except fitdecode.FitCRCError:
            return bytes(damaged)
        except fitdecode.FitError:
            pass
        position += 1


def sample_files() -> dict[str, bytes]:
    run = fit_bytes(start=START, seconds=1800, hr=run_hr, sport="running", calories=420)
    ride = gpx_bytes(start=START, points=61, step_s=5, hr=ride_hr, sport="cycling")
    return {
        "run_30min.fit": run,
        "spiky.fit": fit_bytes(start=START, seconds=600, hr=spiky_hr, sport="training", calories=None),
        "ride_hr.gpx": ride,
        "walk_no_hr.gpx": gpx_bytes(
            start=START, points=31, step_s=10, hr=None, sport="walking", lat_step=0.0001
        ),
        "no_time.gpx": gpx_bytes(start=None, points=5, hr=None, sport=None),
        "run.tcx": tcx_bytes(
            start=START,
            seconds=300,
            step_s=30,
            hr=run_tcx_hr,
            sport="Running",
            distance_per_s=3.0,
            calories=75,
        ),
        "bike.tcx": tcx_bytes(
            start=START,
            seconds=60,
            step_s=10,
            hr=bike_tcx_hr,
            sport="Biking",
            distance_per_s=8.0,
            calories=None,
            utc_offset=timedelta(hours=2),
        ),
        "truncated.fit": run[: len(run) // 2],
        "corrupted.fit": _corrupt(run),
        "not_xml.gpx": b"<html><body><h1>503 Service Unavailable</h1>Export failed.</body></html>\n",
        "empty.tcx": empty_tcx(),
    }


def write_files(folder: Path = FILES) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in sample_files().items():
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_files():
        print(f"{path}: {path.stat().st_size:,} bytes")
