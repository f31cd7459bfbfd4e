// rc-analytics' own questions (docs/insights.md), from /rc-analytics/api/v1/insights: the Members tab (who is
// active, inactive, never logged in, never posted, deactivated), Channel health (idle, never used, empty
// channels) and the retention of weekly signup cohorts. Summary figures filter the tables; every figure
// with a previous value shows its change against the previous period of equal length.

import { createCard, select } from './card.js';
import { h } from './dom.js';
import * as fmt from './format.js';
import { figures, pageSize, pager, sortableTable } from './list.js';
import { dayOf, periodRange, ymd } from './periods.js';
import { roomCell } from './rooms.js';

const I = '/rc-analytics/api/v1/insights';

/** 'YYYY-MM-DD' of an answer's period → {y, m, d}. */
const day = (s) => dayOf(Date.parse(`${s}T12:00:00Z`), 'UTC');
const dateOr = (iso, zone, none) => (iso ? fmt.date(iso, zone) : none);
const cell = (v) => (v === null || v === undefined ? '' : v);

/**
 * A summary over a filtered, sorted, paginated table whose CSV holds the whole filtered table.
 * `spec`: {id, title, path, rows (the answer's key), params(state), figures(summary, state), columns(body,
 * zone), csv: {header(rows), row(r)}, controls(state, reload), describe, stack}; `state` (kept by the tab
 * between visits, so that Back returns to the list where it was): {filter, sort: {by, dir}, offset, size}.
 */
function listCard(env, spec, state) {
  let card;
  const reload = (patch) => {
    Object.assign(state, patch);
    env.store.set(`${spec.id}.list`, { filter: state.filter, sort: state.sort, size: state.size, type: state.type });
    card.refresh();
  };
  const query = (r, zone) => ({
    start: r.start.toISOString(), end: r.end.toISOString(), tz: zone, filter: state.filter,
    sort: state.sort.by, order: state.sort.dir === 1 ? 'asc' : 'desc', ...spec.params(state),
  });
  card = createCard({
    id: spec.id, title: spec.title, wide: true, describe: spec.describe,
    controls: [...spec.controls(state, reload), pageSize(state.size, (n) => reload({ size: n, offset: 0 }))],
    async load(signal) {
      const zone = env.zone();
      const r = periodRange(env.period(), zone);
      const body = await env.api.get(`${I}/${spec.path}`, { ...query(r, zone), offset: state.offset, count: state.size }, { signal });
      return { body, r, zone };
    },
    render({ body, zone }, ctx) {
      const prev = body.previousPeriod;
      const against = fmt.dayRange(day(prev.firstDay), day(prev.lastDay));
      ctx.subtitle(spec.subtitle(body));
      const rows = body[spec.rows];
      return [
        figures(spec.figures(body, state), {
          current: state.filter, against,
          onFilter: (f) => reload({ filter: f, offset: 0 }),
        }),
        h('p', { class: 'note', 'data-note': 'previous' },
          `Changes: against ${fmt.daysText(day(prev.firstDay), day(prev.lastDay))}, the period before of equal length. Figures without a change describe the workspace now.`),
        rows.length === 0
          ? h('p', { class: 'placeholder', 'data-empty': '' }, spec.none)
          : h('div', { class: 'scroll' }, sortableTable(spec.columns(body, zone), rows, state.sort,
            (sort) => reload({ sort, offset: 0 }), { className: `${spec.id}-table stack` })),
        pager({ offset: body.offset, shown: rows.length, total: body.total, size: state.size, onOffset: (offset) => reload({ offset }) }),
      ];
    },
    async csv({ r, zone }) {
      const all = await env.api.get(`${I}/${spec.path}`, { ...query(r, zone), count: 0 });
      const rows = all[spec.rows];
      return [spec.csv.header(rows), ...rows.map((row) => spec.csv.row(row, rows))];
    },
    csvName: ({ r }) => `${spec.id}_${state.filter}_${ymd(r.first)}_${ymd(r.last)}`,
  });
  return card;
}

/** A tab's remembered list state (filter, sort, page size, type); the page offset starts at 0. */
function listState(env, id, defaults) {
  const saved = env.store.get(`${id}.list`, {});
  return { ...defaults, ...saved, sort: { ...defaults.sort, ...(saved.sort || {}) }, offset: 0, q: '' };
}

