// The dashboard page in a real browser (Debian's chromium through playwright-core) against the real service
// on a seeded test database: sign-in paths, every card against the API's own answer for the same period and
// zone, the zone switch, permissions, 401, CSV bytes, hostile names, console errors, screenshots.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, csv, hashToken } from './harness.mjs';
import {
  assertClean, cells, dayRangeText, dayText, download, lastRequest, localKeys, settled, shot, signed, tab, text, utcDay, workspace,
} from './page.mjs';
const E = '/api/v1/engagement-dashboard';
const O = '/api/v1/livechat/analytics/dashboards';

// Names that would run script if any of them reached the page as HTML.
const XSS = {
  room: '<img src=x onerror=alert(1)>',
  department: '"><script>window.__xss="department"</script>',
  tag: '<img src=x onerror="window.__xss=\'tag\'">',
  agent: '<b onmouseover=alert(3)>Agent & "Co"</b>',
  source: '<svg onload=alert(4)>',
};
// Names that a spreadsheet would run as formulas if a CSV download wrote them as they are.
const FORMULA = {
  room: '=HYPERLINK("https://example.invalid/","open")',
  department: "@SUM(1+1)*cmd|' /C calc'!A0",
};
const ANALYST = { userId: 'ui-analyst', token: 'token-of-the-analyst', username: 'ana.lyst' };

const DAY = 86400000;
const nf = new Intl.NumberFormat('en-US');
const pad = (n) => String(n).padStart(2, '0');
const utcStart = (n) => `${utcDay(n)}T00:00:00.000Z`;
const utcEnd = () => `${utcDay(0)}T23:59:59.999Z`;

const ws = workspace('dashboard', (db, a) => hostileFixtures(db, a));
let service;
let browser;
let data; // the seed's summary
let admin;
let openPage;

before(async () => {
  await ws.setUp();
  ({ service, browser, data, admin, openPage } = ws);
});
after(() => ws.tearDown());

/** Rooms, a department, a tag, an agent and a source whose names are HTML; and a user who may open the
 * engagement dashboard but not the omnichannel reports. Written before the service starts (its message
 * rollup is built at start). */
async function hostileFixtures(db, admin) {
  const now = Date.now();
  // A channel named `name` with `n` messages, one every half hour from an hour ago.
  const channel = async (id, name, n) => {
    await db.collection('rocketchat_room').insertOne({
      _id: id, t: 'c', name, fname: name, msgs: n, usersCount: 1,
      ts: new Date(now - 3 * DAY), _updatedAt: new Date(now - 60000), u: { _id: 'rocket.cat', username: 'rocket.cat' },
    });
    await db.collection('rocketchat_message').insertMany(Array.from({ length: n }, (_, i) => ({
      _id: `${id}-msg-${i}`, rid: id, msg: 'hello', ts: new Date(now - 3600000 - i * 1800000),
      u: { _id: admin.userId, username: admin.username }, _updatedAt: new Date(now),
    })));
  };
  // Sixty messages over the last two days: enough for the top five of the last 7 days.
  await channel('ui-xss-room', XSS.room, 60);
  // Fifty: on the channels list's first page.
  await channel('ui-formula-room', FORMULA.room, 50);
  await db.collection('rocketchat_livechat_department').insertMany([
    { _id: 'ui-xss-dep', name: XSS.department, enabled: true },
    { _id: 'ui-formula-dep', name: FORMULA.department, enabled: true },
  ]);
  await db.collection('users').insertMany([
    { _id: 'ui-xss-agent', username: 'xss.agent', name: XSS.agent, roles: ['user', 'livechat-agent'], active: true, type: 'user', createdAt: new Date(now - 90 * DAY) },
    {
      _id: ANALYST.userId, username: ANALYST.username, name: 'Ana Lyst', roles: ['user', 'analyst'], active: true, type: 'user',
      createdAt: new Date(now - 90 * DAY), services: { resume: { loginTokens: [{ when: new Date(now), hashedToken: hashToken(ANALYST.token) }] } },
    },
  ]);
  await db.collection('rocketchat_permissions').updateOne({ _id: 'view-engagement-dashboard' }, { $addToSet: { roles: 'analyst' } });
  await db.collection('rocketchat_room').insertMany([0, 1].map((i) => ({
    _id: `ui-xss-conv-${i}`, t: 'l', msgs: 2, usersCount: 1, ts: new Date(now - 2 * DAY - i * 3600000), _updatedAt: new Date(now),
    fname: 'Visitor', v: { _id: 'ui-visitor', username: 'guest-ui', token: 'ui-visitor-token' }, open: true,
    source: { type: 'api', alias: XSS.source }, departmentId: 'ui-xss-dep', tags: [XSS.tag],
    servedBy: { _id: 'ui-xss-agent', username: 'xss.agent', ts: new Date(now - 2 * DAY) },
  })));
  await db.collection('rocketchat_room').insertOne({
    _id: 'ui-formula-conv', t: 'l', msgs: 2, usersCount: 1, ts: new Date(now - 2 * DAY), _updatedAt: new Date(now),
    fname: 'Visitor', v: { _id: 'ui-visitor', username: 'guest-ui', token: 'ui-visitor-token' }, open: true,
    source: { type: 'widget' }, departmentId: 'ui-formula-dep',
  });
}


/** The period's own request of a card that also asks for the period before (the later `start` of its last two). */
function current(requests, path) {
  const pair = requests.filter((u) => u.pathname === path).slice(-2);
  return pair.sort((a, b) => Date.parse(b.searchParams.get('start')) - Date.parse(a.searchParams.get('start')))[0];
}

