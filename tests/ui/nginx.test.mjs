// The dashboard page on Rocket.Chat's origin, through the repository's nginx configuration
// (deploy/nginx/rc-analytics.conf, run by Debian's nginx with the three loopback substitutions of
// tests/api/nginx_proxy.rs): a stand-in Rocket.Chat serves `/`, the real service serves /rc-analytics/ and the
// API, and in chromium the page signs in from a Rocket.Chat-shaped session alone (localStorage keys set on
// Rocket.Chat's page, or the rc_uid / rc_token cookies) and shows what the API answers through the same origin.
// RCA_NGINX_CONF runs another configuration instead (to see the test fail on a broken one).

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  NGINX_CONF, REPO, api, connect, ensureBinaries, launch, seed, standInRocketChat, startNginx, startService,
} from './harness.mjs';

const SHOTS = resolve(REPO, 'tests/ui/screenshots');
const E = '/api/v1/engagement-dashboard';
const nf = new Intl.NumberFormat('en-US');
const dbName = `rca_ui_nginx_${process.pid}_${Date.now() % 1e9}`;

const cleanup = []; // stop functions, run in reverse order even when a start failed
let admin;
let rocketchat;
let proxy; // the nginx origin
let browser;

before(async () => {
  ensureBinaries();
  admin = seed(dbName, 1000).credentials.find((c) => c.role === 'admin');
  const mongo = await connect(dbName);
  cleanup.push(async () => {
    await mongo.db.dropDatabase().catch(() => {});
    await mongo.client.close();
  });
  const service = await startService(dbName);
  cleanup.push(service.stop);
  rocketchat = await standInRocketChat();
  cleanup.push(rocketchat.stop);
  const rca = Number(new URL(service.base).port);
  const nginx = await startNginx({ rca, rocketchat: rocketchat.port, conf: process.env.RCA_NGINX_CONF || NGINX_CONF });
  cleanup.push(nginx.stop);
  proxy = nginx.base;
  browser = await launch();
  cleanup.push(() => browser.close());
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  for (const stop of cleanup.reverse()) {
    try {
      await stop();
    } catch (e) {
      console.error('cleanup:', e);
    }
  }
});

/** A fresh context on the nginx origin; console errors/warnings and page errors of the dashboard are recorded,
 * and every request the browser makes. */
async function freshPage(cookies) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC' });
  if (cookies) {
    await context.addCookies(Object.entries(cookies).map(([name, value]) => ({ name, value, domain: '127.0.0.1', path: '/' })));
  }
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(new URL(r.url())));
  return { context, page, problems, requests };
}

/** Opens /rc-analytics/ on the nginx origin and checks: the signed-in user's name, the New users card against the
 * report fetched through nginx with the same query and headers, no console errors, every request of the page on
 * the nginx origin and none of them at the stand-in Rocket.Chat. */
async function assertDashboardThroughNginx(view, shotName) {
  const { page, problems, requests } = view;
  const before = rocketchat.seen.length;
  const answer = await page.goto(`${proxy}/rc-analytics/`);
  assert.equal(answer.status(), 200);
  assert.equal(page.url(), `${proxy}/rc-analytics/`);
  await page.waitForFunction(() => {
    const cards = [...document.querySelectorAll('[data-card]')];
    return cards.length > 0 && cards.every((c) => c.dataset.state !== 'loading' && !c.hasAttribute('aria-busy'));
  }, null, { timeout: 20000 });
  assert.equal(await page.locator('.user').innerText(), admin.username);

  // The period's own request (the card also asks for the period before, which starts earlier).
  const asked = requests.filter((u) => u.pathname === `${E}/users/new-users`)
    .sort((a, b) => Date.parse(b.searchParams.get('start')) - Date.parse(a.searchParams.get('start')))[0];
  assert.ok(asked, 'the page asked for new users');
  assert.equal(asked.origin, proxy);
  const report = await api(proxy, admin, `${E}/users/new-users${asked.search}`);
  assert.equal(typeof report.period.count, 'number');
  assert.equal(await page.locator('[data-card=new-users] [data-count=period]').innerText(), nf.format(report.period.count));

  assert.deepEqual(problems, [], 'console errors or warnings');
  assert.deepEqual(requests.filter((u) => u.origin !== proxy && u.protocol !== 'data:').map((u) => u.href), [], 'requests off the nginx origin');
  const paths = requests.map((u) => u.pathname);
  assert.ok(paths.includes('/rc-analytics/api/session'), paths.join(' '));
  assert.ok(paths.filter((p) => p.startsWith(`${E}/`)).length >= 4, paths.join(' '));
  const atRocketChat = rocketchat.seen.slice(before).map((r) => r.url)
    .filter((u) => u.startsWith('/rc-analytics') || u.startsWith(E));
  assert.deepEqual(atRocketChat, [], 'dashboard requests that reached the stand-in Rocket.Chat');
  await page.screenshot({ path: resolve(SHOTS, `${shotName}.png`), fullPage: true });
}

describe('dashboard page through deploy/nginx/rc-analytics.conf on Rocket.Chat\'s origin', () => {
  test('signed in from the Meteor.userId / Meteor.loginToken keys Rocket.Chat\'s page left in localStorage', async () => {
    const view = await freshPage();
    try {
      // Rocket.Chat's page at the origin's root, served by the stand-in through nginx: its session goes there.
      const home = await view.page.goto(`${proxy}/`);
      assert.equal(home.status(), 200);
      assert.equal(await view.page.locator('body').innerText(), 'stand-in Rocket.Chat');
      assert.deepEqual(rocketchat.seen.map((r) => `${r.method} ${r.url}`).filter((r) => r === 'GET /'), ['GET /']);
      await view.page.evaluate(([userId, token]) => {
        localStorage.setItem('Meteor.userId', userId);
        localStorage.setItem('Meteor.loginToken', token);
      }, [admin.userId, admin.token]);
      view.problems.length = 0;
      view.requests.length = 0;
      await assertDashboardThroughNginx(view, 'nginx-localstorage');
    } finally {
      await view.context.close();
    }
  });

  test('signed in from the rc_uid / rc_token cookies (path /) alone', async () => {
    const view = await freshPage({ rc_uid: admin.userId, rc_token: admin.token });
    try {
      await assertDashboardThroughNginx(view, 'nginx-cookies');
      // No Rocket.Chat keys anywhere but the cookies.
      assert.deepEqual(await view.page.evaluate(() => [localStorage, sessionStorage]
        .flatMap((s) => Object.keys(s)).filter((k) => k.startsWith('Meteor.') || k.startsWith('rca.userId') || k.startsWith('rca.token'))), []);
    } finally {
      await view.context.close();
    }
  });
});
