"""Dates as feeds write them: named zones and offsets honoured, unknown zones never guessed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wall.sources.dates import parse_date


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Tue, 10 Mar 2026 09:30:00 CET", utc(2026, 3, 10, 8, 30)),
        ("Tue, 10 Mar 2026 09:30:00 MET", utc(2026, 3, 10, 8, 30)),
        ("Fri, 10 Jul 2026 09:30:00 MEST", utc(2026, 7, 10, 7, 30)),
        ("Fri, 10 Jul 2026 09:30:00 CEST", utc(2026, 7, 10, 7, 30)),
        ("Tue, 10 Mar 2026 18:30:00 JST", utc(2026, 3, 10, 9, 30)),
        ("Tue, 10 Mar 2026 04:30:00 EST", utc(2026, 3, 10, 9, 30)),
        ("Tue, 10 Mar 2026 01:30:00 PST", utc(2026, 3, 10, 9, 30)),
        # Generic zones follow daylight saving: PT is PDT in July, PST in January.
        ("Fri, 10 Jul 2026 02:30:00 PT", utc(2026, 7, 10, 9, 30)),
        ("Sat, 10 Jan 2026 01:30:00 PT", utc(2026, 1, 10, 9, 30)),
        ("Tue, 10 Mar 2026 09:30:00 +02:00", utc(2026, 3, 10, 7, 30)),
        ("Tue, 10 Mar 2026 09:30:00 -0330", utc(2026, 3, 10, 13, 0)),
        ("Tue, 10 Mar 2026 09:30:00 GMT+2", utc(2026, 3, 10, 7, 30)),
        ("Tue, 10 Mar 2026 09:30:00 +0100 (CET)", utc(2026, 3, 10, 8, 30)),
        ("Tue, 10 Mar 2026 09:30 +0100", utc(2026, 3, 10, 8, 30)),
        ("Tue, 10 Mar 26 09:30:00 GMT", utc(2026, 3, 10, 9, 30)),
        ("Tuesday, March 10, 2026 09:30:00 CET", utc(2026, 3, 10, 8, 30)),
        ("10 Mar 2026", utc(2026, 3, 10)),
        ("2026-03-10", utc(2026, 3, 10)),
        ("2026-03", utc(2026, 3, 1)),
        ("2026-03-10t09:30:00z", utc(2026, 3, 10, 9, 30)),
        ("2026-03-10T09:30:00+0200", utc(2026, 3, 10, 7, 30)),
        ("2026-03-10 09:30:00 CET", utc(2026, 3, 10, 8, 30)),
        ("2026-03-10T09:30Z", utc(2026, 3, 10, 9, 30)),
        ("20260310T093000Z", utc(2026, 3, 10, 9, 30)),
    ],
)
def test_named_zones_and_offsets_are_honoured(written: str, expected: datetime) -> None:
    assert parse_date(written) == expected


@pytest.mark.parametrize(
    "written",
    [
        "Tue, 10 Mar 2026 09:30:00 IST",  # India, Ireland or Israel: not guessed
        "Tue, 10 Mar 2026 09:30:00 XYZ",
        "Tue, 10 Mar 2026 09:30:00 A",  # military letters: RFC 2822 §4.3
        "Tue, 10 Mar 2026 25:30:00 GMT",
        "2026-02-30",
        "last Tuesday",
        "",
    ],
)
def test_a_date_that_cannot_be_read_for_sure_is_none(written: str) -> None:
    assert parse_date(written) is None
