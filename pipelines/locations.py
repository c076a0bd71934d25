"""Parse the locations candidates write in their self-analysis (``p. 4``, ``12:30-13:45`` ...).

Every syntax of SUBMISSION-FORMAT.md parses, case-insensitive, with any dash
(- – —) or "to" between the two ends of a range. Anything else raises
``LocationError`` with a message saying how to write a location.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HOW_TO = (
    "write a page as 'p. 4', 'pp. 4-5' or 'slide 3', a time as '12:30', '12:30-13:45' or 'at 95s'"
)

_DASH = re.compile(r"\s*(?:-|–|—|\bto\b)\s*")
_PAGES = re.compile(r"^(?:pp?|pgs?|pages?|slides?)\.?\s*(\d+)(?:\s*~\s*(\d+))?$")
_CLOCK = r"\d{1,3}(?::\d{1,2}){1,2}(?:\.\d+)?"
_SECONDS = r"\d+(?:\.\d+)?\s*(?:s|sec|secs|seconds)"
_TIME = re.compile(rf"^(?:at\s+)?({_CLOCK}|{_SECONDS})(?:\s*~\s*({_CLOCK}|{_SECONDS}))?$")


class LocationError(ValueError):
    """A location that cannot be read."""


@dataclass(frozen=True)
class PageRange:
    """Pages (or slides) ``first`` to ``last``, 1-based, inclusive."""

    first: int
    last: int


@dataclass(frozen=True)
class TimeRange:
    """A point (``end_s`` None) or a range in a recording, in seconds."""

    start_s: float
    end_s: float | None = None


def _seconds(text: str) -> float:
    text = text.strip()
    if ":" not in text:
        return float(re.sub(r"[^\d.]", "", text))
    parts = [float(p) for p in text.split(":")]
    if any(p >= 60 for p in parts[1:]):
        raise LocationError(f"'{text}' is not a valid time (minutes and seconds go up to 59)")
    value = 0.0
    for part in parts:
        value = value * 60 + part
    return value


def parse_location(raw: str) -> PageRange | TimeRange:
    """The place a location string names, or ``LocationError``."""
    text = _DASH.sub("~", raw.strip().lower())
    if not text:
        raise LocationError(f"no location given; {HOW_TO}")
    if m := _PAGES.match(text):
        first = int(m[1])
        last = int(m[2]) if m[2] else first
        if first < 1 or last < first:
            raise LocationError(f"'{raw}' is not a valid page range")
        return PageRange(first, last)
    if m := _TIME.match(text):
        start = _seconds(m[1])
        end = _seconds(m[2]) if m[2] else None
        if end is not None and end <= start:
            raise LocationError(f"'{raw}' ends before it starts")
        return TimeRange(start, end)
    raise LocationError(f"cannot read the location '{raw}'; {HOW_TO}")
