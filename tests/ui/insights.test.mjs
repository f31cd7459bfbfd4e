// The page's own views in a real browser against the real service (docs/insights.md): the Members tab and
// Channel health (figures that filter, sorting, pages, the CSV of the whole filtered table), a room's
// history (opened from the Channels tab and from Channel health, shared by its address, Back to the list
// where it was), the period before (changes, the Messages chart's overlay, the Channels comparison of equal
// length), the retention grid, counts without names, hostile names, 375 px and dark mode.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, csv, hashToken } from './harness.mjs';
import {
  assertClean, cells, dayRangeText, download, lastRequest, localKeys, num, settled, shot, signed, tab, text, utcDay, workspace,
} from './page.mjs';

const I = '/rc-analytics/api/v1/insights';
const E = '/api/v1/engagement-dashboard';
const DAY = 86400000;
const XSS = {
  member: '<img src=x onerror="window.__xss=\'member\'">Mallory',
  channel: '<script>window.__xss="channel"</script>',
};
const ANALYST = { userId: 'ui-insights-analyst', token: 'token-of-the-insights-analyst' };
const utcStart = (n) => `${utcDay(n)}T00:00:00.000Z`;
const utcEnd = (n = 0) => `${utcDay(n)}T23:59:59.999Z`;
const WEEK = `start=${utcStart(7)}&end=${utcEnd()}&tz=UTC`;

const ws = workspace('insights', (db, a) => fixtures(db, a));
let service;
let admin;
let openPage;

before(async () => {
  await ws.setUp();
  ({ service, admin, openPage } = ws);
});
after(() => ws.tearDown());

/** A member and a channel whose names are HTML, a user who may see the dashboard but not people, and rooms
 * enough for a second page of the Channels list. */
async function fixtures(db, admin) {
  const now = Date.now();
  await db.collection('users').insertMany([
    { _id: 'ui-xss-member', username: 'mallory', name: XSS.member, roles: ['user'], active: true, type: 'user', createdAt: new Date(now - 200 * DAY) },
    {
      _id: ANALYST.userId, username: 'ina.lyst', name: 'Ina Lyst', roles: ['user', 'analyst'], active: true, type: 'user',
      createdAt: new Date(now - 90 * DAY), services: { resume: { loginTokens: [{ when: new Date(now), hashedToken: hashToken(ANALYST.token) }] } },
    },
  ]);
  await db.collection('rocketchat_room').insertOne({
    _id: 'ui-xss-idle', t: 'c', name: XSS.channel, fname: XSS.channel, msgs: 0, usersCount: 1,
    ts: new Date(now - 100 * DAY), _updatedAt: new Date(now - 100 * DAY), u: { _id: admin.userId, username: admin.username },
  });
  await db.collection('rocketchat_permissions').updateOne({ _id: 'view-engagement-dashboard' }, { $addToSet: { roles: 'analyst' } });
  // Twelve more rooms with a message each yesterday.
  await db.collection('rocketchat_room').insertMany(Array.from({ length: 12 }, (_, i) => ({
    _id: `ui-room-${i}`, t: 'c', name: `project-${i}`, fname: `project-${i}`, msgs: 1, usersCount: 2,
    ts: new Date(now - 30 * DAY), _updatedAt: new Date(now - DAY), lm: new Date(now - DAY), u: { _id: admin.userId, username: admin.username },
  })));
  await db.collection('rocketchat_message').insertMany(Array.from({ length: 12 }, (_, i) => ({
    _id: `ui-room-msg-${i}`, rid: `ui-room-${i}`, msg: 'hello', ts: new Date(now - DAY), u: { _id: admin.userId, username: admin.username }, _updatedAt: new Date(now - DAY),
  })));
}

