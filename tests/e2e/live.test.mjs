// Two devices see each other's changes without a reload (issue "Sync II", proof 3), against a real
// aisled in --demo and Debian's Chromium. Device B (an associate) has an item in its cart and
// shows its price and the store's stock of it. On device A, the HQ admin publishes a new price
// for that item (new pricing rules, through A's signed-in session) and then sells one unit through
// the terminal. B, never reloaded, re-prices its cart with the new price and shows one unit less
// in stock: the live socket's nudge made it pull the promotions and stock:SH01 feeds. Its sync
// screen then lists every cache with its age.
//
//   cd tests/e2e && npm ci && node --test live.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { Aisled, aisleBin, assertPrerequisites, chromiumArgs, chromiumPath, freePort, shotsDir, signIn, tid } from './harness.mjs';

const STEP = 30_000;

async function signInSynced(page, port, staff, pin) {
  await signIn(page, port, staff, pin, STEP);
  await page.locator('#app[data-catalog-synced="true"]').waitFor({ timeout: STEP });
}

async function scan(page, barcode) {
  await page.locator(tid('barcode-input')).fill(barcode);
  await page.keyboard.press('Enter');
  await page.locator(`${tid('cart-line')}[data-barcode="${barcode}"]`).waitFor({ timeout: STEP });
}

test('a second device sees a price change and a stock change without a reload', { timeout: 180_000 }, async () => {
  assertPrerequisites();
  const dataDir = mkdtempSync(join(tmpdir(), 'aisle-e2e-live-'));
  const db = join(dataDir, 'aisle.db');
  const sql = (q) => execFileSync('sqlite3', [db, q]).toString().trim();
  execFileSync(aisleBin, ['demo-load', '--data-dir', dataDir]);
  // A household product: no promotion takes it, so its line is its price.
  const [sku, barcode, price] = sql(
    "SELECT sku, barcode, price FROM products WHERE sold_by = 'unit' AND category = 'household' ORDER BY sku LIMIT 1",
  ).split('|');
  const stock = Number(sql(`SELECT sum(qty_delta) FROM stock_movements WHERE location_id = 'SH01' AND sku = '${sku}'`));
  const newPrice = Number(price) - 500;
  const port = await freePort();
  const server = new Aisled({ dataDir, port, logFile: join(dataDir, 'aisled.log') });
  await server.start();
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  const deviceA = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
  const deviceB = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  let step = 'start';
  try {
    const a = await deviceA.newPage();
    const b = await deviceB.newPage();
    for (const [name, page] of [['A', a], ['B', b]]) page.on('pageerror', (e) => console.error(`${name} page error:`, e.message));

    step = '1. device B: the item in the cart, at its price, with the store stock';
    await signInSynced(b, port, '1001', '1111');
    await scan(b, barcode);
    const line = b.locator(`${tid('cart-line')}[data-barcode="${barcode}"]`);
    assert.equal(await line.getAttribute('data-gross'), price);
    await line.locator(`${tid('line-stock')}[data-stock="${stock}"]`).waitFor({ timeout: STEP });
    await b.evaluate(() => (window.aisleNotReloaded = true));  // gone if the page reloads

    step = '2. device A (HQ admin) publishes a new price for it';
    await signInSynced(a, port, '9001', '999999');
    const published = await a.evaluate(
      async ({ sku, newPrice }) => {
        const { token } = JSON.parse(localStorage.getItem('aisle.session'));
        const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
        const current = await (await fetch('/api/v1/pricing/rules', { headers })).json();
        const rules = { ...current.rules, version: `${current.version}+live-test`, price_list: [...(current.rules.price_list ?? []), { sku, price: newPrice }] };
        const res = await fetch('/api/v1/pricing/rules', { method: 'POST', headers, body: JSON.stringify(rules) });
        return res.status;
      },
      { sku, newPrice },
    );
    assert.equal(published, 201);
    await line.and(b.locator(`[data-gross="${newPrice}"]`)).waitFor({ timeout: STEP });

    step = '3. device A sells one unit';
    await scan(a, barcode);
    await a.locator(tid('pay-button')).click();
    await a.locator(tid('quick-exact')).click();
    await a.locator(tid('complete-button')).click();
    await a.locator(tid('new-sale-button')).click();
    await a.locator(`${tid('badge')}[data-pending="0"]`).waitFor({ timeout: STEP });
    assert.equal(sql('SELECT count(*) FROM sales'), '1');
    await line.locator(`${tid('line-stock')}[data-stock="${stock - 1}"]`).waitFor({ timeout: STEP });
    assert.equal(await b.evaluate(() => window.aisleNotReloaded), true, 'device B was not reloaded');
    await b.screenshot({ path: join(shotsDir, 'live-price-stock-zh.png') });

    step = '4. device B: the sync screen lists each cache with its age';
    await b.locator(tid('menu-button')).click();
    await b.locator(tid('menu-sync')).click();
    // `chain`: the other locations' stock of the item B scanned online.
    for (const cache of ['catalog', 'promotions', 'members', 'stock', 'chain']) {
      const row = b.locator(tid(`cache-${cache}`));
      await row.waitFor({ timeout: STEP });
      assert.notEqual(await row.getAttribute('data-synced-at'), '', `${cache} has an age`);
      assert.match(await row.locator(tid('cache-age')).textContent(), /更新$/);
    }
    assert.ok(Number(await b.locator(tid('cache-members')).getAttribute('data-count')) > 0, 'members are cached');
    await b.screenshot({ path: join(shotsDir, 'sync-caches-zh.png') });
  } catch (e) {
    throw new Error(`${step}: ${e.message} (data kept in ${dataDir})`, { cause: e });
  } finally {
    await browser.close();
    await server.stop();
  }
  rmSync(dataDir, { recursive: true, force: true });
});
