// Rooms as the page shows them: a type mark (#, a padlock, @) and the name as text; a link to the room's
// history view when the page can open it.

import { h } from './dom.js';

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

/** What a room type is called. */
export const typeName = (t) => (TYPE_MARK[t] || ['', t])[1];

/**
 * A room's type mark and name. With `open` ({href, onclick}), the name is a link to the room's history:
 * a real link (a new tab or a copied address works), which the page follows itself on a plain click.
 */
export function roomCell(t, name, open) {
  const [mark, what] = TYPE_MARK[t] || ['', t];
  const label = h('span', { class: 'room-name' }, name);
  return h('span', { class: 'room' },
    h('span', { class: 'room-type', title: what, role: 'img', 'aria-label': what }, mark ?? lockIcon()),
    open ? h('a', {
      href: open.href, class: 'room-link', 'data-room': open.rid,
      onclick: (e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        open.onclick();
      },
    }, label) : label);
}
