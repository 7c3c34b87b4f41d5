// The peer: the same member calendars built with ical-generator (Node.js).
//
//   node bench/peer.mjs TRIP.toml OUTDIR
//
// Reads the trip file (smol-toml), resolves who attends what and when (the same rules as
// seoulcal: groups, "everyone", whole days with an exclusive end, approximate windows in the
// venue's zone), and for every member and both languages builds a calendar with ical-generator 11:
// the same properties as seoulcal (UID from the trip and event ids, DTSTAMP, LAST-MODIFIED,
// SEQUENCE, DTSTART/DTEND with TZID, SUMMARY, LOCATION with GEO, DESCRIPTION, CATEGORIES,
// STATUS, ORGANIZER), VTIMEZONEs from timezones-ical-library (ical-generator's documented
// `timezone.generator` hook), and wall clocks in zones through luxon (ical-generator formats a
// plain Date in the process's own zone). One TZID per event: ical-generator has no separate end
// zone, so a flight's end is written in its start zone (the same instant).
//
// No output is compared byte for byte with seoulcal's; it is a cost reference.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ical from 'ical-generator';
import { DateTime } from 'luxon';
import { parse } from 'smol-toml';
import { tzlib_get_ical_block } from 'timezones-ical-library';

const WINDOWS = {
  morning: [9, 12], lunch: [12, 14], afternoon: [14, 18], evening: [18, 21], all_day: [9, 18],
};
const MARK = { ko: '(시간 미정)', en: '(time not fixed)' };

// RFC 4122 version 5 UUID, as Python's uuid.uuid5 (seoulcal's UID scheme).
const NAMESPACE = Buffer.from('5b6c0f2e3d0a5c529a532f1c7c0ad001', 'hex');
function uuid5(name) {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// "2025-01-06T09:00[America/Los_Angeles]" or "...Z" -> luxon DateTime in its zone.
function zoned(text) {
  const m = /^(.*?)(?:([+-]\d\d:?\d\d))?\[(.+)\]$/.exec(text);
  if (m) return DateTime.fromISO(m[1], { zone: m[3] });
  return DateTime.fromISO(text, { zone: 'utc' });
}

function timing(trip, venues, event) {
  const venue = event.venue ? venues.get(event.venue) : null;
  const place = venue ? venue.zone : trip.zone;
  const t = event.time;
  if (t.start !== undefined) {
    const start = zoned(t.start);
    const zone = start.zoneName === 'UTC' ? null : start.zoneName;
    return { start, end: zoned(t.end), zone, allDay: false };
  }
  if (t.first !== undefined) {
    const first = DateTime.fromISO(String(t.first.toISOString?.() ?? t.first).slice(0, 10), { zone: place });
    const lastText = t.last === undefined ? null : String(t.last.toISOString?.() ?? t.last).slice(0, 10);
    const last = lastText ? DateTime.fromISO(lastText, { zone: place }) : first;
    return { start: first, end: last.plus({ days: 1 }), zone: null, allDay: true };
  }
  const zone = t.zone ?? place;
  const day = String(t.day.toISOString?.() ?? t.day).slice(0, 10);
  const [from, to] = WINDOWS[t.part];
  const base = DateTime.fromISO(day, { zone });
  return {
    start: base.set({ hour: from }), end: base.set({ hour: to }), zone, allDay: false,
    approximate: t.part,
  };
}

function escapeText(text) {
  return text.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');
}

function main() {
  const [tripPath, outdir] = process.argv.slice(2);
  if (!tripPath || !outdir) {
    console.error('usage: node bench/peer.mjs TRIP.toml OUTDIR');
    process.exit(2);
  }
  const trip = parse(readFileSync(tripPath, 'utf8'));
  mkdirSync(outdir, { recursive: true });
  const venues = new Map((trip.venues ?? []).map((v) => [v.id, v]));
  const revised = zoned(trip.revised).toUTC();
  const events = (trip.events ?? []).map((e) => ({ e, t: timing(trip, venues, e) }));
  events.sort((a, b) => a.t.start.toMillis() - b.t.start.toMillis() || (a.e.id < b.e.id ? -1 : 1));
  const generator = (tz) => tzlib_get_ical_block(tz)[0];
  let written = 0;
  let vevents = 0;
  for (const member of trip.members ?? []) {
    const names = new Set(['everyone', member.id, ...(member.groups ?? [])]);
    const mine = events.filter(({ e }) => (e.attendees ?? ['everyone']).some((a) => names.has(a)));
    for (const lang of ['ko', 'en']) {
      const cal = ical({
        prodId: { company: 'bench', product: 'ical-generator', language: lang.toUpperCase() },
        method: 'PUBLISH',
        name: `${trip.name[lang]} · ${member.name[lang]}`,
        // ical-generator writes the calendar description unescaped: escape it here.
        description: trip.description ? escapeText(trip.description[lang]) : undefined,
        // No calendar zone name: with one, ical-generator writes DTSTAMP as a floating local
        // time; X-WR-TIMEZONE is added below instead.
        timezone: { name: null, generator },
        ttl: 3600,
      });
      cal.scale('GREGORIAN');
      cal.x('X-WR-TIMEZONE', trip.zone);
      for (const { e, t } of mine) {
        const venue = e.venue ? venues.get(e.venue) : null;
        let summary = e.title[lang];
        if (t.approximate) summary = `${summary} ${MARK[lang]}`;
        const parts = [];
        if (e.description) parts.push(e.description[lang]);
        let location = null;
        if (venue) {
          const title = venue.address
            ? `${venue.name[lang]}, ${venue.address[lang].replace(/\n/g, ', ')}`
            : venue.name[lang];
          location = { title };
          if (venue.latitude !== undefined) location.geo = { lat: venue.latitude, lon: venue.longitude };
          parts.push(title);
        }
        if (e.source) parts.push(`${e.source.document}\n«${e.source.quote}»`);
        for (const note of e.assumptions ?? []) parts.push(`- ${note[lang]}`);
        const item = cal.createEvent({
          id: uuid5(`${trip.id}/${e.id}`),
          start: t.start,
          end: t.end,
          allDay: t.allDay,
          timezone: t.allDay ? null : t.zone,
          stamp: revised,
          lastModified: revised,
          sequence: 0,
          summary,
          description: parts.join('\n\n'),
          location,
          status: (e.status ?? 'confirmed').toUpperCase(),
          transparency: t.allDay ? 'TRANSPARENT' : 'OPAQUE',
          categories: (e.categories ?? []).map((c) => ({ name: c[lang] })),
        });
        if (trip.organizer?.email) {
          item.organizer({ name: trip.organizer.name[lang], email: trip.organizer.email });
        }
        vevents += 1;
      }
      writeFileSync(join(outdir, `${member.id}.${lang}.ics`), cal.toString());
      written += 1;
    }
  }
  console.log(`${written} calendars written, ${vevents} events`);
}

main();
