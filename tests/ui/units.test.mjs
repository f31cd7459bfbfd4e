// The page's pure modules (no DOM) under Node: periods as Rocket.Chat's getPeriodRange computes them, CSV as
// its downloadCsvAs writes it, labels, top five plus "Others", DAU/WAU/MAU.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCsv } from '../../ui/js/csv.js';
import { periodRange, previousPeriod, rocketChatPrevious } from '../../ui/js/periods.js';
import { activeUsers, omnichannelCsv, share, sourceLabel, statusLabel, topWithOthers } from '../../ui/js/reports.js';

const iso = ({ start, end }) => [start.toISOString(), end.toISOString()];

test('periods in UTC are the ISO strings of Rocket.Chat\'s getPeriodRange', () => {
  // Rocket.Chat's getPeriodRange (apps/meteor/client/components/dashboards/periods.ts): "last 7 days" on 2025-05-13 is 8 calendar days.
  const may13 = Date.parse('2025-05-13T15:04:05.678Z');
  assert.deepEqual(iso(periodRange('last 7 days', 'UTC', may13)), ['2025-05-06T00:00:00.000Z', '2025-05-13T23:59:59.999Z']);
  assert.deepEqual(iso(periodRange('today', 'UTC', may13)), ['2025-05-13T00:00:00.000Z', '2025-05-13T23:59:59.999Z']);
  assert.deepEqual(iso(periodRange('last 90 days', 'UTC', may13))[0], '2025-02-12T00:00:00.000Z');
  // getClosedPeriod.spec.ts: 2024-05-19 (a Sunday).
  const may19 = Date.parse('2024-05-19T12:00:00.000Z');
  assert.deepEqual(iso(periodRange('this month', 'UTC', may19)), ['2024-05-01T00:00:00.000Z', '2024-05-19T23:59:59.999Z']);
  assert.deepEqual(iso(periodRange('this year', 'UTC', may19))[0], '2024-01-01T00:00:00.000Z');
  assert.deepEqual(iso(periodRange('last 6 months', 'UTC', may19))[0], '2023-11-01T00:00:00.000Z');
  assert.deepEqual(iso(periodRange('this week', 'UTC', may19))[0], '2024-05-19T00:00:00.000Z');
  assert.deepEqual(iso(periodRange('this week', 'UTC', may13))[0], '2025-05-11T00:00:00.000Z');
  assert.deepEqual(iso(periodRange('last 15 days', 'UTC', may13))[0], '2025-04-28T00:00:00.000Z');
});

test('periods in a zone are whole days there, across daylight saving time', () => {
  const may13 = Date.parse('2025-05-13T01:00:00.000Z'); // still 12 May in São Paulo (UTC−3)
  assert.deepEqual(iso(periodRange('last 7 days', 'America/Sao_Paulo', may13)), ['2025-05-05T03:00:00.000Z', '2025-05-13T02:59:59.999Z']);
  // Berlin moves from UTC+1 to UTC+2 on 2025-03-30.
  assert.deepEqual(iso(periodRange({ key: 'custom', from: '2025-03-29', to: '2025-03-30' }, 'Europe/Berlin')),
    ['2025-03-28T23:00:00.000Z', '2025-03-30T21:59:59.999Z']);
  assert.deepEqual(iso(periodRange('this year', 'Asia/Kolkata', Date.parse('2025-01-01T00:00:00.000Z')))[0], '2024-12-31T18:30:00.000Z');
  assert.throws(() => periodRange({ key: 'custom', from: '2025-03-30', to: '2025-03-29' }, 'UTC'), /ends before it starts/);
  assert.throws(() => periodRange({ key: 'custom', from: '2025-02-30', to: '2025-03-01' }, 'UTC'), /both dates/);
});

test('CSV: every cell quoted, quotes doubled, ; between cells, \\n between rows', () => {
  assert.equal(toCsv([['Date', 'New Users'], ['2025-05-13', 3], ['a"b;c', '<x>\nline']]),
    '"Date";"New Users"\n"2025-05-13";"3"\n"a""b;c";"<x>\nline"');
  assert.equal(toCsv(omnichannelCsv('Departments', { y: 2025, m: 5, d: 1 }, { y: 2025, m: 5, d: 13 }, [{ label: 'Sales', value: 4 }])),
    '"From";"To";"Departments";"Total"\n"2025-05-01";"2025-05-13";"Sales";"4"');
});

