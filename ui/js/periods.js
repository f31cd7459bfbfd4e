// Periods as Rocket.Chat's client computes them (apps/meteor/client/components/dashboards/periods.ts,
// getPeriodRange / getClosedPeriod), generalised from "UTC or the browser's zone" to any IANA zone: the
// start is the first instant of a calendar day in that zone, the end the last millisecond of today there.
// With the zone UTC the ISO strings are exactly those Rocket.Chat's client sends.
// Pure functions (no DOM): tests/ui/ runs them under Node too.

export const ENGAGEMENT_PERIODS = ['last 7 days', 'last 30 days', 'last 90 days'];
export const OMNICHANNEL_PERIODS = ['today', 'this week', 'last 15 days', 'this month', 'last 6 months', 'this year'];
export const CUSTOM = 'custom';

export const PERIOD_LABELS = {
  'today': 'Today',
  'this week': 'This week',
  'last 7 days': 'Last 7 days',
  'last 15 days': 'Last 15 days',
  'this month': 'This month',
  'last 30 days': 'Last 30 days',
  'last 90 days': 'Last 90 days',
  'last 6 months': 'Last 6 months',
  'this year': 'This year',
  'custom': 'Custom range',
};

const partsFormat = new Map();
function formatter(zone) {
  let f = partsFormat.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short',
    });
    partsFormat.set(zone, f);
  }
  return f;
}

const WEEKDAYS = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The wall-clock fields of instant `ms` in `zone`: {y, m (1-12), d, hour, minute, second, weekday (0 = Sunday)}. */
export function zoneParts(ms, zone) {
  const out = {};
  for (const { type, value } of formatter(zone).formatToParts(new Date(ms))) out[type] = value;
  return {
    y: Number(out.year), m: Number(out.month), d: Number(out.day),
    hour: Number(out.hour) % 24, minute: Number(out.minute), second: Number(out.second),
    weekday: WEEKDAYS[out.weekday],
  };
}

/** Whether `zone` is a time zone this browser knows. */
export function isZone(zone) {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** `zone`'s offset from UTC at instant `ms`, in milliseconds. */
function offsetAt(ms, zone) {
  const p = zoneParts(ms, zone);
  const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The calendar day {y, m, d} `n` days after `day` (n may be negative). */
export function addDays(day, n) {
  const t = new Date(Date.UTC(day.y, day.m - 1, day.d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** Whole days from calendar day `a` to `b`. */
export function daysBetween(a, b) {
  return Math.round((Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / 86400000);
}

/** The first instant (ms) of calendar day `day` in `zone`. */
export function startOfDay(day, zone) {
  const guess = Date.UTC(day.y, day.m - 1, day.d);
  let t = guess - offsetAt(guess, zone);
  const second = guess - offsetAt(t, zone);
  if (second !== t) t = second;
  return t;
}

/** The last millisecond of calendar day `day` in `zone`. */
export function endOfDay(day, zone) {
  return startOfDay(addDays(day, 1), zone) - 1;
}

/** The calendar day of instant `ms` in `zone`. */
export function dayOf(ms, zone) {
  const p = zoneParts(ms, zone);
  return { y: p.y, m: p.m, d: p.d };
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
/** 'YYYY-MM-DD' */
export function ymd(day) {
  return `${pad(day.y, 4)}-${pad(day.m)}-${pad(day.d)}`;
}
/** 'YYYY-MM-DD' → {y, m, d} (null when malformed). */
export function parseYmd(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(s || ''));
  if (!m) return null;
  const day = { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
  const back = addDays(day, 0);
  return back.y === day.y && back.m === day.m && back.d === day.d ? day : null;
}

/**
 * The first calendar day of `key` (getClosedPeriod: startOf day/week/month/year after subtracting days or
 * months), given today's calendar day and weekday in the zone.
 */
export function firstDay(key, today, weekday) {
  switch (key) {
    case 'today': return today;
    case 'this week': return addDays(today, -weekday); // weeks start on Sunday, as date-fns' startOfWeek
    case 'last 7 days': return addDays(today, -7);
    case 'last 15 days': return addDays(today, -15);
    case 'last 30 days': return addDays(today, -30);
    case 'last 90 days': return addDays(today, -90);
    case 'this month': return { y: today.y, m: today.m, d: 1 };
    case 'last 6 months': {
      const months = today.y * 12 + (today.m - 1) - 6;
      return { y: Math.floor(months / 12), m: (months % 12) + 1, d: 1 };
    }
    case 'this year': return { y: today.y, m: 1, d: 1 };
    default: throw new Error(`unknown period ${key}`);
  }
}

/**
 * {start, end} (Date) of a period in `zone`: `period` is a key, or {key: 'custom', from: 'YYYY-MM-DD',
 * to: 'YYYY-MM-DD'} (both days whole).
 */
export function periodRange(period, zone, now = Date.now()) {
  const key = typeof period === 'string' ? period : period.key;
  if (key === CUSTOM) {
    const from = parseYmd(period.from);
    const to = parseYmd(period.to);
    if (!from || !to) throw new Error('Choose both dates of the custom range');
    if (daysBetween(from, to) < 0) throw new Error('The custom range ends before it starts');
    return { start: new Date(startOfDay(from, zone)), end: new Date(endOfDay(to, zone)), first: from, last: to };
  }
  const p = zoneParts(now, zone);
  const today = { y: p.y, m: p.m, d: p.d };
  const first = firstDay(key, today, p.weekday);
  return { start: new Date(startOfDay(first, zone)), end: new Date(endOfDay(today, zone)), first, last: today };
}

/** Every calendar day from `first` to `last`, both included. */
export function eachDay(first, last) {
  const n = daysBetween(first, last);
  return Array.from({ length: Math.max(0, n + 1) }, (_, i) => addDays(first, i));
}

/**
 * The days Rocket.Chat compares a period with (`channels/list`, and the variations of `messages-sent` /
 * `new-users`): daysBetweenDates = the period's n days; the days `first − 1 − n` to `first − 1`, n + 1
 * days, the day before the period included.
 */
export function rocketChatPrevious(first, last) {
  const n = daysBetween(first, last) + 1;
  return { first: addDays(first, -1 - n), last: addDays(first, -1) };
}

/** The previous period of equal length: the n days ending the day before `first`. */
export function previousPeriod(first, last) {
  const n = daysBetween(first, last) + 1;
  return { first: addDays(first, -n), last: addDays(first, -1) };
}
