// Building DOM nodes without HTML parsing: every string becomes a text node or an attribute value, never
// markup. Database strings (room, department, tag, agent, user names) only ever pass through here.

/**
 * h('div', {class: 'card', 'aria-label': name, onclick: fn}, 'text', child, [more])
 * Attributes are set with setAttribute (never `style`, never `innerHTML`); `on…` keys add listeners;
 * `text` sets textContent. Children: strings/numbers become text nodes; null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'text') {
      el.textContent = String(value);
    } else if (key === 'style' || key === 'innerHTML' || key === 'srcdoc') {
      throw new Error(`h(): ${key} is not allowed`);
    } else if (key in el && typeof value !== 'string' && key !== 'class') {
      el[key] = value; // properties such as value, checked, disabled, selected
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/**
 * A table: headers (strings) and rows (arrays of strings/numbers/nodes); numeric columns right-aligned;
 * `labelled` columns carry their header in `data-label` (shown by the stylesheet where rows stack on
 * narrow screens).
 */
export function table(headers, rows, { caption, numeric = [], labelled = [], className = '' } = {}) {
  const cls = (i) => (numeric.includes(i) ? 'num' : undefined);
  const label = (i) => (labelled.includes(i) ? headers[i] : undefined);
  return h('table', { class: `data ${className}`.trim() },
    caption ? h('caption', { class: 'sr-only' }, caption) : null,
    h('thead', {}, h('tr', {}, headers.map((t, i) => h('th', { scope: 'col', class: cls(i) }, t)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, row.map((c, i) => h('td', { class: cls(i), 'data-label': label(i) }, c))))));
}

/** A collapsed data table under a chart: its text alternative. */
export function dataDetails(summary, headers, rows, numeric) {
  return h('details', { class: 'data-details' },
    h('summary', {}, summary),
    h('div', { class: 'scroll' }, table(headers, rows, { numeric })));
}
