// Shared pieces of the browser end-to-end tests: where things are, a free port, aisled as a child
// process, a small JSON client for the API, and how Debian's Chromium is launched.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const aisledBin = process.env.AISLED ?? join(repo, 'build', 'aisled');
/** The `aisle` command line (staff, devices, audit verify …). */
export const aisleBin = process.env.AISLE ?? join(repo, 'build', 'aisle');
export const webRoot = join(repo, 'web', 'dist');
export const shotsDir = join(repo, 'docs', 'screenshots');
export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Arguments for a headless Chromium in a container: no sandbox, GPU, QUIC or background traffic. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `[data-testid="id"]` */
export const tid = (id) => `[data-testid="${id}"]`;

/** Fails with a clear message when something the browser tests need is not there. */
export function assertPrerequisites(root = webRoot) {
  for (const [what, path] of [
    ['aisled binary (set $AISLED or build it into build/aisled)', aisledBin],
    ['built web app (run `npm run build` in web/)', join(root, 'index.html')],
    ['WASM core in the web build', join(root, 'wasm', 'core.wasm')],
    ['Chromium', chromiumPath],
  ]) {
    assert.ok(existsSync(path), `missing ${what}: ${path}`);
  }
}

/**
 * Runs aisled with its output appended to logFile; start() waits for /healthz → 200.
 * `demo` (default true) passes --demo; `root` is the web app it serves (default: <repo>/web/dist).
 */
export class Aisled {
  constructor({ dataDir, port, logFile, root = webRoot, demo = true }) {
    Object.assign(this, { dataDir, port, logFile, root, demo, proc: null, exited: null });
  }

  async start() {
    const fd = openSync(this.logFile, 'a');
    const args = [...(this.demo ? ['--demo'] : []), '--data-dir', this.dataDir, '--port', String(this.port), '--bind', '127.0.0.1', '--web-root', this.root];
    this.proc = spawn(aisledBin, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.exited = new Promise((r) => this.proc.once('exit', (code, signal) => r({ code, signal })));
    let early = null;
    void this.exited.then((e) => (early = e));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (early) throw new Error(`aisled exited before /healthz answered (code ${early.code}, signal ${early.signal})`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error('aisled did not answer GET /healthz with 200 within 30 s');
      await sleep(200);
    }
  }

  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Opens the terminal at the port and signs in to SH01 with a staff code and PIN; waits for the sell screen. */
export async function signIn(page, port, staff, pin, timeout = 30_000) {
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.locator(tid('signin-store')).fill('SH01');
  await page.locator(tid('signin-staff')).fill(staff);
  await page.locator(tid('signin-pin')).fill(pin);
  await page.locator(tid('signin-button')).click();
  await page.locator(tid('barcode-input')).waitFor({ timeout });
}

/**
 * Copies the device's first queued sale `n - 1` times in the app's own outbox format — a new op id
 * (UUIDv7 of the next milliseconds) and sale id, device_seq and HLC stamp each, and the device's
 * seq and clock moved past them — in one IndexedDB transaction: what n sales through the terminal
 * would leave. Returns the millisecond of the last copy's op id (ops queued after it sort later
 * once the clock has passed it).
 */
export function cloneQueuedSale(page, n) {
  return page.evaluate(async (n) => {
    const req = (r) => new Promise((ok, fail) => ((r.onsuccess = () => ok(r.result)), (r.onerror = () => fail(r.error))));
    const d = await req(indexedDB.open('aisle'));
    const template = (await req(d.transaction('outbox').objectStore('outbox').getAll())).find((o) => o.type === 'sale.completed');
    const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    const uuidv7 = (ms) => {
      const b = crypto.getRandomValues(new Uint8Array(16));
      for (let i = 5, t = ms; i >= 0; i--, t = Math.floor(t / 256)) b[i] = t % 256;
      b[6] = 0x70 | (b[6] & 0x0f);
      b[8] = 0x80 | (b[8] & 0x3f);
      const h = hex(b);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    };
    const tx = d.transaction(['outbox', 'meta'], 'readwrite');
    const outbox = tx.objectStore('outbox');
    const meta = tx.objectStore('meta');
    const [ms0, counter0] = template.hlc.split('-').map(Number);
    const base = Date.now() + 1;
    let seq = template.device_seq;
    let hlc = template.hlc;
    for (let i = 1; i < n; i++) {
      seq += 1;
      hlc = `${String(Math.max(ms0, base + i)).padStart(13, '0')}-${String(counter0).padStart(5, '0')}`;
      const op = structuredClone(template);
      op.op_id = uuidv7(base + i);
      op.payload.sale_id = uuidv7(base + i);
      op.device_seq = seq;
      op.hlc = hlc;
      outbox.add(op);
    }
    meta.put(seq, 'device_seq');
    meta.put(hlc, 'hlc');
    await new Promise((ok, fail) => ((tx.oncomplete = ok), (tx.onerror = () => fail(tx.error))));
    return base + n - 1;
  }, n);
}

/** Waits until the terminal's badge says nothing is waiting to be uploaded (the server has every op). */
export function waitForEmptyQueue(page, timeout = 30_000) {
  return page.waitForFunction(() => document.querySelector('[data-testid="badge"]')?.dataset.pending === '0', null, { timeout });
}

/** Waits on the sync screen until each named cache holds rows (what selling offline needs), then goes back to selling. */
export async function waitForCaches(page, caches = ['catalog', 'members', 'promotions'], timeout = 30_000) {
  await page.locator(tid('menu-button')).click();
  await page.locator(tid('menu-sync')).click();
  for (const cache of caches) await page.locator(`${tid(`cache-${cache}`)}:not([data-count="0"])`).waitFor({ timeout });
  await page.locator(tid('menu-button')).click();
  await page.locator(tid('menu-sell')).click();
  await page.locator(tid('barcode-input')).waitFor({ timeout });
}

/** One JSON call: { status, json (null when the body is not JSON), text }. */
export async function api(base, method, path, body, token) {
  const res = await fetch(base + path, {
    method,
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, json, text };
}

/**
 * What most browser tests start with: the demo chain in a fresh data folder (`aisle demo-load`), a
 * real aisled --demo on a free loopback port, and Debian's Chromium with one phone-sized page.
 * `sql(q)` reads the SQLite file; `close()` stops the browser and the server.
 */
export async function demoStore(prefix, { locale = 'en-US', viewport = { width: 390, height: 844 } } = {}) {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { chromium } = await import('playwright-core');
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const db = join(dataDir, 'aisle.db');
  const sql = (q) => execFileSync('sqlite3', [db, q]).toString().trim();
  execFileSync(aisleBin, ['demo-load', '--data-dir', dataDir]);
  const port = await freePort();
  const server = new Aisled({ dataDir, port, logFile: join(dataDir, 'aisled.log') });
  await server.start();
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  const context = await browser.newContext({ viewport, locale });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  const close = async () => {
    await browser.close();
    await server.stop();
  };
  return { dataDir, sql, port, server, browser, context, page, close };
}
