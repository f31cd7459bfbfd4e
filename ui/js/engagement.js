// The Engagement Dashboard's cards (Rocket.Chat's Users, Messages and Channels tabs), from the
// /api/v1/engagement-dashboard routes, bucketed in the chosen time zone (`tz`).

import { counters, createCard, select } from './card.js';
import { areas, bars, doughnut, palette } from './charts.js';
import { dataDetails, h, table } from './dom.js';
import { roomCell } from './rooms.js';
import { dot } from './omnichannel.js';
import * as fmt from './format.js';
import { retentionCard } from './insights.js';
import { change, pageSize, pager, versus } from './list.js';
import { addDays, dayOf, daysBetween, eachDay, endOfDay, periodRange, previousPeriod, rocketChatPrevious, startOfDay, ymd } from './periods.js';
import { ROOM_TYPES, activeUsers, activeUsersCsv, activeUsersRange, dailySeries, heatmap, heatmapCsv, roomName, share } from './reports.js';

const E = '/api/v1/engagement-dashboard';
const iso = (d) => d.toISOString();

const periodName = (env, r) => fmt.periodName(env.periodLabel(), r);
const periodPhrase = (env, r) => fmt.periodPhrase(env.periodLabel(), r);

/** A counter with its change against the period before of equal length (`against` names those days). */
function withChange(key, label, count, previous, against) {
  return { key, label, countText: fmt.num(count), extra: change(key, count, previous, { against }) };
}

/** "Changes: against <days>, the period before of equal length." */
function changesNote(first, last, extra = '') {
  return h('p', { class: 'note', 'data-note': 'previous' }, `Changes: against ${fmt.daysText(first, last)}, the period before of equal length.${extra}`);
}

/** The same route over the period before of equal length (`r` is the period). */
function previousOf(env, path, r, zone, signal) {
  const p = previousPeriod(r.first, r.last);
  const q = { start: iso(new Date(startOfDay(p.first, zone))), end: iso(new Date(endOfDay(p.last, zone))), tz: zone };
  return env.api.get(`${E}/${path}`, q, { signal }).then((body) => ({ body, ...p }));
}

/**
 * New users / Messages sent: counters for the period and yesterday with their changes against the period
 * before of equal length, bars per day (with the period before beside them on request).
 */
function dailyCard(env, { id, title, path, key, unit, csvHeader, wide = false }) {
  const overlay = { on: Boolean(env.store.get(`${id}.overlay`, false)) };
  let card;
  const toggle = h('label', { class: 'control check' },
    h('input', {
      type: 'checkbox', checked: overlay.on, 'data-control': `${id}-overlay`,
      onchange: (e) => {
        overlay.on = e.target.checked;
        env.store.set(`${id}.overlay`, overlay.on);
        card.refresh();
      },
    }),
    h('span', {}, 'Show the period before'));
  card = createCard({
    id, title, wide, controls: [toggle],
    async load(signal) {
      const zone = env.zone();
      const r = periodRange(env.period(), zone);
      const [body, before] = await Promise.all([
        env.api.get(`${E}/${path}`, { start: iso(r.start), end: iso(r.end), tz: zone }, { signal }),
        previousOf(env, path, r, zone, signal),
      ]);
      return {
        body, r, zone, before,
        series: dailySeries(body.days, r.first, r.last, zone, key),
        previous: dailySeries(before.body.days, before.first, before.last, zone, key),
      };
    },
    render({ body, r, zone, series, before, previous }, ctx) {
      ctx.subtitle(`${fmt.count(body.period.count, ...unit)}, ${periodPhrase(env, r)}`);
      // Rocket.Chat's "yesterday" is the day before the period's last day: yesterday only when that is today.
      const dayBefore = addDays(r.last, -1);
      const lastIsToday = ymd(r.last) === ymd(dayOf(Date.now(), zone));
      const perDay = new Map([...previous, ...series].map((p) => [ymd(p.day), p.value]));
      const against = fmt.dayRange(before.first, before.last);
      const colors = palette();
      const shown = [{ label: fmt.dayRange(r.first, r.last), data: series.map((p) => p.value), color: colors[0] }];
      if (overlay.on) shown.push({ label: against, data: previous.map((p) => p.value), color: colors[4] });
      return [
        counters([
          withChange('period', periodName(env, r), body.period.count, before.body.period.count, against),
          withChange('yesterday', lastIsToday ? 'Yesterday' : fmt.day(dayBefore, true), body.yesterday.count,
            perDay.get(ymd(addDays(r.last, -2))) ?? 0, fmt.day(addDays(r.last, -2), true)),
        ]),
        changesNote(before.first, before.last, ' Yesterday: against the day before.'),
        ctx.chart((canvas) => bars(canvas, { labels: series.map((p) => fmt.day(p.day)), series: shown })),
        dataDetails('Numbers per day', ['Date', title, 'The period before', title],
          series.map((p, i) => [fmt.day(p.day, true), fmt.num(p.value), fmt.day(previous[i].day, true), fmt.num(previous[i].value)]), [1, 3]),
      ];
    },
    csv: ({ series }) => [['Date', csvHeader], ...series.map((p) => [ymd(p.day), p.value])],
    csvName: ({ r }) => `${id}_${ymd(r.first)}_${ymd(r.last)}`,
  });
  return card;
}

