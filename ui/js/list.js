// Paginated, sortable tables: page sizes, the pager under a table, sortable column headers, summary
// figures that filter a table, and a figure's change against the period before.

import { select } from './card.js';
import { h } from './dom.js';
import * as fmt from './format.js';

export const PAGE_SIZES = [25, 50, 100];

/** The "Rows" select; `onchange` gets the new size. */
export function pageSize(value, onchange) {
  return select('Rows', PAGE_SIZES.map((n) => [n, String(n)]), value, (v) => onchange(Number(v)), { 'data-control': 'page-size' });
}

/** "‹ Previous  1–25 of 148  Next ›"; `onOffset` gets the new offset. */
export function pager({ offset, shown, total, size, onOffset }) {
  const to = offset + shown;
  return h('div', { class: 'pager' },
    h('button', { type: 'button', class: 'button', 'data-action': 'page-prev', disabled: offset === 0, onclick: () => onOffset(Math.max(0, offset - size)) }, '‹ Previous'),
    h('span', { class: 'pager-text', 'data-pager': '' }, total === 0 ? '0 of 0' : `${fmt.num(offset + 1)}–${fmt.num(to)} of ${fmt.num(total)}`),
    h('button', { type: 'button', class: 'button', 'data-action': 'page-next', disabled: to >= total, onclick: () => onOffset(offset + size) }, 'Next ›'));
}

/**
 * A column header; sortable when `key` is given: a button that sorts by it (first click: `first`
 * direction), then reverses. `sort` is {by, dir} with dir 1 (ascending) or -1.
 */
export function header({ label, key, numeric, first = 1 }, sort, onSort) {
  const cls = numeric ? 'num' : undefined;
  if (!key) return h('th', { scope: 'col', class: cls }, label);
  const active = sort.by === key;
  return h('th', { scope: 'col', class: cls, 'aria-sort': active ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none' },
    h('button', {
      type: 'button', class: 'sort', 'data-sort': key,
      onclick: () => onSort(active ? { by: key, dir: -sort.dir } : { by: key, dir: first }),
    }, label, h('span', { 'aria-hidden': 'true' }, active ? (sort.dir === 1 ? ' ▲' : ' ▼') : '')));
}

/**
 * A sortable table: `columns` [{label, key? (sortable), numeric?, date? (kept on one line), first?,
 * stackLabel? (named when rows stack), minor? (left out when rows stack), cell(row)}], rows of data.
 */
export function sortableTable(columns, rows, sort, onSort, { className = '', rowAttrs = () => ({}) } = {}) {
  return h('table', { class: `data ${className}`.trim() },
    h('thead', {}, h('tr', {}, columns.map((c) => header(c, sort, onSort)))),
    h('tbody', {}, rows.map((row) => h('tr', rowAttrs(row), columns.map((c) => h('td', {
      class: [c.numeric ? 'num' : c.date ? 'date' : '', c.minor ? 'minor' : ''].join(' ').trim() || undefined,
      'data-label': c.stackLabel ? c.label : undefined,
    }, c.cell(row)))))));
}

/** A change against the period before: "+12", "−3", "0" (class up/down/flat; `worse` when up is bad). */
export function change(key, value, previous, { worse = false, against } = {}) {
  if (previous === null || previous === undefined) return null;
  const diff = value - previous;
  const dir = diff > 0 ? 'up' : diff < 0 ? 'down' : 'flat';
  const tone = worse && dir !== 'flat' ? (dir === 'up' ? 'down' : 'up') : dir;
  return h('span', {
    class: `variation ${tone}`, 'data-change': key,
    title: against ? `${fmt.num(previous)} in ${against}` : `${fmt.num(previous)} before`,
  }, fmt.signed(diff));
}

/** " (+12 against Nov 21 – Nov 28, 2026)" after a total in a sentence. */
export function versus(key, value, previous, against) {
  return [' (', change(key, value, previous, { against }), ` against ${against})`];
}

/**
 * Summary figures; those with a `filter` are buttons that filter the table (aria-pressed on the
 * current one). items: [{key, label, value, previous, filter?, worse?}].
 */
export function figures(items, { current, onFilter, against }) {
  return h('div', { class: 'figures' }, items.map((f) => {
    const body = [
      h('span', { class: 'count', 'data-count': f.key }, fmt.num(f.value)),
      change(f.key, f.value, f.previous, { worse: f.worse, against }),
      h('span', { class: 'counter-label' }, f.label),
    ];
    return f.filter
      ? h('button', {
        type: 'button', class: 'figure', 'data-filter': f.filter, 'aria-pressed': String(current === f.filter),
        onclick: () => onFilter(f.filter),
      }, body)
      : h('div', { class: 'figure static' }, body);
  }));
}
