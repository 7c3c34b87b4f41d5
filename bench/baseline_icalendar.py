"""The straightforward baseline: every member's calendar built with icalendar from scratch.

What a competent developer would write without thinking about repetition: read the trip (with
seoulcal's loader, so parsing and validation cost the same), then for every member and both
languages build an ``icalendar.Calendar`` with the member's events (the same properties seoulcal
writes: UID, DTSTAMP, LAST-MODIFIED, SEQUENCE, DTSTART/DTEND with TZID, TRANSP, SUMMARY,
LOCATION, GEO, DESCRIPTION, CATEGORIES, STATUS, ORGANIZER), let icalendar add the VTIMEZONEs
(``add_missing_timezones()``, bounded to the trip's years), serialise it and write the file.

Its output is not byte-identical to seoulcal's (icalendar's own VTIMEZONEs, no Apple location,
a simpler description), only equivalent in size and content; it is a cost reference.

With ``--cache-zones`` it generates each VTIMEZONE once and reuses it (the same VTIMEZONEs,
possibly in another order; a stronger baseline: ``add_missing_timezones()`` is most of the plain
baseline's time).

Usage::

    python bench/baseline_icalendar.py [--cache-zones] TRIP.toml OUTDIR
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, date
from pathlib import Path

import icalendar

from seoulcal import load_trip

NAMESPACE = uuid.UUID("5b6c0f2e-3d0a-5c52-9a53-2f1c7c0ad001")


def build(trip_path: str, outdir: str, *, cache_zones: bool = False) -> int:  # noqa: C901, PLR0912, PLR0915 - written straight, on purpose
    """Write every member's calendar in both languages to *outdir*; return how many."""
    trip = load_trip(trip_path)
    root = Path(outdir)
    root.mkdir(parents=True, exist_ok=True)
    stamp = trip.revised.astimezone(UTC)
    written = 0
    zone_cache: dict[tuple[str, date, date], icalendar.Timezone] | None = (
        {} if cache_zones else None
    )
    for member in trip.members:
        events = trip.events_for(member)
        for lang in ("ko", "en"):
            cal = icalendar.Calendar()
            cal.add("prodid", f"-//bench//baseline//{lang.upper()}")
            cal.add("version", "2.0")
            cal.add("calscale", "GREGORIAN")
            cal.add("method", "PUBLISH")
            name = f"{trip.name.pick(lang)} · {member.name.pick(lang)}"
            cal.add("name", icalendar.vText(name))
            cal.add("x-wr-calname", icalendar.vText(name))
            if trip.description is not None:
                cal.add("x-wr-caldesc", icalendar.vText(trip.description.pick(lang)))
            cal.add("x-wr-timezone", trip.zone)
            years: set[int] = {trip.revised.year}
            for event in events:
                timing = trip.timing(event)
                years.update((timing.start.year, timing.end.year))
                vevent = icalendar.Event()
                vevent.add("uid", str(uuid.uuid5(NAMESPACE, f"{trip.id}/{event.id}")))
                vevent.add("dtstamp", stamp)
                vevent.add("last-modified", stamp)
                vevent.add("sequence", 0)
                vevent.add("dtstart", timing.start)
                vevent.add("dtend", timing.end)
                vevent.add("transp", "TRANSPARENT" if timing.all_day else "OPAQUE")
                vevent.add("summary", event.title.pick(lang), parameters={"LANGUAGE": lang})
                venue = trip.venue_of(event)
                parts = []
                if event.description is not None:
                    parts.append(event.description.pick(lang))
                if venue is not None:
                    location = venue.name.pick(lang)
                    if venue.address is not None:
                        location += ", " + venue.address.pick(lang).replace("\n", ", ")
                    vevent.add("location", location, parameters={"LANGUAGE": lang})
                    parts.append(location)
                    if venue.latitude is not None and venue.longitude is not None:
                        vevent.add("geo", (venue.latitude, venue.longitude))
                if event.source is not None:
                    parts.append(f"{event.source.document}\n«{event.source.quote}»")
                parts.extend(f"- {note.pick(lang)}" for note in event.assumptions)
                vevent.add("description", "\n\n".join(parts), parameters={"LANGUAGE": lang})
                if event.categories:
                    vevent.add("categories", [c.pick(lang) for c in event.categories])
                vevent.add("status", event.status.upper())
                if trip.organizer.email is not None:
                    organizer = icalendar.vCalAddress(f"mailto:{trip.organizer.email}")
                    organizer.params["CN"] = trip.organizer.name.pick(lang)
                    vevent.add("organizer", organizer)
                cal.add_component(vevent)
            first, last = date(min(years), 1, 1), date(max(years) + 1, 1, 1)
            if zone_cache is None:
                cal.add_missing_timezones(first_date=first, last_date=last)
            else:
                # The same VTIMEZONEs, generated once per zone and range and reused.
                for tzid in sorted(cal.get_missing_tzids(), reverse=True):
                    key = (tzid, first, last)
                    if key not in zone_cache:
                        zone_cache[key] = icalendar.Timezone.from_tzid(
                            tzid, first_date=first, last_date=last
                        )
                    cal.subcomponents.insert(0, zone_cache[key])
            (root / f"{member.id}.{lang}.ics").write_bytes(cal.to_ical())
            written += 1
    return written


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--cache-zones"]
    if len(args) != 2:
        sys.exit(__doc__)
    count = build(args[0], args[1], cache_zones="--cache-zones" in sys.argv)
    print(f"{count} calendars written")
