// The Omnichannel reports' cards (Rocket.Chat's Omnichannel → Reports), from the
// /api/v1/livechat/analytics/dashboards routes.

import { createCard } from './card.js';
import { bars, css, doughnut, palette } from './charts.js';
import { dataDetails, h, table } from './dom.js';
import * as fmt from './format.js';
import { header, versus } from './list.js';
import { endOfDay, periodRange, previousPeriod, startOfDay, ymd } from './periods.js';
import { agentLabel, byAgentName, isUnnamed, omnichannelCsv, share, sourceLabel, statusLabel, topWithOthers } from './reports.js';

const O = '/api/v1/livechat/analytics/dashboards';

/** A report over the period and over the period before of equal length (for its total's change). */
function loader(env, path, extra = () => ({})) {
  return async (signal) => {
    const zone = env.zone();
    const r = periodRange(env.period(), zone);
    const p = previousPeriod(r.first, r.last);
    const get = (start, end) => env.api.get(`${O}/${path}`, { start: start.toISOString(), end: end.toISOString(), ...extra(), tz: zone }, { signal });
    const [body, before] = await Promise.all([
      get(r.start, r.end),
      get(new Date(startOfDay(p.first, zone)), new Date(endOfDay(p.last, zone))),
    ]);
    return { body, r, before, against: fmt.dayRange(p.first, p.last) };
  };
}

/** "N conversations, <period> (+k against <days before>)". */
const totals = (env, { body, r, before, against }) => [`${conversations(body.total)}, ${periodText(env, r)}`, versus('total', body.total, before.total, against)];

const periodText = (env, r) => fmt.periodPhrase(env.periodLabel(), r);

const conversations = (n) => fmt.count(n, 'conversation', 'conversations');

/** A legend's colour mark (set through the CSSOM, which the CSP allows; no style attribute). */
export function dot(color) {
  const el = h('span', { class: 'dot', 'aria-hidden': 'true' });
  el.style.backgroundColor = color;
  return el;
}

/** A doughnut with an HTML legend "<label> <value> (<pct>%)". */
function pie(ctx, items, total, colors) {
  return h('div', { class: 'pie-block' },
    ctx.chart((canvas) => doughnut(canvas, { labels: items.map((i) => i.label), data: items.map((i) => i.value), colors })),
    h('ul', { class: 'legend' }, items.map((item, n) => h('li', { 'data-label': item.label },
      dot(colors[n]),
      h('span', { class: 'legend-label' }, item.label),
      h('span', { class: 'legend-value', 'data-value': item.value }, `${fmt.num(item.value)} (${fmt.percent(share(item.value, total))})`)))));
}

function statusCard(env) {
  return createCard({
    id: 'conversations-by-status', title: 'Conversations by status',
    load: loader(env, 'conversations-by-status'),
    isEmpty: ({ body }) => body.data.length === 0,
    render(data, ctx) {
      const { body } = data;
      ctx.subtitle(totals(env, data));
      const items = body.data.map((d) => ({ label: statusLabel(d.label), value: d.value, key: d.label }));
      // Rocket.Chat counts a conversation in at most one status, and a closed one only when its recorded
      // duration (metrics.chatDuration) is above zero: the rest of the total is in none.
      const rest = body.total - items.reduce((sum, i) => sum + i.value, 0);
      if (rest > 0) items.push({ label: 'In no status', value: rest, key: 'rest' });
      const colors = palette();
      const statusColor = { Open: colors[4], Queued: colors[5], On_Hold: colors[3], Closed: colors[6], rest: css('--fg-muted') };
      return [
        pie(ctx, items, body.total, items.map((i) => statusColor[i.key] || colors[0])),
        rest > 0 ? h('p', { class: 'note', 'data-note': 'status-rest' },
          `In no status: ${conversations(rest)} not open and without a recorded duration (closed at once, for example); Rocket.Chat counts a closed conversation only when its duration is above zero.`) : null,
      ];
    },
    csv: ({ body, r }) => omnichannelCsv('Status', r.first, r.last, body.data.map((d) => ({ label: statusLabel(d.label), value: d.value }))),
    csvName: ({ r }) => `conversations-by-status_${ymd(r.first)}_${ymd(r.last)}`,
  });
}

