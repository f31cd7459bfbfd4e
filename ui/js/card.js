// A dashboard card: title, subtitle, its controls and CSV download, and the states every card has:
// loading, empty ("No data found"), error (with Retry; 401 goes back to sign-in, 403 says no permission,
// 503/504 say the database is unavailable / too slow), ready. `data-state` tells tests which one.

import { describeError } from './api.js';
import { downloadCsv } from './csv.js';
import { append, clear, h } from './dom.js';

export function createCard({ id, title, wide = false, controls = [], load, render, isEmpty = () => false, csv, csvName, describe = describeError }) {
  const subtitle = h('p', { class: 'subtitle' });
  const body = h('div', { class: 'card-body' });
  const download = h('button', {
    type: 'button', class: 'icon-button', disabled: true, 'data-action': 'csv',
    title: 'Download CSV', 'aria-label': `Download ${title} as CSV`,
    onclick: async () => {
      const data = state.data;
      if (!data) return;
      // A card may read more for its file (a whole filtered table): the rows can come from a promise.
      try {
        downloadCsv(await csv(data), csvName ? csvName(data) : id);
      } catch (e) {
        ctx.subtitle(describe(e));
      }
    },
  }, h('span', { 'aria-hidden': 'true' }, '⤓'), h('span', { class: 'label' }, 'CSV'));
  const el = h('section', { class: `card${wide ? ' wide' : ''}`, 'data-card': id, 'data-state': 'loading', 'aria-labelledby': `${id}-title` },
    h('header', { class: 'card-head' },
      h('div', { class: 'card-titles' }, h('h3', { id: `${id}-title` }, title), subtitle),
      h('div', { class: 'card-controls' }, controls, csv ? download : null)),
    body);

  const state = { data: null, charts: [], controller: null, generation: 0 };
  const ctx = {
    /** Text, or text and nodes (a change beside a total). */
    subtitle(content) { append(clear(subtitle), [content || '']); },
    chart(make) {
      const canvas = h('canvas', { role: 'img', 'aria-label': `${title} chart; the numbers are in the table` });
      const box = h('div', { class: 'chart' }, canvas);
      state.charts.push(() => make(canvas));
      return box;
    },
  };

  function destroyCharts() {
    for (const c of state.live || []) c.destroy();
    state.live = [];
  }

  function show(kind, ...content) {
    destroyCharts();
    clear(body);
    el.dataset.state = kind;
    el.removeAttribute('aria-busy');
    append(body, content);
  }

  async function refresh() {
    if (state.controller) state.controller.abort();
    const controller = new AbortController();
    state.controller = controller;
    const generation = ++state.generation;
    el.setAttribute('aria-busy', 'true');
    if (!state.data || el.dataset.state !== 'ready') {
      show('loading', h('div', { class: 'placeholder' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading…'));
      el.setAttribute('aria-busy', 'true');
    }
    download.disabled = true;
    try {
      const data = await load(controller.signal);
      if (generation !== state.generation) return;
      state.data = data;
      if (isEmpty(data)) {
        show('empty', h('div', { class: 'placeholder' }, 'No data found'));
        ctx.subtitle('');
        download.disabled = !csv;
        return;
      }
      state.charts = [];
      const content = render(data, ctx);
      const makers = state.charts;
      show('ready', content);
      state.live = makers.map((make) => make());
      download.disabled = !csv;
    } catch (e) {
      if (e.name === 'AbortError' || generation !== state.generation) return;
      state.data = null;
      ctx.subtitle('');
      const retry = h('button', { type: 'button', class: 'button', 'data-action': 'retry', onclick: refresh }, 'Retry');
      show('error', h('div', { class: 'placeholder error', role: 'alert' },
        h('p', { 'data-status': e.status ?? '' }, describe(e)),
        [401, 403, 404].includes(e.status) ? null : retry));
    }
  }

  function stop() {
    if (state.controller) state.controller.abort();
    state.generation += 1;
    destroyCharts();
  }

  return { el, refresh, stop, get data() { return state.data; } };
}

/** A small select control. */
export function select(label, options, value, onchange, attrs = {}) {
  return h('label', { class: 'control' },
    h('span', { class: 'control-label' }, label),
    h('select', { ...attrs, onchange: (e) => onchange(e.target.value) },
      options.map(([v, text]) => h('option', { value: v, selected: String(v) === String(value) }, text))));
}

/** Counters: [{key, label, countText, variation?, variationText?, extra? (a node after the count)}] */
export function counters(items) {
  return h('div', { class: 'counters' }, items.map((c) => h('div', { class: 'counter' },
    h('span', { class: 'count', 'data-count': c.key }, c.countText),
    c.variation === undefined ? null : h('span', { class: `variation ${c.variation > 0 ? 'up' : c.variation < 0 ? 'down' : 'flat'}`, 'data-variation': c.key }, c.variationText),
    c.extra ?? null,
    h('span', { class: 'counter-label' }, c.label))));
}
