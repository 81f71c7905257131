"""Read a wearable's recording — FIT, GPX or TCX — into one neutral ``Track``.

Athletes bring files from whatever watch or app they use, and the rest of the forge (zones,
calories, effort, quality) should not care which. So each reader here keeps only what the
physiology needs: the time of each sample, its heart rate and its cumulative distance, plus the
sport, the start, the total distance and the calories the device itself wrote (kept for
information; ``physiology`` prices calories from the athlete's profile instead).

* The format is decided from the content, never from the name alone: a FIT file carries ``.FIT``
  at bytes 8–12 of its header, a GPX file's root element is ``<gpx>``, a TCX file's is
  ``<TrainingCenterDatabase>``. The file name only breaks a tie, when the content is XML but its
  root element is not within the first few kilobytes (a long comment before it).
* ``MAX_BYTES`` = 16 MiB. A 4-hour run recorded every second is roughly 1 MB as a watch's FIT
  file (GPS, altitude, cadence and more in each record; the benchmark's, with only time, heart
  rate and distance, is 141 KiB), but the text formats are several times larger: the same run is
  a few MB as GPX and more as TCX (a few hundred bytes a track point). 16 MiB admits long ultras
  in any format and still bounds what one upload can make the server parse.
* Everything that goes wrong ends as ``UnreadableFile`` whose message is one readable sentence
  (it is shown as is in a 422 answer or on the command line), never a parser's traceback.
* FIT (fitdecode, CRC checked): ``record`` messages give timestamp, heart_rate and distance; the
  ``session`` messages give sport, total distance and calories (several sessions — a multisport
  file — add up, and their sport is ``other`` unless they agree); without a session, the
  ``sport`` message names the sport. Each record's fields are walked once instead of looked up
  by name three times: a 4-hour 1 Hz file (14,400 records) reads in ~0.25 s, fitdecode's own
  parse with the CRC checked being ~0.21 s of it (``python -m bench.forge_import``).
* GPX (gpxpy): track points with a time; heart rate from Garmin's TrackPointExtension
  (``gpxtpx:hr``, matched on the element's local name so any namespace prefix works); distance is
  the sum of gpxpy's point-to-point 2-D distances. A GPX without time stamps (a planned route) is
  refused; one without heart rate is a track whose samples have ``hr=None``.
* TCX (tcxreader, which only reads paths: the bytes go through a temporary file, deleted after):
  sport from the Activity's ``Sport`` attribute (Running, Biking, Other), total distance and
  calories from the laps when they have them.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import fitdecode
import gpxpy
import gpxpy.gpx
from tcxreader.tcxreader import TCXReader

MAX_BYTES = 16 * 1024 * 1024
LIMIT_TEXT = "16 MB"
ROOT_WINDOW = 4096  # bytes searched for the XML root element
SPORTS = ("running", "cycling", "swimming", "walking", "hiking", "rowing", "training", "other")
_SPORT_WORDS = {
    "running": "running",
    "run": "running",
    "trail_running": "running",
    "treadmill_running": "running",
    "cycling": "cycling",
    "biking": "cycling",
    "bike": "cycling",
    "ride": "cycling",
    "road_biking": "cycling",
    "mountain_biking": "cycling",
    "e_biking": "cycling",
    "indoor_cycling": "cycling",
    "swimming": "swimming",
    "swim": "swimming",
    "lap_swimming": "swimming",
    "open_water_swimming": "swimming",
    "walking": "walking",
    "walk": "walking",
    "hiking": "hiking",
    "hike": "hiking",
    "rowing": "rowing",
    "row": "rowing",
    "indoor_rowing": "rowing",
    "training": "training",
    "fitness_equipment": "training",
    "strength_training": "training",
    "cardio_training": "training",
    "hiit": "training",
}
_XML_ROOT = re.compile(rb"<(?![?!])(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


class UnreadableFile(ValueError):
    """The upload is not a recording we can read; the message says why in one sentence."""


@dataclass(frozen=True, slots=True)
class Sample:
    offset_s: float  # seconds since the track's start
    hr: int | None  # beats per minute as the device wrote it (not cleaned)
    distance_m: float | None  # cumulative, when known


@dataclass(frozen=True)
class Track:
    format: str  # "fit" | "gpx" | "tcx"
    sport: str  # one of SPORTS
    started_at: datetime  # timezone-aware UTC, the first sample's time
    duration_s: float  # first to last time stamp
    samples: list[Sample]  # sorted by offset
    distance_m: float | None  # total
    device_calories: float | None  # what the device wrote, for information only


def normalise_sport(name: object) -> str:
    """A sport name from any of the formats (``Biking``, ``e_biking``, ``running``) → one of SPORTS."""
    if not isinstance(name, str):
        return "other"
    key = re.sub(r"[\s-]+", "_", name.strip().lower())
    return _SPORT_WORDS.get(key, "other")


def detect_format(data: bytes, filename: str | None = None) -> str:
    """``"fit"``, ``"gpx"`` or ``"tcx"`` from the bytes; the name only settles an undecided XML file."""
    if len(data) >= 12 and data[8:12] == b".FIT":
        return "fit"
    if data[:2] == b"\x1f\x8b":
        raise UnreadableFile("the file is gzip-compressed: upload the FIT, GPX or TCX file inside it")
    head = data[:ROOT_WINDOW].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        for match in _XML_ROOT.finditer(head):
            root = match.group(1).lower()
            if root == b"gpx":
                return "gpx"
            if root == b"trainingcenterdatabase":
                return "tcx"
            break  # the first element is the root: something else
        else:
            extension = os.path.splitext(filename or "")[1].lower()
            if extension in (".gpx", ".tcx"):
                return extension[1:]
    shown = f"“{filename}”" if filename else "the file"
    raise UnreadableFile(f"{shown} is not a FIT, GPX or TCX file")


def read_track(data: bytes, filename: str | None = None) -> Track:
    """The recording in ``data`` as a Track; ``UnreadableFile`` when it cannot be one."""
    if len(data) > MAX_BYTES:
        raise UnreadableFile(
            f"the file is {len(data) / 1024 / 1024:.1f} MB, over the {LIMIT_TEXT} limit for a recording"
        )
    if not data.strip():
        raise UnreadableFile("the file is empty")
    kind = detect_format(data, filename)
    if kind == "fit":
        return _read_fit(data)
    if kind == "gpx":
        return _read_gpx(data)
    return _read_tcx(data)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _track(
    kind: str,
    sport: str,
    points: list[tuple[datetime, int | None, float | None]],
    distance_m: float | None,
    calories: float | None,
) -> Track:
    """Sort the points by time and make their offsets from the first; refuse an empty track."""
    if not points:
        raise UnreadableFile(f"the {kind.upper()} file has no samples with a time stamp")
    points.sort(key=lambda point: point[0])
    start = points[0][0]
    samples = [Sample((moment - start).total_seconds(), hr, dist) for moment, hr, dist in points]
    if distance_m is None:
        distance_m = next((s.distance_m for s in reversed(samples) if s.distance_m is not None), None)
    return Track(
        format=kind,
        sport=sport,
        started_at=start,
        duration_s=samples[-1].offset_s,
        samples=samples,
        distance_m=distance_m,
        device_calories=calories,
    )


# ---------------------------------------------------------------------------------------------
# FIT
# ---------------------------------------------------------------------------------------------


def _fit_problem(error: Exception) -> str:
    if isinstance(error, fitdecode.FitCRCError):
        return "the FIT file is truncated or corrupted (CRC mismatch)"
    if isinstance(error, fitdecode.FitEOFError):
        return "the FIT file is truncated (it ends in the middle of a message)"
    if isinstance(error, fitdecode.FitHeaderError):
        return "the FIT file's header is damaged"
    return "the FIT file is corrupted and cannot be decoded"


def _read_fit(data: bytes) -> Track:
    points: list[tuple[datetime, int | None, float | None]] = []
    sports: list[str] = []
    sport_message: str | None = None
    distance: float | None = None
    calories: float | None = None
    try:
        with fitdecode.FitReader(
            io.BytesIO(data),
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.RAISE,
        ) as reader:
            for frame in reader:
                if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                    continue
                name = frame.name
                if name == "record":
                    moment: Any = None
                    hr: Any = None
                    dist: Any = None
                    for field in frame.fields:  # one walk instead of three lookups by name
                        field_name = field.name
                        if field_name == "timestamp":
                            moment = field.value
                        elif field_name == "heart_rate":
                            hr = field.value
                        elif field_name == "distance":
                            dist = field.value
                    if isinstance(moment, datetime):
                        points.append(
                            (
                                moment,
                                int(hr) if isinstance(hr, int | float) else None,
                                float(dist) if isinstance(dist, int | float) else None,
                            )
                        )
                elif name == "session":
                    sports.append(normalise_sport(frame.get_value("sport", fallback=None)))
                    total = frame.get_value("total_distance", fallback=None)
                    if isinstance(total, int | float):
                        distance = (distance or 0.0) + float(total)
                    kcal = frame.get_value("total_calories", fallback=None)
                    if isinstance(kcal, int | float):
                        calories = (calories or 0.0) + float(kcal)
                elif name == "sport":
                    sport_message = normalise_sport(frame.get_value("sport", fallback=None))
    except fitdecode.FitError as error:
        raise UnreadableFile(_fit_problem(error)) from error
    except (ValueError, KeyError, TypeError, IndexError, OverflowError) as error:
        raise UnreadableFile("the FIT file is corrupted and cannot be decoded") from error
    sport = sport_message or "other"
    if sports:
        sport = sports[0] if len(set(sports)) == 1 else "other"
    return _track("fit", sport, points, distance, calories)


# ---------------------------------------------------------------------------------------------
# GPX
# ---------------------------------------------------------------------------------------------


def _local_name(tag: object) -> str:
    """``{namespace}hr`` or ``gpxtpx:hr`` → ``hr``."""
    text = tag if isinstance(tag, str) else ""
    return text.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _gpx_hr(point: gpxpy.gpx.GPXTrackPoint) -> int | None:
    for extension in point.extensions:
        for element in extension.iter():
            if _local_name(element.tag).lower() == "hr" and element.text:
                try:
                    return round(float(element.text))
                except ValueError:
                    return None
    return None


def _read_gpx(data: bytes) -> Track:
    try:
        gpx = gpxpy.parse(data.decode("utf-8-sig", errors="replace"))
    except Exception as error:  # gpxpy raises its own errors and the XML parser's
        raise UnreadableFile("the GPX file is not valid XML or not valid GPX") from error
    points: list[tuple[datetime, int | None, float | None]] = []
    untimed = 0
    sport = "other"
    for track in gpx.tracks:
        if sport == "other":
            sport = normalise_sport(track.type)
        for segment in track.segments:
            previous: gpxpy.gpx.GPXTrackPoint | None = None
            for point in segment.points:
                if point.time is None:
                    untimed += 1
                    continue
                step = point.distance_2d(previous) if previous is not None else 0.0
                points.append((_utc(point.time), _gpx_hr(point), step))
                previous = point
    if not points:
        if untimed:
            raise UnreadableFile(
                "the GPX file has no time stamps (a planned route, not a recording), so no duration or "
                "heart rate over time can be read from it"
            )
        raise UnreadableFile("the GPX file has no track points")
    # Distance: each point's step from the previous point of its segment, summed in time order.
    points.sort(key=lambda p: p[0])
    cumulative = 0.0
    summed: list[tuple[datetime, int | None, float | None]] = []
    for moment, hr, step in points:
        cumulative += step or 0.0
        summed.append((moment, hr, cumulative))
    return _track("gpx", sport, summed, cumulative, None)


# ---------------------------------------------------------------------------------------------
# TCX
# ---------------------------------------------------------------------------------------------


def _read_tcx(data: bytes) -> Track:
    handle = tempfile.NamedTemporaryFile(suffix=".tcx", delete=False)  # noqa: SIM115 - closed below
    try:
        with handle:
            handle.write(data)
        try:
            exercise = TCXReader().read(handle.name, only_gps=False)
        except ET.ParseError as error:
            raise UnreadableFile("the TCX file is not valid XML") from error
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise UnreadableFile(f"the TCX file cannot be read ({error})") from error
    finally:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
    points: list[tuple[datetime, int | None, float | None]] = [
        (
            _utc(point.time),
            int(point.hr_value) if point.hr_value is not None else None,
            float(point.distance) if point.distance is not None else None,
        )
        for point in exercise.trackpoints
        if isinstance(point.time, datetime)
    ]
    if not points:
        raise UnreadableFile("the TCX file has no track points with a time stamp")
    sport = normalise_sport(getattr(exercise, "activity_type", None))
    distance = float(exercise.distance) if exercise.distance else None
    calories = float(exercise.calories) if exercise.calories else None  # 0 when the laps say nothing
    return _track("tcx", sport, points, distance, calories)