describe('dashboard page', () => {
  test('signed in from Rocket.Chat-shaped localStorage: every engagement card shows what the API answers', async () => {
    // Under a sub-path Rocket.Chat's keys carry a suffix: matched by prefix.
    const view = await openPage({ storage: localKeys(admin, ':http://127.0.0.1/chat:/chat') });
    const { page, requests } = view;
    await settled(page);
    assert.equal(await text(page, '.user'), admin.username);
    assert.deepEqual(await page.$$eval('[role=tab]', (t) => t.map((b) => b.textContent)), ['Users', 'Members', 'Messages', 'Channels', 'Channel health', 'Omnichannel']);
    const week = `start=${utcStart(7)}&end=${utcEnd()}&tz=UTC`;

    // New users: the exact ISO strings of Rocket.Chat's getPeriodRange('last 7 days'), counters, days.
    const nu = current(requests, `${E}/users/new-users`);
    assert.equal(nu.search, `?start=${encodeURIComponent(utcStart(7))}&end=${encodeURIComponent(utcEnd())}&tz=UTC`);
    assert.equal(nu.searchParams.get('start'), utcStart(7));
    const newUsers = await api(service.base, admin, `${E}/users/new-users?${week}`);
    assert.equal(await text(page, '[data-card=new-users] [data-count=period]'), nf.format(newUsers.period.count));
    // Changes against the period before of equal length (Rocket.Chat's variation compares otherwise).
    const newUsersBefore = await api(service.base, admin, `${E}/users/new-users?start=${utcStart(15)}&end=${utcDay(8)}T23:59:59.999Z&tz=UTC`);
    assert.equal(await text(page, '[data-card=new-users] [data-change=period]'), signed(newUsers.period.count - newUsersBefore.period.count));
    assert.equal(await text(page, '[data-card=new-users] [data-count=yesterday]'), nf.format(newUsers.yesterday.count));
    const perDay = new Map(newUsers.days.map((d) => [d.day.slice(0, 10), d.users]));
    assert.equal(await text(page, '[data-card=new-users] [data-change=yesterday]'), signed(newUsers.yesterday.count - (perDay.get(utcDay(2)) || 0)));
    assert.equal(await text(page, '[data-card=new-users] [data-note=previous]'),
      `Changes: against ${dayRangeText(utcDay(15), utcDay(8))} (8 days), the period before of equal length. Yesterday: against the day before.`);
    const days = Array.from({ length: 8 }, (_, i) => utcDay(7 - i));
    const rows = await cells(page, '[data-card=new-users] details tbody tr');
    assert.deepEqual(rows.map((r) => r[1]), days.map((d) => nf.format(perDay.get(d) || 0)));
    assert.equal(rows[7][0], new Date(`${days[7]}T12:00:00Z`).toLocaleDateString('en-US', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' }));
    const file = await download(page, 'new-users');
    assert.equal(file.bytes, csv([['Date', 'New Users'], ...days.map((d) => [d, perDay.get(d) || 0])]));
    assert.equal(file.name, `new-users_${days[0]}_${days[7]}.csv`);

    // Active users: always the last 30 days; DAU/WAU/MAU as Rocket.Chat's client computes them.
    const au = current(requests, `${E}/users/active-users`);
    assert.equal(au.searchParams.get('start'), utcStart(30));
    assert.equal(au.searchParams.get('end'), utcEnd());
    const active = await api(service.base, admin, `${E}/users/active-users?start=${utcStart(30)}&end=${utcEnd()}&tz=UTC`);
    const expected = activeUsersExpected(active.month);
    // Against the period before of equal length: the day before, the 7 days before the week, the 30 days
    // before the month.
    const monthBefore = await api(service.base, admin, `${E}/users/active-users?start=${utcStart(60)}&end=${utcDay(31)}T23:59:59.999Z&tz=UTC`);
    const previous = { dau: expected.at(-2).dau, wau: expected.at(-8).wau, mau: new Set(monthBefore.month.flatMap((e) => e.usersList)).size };
    for (const key of ['dau', 'wau', 'mau']) {
      assert.equal(await text(page, `[data-card=active-users] [data-count=${key}]`), nf.format(expected.at(-1)[key]), key);
      assert.equal(await text(page, `[data-card=active-users] [data-change=${key}]`), signed(expected.at(-1)[key] - previous[key]), key);
    }
    assert.ok(expected.at(-1).mau > 0, 'the seeded data has active users');
    const activeCsv = await download(page, 'active-users');
    assert.equal(activeCsv.bytes, csv([['Date', 'DAU', 'WAU', 'MAU'], ...expected.map((p) => [`${p.day}T00:00:00.000Z`, p.dau, p.wau, p.mau])]));

    // Users by time of day: every hour of every day of the answer in its cell.
    const byTime = await api(service.base, admin, `${E}/users/users-by-time-of-the-day-in-a-week?${week}`);
    assert.ok(byTime.week.length > 0);
    const heat = await page.$$eval('[data-card=users-by-time] tbody tr', (trs) => trs.map((tr) => [tr.dataset.day, [...tr.querySelectorAll('td')].map((td) => td.textContent)]));
    assert.deepEqual(heat.map(([d]) => d), days);
    const grid = new Map(heat);
    for (const e of byTime.week) {
      const day = `${e.year}-${pad(e.month)}-${pad(e.day)}`;
      assert.equal(grid.get(day)[e.hour], nf.format(e.users), `${day} ${e.hour}h`);
    }

    // When is the chat busier: hours, then days, then one day earlier.
    const hourly = await api(service.base, admin, `${E}/users/chat-busier/hourly-data?start=${utcEnd()}&tz=UTC`);
    assert.deepEqual((await cells(page, '[data-card=chat-busier] details tbody tr')).map((r) => r[1]),
      [...hourly.hours].sort((a, b) => a.hour - b.hour).map((x) => nf.format(x.users)));
    await page.click('[data-card=chat-busier] [data-action=prev]');
    await settled(page);
    assert.equal(lastRequest(requests, `${E}/users/chat-busier/hourly-data`).searchParams.get('start'), `${utcDay(1)}T23:59:59.999Z`);
    const hourlyCsv = await download(page, 'chat-busier');
    const dayBefore = await api(service.base, admin, `${E}/users/chat-busier/hourly-data?start=${utcDay(1)}T23:59:59.999Z&tz=UTC`);
    assert.equal(hourlyCsv.bytes, csv([['Date', 'Users'],
      ...[...dayBefore.hours].sort((a, b) => a.hour - b.hour).map((x) => [`${utcDay(1)}T${pad(x.hour)}:00:00.000Z`, x.users])]));
    assert.equal(hourlyCsv.name, `chat-busier-hours_${utcDay(1)}_${utcDay(1)}.csv`);
    // Days: weeks of 7 days; a step back shows the 7 days before, without overlap (weekly-data answers 8).
    await page.selectOption('[data-control=busier-mode]', 'days');
    await settled(page);
    const weekDays = async (back) => {
      const answer = await api(service.base, admin, `${E}/users/chat-busier/weekly-data?start=${utcDay(back)}T23:59:59.999Z&tz=UTC`);
      assert.equal(answer.month.length, 8);
      const users = new Map(answer.month.map((x) => [`${x.year}-${pad(x.month)}-${pad(x.day)}`, x.users]));
      return Array.from({ length: 7 }, (_, i) => utcDay(back + 6 - i)).map((d) => [d, users.get(d) || 0]);
    };
    const thisWeek = await weekDays(0);
    assert.deepEqual((await cells(page, '[data-card=chat-busier] details tbody tr')).map((r) => r[1]), thisWeek.map(([, n]) => nf.format(n)));
    assert.equal(await text(page, '[data-card=chat-busier] .busier-label'), dayRangeText(utcDay(6), utcDay(0)));
    await page.click('[data-card=chat-busier] [data-action=prev]');
    await settled(page);
    assert.equal(lastRequest(requests, `${E}/users/chat-busier/weekly-data`).searchParams.get('start'), `${utcDay(7)}T23:59:59.999Z`);
    const weekBefore = await weekDays(7);
    assert.deepEqual((await cells(page, '[data-card=chat-busier] details tbody tr')).map((r) => r[1]), weekBefore.map(([, n]) => nf.format(n)));
    assert.equal(await text(page, '[data-card=chat-busier] .busier-label'), dayRangeText(utcDay(13), utcDay(7)));
    const weeklyCsv = await download(page, 'chat-busier');
    assert.equal(weeklyCsv.bytes, csv([['Date', 'Users'], ...weekBefore]));
    assert.equal(weeklyCsv.name, `chat-busier-days_${utcDay(13)}_${utcDay(7)}.csv`);
    await page.click('[data-card=chat-busier] [data-action=next]');
    await settled(page);
    await shot(page, 'users-1280-light');

    // Messages tab.
    await tab(page, 'messages');
    const sent = await api(service.base, admin, `${E}/messages/messages-sent?${week}`);
    assert.equal(await text(page, '[data-card=messages-sent] [data-count=period]'), nf.format(sent.period.count));
    assert.equal(await text(page, '[data-card=messages-sent] [data-count=yesterday]'), nf.format(sent.yesterday.count));
    const sentPerDay = new Map(sent.days.map((d) => [d.day.slice(0, 10), d.messages]));
    assert.deepEqual((await cells(page, '[data-card=messages-sent] details tbody tr')).map((r) => r[1]), days.map((d) => nf.format(sentPerDay.get(d) || 0)));
    const origin = await api(service.base, admin, `${E}/messages/origin?${week}`);
    for (const o of origin.origins) {
      assert.equal(await page.getAttribute(`[data-card=messages-origin] li[data-type=${o.t}] .legend-value`, 'data-value'), String(o.messages));
    }
    const originCsv = await download(page, 'messages-origin');
    assert.equal(originCsv.bytes, csv([['Room Type', 'Messages'], ...origin.origins.map((o) => [o.t, o.messages])]));
    const top = await api(service.base, admin, `${E}/messages/top-five-popular-channels?${week}`);
    assert.deepEqual(await cells(page, '[data-card=messages-origin] .top-five tbody tr'),
      top.channels.map((c, i) => [`${i + 1}.`, `${c.t === 'p' ? '' : c.t === 'c' ? '#' : '@'}${c.name || c.usernames.join(' × ')}`, nf.format(c.messages)]));
    assert.ok(top.channels.some((c) => c.name === XSS.room), 'the hostile room is in the top five');
    await shot(page, 'messages-1280-light');

    // Channels tab: pagination 25/50/100.
    await tab(page, 'channels');
    assert.equal(lastRequest(requests, `${E}/channels/list`).searchParams.get('count'), '25');
    const list = await api(service.base, admin, `${E}/channels/list?${week}&offset=0&count=25`);
    const names = await page.$$eval('[data-card=channels] tbody .room-name', (n) => n.map((x) => x.textContent));
    assert.deepEqual(names, list.channels.map((c) => c.room.name || c.room.usernames.join(' × ')));
    assert.equal(await text(page, '[data-card=channels] [data-pager]'), `1–${list.channels.length} of ${list.total}`);
    const channelsCsv = await download(page, 'channels');
    assert.equal(channelsCsv.bytes, csv([['Room type', 'Name', 'Messages', 'Last Update Date', 'Creation Date'],
      ...list.channels.map((c) => [c.room.t, c.room.name || c.room.usernames.join(' × '), c.messages, c.room._updatedAt, c.room.ts])]));
    await page.selectOption('[data-control=page-size]', '50');
    await settled(page);
    assert.equal(lastRequest(requests, `${E}/channels/list`).searchParams.get('count'), '50');
    assert.equal(JSON.parse(await page.evaluate(() => localStorage.getItem('rca.channelsPageSize'))), 50);
    await page.selectOption('[data-control=page-size]', '25');
    await settled(page);
    await shot(page, 'channels-1280-light');
    assertClean(view);
    await view.context.close();
  });

  test('omnichannel cards, agent sorting and CSV', async () => {
    const view = await openPage({ storage: { ...localKeys(admin), 'rca.tab': '"omnichannel"', 'rca.omnichannelPeriod': '{"key":"last 15 days"}' } });
    const { page, requests } = view;
    await settled(page);
    const q = `start=${utcStart(15)}&end=${utcEnd()}&tz=UTC`;
    const status = await api(service.base, admin, `${O}/conversations-by-status?${q}`);
    const labels = { Open: 'Open', Queued: 'Queued', On_Hold: 'On hold', Closed: 'Closed' };
    // The statuses, and the rest of the total: conversations Rocket.Chat counts in no status.
    const rest = status.total - status.data.reduce((sum, d) => sum + d.value, 0);
    assert.ok(rest > 0, 'the seed closes some conversations at once');
    assert.deepEqual(await page.$$eval('[data-card=conversations-by-status] li', (li) => li.map((l) => [l.dataset.label, l.querySelector('.legend-value').dataset.value])),
      [...status.data.map((d) => [labels[d.label], String(d.value)]), ['In no status', String(rest)]]);
    assert.equal(await text(page, '[data-card=conversations-by-status] li[data-label="In no status"] .legend-value'),
      `${rest} (${Math.round((rest / status.total) * 10000) / 100}%)`);
    assert.equal(await text(page, '[data-card=conversations-by-status] [data-note=status-rest]'),
      `In no status: ${rest} conversation${rest === 1 ? '' : 's'} not open and without a recorded duration (closed at once, for example); Rocket.Chat counts a closed conversation only when its duration is above zero.`);
    // Each total with its change against the period before of equal length (16 days: today included).
    const before = `start=${utcStart(31)}&end=${utcDay(16)}T23:59:59.999Z&tz=UTC`;
    const versus = (now, earlier) => ` (${signed(now - earlier)} against ${dayRangeText(utcDay(31), utcDay(16))})`;
    const statusBefore = await api(service.base, admin, `${O}/conversations-by-status?${before}`);
    assert.equal(await text(page, '[data-card=conversations-by-status] .subtitle'), `${nf.format(status.total)} conversations, last 15 days${versus(status.total, statusBefore.total)}`);
    const statusCsv = await download(page, 'conversations-by-status');
    assert.equal(statusCsv.bytes, csv([['From', 'To', 'Status', 'Total'], ...status.data.map((d) => [utcDay(15), utcDay(0), labels[d.label], d.value])]));

    const source = await api(service.base, admin, `${O}/conversations-by-source?${q}`);
    const shown = await page.$$eval('[data-card=conversations-by-source] li', (li) => li.map((l) => [l.dataset.label, l.querySelector('.legend-value').dataset.value]));
    // Source types named as Rocket.Chat names them; aliases as written.
    const srcLabel = (l) => ({ widget: 'Livechat', 'email-inbox': 'Email', twilio: 'SMS', api: 'Custom integration', email: 'Email', sms: 'SMS', app: 'App', other: 'Other' }[l] || l);
    const top5 = source.data.slice(0, 5).map((d) => [srcLabel(d.label), String(d.value)]);
    const others = source.data.slice(5).reduce((s, d) => s + d.value, 0);
    assert.deepEqual(shown, source.data.length < 5 ? source.data.map((d) => [srcLabel(d.label), String(d.value)]) : others ? [...top5, ['Others', String(others)]] : top5);

    const department = await api(service.base, admin, `${O}/conversations-by-department?${q}`);
    assert.deepEqual(await cells(page, '[data-card=conversations-by-department] details tbody tr'), department.data.map((d) => [d.label, nf.format(d.value)]));
    const departmentBefore = await api(service.base, admin, `${O}/conversations-by-department?${before}`);
    assert.equal(await text(page, '[data-card=conversations-by-department] .subtitle'),
      `${department.data.length} departments and ${nf.format(department.total)} conversations, last 15 days${department.unspecified ? ` (${nf.format(department.unspecified)} without department)` : ''}${versus(department.total, departmentBefore.total)}`);
    const depCsv = await download(page, 'conversations-by-department');
    assert.equal(depCsv.bytes, csv([['From', 'To', 'Departments', 'Total'], ...department.data.map((d) => [utcDay(15), utcDay(0), d.label, d.value])]));
    assert.ok(depCsv.bytes.includes('"""><script>window.__xss=""department""</script>"'), depCsv.bytes);

    const tags = await api(service.base, admin, `${O}/conversations-by-tags?${q}`);
    assert.deepEqual(await cells(page, '[data-card=conversations-by-tags] details tbody tr'), tags.data.map((d) => [d.label, nf.format(d.value)]));
    const tagsBefore = await api(service.base, admin, `${O}/conversations-by-tags?${before}`);
    assert.equal(await text(page, '[data-card=conversations-by-tags] .subtitle'),
      `${tags.data.length} tags and ${nf.format(tags.total)} conversations, last 15 days${tags.unspecified ? ` (${nf.format(tags.unspecified)} without tags)` : ''}${versus(tags.total, tagsBefore.total)}`);

    // Agents: Rocket.Chat's default sort {"total":-1}, then by name.
    assert.equal(lastRequest(requests, `${O}/conversations-by-agent`).searchParams.get('sort'), '{"total":-1}');
    const byTotal = await api(service.base, admin, `${O}/conversations-by-agent?${q}&sort=${encodeURIComponent('{"total":-1}')}`);
    assert.ok(byTotal.data.some((d) => unnamed(d.label)), 'the seed has an agent without a name');
    assert.deepEqual(await cells(page, '[data-card=conversations-by-agent] tbody tr'), byTotal.data.map((d) => [agentText(d.label), nf.format(d.value)]));
    await page.click('[data-card=conversations-by-agent] [data-sort=name]');
    await settled(page);
    assert.equal(lastRequest(requests, `${O}/conversations-by-agent`).searchParams.get('sort'), '{"name":1}');
    const byName = await api(service.base, admin, `${O}/conversations-by-agent?${q}&sort=${encodeURIComponent('{"name":1}')}`);
    // Names as people read them, case aside (Rocket.Chat's order puts capitals first), agents without a name last.
    const readingOrder = [...byName.data].sort((a, b) => (unnamed(a.label) - unnamed(b.label)) || a.label.localeCompare(b.label, 'en-US', { sensitivity: 'base', numeric: true }));
    assert.deepEqual(await cells(page, '[data-card=conversations-by-agent] tbody tr'), readingOrder.map((d) => [agentText(d.label), nf.format(d.value)]));
    assert.notDeepEqual(byName.data, byTotal.data);
    await page.click('[data-card=conversations-by-agent] [data-sort=name]');
    await settled(page);
    assert.equal(lastRequest(requests, `${O}/conversations-by-agent`).searchParams.get('sort'), '{"name":-1}');
    assert.deepEqual(await cells(page, '[data-card=conversations-by-agent] tbody tr'), [...readingOrder].reverse().map((d) => [agentText(d.label), nf.format(d.value)]));
    await shot(page, 'omnichannel-1280-light');
    assertClean(view);
    await view.context.close();
  });

  test('labels say what each number covers: dates, comparisons, statuses, plurals, months, yesterday, top five', async () => {
    const view = await openPage({ storage: { ...localKeys(admin), 'rca.tab': '"channels"' } });
    const { page, requests } = view;
    await settled(page);
    // The exact days next to the period selector: "Last 7 days" is 8 calendar days, today included.
    assert.equal(await text(page, '[data-range]'), `${dayRangeText(utcDay(7), utcDay(0))} (8 days, today so far)`);
    // The Channels table: which days against which (Rocket.Chat compares with the 9 days before).
    assert.equal(await text(page, '[data-card=channels] [data-note=comparison]'),
      `Messages: ${dayRangeText(utcDay(7), utcDay(0))} (8 days, today so far). Change: against ${dayRangeText(utcDay(16), utcDay(8))} (9 days), the days Rocket.Chat's channel list compares with.`);
    const list = await api(service.base, admin, `${E}/channels/list?start=${utcStart(7)}&end=${utcEnd()}&tz=UTC&offset=0&count=25`);
    assert.equal(await text(page, '[data-card=channels] .subtitle'), `${list.total} rooms with messages in the period or the 9 days before it`);
    const first = list.channels[0];
    assert.deepEqual((await cells(page, '[data-card=channels] tbody tr'))[0].slice(2, 4), [nf.format(first.messages), signed(first.diffFromLastWeek)]);

    // A custom range entirely in the past: month names as written, the day before its last day instead of "Yesterday".
    await tab(page, 'messages');
    await page.selectOption('[data-control=engagement-period]', 'custom');
    await page.fill('[data-control=engagement-from]', utcDay(12));
    await page.fill('[data-control=engagement-to]', utcDay(9));
    await page.click('[data-action=engagement-apply]');
    await settled(page);
    assert.equal(await text(page, '[data-range]'), `${dayRangeText(utcDay(12), utcDay(9))} (4 days)`);
    const sent = await api(service.base, admin, `${E}/messages/messages-sent?start=${utcDay(12)}T00:00:00.000Z&end=${utcDay(9)}T23:59:59.999Z&tz=UTC`);
    assert.equal(await text(page, '[data-card=messages-sent] .subtitle'), `${nf.format(sent.period.count)} messages, ${dayRangeText(utcDay(12), utcDay(9))}`);
    assert.deepEqual(await page.$$eval('[data-card=messages-sent] .counter-label', (l) => l.map((x) => x.textContent)),
      [dayRangeText(utcDay(12), utcDay(9)), dayText(utcDay(10), true)]);
    assert.equal(await text(page, '[data-card=messages-sent] [data-count=yesterday]'), nf.format(sent.yesterday.count));
    await page.selectOption('[data-control=engagement-period]', 'last 7 days');
    await settled(page);
    assert.deepEqual(await page.$$eval('[data-card=messages-sent] .counter-label', (l) => l.map((x) => x.textContent)), ['Last 7 days', 'Yesterday']);

    // Omnichannel answers shaped to reach each label: one department, six agents, a source alias.
    const answer = (body) => (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ...body, success: true }) });
    await page.route('**/conversations-by-department?**', answer({ total: 1, data: [{ label: 'Sales', value: 1 }], unspecified: 1 }));
    await page.route('**/conversations-by-tags?**', answer({ total: 2, data: [{ label: 'vip', value: 2 }], unspecified: 0 }));
    const agents = [['bob', 9], ['Alice', 8], ['carl', 7], ['Dave', 6], ['eve', 5], ['8RWf3LNB9PPzcoYR5', 2], ['Zed', 1]].map(([label, value]) => ({ label, value }));
    await page.route('**/conversations-by-agent?**', (route) => {
      const sort = JSON.parse(new URL(route.request().url()).searchParams.get('sort'));
      // As MongoDB orders strings: capitals first.
      const data = sort.name ? [...agents].sort((a, b) => sort.name * (a.label < b.label ? -1 : 1)) : agents;
      return answer({ total: 38, data, unspecified: 0 })(route);
    });
    await page.route('**/conversations-by-source?**', answer({ total: 5, data: [{ label: 'support@example.com', value: 3 }, { label: 'widget', value: 2 }] }));
    await tab(page, 'omnichannel');
    // (The same answer for the day before: no change.)
    const sameAsYesterday = ` (0 against ${dayText(utcDay(1), true)})`;
    assert.equal(await text(page, '[data-card=conversations-by-department] .subtitle'), `1 department and 1 conversation, today (1 without department)${sameAsYesterday}`);
    assert.equal(await text(page, '[data-card=conversations-by-tags] .subtitle'), `1 tag and 2 conversations, today${sameAsYesterday}`);
    assert.equal(await text(page, '[data-card=conversations-by-agent] .subtitle'), `7 agents and 38 conversations, today${sameAsYesterday}`);
    assert.equal(await text(page, '[data-card=conversations-by-agent] [data-note=chart-top]'),
      'The chart shows the 5 agents with the most conversations; the table lists all 7 agents.');
    const chartLabels = () => page.$eval('[data-card=conversations-by-agent] canvas', (c) => window.Chart.getChart(c).data.labels);
    assert.deepEqual(await chartLabels(), ['bob', 'Alice', 'carl', 'Dave', 'eve']);
    await page.click('[data-card=conversations-by-agent] [data-sort=name]');
    await settled(page);
    assert.deepEqual((await cells(page, '[data-card=conversations-by-agent] tbody tr')).map((r) => r[0]),
      ['Alice', 'bob', 'carl', 'Dave', 'eve', 'Zed', 'No name · id 8RWf3LNB9PPzcoYR5']);
    assert.deepEqual(await chartLabels(), ['bob', 'Alice', 'carl', 'Dave', 'eve']);
    assert.deepEqual(await page.$$eval('[data-card=conversations-by-source] li', (li) => li.map((l) => l.dataset.label)), ['support@example.com', 'Livechat']);
    // Past custom range on the omnichannel side: months as written.
    await page.selectOption('[data-control=omnichannel-period]', 'custom');
    await page.fill('[data-control=omnichannel-from]', utcDay(12));
    await page.fill('[data-control=omnichannel-to]', utcDay(9));
    await page.click('[data-action=omnichannel-apply]');
    await settled(page);
    assert.equal(await text(page, '[data-card=conversations-by-tags] .subtitle'), `1 tag and 2 conversations, ${dayRangeText(utcDay(12), utcDay(9))} (0 against ${dayRangeText(utcDay(16), utcDay(13))})`);
    assert.ok(requests.some((u) => u.pathname === `${O}/conversations-by-tags` && u.searchParams.get('start') === `${utcDay(12)}T00:00:00.000Z`));
    assertClean(view);
    await view.context.close();
  });

  test('at 375 px a channel row shows its numbers without scrolling', async () => {
    const view = await openPage({ width: 375, height: 800, storage: { ...localKeys(admin), 'rca.tab': '"channels"' } });
    const { page } = view;
    await settled(page);
    const row = await page.$eval('[data-card=channels] tbody tr', (tr) => [...tr.querySelectorAll('td')].map((td) => {
      const box = td.getBoundingClientRect();
      return { text: td.textContent, label: td.dataset.label || null, left: box.left, right: box.right, width: box.width };
    }));
    assert.deepEqual(row.map((c) => c.label), [null, null, 'Messages', 'Change', 'Created', 'Last active']);
    for (const cell of row) assert.ok(cell.left >= 0 && cell.right <= 375 && cell.width > 0, JSON.stringify(cell));
    assert.equal(await page.$eval('[data-card=channels] .scroll', (el) => el.scrollWidth <= el.clientWidth), true);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 375);
    assertClean(view);
    await view.context.close();
  });

  test('hostile names render as text and nothing runs', async () => {
    const view = await openPage({ storage: { ...localKeys(admin), 'rca.tab': '"messages"', 'rca.omnichannelPeriod': '{"key":"last 15 days"}' } });
    const { page } = view;
    await settled(page);
    assert.ok((await page.$$eval('[data-card=messages-origin] .room-name', (n) => n.map((x) => x.textContent))).includes(XSS.room));
    await tab(page, 'channels');
    assert.ok((await page.$$eval('[data-card=channels] .room-name', (n) => n.map((x) => x.textContent))).includes(XSS.room));
    await tab(page, 'omnichannel');
    const everything = await page.evaluate(() => document.body.textContent);
    for (const name of [XSS.department, XSS.tag, XSS.agent]) assert.ok(everything.includes(name), name);
    // The source may fall into "Others" on screen; the CSV lists every source, as text.
    const sources = await download(page, 'conversations-by-source');
    assert.ok(sources.bytes.includes(`;"${XSS.source}";"2"`), sources.bytes);
    // Names that are formulas reach a spreadsheet as text: a leading ', as the server's format=csv writes them.
    const departments = await download(page, 'conversations-by-department');
    assert.ok(departments.bytes.includes(`;"'${FORMULA.department}";"1"`), departments.bytes);
    assert.ok(!departments.bytes.includes(`"${FORMULA.department}"`), departments.bytes);
    await tab(page, 'channels');
    const channels = await download(page, 'channels');
    const quoted = FORMULA.room.split('"').join('""');
    assert.ok(channels.bytes.includes(`\n"c";"'${quoted}";"50";`), channels.bytes);
    assert.ok(!channels.bytes.includes(`"${quoted}"`), channels.bytes);
    await tab(page, 'omnichannel');
    await page.hover('[data-card=conversations-by-agent] tbody tr td');
    await page.waitForTimeout(200);
    assert.deepEqual(await page.evaluate(() => ({
      alerts: window.__alerts,
      flag: window.__xss ?? null,
      injected: document.querySelectorAll('img[src=x], script:not([src]), svg[onload], b[onmouseover], [onerror]').length,
    })), { alerts: [], flag: null, injected: 0 });
    assertClean(view);
    await view.context.close();
  });

  test('switching the zone changes tz, the instants sent and the day buckets', async () => {
    const view = await openPage({ storage: { ...localKeys(admin), 'rca.tab': '"messages"' } });
    const { page, requests } = view;
    await settled(page);
    const utcRows = await cells(page, '[data-card=messages-sent] details tbody tr');
    await page.selectOption('[data-control=zone]', 'America/Sao_Paulo');
    await settled(page);
    const sent = current(requests, `${E}/messages/messages-sent`);
    assert.equal(sent.searchParams.get('tz'), 'America/Sao_Paulo');
    // São Paulo is UTC−3 all year (no daylight saving time since 2019).
    const spNow = new Date(Date.now() - 3 * 3600000);
    const spDay = (n) => new Date(spNow.getTime() - n * DAY).toISOString().slice(0, 10);
    assert.equal(sent.searchParams.get('start'), `${spDay(7)}T03:00:00.000Z`);
    assert.equal(sent.searchParams.get('end'), new Date(Date.parse(`${spDay(0)}T23:59:59.999Z`) + 3 * 3600000).toISOString());
    const answer = await api(service.base, admin, `${E}/messages/messages-sent${sent.search}`);
    const perDay = new Map(answer.days.map((d) => [new Date(Date.parse(d.day) - 3 * 3600000).toISOString().slice(0, 10), d.messages]));
    const spRows = await cells(page, '[data-card=messages-sent] details tbody tr');
    assert.deepEqual(spRows.map((r) => r[1]), Array.from({ length: 8 }, (_, i) => nf.format(perDay.get(spDay(7 - i)) || 0)));
    assert.notDeepEqual(spRows.map((r) => r[1]), utcRows.map((r) => r[1]), 'buckets moved with the zone');
    assert.equal(await text(page, '.zone-note'), 'Days in America/Sao_Paulo');
    assert.equal(JSON.parse(await page.evaluate(() => localStorage.getItem('rca.zone'))), 'America/Sao_Paulo');
    // A custom range: whole days in the zone.
    await page.selectOption('[data-control=engagement-period]', 'custom');
    await page.fill('[data-control=engagement-from]', utcDay(3));
    await page.fill('[data-control=engagement-to]', utcDay(2));
    await page.click('[data-action=engagement-apply]');
    await settled(page);
    const custom = current(requests, `${E}/messages/messages-sent`);
    assert.equal(custom.searchParams.get('start'), `${utcDay(3)}T03:00:00.000Z`);
    assert.equal(custom.searchParams.get('end'), `${utcDay(1)}T02:59:59.999Z`);
    assert.equal((await cells(page, '[data-card=messages-sent] details tbody tr')).length, 2);
    assertClean(view);
    await view.context.close();
  });

  test('signed in from the rc_uid / rc_token cookies alone', async () => {
    const view = await openPage({ cookies: { rc_uid: admin.userId, rc_token: admin.token } });
    await settled(view.page);
    assert.equal(await text(view.page, '.user'), admin.username);
    assert.equal(await view.page.locator('[data-card]').count(), 5);
    assertClean(view);
    await view.context.close();
  });

  test('sessionStorage keys (forget sessions on window close) sign in too', async () => {
    const view = await openPage({ session: localKeys(admin) });
    await settled(view.page);
    assert.equal(await text(view.page, '.user'), admin.username);
    assertClean(view);
    await view.context.close();
  });

  test('the URL fragment signs in, moves to sessionStorage and leaves the address bar', async () => {
    const view = await openPage({ hash: `#userId=${admin.userId}&token=${admin.token}` });
    const { page, requests } = view;
    await settled(page);
    assert.equal(await page.evaluate(() => window.location.href), `${service.base}/rc-analytics/`);
    assert.deepEqual(await page.evaluate(() => [sessionStorage.getItem('rca.userId'), sessionStorage.getItem('rca.token')]), [admin.userId, admin.token]);
    assert.ok(requests.length > 0 && requests.every((u) => !u.href.includes(admin.token)), 'no token in any URL');
    assertClean(view);
    await view.context.close();
  });

  test('permissions: sections a user may not open are not shown', async () => {
    // May open the engagement dashboard, not the omnichannel reports.
    const analyst = await openPage({ storage: localKeys(ANALYST) });
    await settled(analyst.page);
    assert.deepEqual(await analyst.page.$$eval('[role=tab]', (t) => t.map((b) => b.textContent)), ['Users', 'Messages', 'Channels', 'Channel health']);
    assert.ok(analyst.requests.every((u) => !u.pathname.startsWith(O)), 'no omnichannel request');
    assertClean(analyst);
    await analyst.context.close();
    // Community Edition: a livechat manager sees the omnichannel reports only (view-livechat-manager fallback).
    const manager = await openPage({ storage: localKeys(data.credentials.find((c) => c.role === 'livechat-manager')) });
    await settled(manager.page);
    assert.deepEqual(await manager.page.$$eval('[role=tab]', (t) => t.map((b) => b.textContent)), ['Omnichannel']);
    assertClean(manager);
    await manager.context.close();
    // Neither: a plain message, no cards.
    const plain = await openPage({ storage: localKeys(data.credentials.find((c) => c.role === 'user')) });
    await plain.page.waitForSelector('[data-view=no-permission]');
    assert.equal(await plain.page.locator('[data-card]').count(), 0);
    assertClean(plain);
    await plain.context.close();
  });

  test('no session or a rejected one shows the sign-in panel; a token typed there opens the dashboard', async () => {
    const none = await openPage();
    await none.page.waitForSelector('[data-view=signin]');
    assert.equal(await none.page.getAttribute('.signin a[href="/"]', 'href'), '/');
    assertClean(none);
    // The form: kept in sessionStorage only, sent in headers only.
    await none.page.fill('#signin-user', admin.userId);
    await none.page.fill('#signin-token', admin.token);
    await none.page.click('.signin-form button[type=submit]');
    await settled(none.page);
    assert.equal(await text(none.page, '.user'), admin.username);
    assert.equal(await none.page.evaluate(() => sessionStorage.getItem('rca.token')), admin.token);
    assert.equal(await none.page.evaluate(() => Object.keys(localStorage).filter((k) => localStorage.getItem(k).includes('Token') || localStorage.getItem(k) === sessionStorage.getItem('rca.token')).length), 0);
    assertClean(none);
    await none.context.close();

    const stale = await openPage({ storage: localKeys({ userId: admin.userId, token: 'revoked-token' }) });
    await stale.page.waitForSelector('[data-view=signin] .notice');
    assert.match(await text(stale.page, '.notice'), /Rocket\.Chat session is not valid/);
    // The only console error is the browser's own line for the 401 answer.
    assert.deepEqual(stale.problems.map((p) => p.replace(/\d{3}.*/, '')), ['error: Failed to load resource: the server responded with a status of ']);
    await stale.context.close();
  });

  test('card errors: 503 and 504 with Retry, 403 without, and a 401 at any time returns to sign-in', async () => {
    const view = await openPage({ storage: { ...localKeys(admin), 'rca.tab': '"messages"' } });
    const { page } = view;
    await settled(page);
    const answer = (status, error) => (route) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify({ success: false, error }) });
    const sentCard = '[data-card=messages-sent]';
    await page.route('**/messages/messages-sent?**', answer(503, 'Database unavailable'));
    await page.selectOption('[data-control=engagement-period]', 'last 30 days');
    await settled(page);
    assert.equal(await page.getAttribute(sentCard, 'data-state'), 'error');
    assert.equal(await text(page, `${sentCard} [role=alert] p`), 'The database is unavailable. Retry in a moment.');
    assert.equal(await page.getAttribute('[data-card=messages-origin]', 'data-state'), 'ready');
    await page.unroute('**/messages/messages-sent?**');
    await page.route('**/messages/messages-sent?**', answer(504, 'Query timed out'));
    await page.click(`${sentCard} [data-action=retry]`);
    await settled(page);
    assert.equal(await text(page, `${sentCard} [role=alert] p`), 'The database took too long to answer. Retry, or choose a shorter period.');
    await page.unroute('**/messages/messages-sent?**');
    await page.click(`${sentCard} [data-action=retry]`);
    await settled(page);
    assert.equal(await page.getAttribute(sentCard, 'data-state'), 'ready');
    await page.route('**/messages/origin?**', answer(403, 'User does not have the permissions required for this action [error-unauthorized]'));
    await page.selectOption('[data-control=engagement-period]', 'last 7 days');
    await settled(page);
    assert.equal(await text(page, '[data-card=messages-origin] [role=alert] p'), 'You do not have permission to see this.');
    assert.equal(await page.locator('[data-card=messages-origin] [data-action=retry]').count(), 0);
    // Signed out elsewhere: the next request answers 401.
    await page.route('**/api/v1/**', answer(401, 'You must be logged in to do this.'));
    await page.click('[data-tab=users]');
    await page.waitForSelector('[data-view=signin] .notice');
    assert.equal(await page.locator('[data-card]').count(), 0);
    const failed = view.problems.filter((p) => !/^error: Failed to load resource: the server responded with a status of (401|403|503|504)/.test(p));
    assert.deepEqual(failed, []);
    await view.context.close();
  });

  test('every card refreshes every 5 minutes', async () => {
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    await page.clock.install();
    const requests = [];
    page.on('request', (r) => { if (r.url().includes('/api/v1/')) requests.push(new URL(r.url())); });
    await page.goto(`${service.base}/rc-analytics/#userId=${admin.userId}&token=${admin.token}`);
    await page.evaluate(() => localStorage.setItem('rca.tab', '"messages"'));
    await page.reload();
    await settled(page);
    // Requests for the period itself (each card also asks for the period before).
    const ofPeriod = (path) => requests.filter((u) => u.pathname === path && u.searchParams.get('start') === utcStart(7)).length;
    const count = () => ofPeriod(`${E}/messages/messages-sent`);
    const before = count();
    await page.clock.runFor(4 * 60 * 1000);
    assert.equal(count(), before);
    await page.clock.runFor(60 * 1000 + 10);
    await settled(page);
    assert.equal(count(), before + 1);
    assert.equal(ofPeriod(`${E}/messages/origin`), before + 1);
    await context.close();
  });

  test('screenshots at 1280×800 and 375 px, light and dark, in UTC and America/Los_Angeles', async () => {
    for (const zone of ['UTC', 'America/Los_Angeles']) {
      for (const [width, height] of [[1280, 800], [375, 800]]) {
        for (const scheme of ['light', 'dark']) {
          for (const tabId of ['users', 'messages', 'channels', 'omnichannel']) {
            const view = await openPage({ width, height, scheme, zone, storage: { ...localKeys(admin), 'rca.tab': JSON.stringify(tabId) } });
            await settled(view.page);
            await view.page.waitForTimeout(100);
            const what = `${tabId}-${width}-${scheme}${zone === 'UTC' ? '' : '-la'}`;
            assert.equal(await text(view.page, '.zone-note'), `Days in ${zone}`, what);
            // Nothing wider than the viewport: tables scroll inside their cards.
            assert.equal(await view.page.evaluate(() => document.documentElement.scrollWidth), width, what);
            await shot(view.page, what);
            assertClean(view);
            await view.context.close();
          }
        }
      }
    }
  });
});

/** Rocket.Chat labels an agent without a name with their user id (17 characters of Meteor's id alphabet). */
const unnamed = (label) => /^[23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz]{17}$/.test(label);
const agentText = (label) => (unnamed(label) ? `No name · id ${label}` : label);


/** Rocket.Chat's ActiveUsersSection, written out again: 30 days before today, DAU = users, WAU/MAU =
 * distinct users of the 7/30 days up to the day. */
function activeUsersExpected(month) {
  const days = Array.from({ length: 30 }, (_, i) => utcDay(30 - i));
  const lists = new Map(month.map((e) => [`${e.year}-${pad(e.month)}-${pad(e.day)}`, e]));
  return days.map((day, i) => {
    const union = (w) => new Set(days.slice(Math.max(0, i - w + 1), i + 1).flatMap((d) => lists.get(d)?.usersList || [])).size;
    return { day, dau: lists.get(day)?.users || 0, wau: union(7), mau: union(30) };
  });
}