const get = (path, creds = admin) => api(service.base, creds, path);
const query = (u) => Object.fromEntries(u.searchParams);
const figure = (page, key) => Promise.all([
  text(page, `[data-count=${key}]`),
  page.locator(`[data-change=${key}]`).count().then((n) => (n ? text(page, `[data-change=${key}]`) : null)),
]);
const expectedFigure = ({ value, previous }) => [num(value), previous === null ? null : signed(value - previous)];
const cell = (v) => (v === null || v === undefined ? '' : v);

describe('insights views', () => {
  test('Members: "inactive for 90 days" in two clicks; figures, sort, pages and the CSV of the filtered table', async () => {
    const view = await openPage({ storage: { ...localKeys(admin), 'rca.tab': '"users"' } });
    const { page, requests } = view;
    await settled(page);
    await tab(page, 'members'); // click 1
    await page.click('[data-card=members] [data-filter=inactive-90]'); // click 2
    await settled(page);
    const asked = lastRequest(requests, `${I}/members`);
    assert.deepEqual(query(asked), {
      start: utcStart(7), end: utcEnd(), tz: 'UTC', filter: 'inactive-90', sort: 'username', order: 'asc', type: 'user', offset: '0', count: '25',
    });
    const inactive = await get(`${I}/members?${WEEK}&filter=inactive-90&sort=username&order=asc&type=user&count=25`);
    assert.ok(inactive.members.length > 0, 'the demo data has members inactive for 90 days');
    assert.deepEqual(await page.$$eval('[data-card=members] tbody tr td:first-child', (td) => td.map((x) => x.textContent)),
      inactive.members.map((m) => m.username));
    assert.equal(await page.getAttribute('[data-filter=inactive-90]', 'aria-pressed'), 'true');
    assert.equal(await page.getAttribute('[data-filter=all]', 'aria-pressed'), 'false');
    // Every figure and its change against the period before of equal length (state figures have none).
    for (const [key, f] of Object.entries(inactive.summary)) assert.deepEqual(await figure(page, key), expectedFigure(f), key);
    assert.equal(await text(page, '[data-card=members] [data-note=previous]'),
      `Changes: against ${dayRangeText(utcDay(15), utcDay(8))} (8 days), the period before of equal length. Figures without a change describe the workspace now.`);
    // The hostile name is text.
    assert.ok(inactive.members.some((m) => m.name === XSS.member));
    assert.ok((await page.$$eval('[data-card=members] tbody td', (td) => td.map((x) => x.textContent))).includes(XSS.member));

    // CSV: the whole filtered table, as Rocket.Chat's client writes CSV.
    const all = await get(`${I}/members?${WEEK}&filter=inactive-90&sort=username&order=asc&type=user&count=0`);
    const file = await download(page, 'members');
    assert.equal(file.name, `members_inactive-90_${utcDay(7)}_${utcDay(0)}.csv`);
    assert.equal(file.bytes, csv([
      ['Username', 'Name', 'Type', 'Roles', 'Created', 'Active', 'Last login', 'Last message', 'Messages', 'Previous messages', 'Days active', 'Previous days active'],
      ...all.members.map((m) => [cell(m.username), cell(m.name), m.type, m.roles.join(', '), cell(m.createdAt), m.active, cell(m.lastLogin), cell(m.lastMessage),
        m.messages, m.previousMessages, m.daysActive, m.previousDaysActive]),
    ]));

    // Everyone, sorted by messages (most first, then fewest), and the second page.
    await page.click('[data-card=members] [data-filter=all]');
    await settled(page);
    await page.click('[data-card=members] [data-sort=messages]');
    await settled(page);
    assert.deepEqual([query(lastRequest(requests, `${I}/members`)).sort, query(lastRequest(requests, `${I}/members`)).order], ['messages', 'desc']);
    const byMessages = await get(`${I}/members?${WEEK}&filter=all&sort=messages&order=desc&type=user&count=25`);
    assert.deepEqual((await cells(page, '[data-card=members] tbody tr')).map((r) => [r[0], r[7]]), byMessages.members.map((m) => [m.username, num(m.messages)]));
    assert.equal(await page.getAttribute('[data-card=members] th:has([data-sort=messages])', 'aria-sort'), 'descending');
    assert.ok(byMessages.total > 25, 'two pages of members');
    assert.equal(await text(page, '[data-card=members] [data-pager]'), `1–25 of ${byMessages.total}`);
    await page.click('[data-card=members] [data-action=page-next]');
    await settled(page);
    assert.equal(query(lastRequest(requests, `${I}/members`)).offset, '25');
    const second = await get(`${I}/members?${WEEK}&filter=all&sort=messages&order=desc&type=user&count=25&offset=25`);
    assert.deepEqual((await cells(page, '[data-card=members] tbody tr')).map((r) => r[0]), second.members.map((m) => m.username));
    assert.equal(await text(page, '[data-card=members] [data-pager]'), `26–${Math.min(50, second.total)} of ${second.total}`);
    await page.click('[data-card=members] [data-sort=messages]');
    await settled(page);
    assert.deepEqual([query(lastRequest(requests, `${I}/members`)).order, query(lastRequest(requests, `${I}/members`)).offset], ['asc', '0']);
    await shot(page, 'members-1280-light');
    assert.deepEqual(await page.evaluate(() => [window.__alerts, window.__xss ?? null]), [[], null]);
    assertClean(view);
    await view.context.close();
  });

  test('Channel health: idle for N days, never used, one member or none; sort and the CSV of the filtered table', async () => {
    const view = await openPage({ storage: { ...localKeys(admin), 'rca.tab': '"health"' } });
    const { page, requests } = view;
    await settled(page);
    assert.deepEqual(query(lastRequest(requests, `${I}/channels`)), {
      start: utcStart(7), end: utcEnd(), tz: 'UTC', filter: 'all', sort: 'lastMessage', order: 'asc', type: 'all', idleDays: '30', offset: '0', count: '25',
    });
    const everything = await get(`${I}/channels?${WEEK}&sort=lastMessage&order=asc&count=25`);
    for (const [key, f] of Object.entries(everything.summary)) assert.deepEqual(await figure(page, key), expectedFigure(f), key);
    assert.deepEqual(await page.$$eval('[data-card=health] tbody .room-name', (n) => n.map((x) => x.textContent)), everything.channels.map((c) => c.name));
    assert.ok(everything.channels.some((c) => c.name === XSS.channel));

    const rows = async () => page.$$eval('[data-card=health] tbody .room-name', (n) => n.map((x) => x.textContent));
    for (const [filter, label] of [['idle', 'Idle 30 days or more'], ['never-used', 'Never used'], ['empty', 'One member or none']]) {
      await page.click(`[data-card=health] [data-filter=${filter}]`);
      await settled(page);
      assert.equal(query(lastRequest(requests, `${I}/channels`)).filter, filter);
      assert.equal(await text(page, `[data-filter=${filter}] .counter-label`), label);
      const answer = await get(`${I}/channels?${WEEK}&filter=${filter}&sort=lastMessage&order=asc&count=25`);
      assert.ok(answer.channels.length > 0, filter);
      assert.deepEqual(await rows(), answer.channels.map((c) => c.name), filter);
    }
    // Idle for at least 90 days, sorted by name.
    await page.click('[data-card=health] [data-filter=idle]');
    await settled(page);
    await page.fill('[data-control=idle-days]', '90');
    await page.press('[data-control=idle-days]', 'Enter');
    await settled(page);
    assert.equal(query(lastRequest(requests, `${I}/channels`)).idleDays, '90');
    assert.equal(await text(page, '[data-filter=idle] .counter-label'), 'Idle 90 days or more');
    await page.click('[data-card=health] [data-sort=name]');
    await settled(page);
    const idle90 = await get(`${I}/channels?${WEEK}&filter=idle&idleDays=90&sort=name&order=asc&count=0`);
    assert.deepEqual(await rows(), idle90.channels.map((c) => c.name));
    assert.equal(await text(page, '[data-card=health] [data-pager]'), `1–${idle90.total} of ${idle90.total}`);
    assert.equal(await page.isDisabled('[data-card=health] [data-action=page-next]'), true);
    const file = await download(page, 'health');
    assert.equal(file.name, `health_idle_${utcDay(7)}_${utcDay(0)}.csv`);
    assert.equal(file.bytes, csv([
      ['Name', 'Type', 'Discussion', 'Team', 'Members', 'Owner', 'Created', 'Last message', 'Idle days', 'Messages', 'Previous messages', 'Archived', 'Read-only'],
      ...idle90.channels.map((c) => [cell(c.name), c.t, c.discussion, c.teamMain, cell(c.usersCount), c.owner ? c.owner.username : '',
        cell(c.createdAt), cell(c.lastMessage), cell(c.idleDays), c.messages, c.previousMessages, c.archived, c.readOnly]),
    ]));
    await shot(page, 'health-1280-light');
    assert.deepEqual(await page.evaluate(() => [window.__alerts, window.__xss ?? null]), [[], null]);
    assertClean(view);
    await view.context.close();
  });

  test('a room\'s history: from the Channels tab and Channel health, its own address, Back to the list where it was', async () => {
    const view = await openPage({ storage: { ...localKeys(admin), 'rca.tab': '"channels"', 'rca.channelsPageSize': '25' } });
    const { page, requests } = view;
    await settled(page);
    await page.click('[data-card=channels] [data-action=page-next]');
    await settled(page);
    const list = await get(`${E}/channels/list?${WEEK}&offset=25&count=25`);
    const room = list.channels[0].room;
    await page.click(`[data-card=channels] a[data-room="${room._id}"]`);
    await settled(page);
    assert.equal(await page.evaluate(() => window.location.hash), `#channel=${encodeURIComponent(room._id)}&from=${utcDay(7)}&to=${utcDay(0)}&tz=UTC`);
    assert.deepEqual(query(lastRequest(requests, `${I}/channels/history`)), { roomId: room._id, start: utcStart(7), end: utcEnd(), tz: 'UTC' });
    const history = await get(`${I}/channels/history?roomId=${encodeURIComponent(room._id)}&${WEEK}`);
    assert.equal(history.unit, 'day');
    await checkHistory(page, history);
    const file = await download(page, 'channel-history');
    assert.equal(file.bytes, csv([['Date', 'Messages', 'Previous date', 'Previous messages'], ...history.series.map((s) => [s.start, s.messages, s.previousStart, s.previousMessages])]));
    await shot(page, 'history-1280-light');

    // Back (the page's button, then the browser's) returns to the second page of the list.
    await page.click('[data-action=back]');
    await settled(page);
    assert.equal(await page.evaluate(() => window.location.hash), '');
    assert.equal(await page.getAttribute('[data-tab=channels]', 'aria-selected'), 'true');
    assert.equal(await text(page, '[data-card=channels] [data-pager]'), `26–${Math.min(50, list.total)} of ${list.total}`);
    // Scrolled down the list (a DOM click: Playwright's own would scroll to the link first), Back returns
    // to the same place.
    await page.setViewportSize({ width: 1280, height: 500 });
    const scrolled = await page.evaluate(() => { window.scrollTo(0, document.documentElement.scrollHeight); return window.scrollY; });
    assert.ok(scrolled > 0, 'the list is taller than the window');
    await page.$eval(`[data-card=channels] a[data-room="${room._id}"]`, (a) => a.click());
    await settled(page);
    assert.equal(await page.evaluate(() => window.scrollY), 0, 'a room\'s history opens at its top');
    await page.goBack();
    await settled(page);
    assert.equal(await text(page, '[data-card=channels] [data-pager]'), `26–${Math.min(50, list.total)} of ${list.total}`);
    assert.equal(await page.evaluate(() => window.scrollY), scrolled);
    await page.goForward();
    await settled(page);
    assert.equal(await text(page, '[data-room-title] .room-name'), room.name || room.usernames.join(' × '));

    // From Channel health, filtered: Back returns to the filter.
    await tab(page, 'health');
    await page.click('[data-card=health] [data-filter=empty]');
    await settled(page);
    await page.click(`[data-card=health] a[data-room="ui-xss-idle"]`);
    await settled(page);
    const hostile = await get(`${I}/channels/history?roomId=ui-xss-idle&${WEEK}`);
    await checkHistory(page, hostile);
    assert.equal(await text(page, '[data-room-title] .room-name'), XSS.channel);
    assert.equal(await text(page, '[data-note=posters]'), 'Nobody posted in this period.');
    await page.click('[data-action=back]');
    await settled(page);
    assert.equal(await page.getAttribute('[data-card=health] [data-filter=empty]', 'aria-pressed'), 'true');
    assert.deepEqual(await page.evaluate(() => [window.__alerts, window.__xss ?? null]), [[], null]);
    assertClean(view);
    await view.context.close();

    // The address alone, as shared: the busiest room over two past days in Los Angeles, per hour.
    const busiest = (await get(`${E}/channels/list?${WEEK}&count=1`)).channels[0].room._id;
    const shared = await openPage({ storage: localKeys(admin), hash: `#channel=${encodeURIComponent(busiest)}&from=${utcDay(3)}&to=${utcDay(2)}&tz=America%2FLos_Angeles` });
    await settled(shared.page);
    const asked = query(lastRequest(shared.requests, `${I}/channels/history`));
    assert.equal(asked.tz, 'America/Los_Angeles');
    const la = await get(`${I}/channels/history?roomId=${encodeURIComponent(busiest)}&start=${asked.start}&end=${asked.end}&tz=America/Los_Angeles`);
    assert.equal(la.unit, 'hour');
    assert.ok(la.summary.messages.value > 0, 'messages in those hours');
    assert.equal(la.period.firstDay, utcDay(3));
    assert.ok(la.series.length >= 47 && la.series.length <= 49, `${la.series.length} hours`);
    await checkHistory(shared.page, la);
    assert.equal(await shared.page.inputValue('[data-control=zone]'), 'America/Los_Angeles');
    assert.equal(await text(shared.page, '[data-range]'), `${dayRangeText(utcDay(3), utcDay(2))} (2 days)`);
    await shot(shared.page, 'history-hours-1280-light');
    // Back from a shared address: the list (no page of this site to go back to).
    await shared.page.click('[data-action=back]');
    await settled(shared.page);
    assert.equal(await shared.page.evaluate(() => window.location.hash), '');
    assertClean(shared);
    await shared.context.close();
  });

  test('a dashboard user without view-user-administration: no Members tab, counts and no names', async () => {
    // No Members tab (the session's can.people is false), even when it was the last tab used.
    const view = await openPage({ storage: { ...localKeys(ANALYST), 'rca.tab': '"members"' } });
    const { page, requests } = view;
    await settled(page);
    assert.deepEqual(await page.$$eval('[role=tab]', (t) => t.map((b) => b.textContent)), ['Users', 'Messages', 'Channels', 'Channel health']);
    assert.equal(await page.getAttribute('[data-tab=users]', 'aria-selected'), 'true');
    await tab(page, 'health');
    assert.deepEqual(await page.$$eval('[data-card=health] thead th', (th) => th.map((x) => x.textContent.replace(/[▲▼]/g, '').trim())),
      ['Channel', 'Members', 'Created', 'Last message', 'Idle days', 'Messages', 'Messages before']);
    const busiest = (await get(`${E}/channels/list?${WEEK}&count=1`)).channels[0].room._id;
    await page.goto(`${service.base}/rc-analytics/#channel=${busiest}&from=${utcDay(7)}&to=${utcDay(0)}&tz=UTC`);
    await settled(page);
    const history = await get(`${I}/channels/history?roomId=${busiest}&${WEEK}`, ANALYST);
    assert.ok(history.topPosters.length > 0 && history.topPosters.every((p) => Object.keys(p).join() === 'messages'));
    assert.deepEqual(await cells(page, '.posters tbody tr'), history.topPosters.map((p, i) => [`${i + 1}.`, `Member ${i + 1}`, num(p.messages)]));
    assert.equal(await text(page, '[data-note=posters]'), 'Names need the permission view-user-administration (Rocket.Chat\'s default: admin).');
    assert.equal(await page.locator('[data-fact=Owner]').count(), 0);
    assert.ok(requests.every((u) => u.pathname !== `${I}/members`), 'the members table is never asked for');
    assertClean(view);
    await view.context.close();
  });

  test('the period before: the Messages chart\'s overlay, the Channels comparison of equal length; the retention grid', async () => {
    const view = await openPage({ storage: { ...localKeys(admin), 'rca.tab': '"messages"' } });
    const { page, requests } = view;
    await settled(page);
    const datasets = () => page.$eval('[data-card=messages-sent] canvas', (c) => window.Chart.getChart(c).data.datasets.map((d) => [d.label, d.data]));
    const days = (first, n) => Array.from({ length: n }, (_, i) => utcDay(first - i));
    const perDay = (answer) => new Map(answer.days.map((d) => [d.day.slice(0, 10), d.messages]));
    const sent = perDay(await get(`${E}/messages/messages-sent?${WEEK}`));
    const earlier = perDay(await get(`${E}/messages/messages-sent?start=${utcStart(15)}&end=${utcEnd(8)}&tz=UTC`));
    const thisWeek = [dayRangeText(utcDay(7), utcDay(0)), days(7, 8).map((d) => sent.get(d) || 0)];
    assert.deepEqual(await datasets(), [thisWeek]);
    await page.check('[data-control=messages-sent-overlay]');
    await settled(page);
    assert.deepEqual(await datasets(), [thisWeek, [dayRangeText(utcDay(15), utcDay(8)), days(15, 8).map((d) => earlier.get(d) || 0)]]);
    assert.equal(await page.evaluate(() => localStorage.getItem('rca.messages-sent.overlay')), 'true');
    await shot(page, 'messages-overlay-1280-light');

    // Channels: "Change" against the 8 days before instead of Rocket.Chat's 9.
    await tab(page, 'channels');
    await page.selectOption('[data-control=channels-compare]', 'previous');
    await settled(page);
    const previousList = requests.filter((u) => u.pathname === `${E}/channels/list` && u.searchParams.get('count') === '0').at(-1);
    assert.deepEqual(query(previousList), { start: utcStart(15), end: utcEnd(8), offset: '0', count: '0', tz: 'UTC' });
    assert.equal(await text(page, '[data-card=channels] [data-note=comparison]'),
      `Messages: ${dayRangeText(utcDay(7), utcDay(0))} (8 days, today so far). Change: against ${dayRangeText(utcDay(15), utcDay(8))} (8 days), the period before of equal length.`);
    const page1 = await get(`${E}/channels/list?${WEEK}&offset=0&count=25`);
    const before8 = new Map((await get(`${E}/channels/list?start=${utcStart(15)}&end=${utcEnd(8)}&tz=UTC&count=0`)).channels.map((c) => [c.room._id, c.messages]));
    assert.deepEqual((await cells(page, '[data-card=channels] tbody tr')).map((r) => r[3]), page1.channels.map((c) => signed(c.messages - (before8.get(c.room._id) || 0))));

    // Retention: every cell's share, its colour level, and the CSV.
    await tab(page, 'users');
    const retention = await get(`${I}/retention?tz=UTC`);
    assert.equal(retention.cohorts.length, 12);
    const shown = await page.$$eval('[data-card=retention] tbody tr', (trs) => trs.map((tr) => [tr.dataset.cohort,
      [...tr.querySelectorAll('td[data-week]')].map((td) => [Number(td.dataset.week), td.textContent, td.className])]));
    assert.deepEqual(shown.map(([c]) => c), retention.cohorts.map((c) => c.week));
    const level = (s) => (s === 0 ? 0 : s < 0.25 ? 1 : s < 0.5 ? 2 : s < 0.75 ? 3 : 4);
    const expected = retention.cohorts.map((c) => [c.week, retention.cells.filter((x) => x.cohort === c.week).map((x) => (x.share === null
      ? [x.week, '—', 'none'] : [x.week, `${Math.round(x.share * 1000) / 10}%`, `l${level(x.share)}`]))]);
    assert.deepEqual(shown, expected);
    assert.ok(retention.cells.some((x) => x.share > 0), 'the demo\'s cohorts are active');
    const file = await download(page, 'retention');
    assert.equal(file.bytes, csv([['Cohort', 'Week', 'Members', 'Active', 'Share'], ...retention.cells.map((x) => [x.cohort, x.week, x.members, x.active, cell(x.share)])]));
    await shot(page, 'users-retention-1280-light');
    assertClean(view);
    await view.context.close();
  });

  test('screenshots of the new views at 1280 and 375 px, light and dark: nothing wider than the viewport', async () => {
    const busiest = (await get(`${E}/channels/list?${WEEK}&count=1`)).channels[0].room._id;
    for (const [width, height] of [[1280, 800], [375, 800]]) {
      for (const scheme of ['light', 'dark']) {
        for (const [name, storage, hash] of [
          ['members', { 'rca.tab': '"members"' }, ''],
          ['health', { 'rca.tab': '"health"' }, ''],
          ['history', {}, `#channel=${busiest}&from=${utcDay(7)}&to=${utcDay(0)}&tz=UTC`],
        ]) {
          const view = await openPage({ width, height, scheme, storage: { ...localKeys(admin), ...storage }, hash });
          await settled(view.page);
          await view.page.waitForTimeout(100);
          const what = `${name}-${width}-${scheme}`;
          assert.equal(await view.page.evaluate(() => document.documentElement.scrollWidth), width, what);
          await shot(view.page, what);
          assertClean(view);
          await view.context.close();
        }
      }
    }
  });
});