function activeUsersCard(env) {
  return createCard({
    id: 'active-users', title: 'Active users',
    async load(signal) {
      const zone = env.zone();
      const r = activeUsersRange(zone);
      // MAU's period before: the 30 days before the 30 points.
      const before = { first: addDays(r.first, -30), last: addDays(r.first, -1) };
      const q = (first, last) => ({ start: iso(new Date(startOfDay(first, zone))), end: iso(new Date(endOfDay(last, zone))), tz: zone });
      const [body, earlier] = await Promise.all([
        env.api.get(`${E}/users/active-users`, { start: iso(r.start), end: iso(r.end), tz: zone }, { signal }),
        env.api.get(`${E}/users/active-users`, q(before.first, before.last), { signal }),
      ]);
      return { body, r, zone, before, ...activeUsers(body.month, r.first, earlier.month) };
    },
    render({ series, counters: c, before }, ctx) {
      const last = series[series.length - 1].day;
      ctx.subtitle(`Last 30 days without today: ${fmt.dayRange(series[0].day, last)}`);
      const colors = palette();
      return [
        counters([
          withChange('dau', 'Daily active users', c.dau.count, c.dau.previous, fmt.day(addDays(last, -1), true)),
          withChange('wau', 'Weekly active users', c.wau.count, c.wau.previous, fmt.dayRange(addDays(last, -13), addDays(last, -7))),
          withChange('mau', 'Monthly active users', c.mau.count, c.mau.previous, fmt.dayRange(before.first, before.last)),
        ]),
        h('p', { class: 'note', 'data-note': 'previous' },
          `Changes: daily against ${fmt.day(addDays(last, -1), true)}, weekly against ${fmt.dayRange(addDays(last, -13), addDays(last, -7))}, monthly against ${fmt.dayRange(before.first, before.last)}.`),
        ctx.chart((canvas) => areas(canvas, {
          labels: series.map((p) => fmt.day(p.day)),
          series: [
            { label: 'MAU', data: series.map((p) => p.mau), color: colors[2] },
            { label: 'WAU', data: series.map((p) => p.wau), color: colors[1] },
            { label: 'DAU', data: series.map((p) => p.dau), color: colors[0] },
          ],
        })),
        dataDetails('Numbers per day', ['Date', 'DAU', 'WAU', 'MAU'],
          series.map((p) => [fmt.day(p.day, true), fmt.num(p.dau), fmt.num(p.wau), fmt.num(p.mau)]), [1, 2, 3]),
      ];
    },
    csv: ({ series, zone }) => activeUsersCsv(series, zone),
    csvName: ({ r }) => `active-users_${ymd(r.first)}_${ymd(r.last)}`,
  });
}

