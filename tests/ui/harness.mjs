// The browser tests' harness: a seeded database of their own on the test server (MONGODB_URI, exported by
// scripts/test.sh), the real rc-analytics binary serving it on a free loopback port, and Debian's chromium
// driven by playwright-core. Everything started here is stopped by stop().

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { chromium } from 'playwright-core';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TARGET = process.env.CARGO_TARGET_DIR ? resolve(REPO, process.env.CARGO_TARGET_DIR) : resolve(REPO, 'target');
export const BIN = resolve(TARGET, 'debug/rc-analytics');
/** The demo-data generator (the workspace's seed/ crate). */
export const SEED_BIN = resolve(TARGET, 'debug/rc-analytics-seed');

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

export function serverUri() {
  const uri = process.env.MONGODB_URI || process.env.MONGO_URL;
  if (!uri) throw new Error('MONGODB_URI is not set: run the browser tests with scripts/test.sh, which starts a test database');
  return uri;
}

/** The server URI with `db` as its path (how rc-analytics and `rc-analytics-seed --mongo-url` name the database). */
export function uriFor(db) {
  const u = new URL(serverUri());
  u.pathname = `/${db}`;
  return u.toString();
}

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/**
 * Builds the service and the demo-data generator (a second or two when they are up to date): the page is
 * embedded in the binary, so a binary built before a change to ui/ would test the old page.
 */
export function ensureBinaries() {
  const built = spawnSync('cargo', ['build', '--quiet', '--workspace', '--bin', 'rc-analytics', '--bin', 'rc-analytics-seed'], {
    cwd: REPO, stdio: 'inherit',
  });
  if (built.status !== 0 || !existsSync(BIN) || !existsSync(SEED_BIN)) {
    throw new Error(`cargo build failed; ${BIN} or ${SEED_BIN} is missing`);
  }
}

/** Seeds `db` with rc-analytics' own demo generator (Community Edition shape) and returns its JSON summary. */
export function seed(db, messages = 3000) {
  const out = spawnSync(SEED_BIN, ['--mongo-url', uriFor(db), '--force', '--messages', String(messages), '--json'], {
    cwd: REPO, encoding: 'utf8', maxBuffer: 16 << 20,
  });
  if (out.status !== 0) throw new Error(`seed failed (${out.status}): ${out.stderr}`);
  return JSON.parse(out.stdout);
}