/** A search box: filters on Enter or when it loses focus. */
function search(state, reload, label) {
  return h('label', { class: 'control' }, h('span', { class: 'control-label' }, 'Search'),
    h('input', {
      type: 'search', value: state.q, 'data-control': 'search', 'aria-label': label, maxlength: '100',
      onchange: (e) => reload({ q: e.target.value.trim(), offset: 0 }),
    }));
}

function membersCard(env, state) {
  return listCard(env, {
    id: 'members', title: 'Members', path: 'members', rows: 'members',
    none: 'No member matches.',
    params: (s) => ({ type: s.type, q: s.q || undefined }),
    subtitle: (body) => `${fmt.count(body.total, 'account', 'accounts')} in the list; activity in ${fmt.daysText(day(body.period.firstDay), day(body.period.lastDay))}`,
    figures: ({ summary: s }) => [
      { key: 'members', label: 'Members', filter: 'all', ...s.members },
      { key: 'active', label: 'Active in the period', filter: 'active', ...s.active },
      { key: 'messages', label: 'Messages sent', ...s.messages },
      { key: 'inactive30', label: 'Inactive 30 days', filter: 'inactive-30', worse: true, ...s.inactive30 },
      { key: 'inactive90', label: 'Inactive 90 days', filter: 'inactive-90', worse: true, ...s.inactive90 },
      { key: 'neverLoggedIn', label: 'Never logged in', filter: 'never-logged-in', ...s.neverLoggedIn },
      { key: 'neverPosted', label: 'Never posted', filter: 'never-posted', ...s.neverPosted },
      { key: 'deactivated', label: 'Deactivated', filter: 'deactivated', ...s.deactivated },
    ],
    columns: (body, zone) => [
      { label: 'Username', key: 'username', cell: (r) => h('span', { class: 'username' }, r.username ?? '—') },
      { label: 'Name', key: 'name', stackLabel: true, cell: (r) => r.name ?? '—' },
      { label: 'Roles', stackLabel: true, minor: true, cell: (r) => r.roles.join(', ') },
      { label: 'Created', key: 'createdAt', date: true, stackLabel: true, minor: true, cell: (r) => dateOr(r.createdAt, zone, '—') },
      { label: 'Status', stackLabel: true, cell: (r) => (r.active ? 'Active' : h('span', { class: 'badge' }, 'Deactivated')) },
      { label: 'Last login', key: 'lastLogin', date: true, first: -1, stackLabel: true, cell: (r) => dateOr(r.lastLogin, zone, 'Never') },
      { label: 'Last message', key: 'lastMessage', date: true, first: -1, stackLabel: true, cell: (r) => dateOr(r.lastMessage, zone, 'Never') },
      { label: 'Messages', key: 'messages', numeric: true, first: -1, stackLabel: true, cell: (r) => fmt.num(r.messages) },
      { label: 'Messages before', key: 'previousMessages', numeric: true, first: -1, stackLabel: true, minor: true, cell: (r) => fmt.num(r.previousMessages) },
      { label: 'Days active', key: 'daysActive', numeric: true, first: -1, stackLabel: true, cell: (r) => fmt.num(r.daysActive) },
      { label: 'Days active before', key: 'previousDaysActive', numeric: true, first: -1, stackLabel: true, minor: true, cell: (r) => fmt.num(r.previousDaysActive) },
    ],
    csv: {
      header: () => ['Username', 'Name', 'Type', 'Roles', 'Created', 'Active', 'Last login', 'Last message', 'Messages', 'Previous messages', 'Days active', 'Previous days active'],
      row: (r) => [cell(r.username), cell(r.name), r.type, r.roles.join(', '), cell(r.createdAt), r.active, cell(r.lastLogin), cell(r.lastMessage),
        r.messages, r.previousMessages, r.daysActive, r.previousDaysActive],
    },
    controls: (s, reload) => [
      select('Accounts', [['user', 'People'], ['bot', 'Bots'], ['app', 'Apps'], ['all', 'All']], s.type, (v) => reload({ type: v, offset: 0 }), { 'data-control': 'member-type' }),
      search(s, reload, 'Search members by username or name'),
    ],
    // The tab is shown to those who may see people (the session's can.people); should that change meanwhile:
    describe: (e) => {
      if (e && e.status === 403) return 'The member list names people: it needs the permission view-user-administration (Rocket.Chat\'s default role: admin). The other tabs show the counts.';
      if (e && e.status === 404) return 'Member insights are turned off on this server (RCA_MEMBER_INSIGHTS=off).';
      return env.describeError(e);
    },
  }, state);
}

