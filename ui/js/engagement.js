// The Engagement Dashboard's cards (Rocket.Chat's Users, Messages and Channels tabs), from the
// /api/v1/engagement-dashboard routes, bucketed in the chosen time zone (`tz`).

import { counters, createCard, select } from './card.js';
import { areas, bars, doughnut, palette } from './charts.js';
import { dataDetails, h, table } from './dom.js';
import { dot } from './omnichannel.js';
import * as fmt from './format.js';
import { addDays, dayOf, eachDay, endOfDay, periodRange, rocketChatPrevious, startOfDay, ymd } from './periods.js';
import { ROOM_TYPES, activeUsers, activeUsersCsv, activeUsersRange, dailySeries, heatmap, heatmapCsv, roomName, share } from './reports.js';

const E = '/api/v1/engagement-dashboard';
const iso = (d) => d.toISOString();

const periodName = (env, r) => fmt.periodName(env.periodLabel(), r);
const periodPhrase = (env, r) => fmt.periodPhrase(env.periodLabel(), r);

function withVariation(key, label, count, variation) {
  return { key, label, countText: fmt.num(count), variation, variationText: fmt.signed(variation) };
}

/** New users / Messages sent: counters for the period and yesterday, bars per day. */
function dailyCard(env, { id, title, path, key, unit, csvHeader, wide = false }) {
  return createCard({
    id, title, wide,
    async load(signal) {
      const zone = env.zone();
      const r = periodRange(env.period(), zone);
      const body = await env.api.get(`${E}/${path}`, { start: iso(r.start), end: iso(r.end), tz: zone }, { signal });
      return { body, r, zone, series: dailySeries(body.days, r.first, r.last, zone, key) };
    },
    render({ body, r, zone, series }, ctx) {
      ctx.subtitle(`${fmt.count(body.period.count, ...unit)}, ${periodPhrase(env, r)}`);
      // Rocket.Chat's "yesterday" is the day before the period's last day: yesterday only when that is today.
      const dayBefore = addDays(r.last, -1);
      const lastIsToday = ymd(r.last) === ymd(dayOf(Date.now(), zone));
      return [
        counters([
          withVariation('period', periodName(env, r), body.period.count, body.period.variation),
          withVariation('yesterday', lastIsToday ? 'Yesterday' : fmt.day(dayBefore, true), body.yesterday.count, body.yesterday.variation),
        ]),
        ctx.chart((canvas) => bars(canvas, {
          labels: series.map((p) => fmt.day(p.day)),
          series: [{ label: title, data: series.map((p) => p.value), color: palette()[0] }],
        })),
        dataDetails('Numbers per day', ['Date', title], series.map((p) => [fmt.day(p.day, true), fmt.num(p.value)]), [1]),
      ];
    },
    csv: ({ series }) => [['Date', csvHeader], ...series.map((p) => [ymd(p.day), p.value])],
    csvName: ({ r }) => `${id}_${ymd(r.first)}_${ymd(r.last)}`,
  });
}

function activeUsersCard(env) {
  return createCard({
    id: 'active-users', title: 'Active users',
    async load(signal) {
      const zone = env.zone();
      const r = activeUsersRange(zone);
      const body = await env.api.get(`${E}/users/active-users`, { start: iso(r.start), end: iso(r.end), tz: zone }, { signal });
      return { body, r, zone, ...activeUsers(body.month, r.first) };
    },
    render({ series, counters: c }, ctx) {
      ctx.subtitle(`Last 30 days without today: ${fmt.dayRange(series[0].day, series[series.length - 1].day)}`);
      const colors = palette();
      return [
        counters([
          withVariation('dau', 'Daily active users', c.dau.count, c.dau.variation),
          withVariation('wau', 'Weekly active users', c.wau.count, c.wau.variation),
          withVariation('mau', 'Monthly active users', c.mau.count, c.mau.variation),
        ]),
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
      const [origin, top] = await Promise.all([
        env.api.get(`${E}/messages/origin`, q, { signal }),
        env.api.get(`${E}/messages/top-five-popular-channels`, q, { signal }),
      ]);
      return { origin, top, r };
    },
    render({ origin, top, r }, ctx) {
      const order = ['d', 'p', 'c'];
      const byType = Object.fromEntries(origin.origins.map((o) => [o.t, o.messages]));
      const total = order.reduce((s, t) => s + (byType[t] || 0), 0);
      const colors = palette();
      const color = { d: colors[3], p: colors[1], c: colors[0] };
      ctx.subtitle(`${fmt.count(total, 'message', 'messages')}, ${periodPhrase(env, r)}`);
      return h('div', { class: 'split' },
        h('div', { class: 'pie-block' },
          ctx.chart((canvas) => doughnut(canvas, {
            labels: order.map((t) => ROOM_TYPES[t]), data: order.map((t) => byType[t] || 0), colors: order.map((t) => color[t]),
          })),
          h('ul', { class: 'legend' }, order.map((t) => h('li', { 'data-type': t },
            dot(color[t]),
            h('span', { class: 'legend-label' }, ROOM_TYPES[t]),
            h('span', { class: 'legend-value', 'data-value': byType[t] || 0 }, `${fmt.num(byType[t] || 0)} (${fmt.percent(share(byType[t] || 0, total))})`))))),
        h('div', { class: 'top-five' },
          h('h4', {}, 'Most popular channels (top 5)'),
          top.channels.length === 0
            ? h('p', { class: 'placeholder' }, 'Not enough data')
            : table(['#', 'Channel', 'Messages'], top.channels.map((c, i) => [`${i + 1}.`, roomCell(c.t, roomName(c)), fmt.num(c.messages)]), { numeric: [2] })));
    },
    csv: ({ origin }) => [['Room Type', 'Messages'], ...origin.origins.map((o) => [o.t, o.messages])],
    csvName: ({ r }) => `messages-origin_${ymd(r.first)}_${ymd(r.last)}`,
  });
}

const TYPE_MARK = { c: ['#', 'Public channel'], p: [null, 'Private channel'], d: ['@', 'Direct messages'] };

/** A small padlock, built as SVG nodes (no markup parsing, no external image). */
function lockIcon() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '12');
  svg.setAttribute('height', '12');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute('d', 'M4 7V5a4 4 0 1 1 8 0v2h1v8H3V7h1zm2 0h4V5a2 2 0 1 0-4 0v2z');
  svg.append(path);
  return svg;
}

