import pytest

from pipelines.locations import LocationError, PageRange, TimeRange, parse_location


@pytest.mark.parametrize(
    "raw, place",
    [
        ("p. 4", PageRange(4, 4)),
        ("p4", PageRange(4, 4)),
        ("page 4", PageRange(4, 4)),
        ("Page 12", PageRange(12, 12)),
        ("pp. 4-5", PageRange(4, 5)),
        ("pages 4–6", PageRange(4, 6)),
        ("PAGES 4 — 6", PageRange(4, 6)),
        ("slide 3", PageRange(3, 3)),
        ("12:30", TimeRange(750.0)),
        ("00:12:30", TimeRange(750.0)),
        ("12:30-13:45", TimeRange(750.0, 825.0)),
        ("1:02:03 – 1:04:00", TimeRange(3723.0, 3840.0)),
        ("at 95s", TimeRange(95.0)),
        ("At 95 seconds", TimeRange(95.0)),
        ("0:14-0:48", TimeRange(14.0, 48.0)),
        ("1:11 to 1:35", TimeRange(71.0, 95.0)),
    ],
)
def test_every_documented_syntax_parses(raw, place):
    assert parse_location(raw) == place


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "see attached spreadsheet",
        "p. 0",
        "pp. 6-4",
        "12:75",
        "13:45-12:30",
        "page four",
        "p. 4, 7",
        "slide",
        "95",
        "chapter 2",
    ],
)
def test_nonsense_is_rejected_with_advice(raw):
    with pytest.raises(LocationError) as info:
        parse_location(raw)
    assert str(info.value)
