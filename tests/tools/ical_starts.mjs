// Reads an iCalendar file on standard input and prints {UID: start in UTC (ISO 8601)} as JSON,
// as ical.js (the parser of Thunderbird and many web calendars) reads it: with the file's own
// VTIMEZONE definitions registered, as calendar programs that use the file's time zones do.
// Used by tests/agreements/test_calendar.py: node tests/tools/ical_starts.mjs < meeting.ics
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const calendar = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
}
const starts = {};
for (const vevent of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  const start = event.startDate;
  if (start.zone === ICAL.Timezone.localTimezone) {
    throw new Error(`${event.uid}: DTSTART has no time zone ical.js knows`);
  }
  starts[event.uid] = start.toJSDate().toISOString().replace(".000Z", "Z");
}
process.stdout.write(JSON.stringify(starts));