function usersByTimeCard(env) {
  return createCard({
    id: 'users-by-time', title: 'Users by time of day', wide: true,
    async load(signal) {
      const zone = env.zone();
      const r = periodRange(env.period(), zone);
      const body = await env.api.get(`${E}/users/users-by-time-of-the-day-in-a-week`, { start: iso(r.start), end: iso(r.end), tz: zone }, { signal });
      return { body, r, zone, grid: heatmap(body.week, r.first, r.last) };
    },
    isEmpty: ({ body }) => !body.week || body.week.length === 0,
    render({ r, zone, grid }, ctx) {
      ctx.subtitle(`Users online per hour (${zone}), ${periodPhrase(env, r)}`);
      const level = (v) => (v === 0 || grid.max === 0 ? 0 : Math.min(4, 1 + Math.floor((v / grid.max) * 3.999)));
      const hours = Array.from({ length: 24 }, (_, i) => i);
      return [
        h('div', { class: 'scroll heatmap-wrap' },
          h('table', { class: 'heatmap' },
            h('caption', { class: 'sr-only' }, 'Users per day (rows) and hour (columns)'),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'), hours.map((hr) => h('th', { scope: 'col', title: fmt.hour(hr), class: hr % 6 ? 'minor' : undefined }, String(hr))))),
            h('tbody', {}, grid.rows.map((row) => h('tr', { 'data-day': ymd(row.day) },
              h('th', { scope: 'row' }, h('span', { class: 'long' }, fmt.weekdayDay(row.day)), h('span', { class: 'short' }, fmt.day(row.day))),
              row.hours.map((v, hr) => h('td', { class: `l${level(v)}`, title: `${fmt.weekdayDay(row.day)}, ${fmt.hour(hr)}: ${fmt.num(v)} users`, 'data-hour': hr }, fmt.num(v)))))))),
        h('p', { class: 'legend-scale' }, 'Fewer', ['l0', 'l1', 'l2', 'l3', 'l4'].map((l) => h('span', { class: `swatch ${l}`, 'aria-hidden': 'true' })), 'More'),
      ];
    },
    csv: ({ body, zone }) => heatmapCsv(body.week, zone),
    csvName: ({ r }) => `users-by-time_${ymd(r.first)}_${ymd(r.last)}`,
  });
}

function busierCard(env) {
  const state = { mode: env.store.get('busierMode', 'hours'), back: 0 };
  let card;
  const label = h('span', { class: 'busier-label', 'aria-live': 'polite' });
  const next = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Later', 'data-action': 'next', onclick: () => { state.back = Math.max(0, state.back - 1); card.refresh(); } }, '›');
  const prev = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Earlier', 'data-action': 'prev', onclick: () => { state.back += 1; card.refresh(); } }, '‹');
  const mode = select('Show', [['hours', 'Hours'], ['days', 'Days']], state.mode, (v) => {
    state.mode = v;
    state.back = 0;
    env.store.set('busierMode', v);
    card.refresh();
  }, { 'data-control': 'busier-mode' });
  card = createCard({
    id: 'chat-busier', title: 'When is the chat busier?',
    controls: [mode, h('span', { class: 'stepper' }, prev, label, next)],
    async load(signal) {
      const zone = env.zone();
      const today = dayOf(Date.now(), zone);
      // Hours: one day per step. Days: weeks of 7 days that do not overlap (weekly-data answers the 8 days
      // from 7 days before `start` to its day; the oldest belongs to the week before).
      const last = addDays(today, -(state.mode === 'hours' ? state.back : state.back * 7));
      const start = new Date(endOfDay(last, zone));
      next.disabled = state.back === 0;
      if (state.mode === 'hours') {
        const body = await env.api.get(`${E}/users/chat-busier/hourly-data`, { start: iso(start), tz: zone }, { signal });
        const slots = [...body.hours].sort((a, b) => a.hour - b.hour);
        const rows = slots.map((x) => ({ label: fmt.hour(x.hour), users: x.users, csv: new Date(startOfDay(last, zone) + x.hour * 3600000).toISOString() }));
        return { mode: 'hours', rows, title: fmt.weekdayDay(last), first: last, last };
      }
      const first = addDays(last, -6);
      const body = await env.api.get(`${E}/users/chat-busier/weekly-data`, { start: iso(start), tz: zone }, { signal });
      const users = new Map(body.month.map((x) => [ymd({ y: x.year, m: x.month, d: x.day }), x.users]));
      const rows = eachDay(first, last).map((d) => ({ label: fmt.weekdayDay(d), users: users.get(ymd(d)) || 0, csv: ymd(d) }));
      return { mode: 'days', rows, title: fmt.dayRange(first, last), first, last };
    },
    render(data, ctx) {
      label.textContent = data.title;
      ctx.subtitle(data.mode === 'hours' ? 'Users online per two hours' : 'Users online per day');
      return [
        ctx.chart((canvas) => bars(canvas, {
          labels: data.rows.map((r) => r.label),
          series: [{ label: 'Users', data: data.rows.map((r) => r.users), color: palette()[1] }],
        })),
        dataDetails('Numbers', [data.mode === 'hours' ? 'Hour' : 'Day', 'Users'], data.rows.map((r) => [r.label, fmt.num(r.users)]), [1]),
      ];
    },
    // Not in Rocket.Chat (its card has no download): the rows shown, dated as the other cards date them.
    csv: ({ rows }) => [['Date', 'Users'], ...rows.map((r) => [r.csv, r.users])],
    csvName: ({ mode, first, last }) => `chat-busier-${mode}_${ymd(first)}_${ymd(last)}`,
  });
  return card;
}

