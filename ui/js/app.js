// The dashboard page: sign-in, session, tabs, period and time zone, refresh every 5 minutes.

import { ApiError, describeError, makeClient } from './api.js';
import { findCredentials, forget, remember, takeFragment } from './auth.js';
import { clear, h } from './dom.js';
import { engagementTabs } from './engagement.js';
import { omnichannelCards } from './omnichannel.js';
import * as fmt from './format.js';
import { CUSTOM, ENGAGEMENT_PERIODS, OMNICHANNEL_PERIODS, PERIOD_LABELS, dayOf, isZone, parseYmd, periodRange } from './periods.js';

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

function stopAll() {
  if (!current) return;
  for (const card of current.cards) card.stop();
  clearInterval(current.timer);
  current = null;
}

function signIn(message) {
  stopAll();
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

function periodControl(kind, keys, onchange) {
  const key = `${kind}Period`;
  const saved = store.get(key, { key: keys[0] });
  let period = keys.includes(saved.key) || (saved.key === CUSTOM && parseYmd(saved.from) && parseYmd(saved.to)) ? saved : { key: keys[0] };
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
      store.set(key, period);
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
      store.set(key, period);
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
  if (can.engagement) tabs.push(['users', 'Users'], ['messages', 'Messages'], ['channels', 'Channels']);
  if (can.omnichannel) tabs.push(['omnichannel', 'Omnichannel']);

  const zones = zoneOptions(session.timezone);
  let zone = store.get('zone', 'UTC');
  if (!isZone(zone)) zone = 'UTC';
  const zoneSelect = h('select', {
    id: 'zone', 'data-control': 'zone',
    onchange: (e) => {
      zone = e.target.value;
      store.set('zone', zone);
      show(active);
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
  const env = (period) => ({ api, store, zone: () => zone, period: period.period, periodLabel: period.label });
  const engagement = engagementTabs(env(engagementPeriod));
  const builders = {
    ...engagement,
    omnichannel: () => omnichannelCards(env(omnichannelPeriod)),
  };

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
    const cards = builders[id]();
    clear(grid).append(...cards.map((c) => c.el));
    for (const c of cards) c.refresh();
    const timer = setInterval(() => {
      showRange();
      cards.forEach((c) => c.refresh());
    }, REFRESH_MS);
    current = { cards, timer };
  }

  if (!tabs.length) {
    clear(root).append(header, h('main', { class: 'signin', 'data-view': 'no-permission' },
      h('h2', {}, 'No permission'),
      h('p', {}, 'Your Rocket.Chat account may not see these reports. Ask an administrator for the permission view-engagement-dashboard (Engagement) or view-livechat-reports (Omnichannel).')));
    return;
  }
  clear(root).append(header, nav, toolbar, grid);
  root.dataset.view = 'dashboard';
  show(active);
}

takeFragment();
start();

