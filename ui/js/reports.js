// Shaping report answers as Rocket.Chat's client does (labels, zero-filled days, DAU/WAU/MAU, top five plus
// "Others", CSV rows). Pure functions (no DOM): tests/ui/ runs them under Node too.

import { addDays, dayOf, daysBetween, eachDay, periodRange, startOfDay, ymd } from './periods.js';

/** Room types of messages/origin, as Rocket.Chat labels them. */
export const ROOM_TYPES = { c: 'Public Channels', p: 'Private Channels', d: 'Direct Messages' };

/** conversations-by-status labels (Rocket.Chat: Omnichannel_Reports_Status_Open, Queued, On_Hold, …_Closed). */
export const STATUS_LABELS = { Open: 'Open', Queued: 'Queued', On_Hold: 'On hold', Closed: 'Closed' };

/**
 * conversations-by-source labels: a source's alias when it has one, else its type. Types are named as
 * Rocket.Chat's useChannelsSection names them (widget → Livechat, email-inbox → Email, twilio → SMS,
 * api → Custom integration; its other types capitalised: the types of OmnichannelSourceType). Rocket.Chat
 * capitalises every other label too; an alias is the name someone gave the source
 * ("support@example.com"), so it is shown as written.
 */
const SOURCE_LABELS = {
  widget: 'Livechat', 'email-inbox': 'Email', twilio: 'SMS', api: 'Custom integration',
  email: 'Email', sms: 'SMS', app: 'App', other: 'Other',
};
export const sourceLabel = (label) => SOURCE_LABELS[label] || String(label);

/**
 * conversations-by-agent labels an agent without a name with their user id: a Meteor id (Random.id(): 17
 * characters of its unmistakable alphabet), which no name of a person looks like. Such a label is shown
 * as "No name · id <id>" and sorted after the named agents.
 */
const METEOR_ID = /^[23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz]{17}$/;
export const isUnnamed = (label) => METEOR_ID.test(String(label));
export const agentLabel = (label) => (isUnnamed(label) ? `No name · id ${label}` : String(label));

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
/** Agents by name as people read them (case and accents aside), those without a name last. */
export function byAgentName(a, b) {
  return (isUnnamed(a) - isUnnamed(b)) || collator.compare(a, b);
}
export const statusLabel = (label) => STATUS_LABELS[label] || label;

export const round2 = (x) => Math.round(x * 100) / 100;
/** A value's share of the total in percent, rounded to two decimals (0 when the total is 0). */
export const share = (value, total) => (total > 0 ? round2((value / total) * 100) : 0);

/** Rocket.Chat's getTop: fewer than `limit` items stay as they are; else the first `limit` plus "Others". */
export function topWithOthers(items, limit = 5) {
  if (items.length < limit) return items;
  const top = items.slice(0, limit);
  const others = items.slice(limit).reduce((sum, item) => sum + item.value, 0);
  return others > 0 ? [...top, { label: 'Others', value: others, others: true }] : top;
}

/** A room's display name: its name, or the usernames of a direct message joined with ' × '. */
export const roomName = (room) => room.name || (room.usernames || []).join(' × ');

/**
 * Per calendar day of the period (zero-filled), from a report's `days` (each `day` the first instant of a
 * day in the report zone): [{day: {y,m,d}, value}].
 */
export function dailySeries(days, first, last, zone, key) {
  const totals = new Map();
  for (const entry of days || []) {
    const k = ymd(dayOf(Date.parse(entry.day), zone));
    totals.set(k, (totals.get(k) || 0) + entry[key]);
  }
  return eachDay(first, last).map((day) => ({ day, value: totals.get(ymd(day)) || 0 }));
}

/**
 * DAU, WAU and MAU per day as Rocket.Chat's ActiveUsersSection computes them from users/active-users over
 * "last 30 days": 30 points, the 30 days before today (today is not complete and not shown); DAU is the
 * day's `users`, WAU and MAU the distinct users of the day's `usersList` and the 6 / 29 days before it.
 * Counters are the last point and the same figure for the period before of equal length (Rocket.Chat
 * compares with the point before, whose week and month overlap the last one's): DAU the day before, WAU
 * the 7 days before its week, MAU the distinct users of `before` (users/active-users over the 30 days
 * before the first point).
 */
export function activeUsers(month, first, before = []) {
  const points = 30;
  const lists = new Map();
  const dau = new Array(points).fill(0);
  for (const entry of month || []) {
    const offset = daysBetween(first, { y: entry.year, m: entry.month, d: entry.day });
    if (offset >= 0 && offset < points) {
      lists.set(offset, entry.usersList || []);
      dau[offset] = entry.users;
    }
  }
  const distinct = (i, width) => {
    const users = new Set();
    for (let k = i; k > i - width && k >= 0; k -= 1) for (const u of lists.get(k) || []) users.add(u);
    return users.size;
  };
  const series = eachDay(first, addDays(first, points - 1))
    .map((day, i) => ({ day, dau: dau[i], wau: distinct(i, 7), mau: distinct(i, 30) }));
  const last = series[points - 1];
  const earlier = new Set((before || []).flatMap((e) => e.usersList || []));
  return {
    series,
    counters: {
      dau: { count: last.dau, previous: series[points - 2].dau },
      wau: { count: last.wau, previous: series[points - 8].wau },
      mau: { count: last.mau, previous: earlier.size },
    },
  };
}

/** The "last 30 days" request of the active-users card and the first of its 30 points. */
export function activeUsersRange(zone, now = Date.now()) {
  return periodRange('last 30 days', zone, now);
}

/** CSV rows of the active-users card: Date (first instant of the day, ISO), DAU, WAU, MAU. */
export function activeUsersCsv(series, zone) {
  return [['Date', 'DAU', 'WAU', 'MAU'],
    ...series.map((p) => [new Date(startOfDay(p.day, zone)).toISOString(), p.dau, p.wau, p.mau])];
}

/** users-by-time-of-the-day-in-a-week → a grid: days of the period × 24 hours. */
export function heatmap(week, first, last) {
  const cells = new Map();
  for (const e of week || []) {
    const k = ymd({ y: e.year, m: e.month, d: e.day });
    if (!cells.has(k)) cells.set(k, new Array(24).fill(0));
    cells.get(k)[e.hour] += e.users;
  }
  const rows = eachDay(first, last).map((day) => ({ day, hours: cells.get(ymd(day)) || new Array(24).fill(0) }));
  const max = Math.max(0, ...rows.flatMap((r) => r.hours));
  return { rows, max };
}

/** CSV rows of the users-by-time card: Date (instant of the hour, ISO) and Users, in time order. */
export function heatmapCsv(week, zone) {
  const rows = (week || []).map((e) => ({
    t: startOfDay({ y: e.year, m: e.month, d: e.day }, zone) + e.hour * 3600000,
    users: e.users,
  }));
  rows.sort((a, b) => a.t - b.t);
  return [['Date', 'Users'], ...rows.map((r) => [new Date(r.t).toISOString(), r.users])];
}

/** An omnichannel card's CSV (useDefaultDownload): From;To;<column>;Total, one row per label. */
export function omnichannelCsv(column, first, last, items) {
  return [['From', 'To', column, 'Total'], ...items.map((i) => [ymd(first), ymd(last), i.label, i.value])];
}
