"""Daily digest time arithmetic: times, zones, DST-safe slots, catch-up and arXiv's calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.digests.schedule import (
    announcement_window,
    is_announcement_day,
    last_announcement,
    latest_slot,
    missed_slot,
    next_slot,
    parse_time_of_day,
    parse_zone,
    slot_key,
    slot_on,
    slots_between,
    submission_window,
)
from bot.errors import BadInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07:30", time(7, 30)),
        ("7:30", time(7, 30)),
        (" 19:05 ", time(19, 5)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("7am", time(7, 0)),
        ("7:30 PM", time(19, 30)),
        ("7 a.m.", time(7, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
    ],
)
def test_times_of_day_users_type_are_understood(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "is not a time of day"),
        ("7", '"7" is not a time of day'),
        ("noon", '"noon" is not a time of day'),
        ("07:3", "is not a time of day"),
        ("24:00", "00:00 to 23:59"),
        ("7:60", "00:00 to 23:59"),
        ("13pm", "hour must be 1 to 12"),
        ("0am", "hour must be 1 to 12"),
    ],
)
def test_bad_times_say_what_is_wrong_with_an_example(text: str, says: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_time_of_day(text)
    assert says in caught.value.message and "Example: 07:30" in caught.value.message


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Asia/Shanghai", "Asia/Shanghai"),
        ("asia/shanghai", "Asia/Shanghai"),
        ("Shanghai", "Asia/Shanghai"),
        ("Beijing", "Asia/Shanghai"),
        ("new york", "America/New_York"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
    ],
)
def test_zones_are_understood(text: str, name: str) -> None:
    assert parse_zone(text) == ZoneInfo(name)


@pytest.mark.parametrize(
    ("text", "suggests"),
    [
        ("Asia/Shangai", "Did you mean Asia/Shanghai"),
        ("Europe/Berln", "Did you mean Europe/Berlin"),
        ("Mars/Olympus_Mons", "Example: Asia/Shanghai"),
        ("../../etc/passwd", "Example: Asia/Shanghai"),
        ("", "Example: Asia/Shanghai"),
    ],
)
def test_unknown_zones_are_refused_with_close_names(text: str, suggests: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_zone(text)
    assert "is not a time zone I know" in caught.value.message
    assert suggests in caught.value.message


@pytest.mark.parametrize(
    ("zone", "at", "start", "end", "slots"),
    [
        # Shanghai 07:30 is 23:30 UTC the day before; (start, end] is open at the start.
        (
            SHANGHAI,
            time(7, 30),
            utc(2024, 11, 27),
            utc(2024, 11, 29),
            [utc(2024, 11, 27, 23, 30), utc(2024, 11, 28, 23, 30)],
        ),
        (
            SHANGHAI,
            time(7, 30),
            utc(2024, 11, 27, 23, 30),
            utc(2024, 11, 28, 23, 30),
            [utc(2024, 11, 28, 23, 30)],
        ),
        (SHANGHAI, time(7, 30), utc(2024, 11, 28), utc(2024, 11, 28), []),
        (SHANGHAI, time(7, 30), utc(2024, 11, 29), utc(2024, 11, 28), []),
        # New York springs forward at 02:00 on 2024-03-10: 02:30 runs when the clocks jump.
        (
            NEW_YORK,
            time(2, 30),
            utc(2024, 3, 9),
            utc(2024, 3, 12),
            [utc(2024, 3, 9, 7, 30), utc(2024, 3, 10, 7), utc(2024, 3, 11, 6, 30)],
        ),
        # It falls back at 02:00 on 2024-11-03: 01:30 happens twice and runs at the first.
        (
            NEW_YORK,
            time(1, 30),
            utc(2024, 11, 2),
            utc(2024, 11, 5),
            [utc(2024, 11, 2, 5, 30), utc(2024, 11, 3, 5, 30), utc(2024, 11, 4, 6, 30)],
        ),
        (
            ZoneInfo("Europe/Berlin"),
            time(2, 15),
            utc(2024, 3, 30, 12),
            utc(2024, 3, 31, 12),
            [utc(2024, 3, 31, 1)],
        ),
        (
            ZoneInfo("Europe/Berlin"),
            time(2, 15),
            utc(2024, 10, 26, 12),
            utc(2024, 10, 27, 12),
            [utc(2024, 10, 27, 0, 15)],
        ),
        # Lord Howe moves by half an hour; Santiago skips midnight.
        (
            ZoneInfo("Australia/Lord_Howe"),
            time(2, 10),
            utc(2024, 10, 5),
            utc(2024, 10, 6),
            [utc(2024, 10, 5, 15, 30)],
        ),
        (
            ZoneInfo("America/Santiago"),
            time(0, 0),
            utc(2024, 9, 8),
            utc(2024, 9, 9),
            [utc(2024, 9, 8, 4)],
        ),
        (
            ZoneInfo("UTC"),
            time(0, 0),
            utc(2024, 2, 28),
            utc(2024, 3, 1),
            [utc(2024, 2, 29), utc(2024, 3, 1)],
        ),
    ],
)
def test_slots_are_one_per_local_day_across_dst(
    zone: ZoneInfo, at: time, start: datetime, end: datetime, slots: list[datetime]
) -> None:
    found = slots_between(start, end, at, zone)
    assert found == slots
    assert all(s.tzinfo is UTC for s in found)


def test_slots_of_a_year_are_daily_in_local_time() -> None:
    slots = slots_between(utc(2024, 1, 1), utc(2025, 1, 1), time(8, 0), NEW_YORK)
    assert len(slots) == 366
    assert {s.astimezone(NEW_YORK).time() for s in slots} == {time(8, 0)}
    assert {s.hour for s in slots} == {12, 13}  # EDT and EST


@pytest.mark.parametrize(
    "zone", ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Shanghai"]
)
@pytest.mark.parametrize("at", [time(1, 30), time(2, 30), time(7, 0)])
def test_apscheduler_firings_map_to_exactly_the_slots(zone: str, at: time) -> None:
    """Each day's cron firings (two on a fall-back day) map to one claim key, and no day lacks one."""
    tz = ZoneInfo(zone)
    trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=tz)
    start, end = utc(2024, 1, 1), utc(2025, 1, 1)
    firings: list[datetime] = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire <= end:
        firings.append(fire)
        fire = trigger.get_next_fire_time(fire, fire.astimezone(UTC) + timedelta(seconds=1))
    keys_fired = {slot_key(latest_slot(f, at, tz)) for f in firings}
    assert keys_fired == {slot_key(s) for s in slots_between(start, end, at, tz)}


