"""Time arithmetic for daily digests: parsing times and zones, slots, catch-up, arXiv's calendar.

A *slot* is the instant (aware, UTC) at which a digest for one local day is due: the local time
of day ``at`` in ``zone`` on that day. Around DST changes each local day has exactly one slot:

- a local time that does not exist (spring forward) is due at the next valid instant, the moment
  the clocks jump (02:30 in New York on 2024-03-10 -> 03:00 EDT);
- a local time that happens twice (fall back) is due at its first occurrence only.

APScheduler 3.11's ``CronTrigger`` differs: it fires at 03:30 EDT for the first case and twice
for the second. So a fired job must not use its fire time as the claim key but
``slot_key(latest_slot(fire_time, at, zone))``; then both firings of a fall-back day map to one
slot, and a catch-up run at start-up and a cron firing of the same slot share one key.
"""

from __future__ import annotations

import difflib
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from bot.errors import BadInput

EASTERN = ZoneInfo("America/New_York")
ANNOUNCE_AT = time(20, 0)  # arXiv announces Sunday-Thursday at 20:00 US Eastern
DEADLINE_AT = time(14, 0)  # and takes submissions until 14:00 US Eastern, Monday-Friday
_ANNOUNCE_WEEKDAYS = frozenset({6, 0, 1, 2, 3})  # Sunday..Thursday
TIME_EXAMPLE = "Example: 07:30, 7:30 or 7:30am"
ZONE_EXAMPLE = "Example: Asia/Shanghai, Europe/Berlin, America/New_York or UTC"
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)?$", re.IGNORECASE)
_UTC_NAMES = frozenset({"utc", "gmt", "z", "zulu", "etc/utc"})
_ALIASES = {"beijing": "Asia/Shanghai", "peking": "Asia/Shanghai"}  # no zones of their own


def parse_time_of_day(text: str) -> time:
    """Read a time of day: ``07:30``, ``7:30``, ``19:05``, ``7am``, ``7:30 pm``."""
    match = _TIME.match(text.strip())
    if match is None or (match[2] is None and match[3] is None):
        raise BadInput(f'"{text.strip()[:20]}" is not a time of day. {TIME_EXAMPLE}')
    hour, minute = int(match[1]), int(match[2] or 0)
    if match[3]:
        if not 1 <= hour <= 12:
            raise BadInput(f"With am/pm the hour must be 1 to 12. {TIME_EXAMPLE}")
        hour = hour % 12 + (12 if match[3][0].lower() == "p" else 0)
    if hour > 23 or minute > 59:
        raise BadInput(f'"{text.strip()}" is not a time of day (00:00 to 23:59). {TIME_EXAMPLE}')
    return time(hour, minute)


@cache
def _zone_names() -> dict[str, str]:
    """Lower-cased name -> IANA name, also by city (``shanghai``, ``new_york``) when unique."""
    names = {name.lower(): name for name in available_timezones()}
    cities: dict[str, list[str]] = {}
    for name in names.values():
        if "/" in name:
            cities.setdefault(name.rsplit("/", 1)[1].lower(), []).append(name)
    unique = {city: found[0] for city, found in cities.items() if len(found) == 1}
    return {**_ALIASES, **unique, **names}


def parse_zone(text: str) -> ZoneInfo:
    """Read an IANA time zone (``Asia/Shanghai``, ``asia/shanghai``, ``Shanghai``, ``UTC``)."""
    wanted = "_".join(text.strip().split()).lower()
    if wanted in _UTC_NAMES:
        return ZoneInfo("UTC")
    name = _zone_names().get(wanted)
    if name is None:
        close = difflib.get_close_matches(wanted, list(_zone_names()), n=3, cutoff=0.6)
        hint = f"Did you mean {', '.join(_zone_names()[c] for c in close)}? " if close else ""
        raise BadInput(f'"{text.strip()[:40]}" is not a time zone I know. {hint}{ZONE_EXAMPLE}')
    return ZoneInfo(name)