function originCard(env) {
  return createCard({
    id: 'messages-origin', title: 'Where are the messages being sent?', wide: true,
    async load(signal) {
      const zone = env.zone();
      const r = periodRange(env.period(), zone);
      const q = { start: iso(r.start), end: iso(r.end), tz: zone };
      const [origin, top, before] = await Promise.all([
        env.api.get(`${E}/messages/origin`, q, { signal }),
        env.api.get(`${E}/messages/top-five-popular-channels`, q, { signal }),
        previousOf(env, 'messages/origin', r, zone, signal),
      ]);
      return { origin, top, r, before };
    },
    render({ origin, top, r, before }, ctx) {
      const order = ['d', 'p', 'c'];
      const byType = Object.fromEntries(origin.origins.map((o) => [o.t, o.messages]));
      const beforeByType = Object.fromEntries(before.body.origins.map((o) => [o.t, o.messages]));
      const sum = (m) => order.reduce((s, t) => s + (m[t] || 0), 0);
      const total = sum(byType);
      const against = fmt.dayRange(before.first, before.last);
      const colors = palette();
      const color = { d: colors[3], p: colors[1], c: colors[0] };
      ctx.subtitle([`${fmt.count(total, 'message', 'messages')}, ${periodPhrase(env, r)}`, versus('total', total, sum(beforeByType), against)]);
      return [
        h('div', { class: 'split' },
          h('div', { class: 'pie-block' },
            ctx.chart((canvas) => doughnut(canvas, {
              labels: order.map((t) => ROOM_TYPES[t]), data: order.map((t) => byType[t] || 0), colors: order.map((t) => color[t]),
            })),
            h('ul', { class: 'legend' }, order.map((t) => h('li', { 'data-type': t },
              dot(color[t]),
              h('span', { class: 'legend-label' }, ROOM_TYPES[t]),
              h('span', { class: 'legend-value', 'data-value': byType[t] || 0 }, `${fmt.num(byType[t] || 0)} (${fmt.percent(share(byType[t] || 0, total))})`),
              change(t, byType[t] || 0, beforeByType[t] || 0, { against }))))),
          h('div', { class: 'top-five' },
            h('h4', {}, 'Most popular channels (top 5)'),
            top.channels.length === 0
              ? h('p', { class: 'placeholder' }, 'Not enough data')
              : table(['#', 'Channel', 'Messages'], top.channels.map((c, i) => [`${i + 1}.`, roomCell(c.t, roomName(c)), fmt.num(c.messages)]), { numeric: [2] }))),
        changesNote(before.first, before.last),
      ];
    },
    csv: ({ origin }) => [['Room Type', 'Messages'], ...origin.origins.map((o) => [o.t, o.messages])],
    csvName: ({ r }) => `messages-origin_${ymd(r.first)}_${ymd(r.last)}`,
  });
}

/**
 * The Channels tab: Rocket.Chat's paginated channel list. "Change" compares with the days Rocket.Chat
 * compares with (its n + 1 days before the period), or, on request, with the period before of equal length
 * (the same list over those n days: a room with messages in them is always in Rocket.Chat's list, whose
 * days include them). Each room opens its history.
 */