/** Starts the service on `db`; resolves with {base, stop}. */
export async function startService(db) {
  const port = await freePort();
  const child = spawn(BIN, [], {
    cwd: REPO,
    env: {
      ...process.env, MONGO_URL: uriFor(db), RCA_BIND: `127.0.0.1:${port}`, RUST_LOG: 'warn',
      RCA_QUERY_TIMEOUT_MS: '120000', RCA_CONNECT_TIMEOUT_MS: '60000', RCA_AUTH_CACHE_TTL_SECS: '0',
      // The guard's look-ups queue behind running queries on SecantusDB's Python server.
      RCA_AUTH_TIMEOUT_MS: '60000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-8000); });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`rc-analytics exited (${child.exitCode}): ${log}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`rc-analytics did not answer /health in 30 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = () => new Promise((ok) => {
    if (child.exitCode !== null) return ok();
    child.once('exit', ok);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
  return { base, stop, log: () => log };
}

export async function connect(db) {
  const client = new MongoClient(serverUri(), { serverSelectionTimeoutMS: 10000 });
  await client.connect();
  return { client, db: client.db(db) };
}

/** Rocket.Chat's stored form of a login token: base64(sha256(token)). */
export const hashToken = (token) => createHash('sha256').update(token).digest('base64');

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** A GET of the API as the page makes it, from Node. */
export async function api(base, creds, pathAndQuery) {
  const res = await fetch(`${base}${pathAndQuery}`, { headers: { 'X-User-Id': creds.userId, 'X-Auth-Token': creds.token } });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${pathAndQuery}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** CSV as Rocket.Chat's client writes it, text that starts a formula (=, +, -, @, TAB, CR) with a leading '
 * (an independent copy of the rules, for expectations). */
const defused = (c) => (typeof c === 'string' && ['=', '+', '-', '@', '\t', '\r'].includes(c.charAt(0)) ? `'${c}` : String(c));
export const csv = (rows) => rows.map((r) => r.map((c) => `"${defused(c).split('"').join('""')}"`).join(';')).join('\n');

/** A stand-in Rocket.Chat on a free loopback port: `/` is a small HTML page, anything else a plain-text 404.
 * Every request is recorded in `seen` ({method, url, headers}). Resolves with {port, seen, stop}. */
export async function standInRocketChat() {
  const seen = [];
  const server = createHttpServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    req.resume();
    if (req.url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><head><meta charset="utf-8"><title>Rocket.Chat</title><link rel="icon" href="data:,"></head><body>stand-in Rocket.Chat</body></html>');
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('rocketchat: not found');
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const stop = () => new Promise((ok) => {
    server.closeAllConnections();
    server.close(() => ok());
  });
  return { port: server.address().port, seen, stop };
}

export const NGINX_CONF = resolve(REPO, 'deploy/nginx/rc-analytics.conf');
const NGINX = '/usr/sbin/nginx';

/** `text` with `from` (which must occur exactly once) replaced by `to`. */
function substituteOnce(text, from, to, file) {
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`${file}: \`${from}\` occurs ${count} times, expected exactly once`);
  return text.replace(from, () => to);
}

/** Debian's nginx in the foreground running `conf` (the repository's by default), with the same three
 * substitutions as tests/api/nginx_proxy.rs: rc-analytics and Rocket.Chat at the given loopback ports, listening
 * on a free loopback port. Pid, logs and temp files in a temp dir. Resolves with {base, stop, log}; stop() sends
 * SIGTERM and waits for the exit. */
export async function startNginx({ rca, rocketchat, conf = NGINX_CONF }) {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: run the tests with scripts/test.sh, which installs Debian's nginx`);
  const listen = await freePort();
  let text = readFileSync(conf, 'utf8');
  text = substituteOnce(text, 'server rc-analytics:3100;', `server 127.0.0.1:${rca};`, conf);
  text = substituteOnce(text, 'server rocketchat:3000;', `server 127.0.0.1:${rocketchat};`, conf);
  text = substituteOnce(text, 'listen 80;', `listen 127.0.0.1:${listen};`, conf);
  const dir = mkdtempSync(join(tmpdir(), 'rca-ui-nginx-'));
  writeFileSync(join(dir, 'rc-analytics.conf'), text);
  writeFileSync(join(dir, 'nginx.conf'), [
    'worker_processes 1;', `pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log info;`, 'events { worker_connections 64; }',
    'http {', `  access_log ${dir}/access.log;`, `  client_body_temp_path ${dir}/body;`, `  proxy_temp_path ${dir}/proxy;`,
    `  fastcgi_temp_path ${dir}/fastcgi;`, `  uwsgi_temp_path ${dir}/uwsgi;`, `  scgi_temp_path ${dir}/scgi;`,
    `  include ${dir}/rc-analytics.conf;`, '}', '',
  ].join('\n'));
  const child = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-8000); });
  const exited = new Promise((ok) => child.once('exit', ok));
  const log = () => {
    try {
      return `${stderr}${readFileSync(join(dir, 'error.log'), 'utf8').slice(-8000)}`;
    } catch {
      return stderr;
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${listen}`;
  const deadline = Date.now() + 10000;
  for (;;) {
    if (child.exitCode !== null) {
      const why = log();
      await stop();
      throw new Error(`nginx exited (${child.exitCode}): ${why}`);
    }
    const up = await new Promise((ok) => {
      const s = new Socket();
      s.once('connect', () => { s.destroy(); ok(true); });
      s.once('error', () => ok(false));
      s.connect(listen, '127.0.0.1');
    });
    if (up) break;
    if (Date.now() > deadline) {
      const why = log();
      await stop();
      throw new Error(`nginx did not listen on 127.0.0.1:${listen} in 10 s: ${why}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { base, stop, log };
}