function roomCell(t, name) {
  const [mark, what] = TYPE_MARK[t] || ['', t];
  return h('span', { class: 'room' }, h('span', { class: 'room-type', title: what, role: 'img', 'aria-label': what }, mark ?? lockIcon()), h('span', { class: 'room-name' }, name));
}

function channelsCard(env) {
  const state = { size: Number(env.store.get('channelsPageSize', 25)), offset: 0 };
  let card;
  const size = select('Rows', [[25, '25'], [50, '50'], [100, '100']], state.size, (v) => {
    state.size = Number(v);
    state.offset = 0;
    env.store.set('channelsPageSize', state.size);
    card.refresh();
  }, { 'data-control': 'page-size' });
  card = createCard({
    id: 'channels', title: 'Channels', wide: true, controls: [size],
    async load(signal) {
      const zone = env.zone();
      const r = periodRange(env.period(), zone);
      const body = await env.api.get(`${E}/channels/list`, { start: iso(r.start), end: iso(r.end), offset: state.offset, count: state.size, tz: zone }, { signal });
      return { body, r, zone };
    },
    isEmpty: ({ body }) => body.channels.length === 0,
    render({ body, r, zone }, ctx) {
      // Rocket.Chat's channels/list compares the period's n days with the n + 1 days before it.
      const prev = rocketChatPrevious(r.first, r.last);
      const today = dayOf(Date.now(), zone);
      ctx.subtitle(`${fmt.count(body.total, 'room', 'rooms')} with messages in the period or the days it is compared with`);
      const from = body.offset + 1;
      const to = body.offset + body.channels.length;
      const pager = h('div', { class: 'pager' },
        h('button', { type: 'button', class: 'button', 'data-action': 'page-prev', disabled: body.offset === 0, onclick: () => { state.offset = Math.max(0, state.offset - state.size); card.refresh(); } }, '‹ Previous'),
        h('span', { class: 'pager-text', 'data-pager': '' }, `${fmt.num(from)}–${fmt.num(to)} of ${fmt.num(body.total)}`),
        h('button', { type: 'button', class: 'button', 'data-action': 'page-next', disabled: to >= body.total, onclick: () => { state.offset += state.size; card.refresh(); } }, 'Next ›'));
      return [
        h('p', { class: 'note', 'data-note': 'comparison' },
          `Messages: ${fmt.daysText(r.first, r.last, today)}. Change: against ${fmt.daysText(prev.first, prev.last, today)}, the days Rocket.Chat's channel list compares with.`),
        h('div', { class: 'scroll' }, table(['#', 'Channel', 'Messages', 'Change', 'Created', 'Last active'],
          body.channels.map((c, i) => [
            `${body.offset + i + 1}.`, roomCell(c.room.t, roomName(c.room)),
            fmt.num(c.messages), h('span', { class: `variation ${c.diffFromLastWeek > 0 ? 'up' : c.diffFromLastWeek < 0 ? 'down' : 'flat'}` }, fmt.signed(c.diffFromLastWeek)),
            fmt.date(c.room.ts, zone), fmt.date(c.room._updatedAt, zone),
          ]), { numeric: [2, 3], labelled: [2, 3, 4, 5], className: 'channels-table stack' })),
        pager,
      ];
    },
    csv: ({ body }) => [['Room type', 'Name', 'Messages', 'Last Update Date', 'Creation Date'],
      ...body.channels.map((c) => [c.room.t, roomName(c.room), c.messages, c.room._updatedAt, c.room.ts])],
    csvName: ({ r, body }) => `channels_${ymd(r.first)}_${ymd(r.last)}_${body.offset + 1}`,
  });
  card.resetPage = () => { state.offset = 0; };
  return card;
}

export function engagementTabs(env) {
  return {
    users: () => [
      dailyCard(env, { id: 'new-users', title: 'New users', path: 'users/new-users', key: 'users', unit: ['new user', 'new users'], csvHeader: 'New Users' }),
      activeUsersCard(env),
      usersByTimeCard(env),
      busierCard(env),
    ],
    messages: () => [
      dailyCard(env, { id: 'messages-sent', title: 'Messages sent', path: 'messages/messages-sent', key: 'messages', unit: ['message', 'messages'], csvHeader: 'Messages', wide: true }),
      originCard(env),
    ],
    channels: () => [channelsCard(env)],
  };
}
