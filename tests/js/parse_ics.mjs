// Parse an iCalendar file with ical.js (the parser of Thunderbird and many web clients) and print
// what a client would read from it, as JSON, for tests/test_clients.py.
//
//   node tests/js/parse_ics.mjs path/to/calendar.ics
//
// Time zones come ONLY from the file: the zone registry is emptied, then each of the file's own
// VTIMEZONE components is registered with ICAL.TimezoneService. ical.js ships no zone database, and
// a date-time whose TZID names no registered zone would silently become floating time; this script
// refuses that (exit status 2) rather than print a wrong instant.
//
// Output:
//   {
//     "name": X-WR-CALNAME, "calname": NAME, as ical.js gives them. It knows neither property,
//             types them "unknown" (ICAL.design.defaultType) and so does not undo TEXT escapes:
//             "Oh Se-hoon\, Mayor" comes back with its backslash.
//     "timezones": [TZID of every VTIMEZONE],
//     "events": [{
//       "uid", "summary", "description", "location", "status", "sequence", "categories",
//       "isDate": true for all-day events,
//       "start", "end": UTC ISO instants ("2024-01-09T19:00:00Z") for timed events, or dates
//                       ("2024-01-09") for all-day events (end exclusive, as written),
//       "startTzid", "endTzid": the TZID each was written with (null for UTC or a date),
//       "startLocal", "endLocal": the wall clock as written ("2024-01-09T11:00:00"),
//       "startIn", "endIn": the instant's wall clock in every zone of the file, as ical.js
//                           converts it ({"Asia/Seoul": "2024-01-10T04:00:00", ...})
//     }]
//   }

import { readFileSync } from "node:fs";
import process from "node:process";
import ICAL from "ical.js";

function fail(message) {
  process.stderr.write(`parse_ics.mjs: ${message}\n`);
  process.exit(2);
}

const path = process.argv[2];
if (!path) {
  fail("usage: node parse_ics.mjs FILE.ics");
}

const source = readFileSync(path, "utf8");
let root;
try {
  root = new ICAL.Component(ICAL.parse(source));
} catch (error) {
  fail(`ical.js could not parse ${path}: ${error}`);
}
if (root.name !== "vcalendar") {
  fail(`expected a VCALENDAR, found ${root.name}`);
}

// Only the file's own zones: reset() leaves nothing but UTC (Z, UTC, GMT) in the registry.
ICAL.TimezoneService.reset();
const zones = new Map();
for (const component of root.getAllSubcomponents("vtimezone")) {
  const zone = new ICAL.Timezone(component);
  if (!zone.tzid) {
    fail("a VTIMEZONE has no TZID");
  }
  ICAL.TimezoneService.register(zone);
  zones.set(zone.tzid, zone);
}

function wallClock(time) {
  // "2024-01-09T11:00:00" (ICAL.Time.toString adds "Z" only for UTC).
  return time.toString().replace(/Z$/, "");
}

function describe(property, time, where) {
  if (time.isDate) {
    return { value: time.toString(), tzid: null, local: time.toString(), in: null };
  }
  const tzid = property.getParameter("tzid") ?? null;
  const zoneId = time.zone ? time.zone.tzid : undefined;
  if (tzid !== null) {
    // The zone must be the file's definition of this TZID, not floating time.
    if (!zones.has(tzid)) {
      fail(`${where}: TZID=${tzid} has no VTIMEZONE in the file`);
    }
    if (time.zone !== zones.get(tzid) && zoneId !== tzid) {
      fail(`${where}: TZID=${tzid} was read in zone ${zoneId}, not the file's VTIMEZONE`);
    }
  } else if (time.zone !== ICAL.Timezone.utcTimezone) {
    fail(`${where}: date-time without TZID is not UTC (floating time, zone ${zoneId})`);
  }
  const utc = time.convertToZone(ICAL.Timezone.utcTimezone).toString();
  const viaUnix = new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
  if (utc !== viaUnix) {
    fail(`${where}: convertToZone gives ${utc} but toUnixTime gives ${viaUnix}`);
  }
  const shown = {};
  for (const [name, zone] of zones) {
    shown[name] = wallClock(time.convertToZone(zone));
  }
  return { value: utc, tzid, local: wallClock(time), in: shown };
}

function text(component, name) {
  const value = component.getFirstPropertyValue(name);
  return value === null || value === undefined ? null : String(value);
}

const events = [];
for (const component of root.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(component);
  const uid = event.uid;
  const startProperty = component.getFirstProperty("dtstart");
  const endProperty = component.getFirstProperty("dtend");
  if (!startProperty || !endProperty) {
    fail(`event ${uid}: DTSTART and DTEND are both expected`);
  }
  const start = describe(startProperty, event.startDate, `event ${uid} DTSTART`);
  const end = describe(endProperty, event.endDate, `event ${uid} DTEND`);
  const categories = [];
  for (const property of component.getAllProperties("categories")) {
    categories.push(...property.getValues().map(String));
  }
  const sequence = component.getFirstPropertyValue("sequence");
  events.push({
    uid,
    summary: event.summary ?? null,
    description: event.description ?? null,
    location: event.location ?? null,
    status: text(component, "status"),
    sequence: sequence === null ? null : Number(sequence),
    categories,
    isDate: event.startDate.isDate,
    start: start.value,
    end: end.value,
    startTzid: start.tzid,
    endTzid: end.tzid,
    startLocal: start.local,
    endLocal: end.local,
    startIn: start.in,
    endIn: end.in,
  });
}

process.stdout.write(
  JSON.stringify(
    {
      name: text(root, "x-wr-calname"),
      calname: text(root, "name"),
      timezones: [...zones.keys()],
      events,
    },
    null,
    1,
  ) + "\n",
);
