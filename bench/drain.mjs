// Drain benchmark (issue "Sync II", docs/benchmarks.md): a device whose outbox holds 10,000 sales
// (3 lines each) comes online and syncs completely. Measured from the `online` event until the
// badge says 0 waiting (the outbox is empty, which the app does only after the server
// acknowledged every op); then the sales are counted in the SQLite file.
//
//   (cd tests/e2e && npm ci)   # playwright-core, shared with the browser tests
//   node bench/drain.mjs [--sales 10000] [--runs 3]
//
// How the outbox is filled: the real terminal, offline (aisled stopped), sells one 3-line sale
// through the UI; the app queues it in IndexedDB. The page then copies that operation N-1 times
// in the app's own outbox format — a new op id (UUIDv7), sale id, device_seq and HLC stamp each,
// and the device's seq and clock moved past them, all in one IndexedDB transaction — exactly
// what N sales through the UI would have left. Then aisled restarts and the page comes online;
// the app's own sync loop (src/sync.ts) drains it.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Aisled, aisleBin, assertPrerequisites, chromiumArgs, chromiumPath, cloneQueuedSale, freePort, tid } from '../tests/e2e/harness.mjs';

const require = createRequire(new URL('../tests/e2e/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const { values } = parseArgs({ options: { sales: { type: 'string', default: '10000' }, runs: { type: 'string', default: '3' }, profile: { type: 'boolean', default: false } } });
const SALES = Number(values.sales);
const runs = Number(values.runs);

assertPrerequisites();
const rows = [];
for (let run = 1; run <= runs; run++) rows.push(await drainOnce(run));
console.table(rows);

// User + system CPU seconds a process has used (Linux /proc; clock ticks of 1/100 s).
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// CPU seconds used by every Chromium process (the terminal: renderer, GPU, network service).
// byType: per process type (browser, renderer, gpu-process, utility), for --profile.
function chromiumCpuSeconds(byType = {}) {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('chrom')) continue;
      const type = /--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 'browser';
      const cpu = cpuSeconds(pid);
      byType[type] = (byType[type] ?? 0) + cpu;
      total += cpu;
    } catch {}  // gone meanwhile
  }
  return total;
}

// --profile: the page's main thread during the drain, by self time (the terminal's side of it).
function printProfile(profile) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const f = byId.get(profile.samples[i]).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  for (const [key, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.error(`${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
  }
}

async function drainOnce(run) {
  const dataDir = mkdtempSync(join(tmpdir(), 'aisle-bench-drain-'));
  const db = join(dataDir, 'aisle.db');
  const sql = (q) => execFileSync('sqlite3', [db, q]).toString().trim();
  execFileSync(aisleBin, ['demo-load', '--data-dir', dataDir], { stdio: 'ignore' });
  // Three unit-priced products in no promotion's scope, with stock enough for every sale (so the
  // drain measures sales, not 10,000 stock_negative exceptions).
  const barcodes = sql(
    "SELECT barcode FROM products WHERE sold_by = 'unit' AND category = 'household' ORDER BY sku LIMIT 3",
  ).split('\n');
  if (barcodes.length !== 3) throw new Error(`expected 3 household products, got ${barcodes}`);
  sql(`INSERT INTO stock_movements (location_id, sku, qty_delta, reason, ref, created_at)
       SELECT 'SH01', sku, ${SALES + 100}, 'count', 'bench-drain', 0 FROM products WHERE barcode IN (${barcodes.map((b) => `'${b}'`).join(',')})`);
  const port = await freePort();
  const server = new Aisled({ dataDir, port, logFile: join(dataDir, 'aisled.log') });
  await server.start();
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  try {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    let pushes = 0;
    const serverMs = [];  // per push: request sent → first byte of the answer
    const requests = new Map();  // --profile: what the terminal asked during the drain
    page.on('requestfinished', (req) => {
      const path = `${req.method()} ${new URL(req.url()).pathname}`;
      requests.set(path, (requests.get(path) ?? 0) + 1);
      if (req.method() !== 'POST' || !req.url().endsWith('/api/v1/sync/push')) return;
      pushes++;
      const t = req.timing();
      serverMs.push(t.responseStart - t.requestStart);
    });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator(tid('signin-store')).fill('SH01');
    await page.locator(tid('signin-staff')).fill('1001');
    await page.locator(tid('signin-pin')).fill('1111');
    await page.locator(tid('signin-button')).click();
    await page.locator(tid('barcode-input')).waitFor();
    await page.locator('#app[data-catalog-synced="true"]').waitFor();

    // Offline: the server is gone (setOffline does not stop a service worker's own fetches).
    await context.setOffline(true);
    await server.stop();
    for (const b of barcodes) {
      await page.locator(tid('barcode-input')).fill(b);
      await page.keyboard.press('Enter');
      await page.locator(`${tid('cart-line')}[data-barcode="${b}"]`).waitFor();
    }
    await page.locator(tid('pay-button')).click();
    await page.locator(tid('quick-exact')).click();
    await page.locator(tid('complete-button')).click();
    await page.locator(tid('new-sale-button')).click();
    await page.locator(`${tid('badge')}[data-pending="1"]`).waitFor();

    const tFill = performance.now();
    await cloneQueuedSale(page, SALES);
    const fillSeconds = (performance.now() - tFill) / 1000;

    await server.start();
    await context.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));  // the app counts from here
    const t0 = performance.now();
    const cdp = values.profile ? await context.newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const cpu0 = cpuSeconds(server.proc.pid);
    const types0 = {};
    const chromium0 = chromiumCpuSeconds(types0);
    await page.locator(`${tid('badge')}[data-pending="0"]`).waitFor({ timeout: 600_000 });
    const seconds = (performance.now() - t0) / 1000;
    const aisledCpu = cpuSeconds(server.proc.pid) - cpu0;
    const types = {};
    const chromiumCpu = chromiumCpuSeconds(types) - chromium0;
    if (values.profile) {
      for (const t of Object.keys(types)) console.error(`Chromium ${t}: ${(types[t] - (types0[t] ?? 0)).toFixed(2)} s CPU`);
    }
    if (cdp) {
      printProfile((await cdp.send('Profiler.stop')).profile);
      console.error('requests since sign-in:', Object.fromEntries(requests));
    }
    const stored = Number(sql("SELECT count(*) FROM sales"));
    const ops = Number(sql("SELECT count(*) FROM ops WHERE type = 'sale.completed'"));
    const lines = Number(sql('SELECT count(*) FROM sale_lines'));
    if (stored !== SALES || ops !== SALES) throw new Error(`the server holds ${stored} sales / ${ops} ops, not ${SALES}`);
    const row = {
      run,
      sales: SALES,
      lines,
      'fill (s)': fillSeconds.toFixed(2),
      'drain (s)': seconds.toFixed(2),
      'ops/s': Math.round(SALES / seconds),
      pushes,
      'push answer p50 (ms)': Math.round(serverMs.sort((x, y) => x - y)[Math.floor(serverMs.length / 2)] ?? 0),
      'in pushes (s)': (serverMs.reduce((x, y) => x + y, 0) / 1000).toFixed(2),
      'aisled CPU (s)': aisledCpu.toFixed(2),
      'Chromium CPU (s)': chromiumCpu.toFixed(2),
      exceptions: Number(sql('SELECT count(*) FROM exceptions')),
      'price differences': Number(sql('SELECT count(*) FROM price_differences')),
    };
    console.log(JSON.stringify(row));
    return row;
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