function sourceCard(env) {
  return createCard({
    id: 'conversations-by-source', title: 'Conversations by channel',
    load: loader(env, 'conversations-by-source'),
    isEmpty: ({ body }) => body.data.length === 0,
    render(data, ctx) {
      const { body } = data;
      ctx.subtitle(totals(env, data));
      const items = topWithOthers(body.data.map((d) => ({ label: sourceLabel(d.label), value: d.value })));
      return pie(ctx, items, body.total, items.map((_, n) => palette()[n % 7]));
    },
    csv: ({ body, r }) => omnichannelCsv('Channel', r.first, r.last, body.data.map((d) => ({ label: sourceLabel(d.label), value: d.value }))),
    csvName: ({ r }) => `conversations-by-channel_${ymd(r.first)}_${ymd(r.last)}`,
  });
}

/** Departments, tags, agents: bars and a table; "(U without …)" in the subtitle. */
function barsCard(env, { id, title, path, noun, column, without, colorIndex, controls, extra, sortable }) {
  return createCard({
    id, title, controls, wide: Boolean(sortable),
    load: loader(env, path, extra),
    isEmpty: ({ body }) => body.data.length === 0,
    render(answer, ctx) {
      const { body, r, before, against } = answer;
      const unspecified = body.unspecified > 0 ? ` (${fmt.num(body.unspecified)} ${without})` : '';
      ctx.subtitle([`${fmt.count(body.data.length, ...noun)} and ${conversations(body.total)}, ${periodText(env, r)}${unspecified}`,
        versus('total', body.total, before.total, against)]);
      const data = sortable ? sortable.order(body.data) : body.data;
      const label = sortable ? sortable.label : String;
      // A sortable card charts its top five by conversations, whatever the table's order.
      const shown = sortable ? [...body.data].sort((a, b) => b.value - a.value).slice(0, 5) : data;
      const chart = ctx.chart((canvas) => bars(canvas, {
        horizontal: true,
        labels: shown.map((d) => (sortable ? sortable.short(d.label) : d.label)),
        series: [{ label: 'Conversations', data: shown.map((d) => d.value), color: palette()[colorIndex] }],
      }));
      chart.classList.add(`rows-${Math.min(shown.length, 12)}`);
      const rows = data.map((d) => [label(d.label), fmt.num(d.value)]);
      return [
        sortable && shown.length < data.length
          ? h('p', { class: 'note', 'data-note': 'chart-top' }, `The chart shows the ${shown.length} ${noun[1]} with the most conversations; the table lists all ${fmt.count(data.length, ...noun)}.`)
          : null,
        chart,
        sortable ? h('div', { class: 'scroll' }, sortable.table(rows)) : dataDetails('Numbers', [column, 'Conversations'], rows, [1]),
      ];
    },
    csv: ({ body, r }) => omnichannelCsv(column, r.first, r.last, body.data),
    csvName: ({ r }) => `${id}_${ymd(r.first)}_${ymd(r.last)}`,
  });
}

function agentsCard(env) {
  const sort = env.store.get('agentSort', { by: 'total', dir: -1 });
  let card;
  const onSort = (next) => {
    Object.assign(sort, next);
    env.store.set('agentSort', sort);
    card.refresh();
  };
  card = barsCard(env, {
    id: 'conversations-by-agent', title: 'Conversations by agent', path: 'conversations-by-agent',
    noun: ['agent', 'agents'], column: 'Agents', without: 'without assignee', colorIndex: 0,
    extra: () => ({ sort: JSON.stringify({ [sort.by]: sort.dir }) }),
    sortable: {
      // Rocket.Chat sorts names as MongoDB compares strings (capitals first, ids among the names); the
      // table sorts them as people read them, in the chosen direction.
      order: (data) => (sort.by === 'name' ? [...data].sort((a, b) => sort.dir * byAgentName(a.label, b.label)) : data),
      label: agentLabel,
      short: (name) => (isUnnamed(name) ? `No name (${name.slice(0, 4)}…)` : name),
      table: (rows) => h('table', { class: 'data agents' },
        h('thead', {}, h('tr', {}, header({ label: 'Agent', key: 'name', first: 1 }, sort, onSort), header({ label: 'Conversations', key: 'total', numeric: true, first: -1 }, sort, onSort))),
        h('tbody', {}, rows.map(([name, value]) => h('tr', {}, h('td', {}, name), h('td', { class: 'num' }, value))))),
    },
  });
  return card;
}

export function omnichannelCards(env) {
  return [
    statusCard(env),
    sourceCard(env),
    barsCard(env, { id: 'conversations-by-department', title: 'Conversations by department', path: 'conversations-by-department', noun: ['department', 'departments'], column: 'Departments', without: 'without department', colorIndex: 0 }),
    barsCard(env, { id: 'conversations-by-tags', title: 'Conversations by tags', path: 'conversations-by-tags', noun: ['tag', 'tags'], column: 'Tags', without: 'without tags', colorIndex: 1 }),
    agentsCard(env),
  ];
}