def test_apschedulers_own_dst_firings_share_the_days_claim_key() -> None:
    """APScheduler fires twice on a fall-back day and at 03:30 on a spring-forward day."""
    fall_back = [utc(2024, 11, 3, 5, 30), utc(2024, 11, 3, 6, 30)]  # 01:30 EDT, 01:30 EST
    assert {slot_key(latest_slot(f, time(1, 30), NEW_YORK)) for f in fall_back} == {
        "20241103T0530Z"
    }
    spring = utc(2024, 3, 10, 7, 30)  # 03:30 EDT, where APScheduler puts 02:30
    assert latest_slot(spring, time(2, 30), NEW_YORK) == utc(2024, 3, 10, 7)


def test_next_and_latest_slot() -> None:
    at = time(7, 30)
    assert next_slot(utc(2024, 11, 27, 23, 29), at, SHANGHAI) == utc(2024, 11, 27, 23, 30)
    assert next_slot(utc(2024, 11, 27, 23, 30), at, SHANGHAI) == utc(2024, 11, 28, 23, 30)
    assert latest_slot(utc(2024, 11, 27, 23, 30), at, SHANGHAI) == utc(2024, 11, 27, 23, 30)
    assert latest_slot(utc(2024, 11, 27, 23, 29), at, SHANGHAI) == utc(2024, 11, 26, 23, 30)
    assert slot_on(date(2024, 11, 28), at, SHANGHAI) == utc(2024, 11, 27, 23, 30)


SLOT = utc(2024, 11, 27, 23, 30)  # 07:30 in Shanghai on 2024-11-28
SIX_HOURS = timedelta(hours=6)