const MARKS = [['discussion', 'Discussion'], ['teamMain', 'Team'], ['archived', 'Archived'], ['readOnly', 'Read-only']];

function healthCard(env, state) {
  let idleInput;
  return listCard(env, {
    id: 'health', title: 'Channel health', path: 'channels', rows: 'channels',
    none: 'No channel matches.',
    params: (s) => ({ type: s.type, idleDays: s.idleDays, q: s.q || undefined }),
    subtitle: (body) => `${fmt.count(body.total, 'channel', 'channels')} in the list (public channels and private groups); messages in ${fmt.daysText(day(body.period.firstDay), day(body.period.lastDay))}`,
    figures: ({ summary: s, idleDays }) => [
      { key: 'channels', label: 'Channels', filter: 'all', ...s.channels },
      { key: 'active', label: 'With messages in the period', ...s.active },
      { key: 'messages', label: 'Messages sent', ...s.messages },
      { key: 'idle', label: `Idle ${fmt.num(idleDays)} days or more`, filter: 'idle', ...s.idle },
      { key: 'neverUsed', label: 'Never used', filter: 'never-used', ...s.neverUsed },
      { key: 'empty', label: 'One member or none', filter: 'empty', ...s.empty },
    ],
    columns: (body, zone) => {
      const owners = body.channels.some((r) => r.owner);
      return [
        {
          label: 'Channel', key: 'name', cell: (r) => [
            roomCell(r.t, r.name ?? r._id, { rid: r._id, href: env.room.href(r._id), onclick: () => env.room.open(r._id) }),
            MARKS.filter(([k]) => r[k]).map(([, text]) => h('span', { class: 'badge', 'data-mark': text }, text)),
          ],
        },
        { label: 'Members', key: 'usersCount', numeric: true, first: -1, stackLabel: true, cell: (r) => fmt.num(r.usersCount ?? 0) },
        owners ? { label: 'Owner', stackLabel: true, minor: true, cell: (r) => (r.owner ? r.owner.username : '—') } : null,
        { label: 'Created', key: 'createdAt', date: true, stackLabel: true, minor: true, cell: (r) => dateOr(r.createdAt, zone, '—') },
        { label: 'Last message', key: 'lastMessage', date: true, stackLabel: true, cell: (r) => dateOr(r.lastMessage, zone, 'Never') },
        { label: 'Idle days', numeric: true, stackLabel: true, cell: (r) => (r.idleDays === null ? '—' : fmt.num(r.idleDays)) },
        { label: 'Messages', key: 'messages', numeric: true, first: -1, stackLabel: true, cell: (r) => fmt.num(r.messages) },
        { label: 'Messages before', key: 'previousMessages', numeric: true, first: -1, stackLabel: true, minor: true, cell: (r) => fmt.num(r.previousMessages) },
      ].filter(Boolean);
    },
    csv: {
      header: (rows) => ['Name', 'Type', 'Discussion', 'Team', 'Members', ...(rows.some((r) => r.owner) ? ['Owner'] : []),
        'Created', 'Last message', 'Idle days', 'Messages', 'Previous messages', 'Archived', 'Read-only'],
      row: (r, rows) => [cell(r.name), r.t, r.discussion, r.teamMain, cell(r.usersCount), ...(rows.some((x) => x.owner) ? [r.owner ? r.owner.username : ''] : []),
        cell(r.createdAt), cell(r.lastMessage), cell(r.idleDays), r.messages, r.previousMessages, r.archived, r.readOnly],
    },
    controls: (s, reload) => {
      idleInput = h('input', {
        type: 'number', min: '1', max: '3650', step: '1', value: String(s.idleDays), 'data-control': 'idle-days', 'aria-label': 'Idle for at least this many days',
        onchange: (e) => {
          const n = Number(e.target.value);
          if (Number.isInteger(n) && n >= 1 && n <= 3650) reload({ idleDays: n, offset: 0 });
          else e.target.value = String(s.idleDays);
        },
      });
      return [
        select('Type', [['all', 'All'], ['c', 'Public'], ['p', 'Private']], s.type, (v) => reload({ type: v, offset: 0 }), { 'data-control': 'channel-type' }),
        h('label', { class: 'control' }, h('span', { class: 'control-label' }, 'Idle after'), idleInput, h('span', { class: 'control-label' }, 'days')),
        search(s, reload, 'Search channels by name'),
      ];
    },
    describe: env.describeError,
  }, state);
}

