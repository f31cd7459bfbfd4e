// The dashboard page: sign-in, session, tabs, period and time zone, refresh every 5 minutes.

import { ApiError, describeError, makeClient } from './api.js';
import { findCredentials, forget, remember, takeFragment } from './auth.js';
import { clear, h } from './dom.js';
import { engagementTabs } from './engagement.js';
import { historyView } from './history.js';
import { insightsTabs } from './insights.js';
import { omnichannelCards } from './omnichannel.js';
import * as fmt from './format.js';
import { CUSTOM, ENGAGEMENT_PERIODS, OMNICHANNEL_PERIODS, PERIOD_LABELS, dayOf, isZone, parseYmd, periodRange, ymd } from './periods.js';
import { channelHash, parseRoute } from './route.js';

const REFRESH_MS = 5 * 60 * 1000;
const root = document.getElementById('app');

/** Preferences in localStorage (rca.* keys). */
const store = {
  get(key, fallback) {
    try {
      const v = window.localStorage.getItem(`rca.${key}`);
      return v === null ? fallback : JSON.parse(v);
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    try {
      window.localStorage.setItem(`rca.${key}`, JSON.stringify(value));
    } catch {
      // private mode: preferences last for this page only
    }
  },
};

let current = null; // { cards, timer }
let onRoute = null; // the signed-in dashboard's handler of Back / Forward (popstate)
window.addEventListener('popstate', () => onRoute && onRoute());

function stopAll() {
  if (!current) return;
  for (const card of current.cards) card.stop();
  clearInterval(current.timer);
  current = null;
}

function signIn(message) {
  stopAll();
  onRoute = null;
  document.title = 'Sign in · rc-analytics';
  const userId = h('input', { id: 'signin-user', name: 'userId', autocomplete: 'username', required: true, spellcheck: 'false' });
  const token = h('input', { id: 'signin-token', name: 'token', type: 'password', autocomplete: 'off', required: true });
  const form = h('form', {
    class: 'signin-form',
    onsubmit: (e) => {
      e.preventDefault();
      remember(userId.value.trim(), token.value.trim());
      start();
    },
  },
  h('label', { for: 'signin-user' }, 'User ID'), userId,
  h('label', { for: 'signin-token' }, 'Personal access token'), token,
  h('button', { type: 'submit', class: 'button primary' }, 'Open the dashboard'),
  h('p', { class: 'hint' }, 'Create a token in Rocket.Chat under My Account → Personal Access Tokens. It is kept in this tab only and sent only in request headers.'));
  clear(root).append(h('main', { class: 'signin', 'data-view': 'signin' },
    h('h1', {}, 'Rocket.Chat analytics'),
    message ? h('p', { class: 'notice', role: 'alert' }, message) : null,
    h('p', {}, 'Sign in to Rocket.Chat in this browser, then reload this page: it uses your Rocket.Chat session.'),
    h('p', {}, h('a', { href: '/', class: 'button' }, 'Go to Rocket.Chat')),
    h('h2', {}, 'Or use a personal access token'),
    form));
  userId.focus();
}

function unauthorized(source) {
  if (source === 'token') forget();
  signIn(source === 'token'
    ? 'The user ID or token was not accepted.'
    : 'Your Rocket.Chat session is not valid (signed out or expired). Sign in to Rocket.Chat again.');
}

async function start() {
  stopAll();
  const creds = findCredentials();
  if (!creds) {
    signIn();
    return;
  }
  let signedOut = false;
  const api = makeClient(creds, {
    onUnauthorized: () => {
      if (signedOut) return;
      signedOut = true;
      unauthorized(creds.source);
    },
  });
  clear(root).append(h('main', { class: 'placeholder page-loading', 'data-view': 'loading' }, 'Loading…'));
  let session;
  try {
    session = await api.get('api/session');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return;
    clear(root).append(h('main', { class: 'signin', 'data-view': 'error' },
      h('h1', {}, 'Rocket.Chat analytics'),
      h('p', { role: 'alert' }, describeError(e)),
      h('button', { type: 'button', class: 'button', onclick: start }, 'Retry')));
    return;
  }
  dashboard(session, api, creds);
}

function zoneOptions(server) {
  const browser = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const first = [['UTC', 'UTC (Rocket.Chat default)']];
  if (browser && browser !== 'UTC') first.push([browser, `${browser} (this browser)`]);
  if (server && server !== 'UTC' && server !== browser && isZone(server)) first.push([server, `${server} (server report zone)`]);
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return { first, all: all.filter((z) => !first.some(([v]) => v === z)) };
}

/** A period selector; `initial` (not remembered) replaces the remembered period, e.g. a shared address's days. */
function periodControl(kind, keys, onchange, initial) {
  const key = `${kind}Period`;
  const saved = initial || store.get(key, { key: keys[0] });
  let period = keys.includes(saved.key) || (saved.key === CUSTOM && parseYmd(saved.from) && parseYmd(saved.to)) ? saved : { key: keys[0] };
  const remember = (p) => {
    if (!initial) store.set(key, p);
  };
  const today = new Date().toISOString().slice(0, 10);
  const from = h('input', { type: 'date', 'data-control': `${kind}-from`, 'aria-label': 'From', value: period.from || today, max: today });
  const to = h('input', { type: 'date', 'data-control': `${kind}-to`, 'aria-label': 'To', value: period.to || today, max: today });
  const error = h('span', { class: 'field-error', role: 'alert' });
  const apply = h('button', {
    type: 'button', class: 'button', 'data-action': `${kind}-apply`,
    onclick: () => {
      const next = { key: CUSTOM, from: from.value, to: to.value };
      try {
        periodRange(next, 'UTC');
      } catch (e) {
        error.textContent = e.message;
        return;
      }
      error.textContent = '';
      period = next;
      remember(period);
      onchange();
    },
  }, 'Apply');
  const custom = h('span', { class: 'custom-range', hidden: period.key !== CUSTOM }, from, h('span', { 'aria-hidden': 'true' }, '–'), to, apply, error);
  const sel = h('select', {
    'data-control': `${kind}-period`, 'aria-label': 'Period',
    onchange: (e) => {
      if (e.target.value === CUSTOM) {
        custom.hidden = false;
        from.focus();
        return;
      }
      custom.hidden = true;
      period = { key: e.target.value };
      remember(period);
      onchange();
    },
  }, [...keys, CUSTOM].map((k) => h('option', { value: k, selected: k === period.key }, PERIOD_LABELS[k])));
  return {
    el: h('div', { class: 'period' }, h('label', { class: 'control' }, h('span', { class: 'control-label' }, 'Period'), sel), custom),
    period: () => period,
    label: () => (period.key === CUSTOM ? null : PERIOD_LABELS[period.key]),
  };
}

function dashboard(session, api, creds) {
  const can = session.can;
  document.title = 'Analytics · rc-analytics';
  const tabs = [];
  if (can.engagement) {
    tabs.push(['users', 'Users']);
    // The members table names people: view-user-administration too, and member insights on (can.people).
    if (can.people) tabs.push(['members', 'Members']);
    tabs.push(['messages', 'Messages'], ['channels', 'Channels'], ['health', 'Channel health']);
  }
  if (can.omnichannel) tabs.push(['omnichannel', 'Omnichannel']);

  const zones = zoneOptions(session.timezone);
  let zone = store.get('zone', 'UTC');
  if (!isZone(zone)) zone = 'UTC';
  const zoneSelect = h('select', {
    id: 'zone', 'data-control': 'zone',
    onchange: (e) => {
      zone = e.target.value;
      store.set('zone', zone);
      const r = parseRoute(window.location.hash);
      if (r.view === 'channel') {
        window.history.replaceState(window.history.state, '', channelHash(r.rid, r.from, r.to, zone));
      }
      route();
    },
  },
  zones.first.map(([v, t]) => h('option', { value: v, selected: v === zone }, t)),
  zones.all.length ? h('optgroup', { label: 'All time zones' }, zones.all.map((z) => h('option', { value: z, selected: z === zone }, z))) : null);

  const user = session.user.username || session.user._id;
  const header = h('header', { class: 'topbar' },
    h('div', { class: 'brand' }, h('h1', {}, 'Analytics'), h('span', { class: 'muted' }, 'Rocket.Chat')),
    h('div', { class: 'top-controls' },
      h('label', { class: 'control', for: 'zone' }, h('span', { class: 'control-label' }, 'Time zone'), zoneSelect),
      h('span', { class: 'user', 'data-user': session.user._id, title: `Signed in as ${user}` }, user),
      creds.source === 'token' ? h('button', { type: 'button', class: 'button', 'data-action': 'forget', onclick: () => { forget(); start(); } }, 'Forget token') : null));

  const engagementPeriod = periodControl('engagement', ENGAGEMENT_PERIODS, () => show(active));
  const omnichannelPeriod = periodControl('omnichannel', OMNICHANNEL_PERIODS, () => show(active));
  // A room's history over the engagement period's days, in the chosen zone: a link, and opening it.
  const room = {
    href(rid) {
      const r = periodRange(engagementPeriod.period(), zone);
      return channelHash(rid, r.first, r.last, zone);
    },
    open(rid) {
      listScroll = window.scrollY;
      window.history.pushState({ fromList: active }, '', room.href(rid));
      route();
    },
  };
  const env = (period) => ({ api, store, zone: () => zone, period: period.period, periodLabel: period.label, room, describeError });
  const builders = {
    ...engagementTabs(env(engagementPeriod)),
    ...insightsTabs(env(engagementPeriod)),
    omnichannel: () => omnichannelCards(env(omnichannelPeriod)),
  };
  let listScroll = 0;

  const toolbar = h('div', { class: 'toolbar' });
  const grid = h('div', { class: 'grid', id: 'panel', role: 'tabpanel' });
  const buttons = tabs.map(([id, text]) => h('button', {
    type: 'button', role: 'tab', id: `tab-${id}`, 'data-tab': id, 'aria-controls': 'panel',
    onclick: () => show(id),
    onkeydown: (e) => {
      const i = tabs.findIndex(([t]) => t === id);
      const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (!step) return;
      e.preventDefault();
      const next = tabs[(i + step + tabs.length) % tabs.length][0];
      show(next);
      document.getElementById(`tab-${next}`).focus();
    },
  }, text));
  const nav = h('nav', { class: 'tabs', role: 'tablist', 'aria-label': 'Reports' }, buttons);

  let active = store.get('tab', tabs.length ? tabs[0][0] : null);
  if (!tabs.some(([t]) => t === active)) active = tabs.length ? tabs[0][0] : null;

  function show(id) {
    stopAll();
    if (parseRoute(window.location.hash).view === 'channel') {
      // Leaving a room's history by a tab: a new entry, so that Back returns to the room.
      window.history.pushState(null, '', window.location.pathname + window.location.search);
    }
    active = id;
    store.set('tab', id);
    for (const b of buttons) {
      const on = b.dataset.tab === id;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
    }
    grid.setAttribute('aria-labelledby', `tab-${id}`);
    const period = id === 'omnichannel' ? omnichannelPeriod : engagementPeriod;
    // The exact days the numbers cover ("Last 7 days" is 8 calendar days, today included, as in Rocket.Chat).
    const range = h('span', { class: 'range', 'data-range': '' });
    const showRange = () => {
      const r = periodRange(period.period(), zone);
      range.textContent = fmt.daysText(r.first, r.last, dayOf(Date.now(), zone));
    };
    showRange();
    clear(toolbar).append(period.el, range, h('span', { class: 'muted zone-note' }, `Days in ${zone}`));
    return run(builders[id](), showRange);
  }

  /** Shows `cards` in the grid, loads them, and refreshes them (and `tick`) every 5 minutes. */
  function run(cards, tick) {
    clear(grid).append(...cards.map((c) => c.el));
    const loaded = Promise.all(cards.map((c) => c.refresh()));
    const timer = setInterval(() => {
      tick();
      cards.forEach((c) => c.refresh());
    }, REFRESH_MS);
    current = { cards, timer };
    return loaded;
  }

  /** A room's history (its address: route.js). */
  function showChannel(r) {
    stopAll();
    zone = r.zone;
    if ([...zoneSelect.options].some((o) => o.value === zone)) zoneSelect.value = zone;
    for (const b of buttons) b.setAttribute('aria-selected', 'false');
    const back = () => {
      if (window.history.state && window.history.state.fromList) {
        window.history.back();
      } else {
        window.history.replaceState(null, '', window.location.pathname + window.location.search);
        route();
      }
    };
    const view = historyView({ api, zone: () => zone }, r, { onBack: back, describeError });
    const period = periodControl('channel', ENGAGEMENT_PERIODS, () => {
      const p = periodRange(period.period(), zone);
      window.history.replaceState(window.history.state, '', channelHash(r.rid, p.first, p.last, zone));
      route();
    }, { key: CUSTOM, from: ymd(r.from), to: ymd(r.to) });
    const range = h('span', { class: 'range', 'data-range': '' }, fmt.daysText(r.from, r.to, dayOf(Date.now(), zone)));
    clear(toolbar).append(view.head, period.el, range, h('span', { class: 'muted zone-note' }, `Days in ${zone}`));
    grid.removeAttribute('aria-labelledby');
    run(view.cards, () => {});
  }

  /** Shows what the address asks for: a room's history, or the current tab (where the list was). */
  function route() {
    const r = parseRoute(window.location.hash);
    if (r.view === 'channel' && can.engagement) {
      showChannel(r);
      return;
    }
    const y = listScroll;
    listScroll = 0;
    show(active).then(() => {
      if (y) window.scrollTo(0, y);
    });
  }

  if (!tabs.length) {
    clear(root).append(header, h('main', { class: 'signin', 'data-view': 'no-permission' },
      h('h2', {}, 'No permission'),
      h('p', {}, 'Your Rocket.Chat account may not see these reports. Ask an administrator for the permission view-engagement-dashboard (Engagement) or view-livechat-reports (Omnichannel).')));
    return;
  }
  clear(root).append(header, nav, toolbar, grid);
  root.dataset.view = 'dashboard';
  onRoute = route;
  route();
}

takeFragment();
start();

