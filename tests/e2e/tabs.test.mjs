// Two tabs of the terminal on one device (issue "Sync II", proof 4), against a real aisled in
// --demo and Debian's Chromium: sales queued offline in one tab; when the network returns both
// tabs sync at once, and the outbox lock (Web Locks) lets only one upload each operation — every
// push request that reaches the server is recorded and no op id is sent twice. While operations
// wait, signing out is refused (switching associate is not), and so is signing in to another store.
//
//   cd tests/e2e && npm ci && node --test tabs.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { Aisled, aisleBin, assertPrerequisites, chromiumArgs, chromiumPath, freePort, shotsDir, tid } from './harness.mjs';

const STEP = 30_000;
const SALES = 6;

test('two tabs sync one outbox without a duplicate upload', { timeout: 180_000 }, async () => {
  assertPrerequisites();
  const dataDir = mkdtempSync(join(tmpdir(), 'aisle-e2e-tabs-'));
  const db = join(dataDir, 'aisle.db');
  const sql = (q) => execFileSync('sqlite3', [db, q]).toString().trim();
  execFileSync(aisleBin, ['demo-load', '--data-dir', dataDir]);
  const barcode = sql("SELECT barcode FROM products WHERE sold_by = 'unit' ORDER BY sku LIMIT 1");
  const port = await freePort();
  const server = new Aisled({ dataDir, port, logFile: join(dataDir, 'aisled.log') });
  await server.start();
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
  const sent = [];  // [tab, op_id] of every push that reached the server (offline attempts fail in the browser)
  let step = 'start';
  try {
    const first = await context.newPage();
    await first.goto(`http://127.0.0.1:${port}/`);
    await first.locator(tid('signin-store')).fill('SH01');
    await first.locator(tid('signin-staff')).fill('1001');
    await first.locator(tid('signin-pin')).fill('1111');
    await first.locator(tid('signin-button')).click();
    await first.locator(tid('barcode-input')).waitFor({ timeout: STEP });
    const second = await context.newPage();  // the same device: the session and the outbox are shared
    await second.goto(`http://127.0.0.1:${port}/`);
    await second.locator(tid('barcode-input')).waitFor({ timeout: STEP });
    for (const [name, page] of [['first', first], ['second', second]]) {
      page.on('pageerror', (e) => console.error(`${name} page error:`, e.message));
      page.on('requestfinished', (req) => {
        if (req.method() !== 'POST' || !req.url().endsWith('/api/v1/sync/push')) return;
        for (const op of JSON.parse(req.postData() ?? '{}').ops ?? []) sent.push([name, op.op_id]);
      });
    }

    step = `1. offline, ${SALES} sales in the first tab`;
    await context.setOffline(true);
    for (let i = 0; i < SALES; i++) {
      await first.locator(tid('barcode-input')).fill(barcode);
      await first.keyboard.press('Enter');
      await first.locator(`${tid('cart-line')}[data-qty="1"]`).waitFor({ timeout: STEP });
      await first.locator(tid('pay-button')).click();
      await first.locator(tid('quick-exact')).click();
      await first.locator(tid('complete-button')).click();
      await first.locator(tid('new-sale-button')).click();
    }
    await first.locator(`${tid('badge')}[data-pending="${SALES}"]`).waitFor({ timeout: STEP });
    // The sync screen lists what waits, in the other tab too.
    await second.locator(tid('menu-button')).click();
    await second.locator(tid('menu-sync')).click();
    await second.locator(tid('sync-waiting-op')).nth(SALES - 1).waitFor({ timeout: STEP });
    assert.equal(await second.locator(tid('sync-waiting-op')).count(), SALES);
    assert.equal((await second.locator(tid('sync-online')).textContent()).trim(), 'Offline');
    await second.screenshot({ path: join(shotsDir, 'sync-en.png') });

    step = '2. with operations queued, sign-out and another store are refused';
    await first.locator(tid('menu-button')).click();
    await first.locator(tid('signout-button')).click();
    await first.locator('.toast').filter({ hasText: 'still waiting' }).waitFor({ timeout: STEP });
    assert.equal(await first.locator(tid('barcode-input')).isVisible(), true, 'still signed in');
    await first.locator(tid('menu-button')).click();
    await first.locator(tid('menu-switch')).click();  // switching associate is fine
    await first.locator(tid('signin-store')).fill('BJ01');
    await first.locator(tid('signin-staff')).fill('1101');
    await first.locator(tid('signin-pin')).fill('1111');
    await first.locator(tid('signin-button')).click();
    await first.locator(tid('signin-error')).filter({ hasText: 'SH01' }).waitFor({ timeout: STEP });
    await first.locator(tid('signin-store')).fill('SH01');
    await first.locator(tid('signin-staff')).fill('1001');
    await first.locator(tid('signin-pin')).fill('1111');

    step = '3. back online: both tabs sync at once';
    await context.setOffline(false);
    await first.locator(tid('signin-button')).click();
    await Promise.all([first, second].map((p) => p.evaluate(() => window.dispatchEvent(new Event('online')))));
    const deadline = Date.now() + 60_000;
    while (sql('SELECT count(*) FROM sales') !== String(SALES)) {
      assert.ok(Date.now() < deadline, `the queue did not drain: ${sql('SELECT count(*) FROM sales')} of ${SALES} sales`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await second.locator(`${tid('badge')}[data-pending="0"]`).waitFor({ timeout: STEP });
    await second.locator(tid('sync-waiting-op')).first().waitFor({ state: 'detached', timeout: STEP });
    assert.notEqual((await second.locator(tid('sync-last-push')).textContent()).trim(), 'never');
    await first.locator(`${tid('badge')}[data-pending="0"]`).waitFor({ timeout: STEP });
    const ids = sent.map(([, id]) => id);
    assert.equal(new Set(ids).size, SALES, `every sale was uploaded: ${JSON.stringify(sent)}`);
    assert.equal(ids.length, SALES, `no op was uploaded twice: ${JSON.stringify(sent)}`);
    assert.equal(sql("SELECT count(*) FROM ops WHERE type = 'sale.completed'"), String(SALES));
  } catch (e) {
    throw new Error(`${step}: ${e.message} (data kept in ${dataDir})`, { cause: e });
  } finally {
    await browser.close();
    await server.stop();
  }
  rmSync(dataDir, { recursive: true, force: true });
});
