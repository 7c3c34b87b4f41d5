"""seoulcal's export alone: every member's calendar (both languages) with ``CalendarWriter``.

This is the calendar part of ``seoulcal build`` without pages, state, tokens or atomic
publishing: the work the baselines do, done the way seoulcal does it (each VEVENT and VTIMEZONE
rendered once with icalendar, calendars joined from those bytes). It also writes the two public
calendars.

Usage::

    python bench/export_only.py TRIP.toml OUTDIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from seoulcal import load_trip
from seoulcal.export import CalendarWriter


def build(trip_path: str, outdir: str) -> int:
    """Write every calendar of the trip with one ``CalendarWriter``; return how many."""
    trip = load_trip(trip_path)
    root = Path(outdir)
    root.mkdir(parents=True, exist_ok=True)
    writer = CalendarWriter(trip)
    written = 0
    for lang in ("ko", "en"):
        (root / f"{trip.id}.{lang}.ics").write_bytes(writer.calendar(None, lang))
        written += 1
    for member in trip.members:
        for lang in ("ko", "en"):
            (root / f"{member.id}.{lang}.ics").write_bytes(writer.calendar(member, lang))
            written += 1
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(f"{build(sys.argv[1], sys.argv[2])} calendars written")