@pytest.mark.parametrize(
    ("now", "last_run", "grace", "expected"),
    [
        (utc(2024, 11, 28, 1), None, SIX_HOURS, SLOT),
        (utc(2024, 11, 28, 1), utc(2024, 11, 26, 23, 30), SIX_HOURS, SLOT),
        (utc(2024, 11, 28, 1), SLOT, SIX_HOURS, None),
        (utc(2024, 11, 28, 1), SLOT + timedelta(seconds=5), SIX_HOURS, None),
        (SLOT, None, SIX_HOURS, SLOT),
        (SLOT + SIX_HOURS, None, SIX_HOURS, SLOT),
        (SLOT + SIX_HOURS + timedelta(seconds=1), None, SIX_HOURS, None),
        (SLOT - timedelta(minutes=1), None, SIX_HOURS, None),
        # A long outage catches up once, for the latest day only.
        (utc(2024, 11, 28, 1), utc(2024, 11, 24, 23, 30), timedelta(days=5), SLOT),
        (utc(2024, 11, 28, 1), None, timedelta(0), None),
    ],
)
def test_missed_slot_catches_up_within_grace_and_never_twice(
    now: datetime, last_run: datetime | None, grace: timedelta, expected: datetime | None
) -> None:
    assert missed_slot(now, last_run, time(7, 30), SHANGHAI, grace) == expected


def test_slot_keys_name_the_utc_instant_whatever_the_zone() -> None:
    assert slot_key(SLOT) == "20241127T2330Z"
    assert slot_key(SLOT.astimezone(SHANGHAI)) == "20241127T2330Z"
    assert slot_key(SLOT) != slot_key(SLOT + timedelta(days=1))


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2024, 11, 28, 7, 30)
    with pytest.raises(ValueError):
        slots_between(naive, naive + timedelta(days=1), time(7, 30), SHANGHAI)
    with pytest.raises(ValueError):
        slot_key(naive)


@pytest.mark.parametrize(
    ("now", "window"),
    [
        # Saturday: the latest announcement was Thursday 20:00 ET, the one before Wednesday's.
        (utc(2024, 11, 30, 12), (utc(2024, 11, 28, 1), utc(2024, 11, 29, 1))),
        (utc(2024, 12, 1, 20), (utc(2024, 11, 28, 1), utc(2024, 11, 29, 1))),  # Sunday 15:00 ET
        (utc(2024, 11, 29, 1), (utc(2024, 11, 28, 1), utc(2024, 11, 29, 1))),  # Thursday 20:00 ET
        (utc(2024, 11, 29, 0, 59), (utc(2024, 11, 27, 1), utc(2024, 11, 28, 1))),
        (utc(2024, 12, 2, 12), (utc(2024, 11, 29, 1), utc(2024, 12, 2, 1))),  # Monday morning
        (utc(2024, 3, 11, 12), (utc(2024, 3, 8, 1), utc(2024, 3, 11, 0))),  # across DST
    ],
)
def test_announcement_window_spans_the_last_two_announcements(
    now: datetime, window: tuple[datetime, datetime]
) -> None:
    assert announcement_window(now) == window
    assert last_announcement(now) == window[1]


@pytest.mark.parametrize(
    ("now", "window"),
    [
        (utc(2024, 11, 30, 12), (utc(2024, 11, 27, 19), utc(2024, 11, 28, 19))),  # Wed-Thu 14:00
        (utc(2024, 12, 2, 12), (utc(2024, 11, 28, 19), utc(2024, 11, 29, 19))),  # Thu-Fri 14:00
        (utc(2024, 12, 3, 3), (utc(2024, 11, 29, 19), utc(2024, 12, 2, 19))),  # Fri-Mon 14:00
        (utc(2024, 12, 4, 3), (utc(2024, 12, 2, 19), utc(2024, 12, 3, 19))),  # Mon-Tue 14:00
    ],
)
def test_submission_window_is_what_the_latest_announcement_carried(
    now: datetime, window: tuple[datetime, datetime]
) -> None:
    assert submission_window(now) == window


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 11, 25), True),
        (date(2024, 11, 28), True),  # Thanksgiving, yet the recorded feed of that day is full
        (date(2024, 11, 29), True),
        (date(2024, 11, 30), False),
        (date(2024, 12, 1), False),
    ],
)
def test_feeds_carry_announcements_on_weekdays(day: date, expected: bool) -> None:
    assert is_announcement_day(day) is expected
