// The page's own addresses, in the URL fragment (never sent to a server): the dashboard (no fragment), or
// one room's history, `#channel=<room id>&from=YYYY-MM-DD&to=YYYY-MM-DD&tz=<zone>`, so that the view can
// be shared and the browser's Back returns to the list. Pure functions (no DOM): tests/ui/ runs them too.

import { parseYmd, ymd } from './periods.js';

/** The fragment of a room's history over the days `from` … `to` ({y, m, d}) in `zone`. */
export function channelHash(rid, from, to, zone) {
  const q = new URLSearchParams({ channel: rid, from: ymd(from), to: ymd(to), tz: zone });
  return `#${q.toString()}`;
}

/**
 * What a fragment asks for: {view: 'channel', rid, from, to, zone} (dates {y, m, d}), or
 * {view: 'dashboard'} for anything else (no fragment, or one that is not a complete channel address).
 */
export function parseRoute(hash) {
  const q = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  const rid = q.get('channel');
  const from = parseYmd(q.get('from'));
  const to = parseYmd(q.get('to'));
  const zone = q.get('tz');
  if (!rid || !from || !to || !zone) return { view: 'dashboard' };
  return { view: 'channel', rid, from, to, zone };
}
