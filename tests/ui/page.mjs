// What the browser tests do with a page: open it (console errors, page errors, alert() calls and API
// requests recorded), wait for every card to settle, read texts and table cells, download a card's CSV,
// take screenshots into tests/ui/screenshots/.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO, connect, ensureBinaries, launch, seed, startService } from './harness.mjs';

export const SHOTS = resolve(REPO, 'tests/ui/screenshots');

/**
 * A test file's workspace: a database of its own seeded by the demo generator, `fixtures(db, admin)` written
 * before the service starts (its message rollup is built at start), the service, Debian's chromium and
 * `openPage`. Register `setUp` with node:test's `before` and `tearDown` with `after`; the other fields are
 * filled by `setUp`: {data (the seed's summary), admin, db, service, browser, openPage}.
 */
export function workspace(name, fixtures = async () => {}) {
  const dbName = `rca_ui_${name}_${process.pid}_${Date.now() % 1e9}`;
  let mongo;
  const w = {
    async setUp() {
      ensureBinaries();
      w.data = seed(dbName);
      w.admin = w.data.credentials.find((c) => c.role === 'admin');
      mongo = await connect(dbName);
      w.db = mongo.db;
      await fixtures(mongo.db, w.admin);
      w.service = await startService(dbName);
      w.browser = await launch();
      w.openPage = pages(w.browser, w.service);
    },
    async tearDown() {
      if (w.browser) await w.browser.close();
      if (w.service) await w.service.stop();
      if (mongo) {
        await mongo.db.dropDatabase().catch(() => {});
        await mongo.client.close();
      }
    },
  };
  return w;
}

/** `openPage(options)` for one browser and service ({base}). */
export function pages(browser, service) {
  mkdirSync(SHOTS, { recursive: true });
  /** A page whose console errors, page errors and alert() calls are recorded; API requests are listed. */
  return async function openPage({ width = 1280, height = 800, scheme = 'light', storage, session, cookies, hash = '', zone } = {}) {
    const context = await browser.newContext({
      viewport: { width, height }, colorScheme: scheme, locale: 'en-US', timezoneId: zone || 'UTC', acceptDownloads: true,
    });
    if (cookies) {
      await context.addCookies(Object.entries(cookies).map(([name, value]) => ({ name, value, url: service.base })));
    }
    await context.addInitScript(() => {
      window.__alerts = [];
      window.alert = (m) => window.__alerts.push(String(m));
    });
    const page = await context.newPage();
    const problems = [];
    const requests = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => { if (r.url().includes('/api/')) requests.push(new URL(r.url())); });
    if (storage || session || zone) {
      // Storage belongs to the origin: visit once (no credentials yet: the sign-in panel), fill it, reload.
      await page.goto(`${service.base}/rc-analytics/`);
      await page.evaluate(([local, tab, z]) => {
        for (const [k, v] of Object.entries(local || {})) localStorage.setItem(k, v);
        for (const [k, v] of Object.entries(tab || {})) sessionStorage.setItem(k, v);
        if (z) localStorage.setItem('rca.zone', JSON.stringify(z));
      }, [storage, session, zone]);
      problems.length = 0;
      requests.length = 0;
    }
    await page.goto(`${service.base}/rc-analytics/${hash}`);
    // After the visit above, a new fragment alone navigates within the document: load it.
    if (hash && (storage || session || zone)) await page.reload();
    return { page, context, problems, requests };
  };
}

export async function settled(page) {
  await page.waitForFunction(() => {
    const cards = [...document.querySelectorAll('[data-card]')];
    return cards.length > 0 && cards.every((c) => c.dataset.state !== 'loading' && !c.hasAttribute('aria-busy'));
  }, null, { timeout: 90000 });
}

export async function tab(page, id) {
  await page.click(`[data-tab=${id}]`);
  await settled(page);
}

export const text = (page, selector) => page.locator(selector).innerText();
export const cells = (page, selector) => page.$$eval(selector, (rows) => rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => c.textContent.trim())));
export const lastRequest = (requests, path) => [...requests].reverse().find((u) => u.pathname === path);

export function assertClean({ problems }) {
  assert.deepEqual(problems, [], 'console errors or warnings');
}

export async function download(page, card) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(`[data-card=${card}] [data-action=csv]`)]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path(), 'utf8') };
}

export async function shot(page, name) {
  await page.screenshot({ path: resolve(SHOTS, `${name}.png`), fullPage: true });
}

export const localKeys = (creds, suffix = '') => ({ [`Meteor.userId${suffix}`]: creds.userId, [`Meteor.loginToken${suffix}`]: creds.token });

const nf = new Intl.NumberFormat('en-US');
/** A number as the page writes it in en-US. */
export const num = (n) => nf.format(n);
/** "+3", "-2", "0", as Intl's signDisplay: 'exceptZero' writes them in en-US. */
export const signed = (n) => new Intl.NumberFormat('en-US', { signDisplay: 'exceptZero' }).format(n);

const DAY = 86400000;
/** Today's UTC calendar day minus `n` days, as YYYY-MM-DD (independent of the page's code). */
export const utcDay = (n = 0) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

/** A day 'YYYY-MM-DD' as en-US writes it: "Dec 6" (with the year: "Dec 6, 2026"). */
export function dayText(ymd, withYear = false) {
  return new Date(`${ymd}T12:00:00Z`).toLocaleDateString('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric', ...(withYear ? { year: 'numeric' } : {}) });
}

/** "Nov 29 – Dec 6, 2026" (the first day's year only when it differs). */
export function dayRangeText(from, to) {
  if (from === to) return dayText(to, true);
  return `${dayText(from, from.slice(0, 4) !== to.slice(0, 4))} – ${dayText(to, true)}`;
}
