// Numbers and dates in the browser's locale.

const numberFormat = new Intl.NumberFormat(undefined);
const signedFormat = new Intl.NumberFormat(undefined, { signDisplay: 'exceptZero' });
const percentFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export const num = (n) => numberFormat.format(n);
export const signed = (n) => signedFormat.format(n);
export const percent = (n) => `${percentFormat.format(n)}%`;

/** A calendar day {y, m, d}, e.g. "13 May" or "May 13" (with the year when `withYear`). */
export function day(d, withYear = false) {
  const opts = { timeZone: 'UTC', day: 'numeric', month: 'short' };
  if (withYear) opts.year = 'numeric';
  return new Intl.DateTimeFormat(undefined, opts).format(new Date(Date.UTC(d.y, d.m - 1, d.d)));
}

/** A weekday and day, e.g. "Tue, 13 May". */
export function weekdayDay(d) {
  return new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' })
    .format(new Date(Date.UTC(d.y, d.m - 1, d.d)));
}

/** An instant (ISO string) as a date in `zone`, e.g. "13 May 2025". */
export function date(iso, zone) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  return new Intl.DateTimeFormat(undefined, { timeZone: zone, dateStyle: 'medium' }).format(new Date(t));
}

/** An instant as date and time in `zone`. */
export function dateTime(iso, zone) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  return new Intl.DateTimeFormat(undefined, { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(t));
}

/** An hour of the day (0-23) in the locale's style, e.g. "14:00" or "2 PM". */
export function hour(h) {
  return new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', hour: 'numeric' }).format(new Date(Date.UTC(2000, 0, 1, h)));
}

/** A count and its noun: "1 department", "2 departments". */
export function count(n, one, many) {
  return `${num(n)} ${n === 1 ? one : many}`;
}

/** Calendar days `first` to `last` ({y, m, d}): "Dec 6, 2026", "Nov 29 – Dec 6, 2026", "Dec 28, 2025 – Jan 3, 2026". */
export function dayRange(first, last) {
  if (first.y === last.y && first.m === last.m && first.d === last.d) return day(last, true);
  return `${day(first, first.y !== last.y)} – ${day(last, true)}`;
}

const utcDays = (d) => Date.UTC(d.y, d.m - 1, d.d) / 86400000;

/** Calendar days with their number, and whether the last is today (not over yet):
 * "Nov 29 – Dec 6, 2026 (8 days, today so far)". */
export function daysText(first, last, today) {
  const n = utcDays(last) - utcDays(first) + 1;
  const partial = today && utcDays(last) === utcDays(today) ? ', today so far' : '';
  return `${dayRange(first, last)} (${count(n, 'day', 'days')}${partial})`;
}

/** What a period is called in a counter: its preset's label ("Last 7 days"), or its days. */
export function periodName(label, r) {
  return label || dayRange(r.first, r.last);
}

/** …and inside a sentence: "last 7 days", or its days ("Nov 1 – Nov 5, 2026", month names kept). */
export function periodPhrase(label, r) {
  return label ? label.toLowerCase() : dayRange(r.first, r.last);
}