/** Retention share → one of five levels of the colour scale. */
export const retentionLevel = (share) => (share === null ? null : share === 0 ? 0 : share < 0.25 ? 1 : share < 0.5 ? 2 : share < 0.75 ? 3 : 4);
const LEVELS = ['0%', 'under 25%', '25–50%', '50–75%', '75% or more'];

/** The last 12 weekly signup cohorts: the share of each active in each week since signup. */
export function retentionCard(env) {
  return createCard({
    id: 'retention', title: 'Retention of weekly signup cohorts', wide: true,
    async load(signal) {
      const zone = env.zone();
      const body = await env.api.get(`${I}/retention`, { tz: zone }, { signal });
      return { body, zone };
    },
    isEmpty: ({ body }) => body.cohorts.length === 0,
    render({ body, zone }, ctx) {
      ctx.subtitle(`Members who signed up in each week (weeks from Monday, ${zone}) and the share of them active — a session or a message — in each week since`);
      const weeks = Math.max(0, ...body.cells.map((c) => c.week)) + 1;
      const cells = new Map(body.cells.map((c) => [`${c.cohort}/${c.week}`, c]));
      return [
        h('div', { class: 'scroll' }, h('table', { class: 'retention' },
          h('caption', { class: 'sr-only' }, 'Share of each signup cohort (rows) active in each week since signup (columns)'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Signed up'), h('th', { scope: 'col', class: 'num' }, 'Members'),
            Array.from({ length: weeks }, (_, w) => h('th', { scope: 'col', title: w === 0 ? 'The week of signup' : `${w} week${w === 1 ? '' : 's'} later` }, `W${w}`)))),
          h('tbody', {}, body.cohorts.map((c) => h('tr', { 'data-cohort': c.week },
            h('th', { scope: 'row' }, `Week of ${fmt.day(day(c.week), true)}`),
            h('td', { class: 'num' }, fmt.num(c.members)),
            Array.from({ length: weeks }, (_, w) => {
              const x = cells.get(`${c.week}/${w}`);
              if (!x) return h('td', { class: 'none' });
              const level = retentionLevel(x.share);
              return h('td', {
                class: level === null ? 'none' : `l${level}`, 'data-week': w,
                title: `${fmt.num(x.active)} of ${fmt.num(x.members)} active`,
              }, x.share === null ? '—' : fmt.percent(Math.round(x.share * 1000) / 10));
            })))))),
        h('p', { class: 'legend-scale' }, LEVELS.map((text, i) => [h('span', { class: `swatch l${i}`, 'aria-hidden': 'true' }), h('span', {}, text)])),
      ];
    },
    csv: ({ body }) => [['Cohort', 'Week', 'Members', 'Active', 'Share'], ...body.cells.map((c) => [c.cohort, c.week, c.members, c.active, cell(c.share)])],
    csvName: ({ body }) => `retention_${body.cohorts.length ? body.cohorts[0].week : ''}_${body.cohorts.length ? body.cohorts[body.cohorts.length - 1].week : ''}`,
  });
}

export function insightsTabs(env) {
  const members = listState(env, 'members', { filter: 'all', sort: { by: 'username', dir: 1 }, size: 25, type: 'user' });
  const health = listState(env, 'health', { filter: 'all', sort: { by: 'lastMessage', dir: 1 }, size: 25, type: 'all', idleDays: 30 });
  return {
    members: () => [membersCard(env, members)],
    health: () => [healthCard(env, health)],
  };
}