/** The history view shows `history` (the API's answer for the same room, days and zone). */
async function checkHistory(page, history) {
  assert.deepEqual(await Promise.all(['messages', 'posters'].map((k) => text(page, `[data-card=channel-history] [data-count=${k}]`))),
    [num(history.summary.messages.value), num(history.summary.posters.value)]);
  assert.deepEqual(await Promise.all(['messages', 'posters'].map((k) => text(page, `[data-card=channel-history] [data-change=${k}]`))),
    ['messages', 'posters'].map((k) => signed(history.summary[k].value - history.summary[k].previous)));
  const data = await page.$eval('[data-card=channel-history] canvas', (c) => window.Chart.getChart(c).data.datasets.map((d) => d.data));
  assert.deepEqual(data, [history.series.map((s) => s.messages), history.series.map((s) => s.previousMessages)]);
  assert.deepEqual((await cells(page, '[data-card=channel-history] details tbody tr')).map((r) => [r[1], r[3]]),
    history.series.map((s) => [num(s.messages), num(s.previousMessages)]));
  assert.equal(await text(page, '[data-fact=Members] dd'), num(history.room.usersCount ?? 0));
  if (history.topPosters.length && history.topPosters[0].username) {
    assert.deepEqual((await cells(page, '.posters tbody tr')).map((r) => [r[0], r[2]]), history.topPosters.map((p, i) => [`${i + 1}.`, num(p.messages)]));
    assert.deepEqual(await page.$$eval('.posters tbody .username', (u) => u.map((x) => x.textContent)), history.topPosters.map((p) => p.username));
  }
}