test('CSV: text that starts a formula gets a leading \', as the server writes it; numbers stay numbers', () => {
  assert.equal(toCsv([['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1'], [-1, 3, 'a=b', ' =x', "'=y", '']]),
    '"\'=1+1";"\'+1";"\'-1";"\'@SUM(A1)";"\'\t=1";"\'\r=1"\n"-1";"3";"a=b";" =x";"\'=y";""');
  assert.equal(toCsv([['=HYPERLINK("https://example.invalid/","open")']]), '"\'=HYPERLINK(""https://example.invalid/"",""open"")"');
});

test('labels and the top five plus Others, as Rocket.Chat\'s reports show them', () => {
  assert.deepEqual(['widget', 'email-inbox', 'twilio', 'api', 'email', 'sms', 'app', 'other'].map(sourceLabel),
    ['Livechat', 'Email', 'SMS', 'Custom integration', 'Email', 'SMS', 'App', 'Other']);
  // An alias is shown as written (Rocket.Chat would capitalise it).
  assert.deepEqual(['support@example.com', 'whatsApp', 'shop'].map(sourceLabel), ['support@example.com', 'whatsApp', 'shop']);
  assert.deepEqual(['Open', 'Queued', 'On_Hold', 'Closed'].map(statusLabel), ['Open', 'Queued', 'On hold', 'Closed']);
  // Rocket.Chat's UI test mocks (apps/meteor/client/views/omnichannel/reports/): 8 sources × 15 → "Others 45 (37.5%)".
  const eight = Array.from({ length: 8 }, (_, i) => ({ label: `s${i}`, value: 15 }));
  const top = topWithOthers(eight);
  assert.equal(top.length, 6);
  assert.deepEqual(top[5], { label: 'Others', value: 45, others: true });
  assert.equal(share(45, 120), 37.5);
  assert.equal(share(1, 3), 33.33);
  assert.equal(share(1, 0), 0);
  assert.equal(topWithOthers(eight.slice(0, 4)).length, 4);
  assert.equal(topWithOthers(eight.slice(0, 5)).length, 5);
});

test('DAU, WAU and MAU as Rocket.Chat\'s ActiveUsersSection computes them', () => {
  const first = { y: 2025, m: 4, d: 13 }; // "last 30 days" on 2025-05-13: 30 points, 13 Apr … 12 May
  const day = (d, m, usersList) => ({ year: 2025, month: m, day: d, users: usersList.length, usersList });
  const { series, counters } = activeUsers([
    day(13, 4, ['a']),
    day(5, 5, ['a', 'b']),
    day(11, 5, ['c']),
    day(12, 5, ['c', 'd']),
    day(13, 5, ['z']), // today: not a point
  ], first, [day(1, 4, ['a', 'y']), day(2, 4, ['y'])]);
  assert.equal(series.length, 30);
  assert.deepEqual(series[0], { day: first, dau: 1, wau: 1, mau: 1 });
  // 12 May: WAU over 6–12 May (5 May is out), MAU over the 30 points.
  assert.deepEqual(series[29], { day: { y: 2025, m: 5, d: 12 }, dau: 2, wau: 2, mau: 4 });
  assert.deepEqual(series[28], { day: { y: 2025, m: 5, d: 11 }, dau: 1, wau: 3, mau: 3 });
  assert.deepEqual(series[22], { day: { y: 2025, m: 5, d: 5 }, dau: 2, wau: 2, mau: 2 });
  // Against the period before of equal length: the day before, the 7 days before the week (29 Apr – 5 May:
  // a, b), the 30 days before the month (users/active-users over 14 Mar – 12 Apr: a, y).
  assert.deepEqual(series[22].wau, 2);
  assert.deepEqual(counters, { dau: { count: 2, previous: 1 }, wau: { count: 2, previous: 2 }, mau: { count: 4, previous: 2 } });
});

test('the days a period covers and the days Rocket.Chat compares it with', () => {
  const d = (y, m, day) => ({ y, m, d: day });
  // "Last 7 days" on 2026-12-06: Nov 29 to Dec 6, 8 days; channels/list compares with Nov 20 to Nov 28, 9 days.
  const r = periodRange('last 7 days', 'UTC', Date.parse('2026-12-06T17:00:00Z'));
  assert.deepEqual([r.first, r.last], [d(2026, 11, 29), d(2026, 12, 6)]);
  assert.deepEqual(rocketChatPrevious(r.first, r.last), { first: d(2026, 11, 20), last: d(2026, 11, 28) });
  assert.deepEqual(previousPeriod(r.first, r.last), { first: d(2026, 11, 21), last: d(2026, 11, 28) });
  assert.deepEqual(rocketChatPrevious(d(2026, 12, 6), d(2026, 12, 6)), { first: d(2026, 12, 4), last: d(2026, 12, 5) });
});