def _aware(*moments: datetime) -> None:
    if any(m.tzinfo is None or m.utcoffset() is None for m in moments):
        raise ValueError("schedule functions need timezone-aware datetimes")


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def slot_on(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The slot of one local day, in UTC (see the module docstring for DST)."""
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    first = naive.replace(tzinfo=zone).astimezone(UTC)
    if _wall(first, zone) == naive:
        return first  # exists; if ambiguous, fold=0 is the first occurrence
    # In a gap: find the transition, the first instant whose wall time is at or past ``naive``.
    other = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = min(first, other), max(first, other)
    below, above = 0, int((high - low).total_seconds())
    while above - below > 1:
        middle = (below + above) // 2
        if _wall(low + timedelta(seconds=middle), zone) >= naive:
            above = middle
        else:
            below = middle
    return low + timedelta(seconds=above)


def slots_between(start: datetime, end: datetime, at: time, zone: ZoneInfo) -> list[datetime]:
    """Every slot in ``(start, end]``, oldest first, as aware UTC datetimes."""
    _aware(start, end)
    if end <= start:
        return []
    day, last = start.astimezone(zone).date() - timedelta(days=1), end.astimezone(zone).date()
    found: list[datetime] = []
    while day <= last + timedelta(days=1):
        slot = slot_on(day, at, zone)
        if start < slot <= end:
            found.append(slot)
        day += timedelta(days=1)
    return found


def next_slot(after: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The first slot strictly after ``after``."""
    _aware(after)
    return slots_between(after, after + timedelta(days=3), at, zone)[0]


def latest_slot(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The most recent slot at or before ``now`` (the slot a cron firing at ``now`` is for)."""
    _aware(now)
    return slots_between(now - timedelta(days=3), now, at, zone)[-1]


def missed_slot(
    now: datetime, last_run: datetime | None, at: time, zone: ZoneInfo, grace: timedelta
) -> datetime | None:
    """The slot to catch up at start-up, or None.

    That is the most recent slot at or before ``now`` if it is no older than ``grace`` and
    ``last_run`` (the slot, or the moment, of the last run) is before it. Older missed slots
    are never returned: a digest is caught up once, for the latest day only.
    """
    _aware(now, *([last_run] if last_run is not None else []))
    slot = latest_slot(now, at, zone)
    if now - slot > grace or (last_run is not None and last_run >= slot):
        return None
    return slot


def slot_key(slot: datetime) -> str:
    """A stable key for a slot, the UTC minute in basic ISO 8601: ``20241127T2330Z``."""
    _aware(slot)
    return slot.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def is_announcement_day(day: date) -> bool:
    """Whether the feed dated ``day`` (US Eastern) carries announcements: Monday to Friday.

    arXiv's holidays are not known here; on those the feed is simply empty.
    """
    return day.weekday() < 5


def last_announcement(now: datetime) -> datetime:
    """The latest arXiv announcement (Sunday-Thursday 20:00 US Eastern) at or before ``now``."""
    _aware(now)
    day = now.astimezone(EASTERN).date()
    while True:
        moment = datetime.combine(day, ANNOUNCE_AT, EASTERN)
        if day.weekday() in _ANNOUNCE_WEEKDAYS and moment <= now:
            return moment.astimezone(UTC)
        day -= timedelta(days=1)


def announcement_window(now: datetime) -> tuple[datetime, datetime]:
    """(previous announcement, latest announcement) before ``now``, as aware UTC datetimes.

    Approximate: arXiv holidays are ignored. For an API ``submittedDate`` search use
    :func:`submission_window`, which is the window of the papers that announcement carried.
    """
    latest = last_announcement(now)
    return last_announcement(latest - timedelta(seconds=1)), latest


def submission_window(now: datetime) -> tuple[datetime, datetime]:
    """The submission window of the latest announcement: between two 14:00 ET deadlines.

    Papers submitted Thursday 14:00 to Friday 14:00 ET are announced Sunday 20:00; Friday 14:00
    to Monday 14:00 on Monday 20:00; otherwise the previous weekday 14:00 to the same day 14:00.
    Approximate: holidays, moderation holds and replacements shift papers between windows, and
    ``submittedDate`` is when version 1 arrived; filter the results against the feed if needed.
    """
    announced = last_announcement(now).astimezone(EASTERN).date()
    deadline_day = announced - timedelta(days=2) if announced.weekday() == 6 else announced
    previous = deadline_day - timedelta(days=3 if deadline_day.weekday() == 0 else 1)
    end = datetime.combine(deadline_day, DEADLINE_AT, EASTERN).astimezone(UTC)
    return datetime.combine(previous, DEADLINE_AT, EASTERN).astimezone(UTC), end