function channelsCard(env, state) {
  let card;
  const reload = (patch) => {
    Object.assign(state, patch);
    env.store.set('channelsPageSize', state.size);
    env.store.set('channelsCompare', state.compare);
    card.refresh();
  };
  const compare = select('Compare with', [['rocketchat', 'Rocket.Chat\'s days before'], ['previous', 'The period before (same length)']], state.compare,
    (v) => reload({ compare: v }), { 'data-control': 'channels-compare' });
  card = createCard({
    id: 'channels', title: 'Channels', wide: true, controls: [compare, pageSize(state.size, (n) => reload({ size: n, offset: 0 }))],
    async load(signal) {
      const zone = env.zone();
      const r = periodRange(env.period(), zone);
      const list = (start, end, offset, count) => env.api.get(`${E}/channels/list`, { start: iso(start), end: iso(end), offset, count, tz: zone }, { signal });
      const p = previousPeriod(r.first, r.last);
      const [body, before] = await Promise.all([
        list(r.start, r.end, state.offset, state.size),
        // count=0: every room, to find this page's rooms in the period before.
        state.compare === 'previous' ? list(new Date(startOfDay(p.first, zone)), new Date(endOfDay(p.last, zone)), 0, 0) : null,
      ]);
      const previous = before && new Map(before.channels.map((c) => [c.room._id, c.messages]));
      return { body, r, zone, previous, p };
    },
    isEmpty: ({ body }) => body.channels.length === 0,
    render({ body, r, zone, previous, p }, ctx) {
      // Rocket.Chat's channels/list compares the period's n days with the n + 1 days before it.
      const other = previous ? p : rocketChatPrevious(r.first, r.last);
      const today = dayOf(Date.now(), zone);
      ctx.subtitle(`${fmt.count(body.total, 'room', 'rooms')} with messages in the period or the ${fmt.count(daysBetween(rocketChatPrevious(r.first, r.last).first, r.first), 'day', 'days')} before it`);
      const diff = (c) => (previous ? c.messages - (previous.get(c.room._id) || 0) : c.diffFromLastWeek);
      const open = (rid) => ({ rid, href: env.room.href(rid), onclick: () => env.room.open(rid) });
      return [
        h('p', { class: 'note', 'data-note': 'comparison' }, `Messages: ${fmt.daysText(r.first, r.last, today)}. Change: against ${fmt.daysText(other.first, other.last, today)}, ${previous
          ? 'the period before of equal length.'
          : 'the days Rocket.Chat\'s channel list compares with.'}`),
        h('div', { class: 'scroll' }, table(['#', 'Channel', 'Messages', 'Change', 'Created', 'Last active'],
          body.channels.map((c, i) => [
            `${body.offset + i + 1}.`, roomCell(c.room.t, roomName(c.room), open(c.room._id)),
            fmt.num(c.messages), change('room', c.messages, c.messages - diff(c)),
            fmt.date(c.room.ts, zone), fmt.date(c.room._updatedAt, zone),
          ]), { numeric: [2, 3], labelled: [2, 3, 4, 5], className: 'channels-table stack ranked' })),
        pager({ offset: body.offset, shown: body.channels.length, total: body.total, size: state.size, onOffset: (offset) => reload({ offset }) }),
      ];
    },
    csv: ({ body }) => [['Room type', 'Name', 'Messages', 'Last Update Date', 'Creation Date'],
      ...body.channels.map((c) => [c.room.t, roomName(c.room), c.messages, c.room._updatedAt, c.room.ts])],
    csvName: ({ r, body }) => `channels_${ymd(r.first)}_${ymd(r.last)}_${body.offset + 1}`,
  });
  return card;
}

export function engagementTabs(env) {
  // The Channels list's place, kept between visits (Back from a room's history returns to it).
  const channels = {
    size: Number(env.store.get('channelsPageSize', 25)),
    compare: env.store.get('channelsCompare', 'rocketchat') === 'previous' ? 'previous' : 'rocketchat',
    offset: 0,
  };
  return {
    users: () => [
      dailyCard(env, { id: 'new-users', title: 'New users', path: 'users/new-users', key: 'users', unit: ['new user', 'new users'], csvHeader: 'New Users' }),
      activeUsersCard(env),
      usersByTimeCard(env),
      busierCard(env),
      retentionCard(env),
    ],
    messages: () => [
      dailyCard(env, { id: 'messages-sent', title: 'Messages sent', path: 'messages/messages-sent', key: 'messages', unit: ['message', 'messages'], csvHeader: 'Messages', wide: true }),
      originCard(env),
    ],
    channels: () => [channelsCard(env, channels)],
  };
}
