// Bootstrap benchmark (issue "Sync II", docs/benchmarks.md): a new device — a fresh Chromium
// context, nothing in IndexedDB — signs in to a real aisled holding a chain-sized catalog and
// member base, takes the snapshot of every cache (catalog, members, the store's stock, the
// pricing rules) and answers its first barcode lookup from its own catalog. Prints the timeline.
//
//   (cd tests/e2e && npm ci)   # playwright-core, shared with the browser tests
//   node bench/bootstrap.mjs [--products 100000] [--members 50000] [--runs 3]
//
// It seeds a temporary data folder with `aisle demo-load` and `aisle seed`, starts build/aisled on
// a loopback port, and uses Debian's /usr/bin/chromium. Timings are wall-clock in this process.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Aisled, aisleBin, assertPrerequisites, chromiumArgs, chromiumPath, freePort, tid } from '../tests/e2e/harness.mjs';

const require = createRequire(new URL('../tests/e2e/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '100000' },
    members: { type: 'string', default: '50000' },
    runs: { type: 'string', default: '3' },
  },
});
const products = Number(values.products);
const members = Number(values.members);
const runs = Number(values.runs);

/** The EAN-13 `aisle seed` gives product i (1-based). */
function seededBarcode(i) {
  const twelve = `697${String(i).padStart(9, '0')}`;
  let sum = 0;
  for (let k = 0; k < 12; k++) sum += Number(twelve[k]) * (k % 2 === 0 ? 1 : 3);
  return twelve + ((10 - (sum % 10)) % 10);
}

assertPrerequisites();
const dataDir = mkdtempSync(join(tmpdir(), 'aisle-bench-bootstrap-'));
let t = performance.now();
execFileSync(aisleBin, ['demo-load', '--data-dir', dataDir], { stdio: 'ignore' });
console.log(execFileSync(aisleBin, ['seed', '--data-dir', dataDir, '--products', String(products), '--members', String(members)]).toString().trim(),
  `(${((performance.now() - t) / 1000).toFixed(1)} s with demo-load)`);
const port = await freePort();
const server = new Aisled({ dataDir, port, logFile: join(dataDir, 'aisled.log') });
await server.start();
const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
const rows = [];
try {
  for (let run = 1; run <= runs; run++) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    const snapshotRequests = [];
    page.on('requestfinished', (req) => {
      if (req.url().includes('/api/v1/sync/snapshot')) snapshotRequests.push(req);
    });
    const t0 = performance.now();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator(tid('signin-store')).fill('SH01');
    await page.locator(tid('signin-staff')).fill('1001');
    await page.locator(tid('signin-pin')).fill('1111');
    await page.locator('#app[data-core="ready"]').waitFor();
    const tSignIn = performance.now();
    await page.locator(tid('signin-button')).click();
    await page.locator(tid('barcode-input')).waitFor();
    const tSellScreen = performance.now();
    // Every cache downloaded: the flag the header sets after a full pull of all four.
    await page.locator('#app[data-catalog-synced="true"]').waitFor({ timeout: 120_000 });
    const tSynced = performance.now();
    // The first lookup, answered by the device's own catalog: the last product of the snapshot.
    await page.locator(tid('barcode-input')).fill(seededBarcode(products));
    await page.keyboard.press('Enter');
    await page.locator(`${tid('cart-line')}[data-barcode="${seededBarcode(products)}"]`).waitFor();
    const tLookup = performance.now();
    const counts = await page.evaluate(() => {
      const app = document.getElementById('app');
      return { products: Number(app.dataset.catalogCount), members: Number(app.dataset.membersCount), stock: Number(app.dataset.stockCount) };
    });
    if (counts.products < products || counts.members < members || counts.stock < products) {
      throw new Error(`the device does not hold the whole snapshot: ${JSON.stringify(counts)}`);
    }
    const bytes = (await Promise.all(snapshotRequests.map(async (r) => (await r.sizes()).responseBodySize))).reduce((a, b) => a + b, 0);
    const row = {
      run,
      'app ready (s)': ((tSignIn - t0) / 1000).toFixed(2),
      'sign-in → sell screen (s)': ((tSellScreen - tSignIn) / 1000).toFixed(2),
      'sign-in → all caches (s)': ((tSynced - tSignIn) / 1000).toFixed(2),
      'sign-in → first lookup (s)': ((tLookup - tSignIn) / 1000).toFixed(2),
      'lookup (ms)': (tLookup - tSynced).toFixed(0),
      'snapshot pages': snapshotRequests.length,
      'snapshot MB': (bytes / 1e6).toFixed(1),
      ...counts,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
    await context.close();
  }
  console.table(rows);
} finally {
  await browser.close();
  await server.stop();
}
rmSync(dataDir, { recursive: true, force: true });
