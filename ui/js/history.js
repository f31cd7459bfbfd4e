// One room's history (GET /rc-analytics/api/v1/insights/channels/history, docs/insights.md): messages per
// day (per hour when the period is at most 2 days) beside the period before of equal length, its top
// posters, its members, creation and last message. Opened from a row of the Channels tab or of Channel
// health; its address holds the room, the days and the zone (route.js).

import { counters, createCard } from './card.js';
import { bars, palette } from './charts.js';
import { dataDetails, h } from './dom.js';
import * as fmt from './format.js';
import { change } from './list.js';
import { dayOf, endOfDay, startOfDay, zoneParts } from './periods.js';
import { roomCell } from './rooms.js';

const HISTORY = '/rc-analytics/api/v1/insights/channels/history';

/** "Dec 5" for a day bucket, "Dec 5, 2 PM" for an hour bucket (in `zone`). */
function bucketLabel(iso, unit, zone) {
  const ms = Date.parse(iso);
  const day = fmt.day(dayOf(ms, zone));
  return unit === 'hour' ? `${day}, ${fmt.hour(zoneParts(ms, zone).hour)}` : day;
}

/** The view's heading: Back, the room (filled once known) and its marks. */
function heading(onBack) {
  const title = h('h2', { class: 'history-title', 'data-room-title': '' }, 'Channel history');
  const el = h('div', { class: 'history-head' },
    h('button', { type: 'button', class: 'button', 'data-action': 'back', onclick: onBack }, '‹ Back'),
    title);
  return {
    el,
    show(room) {
      const marks = [
        room.discussion ? 'Discussion' : null, room.teamMain ? 'Team' : null,
        room.archived ? 'Archived' : null, room.readOnly ? 'Read-only' : null,
      ].filter(Boolean);
      title.replaceChildren(roomCell(room.t, room.name ?? 'Direct messages'),
        ...marks.map((m) => h('span', { class: 'badge', 'data-mark': m }, m)));
    },
  };
}

function facts(room, zone) {
  const items = [
    ['Members', fmt.num(room.usersCount ?? 0)],
    ['Created', room.createdAt ? fmt.date(room.createdAt, zone) : '—'],
    ['Last message', room.lastMessage ? fmt.dateTime(room.lastMessage, zone) : 'Never'],
  ];
  if (room.owner) items.push(['Owner', room.owner.username]);
  return h('dl', { class: 'facts' }, items.map(([k, v]) => h('div', { 'data-fact': k }, h('dt', {}, k), h('dd', {}, v))));
}

function posters(body) {
  const list = body.topPosters;
  if (list.length === 0) {
    return h('p', { class: 'note', 'data-note': 'posters' }, body.summary.posters.value > 0
      ? 'Who posted is not shown: member insights are turned off on this server (RCA_MEMBER_INSIGHTS=off).'
      : 'Nobody posted in this period.');
  }
  const named = list.some((p) => p.username);
  const rows = list.map((p, i) => h('tr', {},
    h('td', {}, `${i + 1}.`),
    h('td', {}, named ? [h('span', { class: 'username' }, p.username), p.name ? h('span', { class: 'muted' }, ` ${p.name}`) : null] : `Member ${i + 1}`),
    h('td', { class: 'num' }, fmt.num(p.messages))));
  return [
    h('table', { class: 'data posters' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'Member'), h('th', { scope: 'col', class: 'num' }, 'Messages'))),
      h('tbody', {}, rows)),
    named ? null : h('p', { class: 'note', 'data-note': 'posters' }, 'Names need the permission view-user-administration (Rocket.Chat\'s default: admin).'),
  ];
}

/** Describes a failed history request. */
function describe(e, fallback) {
  if (e && e.status === 404) return 'This room does not exist (any more), or it is not a channel, a private group or a direct message.';
  return fallback(e);
}

/** The view for `route` ({rid, from, to, zone}): {head, cards}; `onBack` returns to the list. */
export function historyView(env, route, { onBack, describeError }) {
  const head = heading(onBack);
  const card = createCard({
    id: 'channel-history', title: 'Messages', wide: true,
    describe: (e) => describe(e, describeError),
    async load(signal) {
      const { rid, from, to, zone } = route;
      const q = { roomId: rid, start: new Date(startOfDay(from, zone)).toISOString(), end: new Date(endOfDay(to, zone)).toISOString(), tz: zone };
      const body = await env.api.get(HISTORY, q, { signal });
      return { body, zone };
    },
    render({ body, zone }, ctx) {
      head.show(body.room);
      document.title = `${body.room.name ?? 'Direct messages'} · Analytics · rc-analytics`;
      const p = body.period;
      const prev = body.previousPeriod;
      const day = (s) => dayOf(Date.parse(`${s}T12:00:00Z`), 'UTC');
      const before = fmt.dayRange(day(prev.firstDay), day(prev.lastDay));
      const today = dayOf(Date.now(), zone);
      ctx.subtitle(`${fmt.count(body.summary.messages.value, 'message', 'messages')}, ${fmt.daysText(day(p.firstDay), day(p.lastDay), today)}; the period before: ${fmt.daysText(day(prev.firstDay), day(prev.lastDay))}`);
      const colors = palette();
      const labels = body.series.map((s) => bucketLabel(s.start, body.unit, zone));
      const figure = (key, label, f) => ({ key, label, countText: fmt.num(f.value), extra: change(key, f.value, f.previous, { against: before }) });
      return [
        facts(body.room, zone),
        counters([figure('messages', 'Messages', body.summary.messages), figure('posters', 'Posters', body.summary.posters)]),
        ctx.chart((canvas) => bars(canvas, {
          labels,
          series: [
            { label: `${fmt.dayRange(day(p.firstDay), day(p.lastDay))}`, data: body.series.map((s) => s.messages), color: colors[0] },
            { label: before, data: body.series.map((s) => s.previousMessages), color: colors[4] },
          ],
        })),
        dataDetails(body.unit === 'hour' ? 'Numbers per hour' : 'Numbers per day', [body.unit === 'hour' ? 'Hour' : 'Day', 'Messages', 'The period before', 'Messages'],
          body.series.map((s, i) => [labels[i], fmt.num(s.messages), bucketLabel(s.previousStart, body.unit, zone), fmt.num(s.previousMessages)]), [1, 3]),
        h('div', { class: 'posters-block' }, h('h4', {}, 'Top posters'), posters(body)),
      ];
    },
    csv: ({ body }) => [['Date', 'Messages', 'Previous date', 'Previous messages'],
      ...body.series.map((s) => [s.start, s.messages, s.previousStart, s.previousMessages])],
    csvName: ({ body }) => `channel_${body.room.name ?? body.room._id}_${body.period.firstDay}_${body.period.lastDay}`,
  });
  return { head: head.el, cards: [card] };
}
