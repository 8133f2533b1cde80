// Sync proof 2 (docs/sync.md, "Proofs"), against a real aisled in --demo and Debian's Chromium at a
// phone's size: with the network off and aisled SIGKILLed, a store manager sells 200 items over 50
// sales, one of them to a member paying with points, and takes one item of another sale back.
// aisled comes back and the network with it; the page's first push is applied but the page closes
// before it hears the answer (mid-sync), aisled is SIGKILLed again, the page reopens from the
// service worker with no server and everything still queued, aisled restarts, and the queue drains
// (the server answers the ops it already has as duplicates). The page's background sync is turned
// off here, so that the service worker does not upload the queue while no page is open
// (background_sync.test.mjs tests that). The SQLite file then holds exactly those 50 sales and the return,
// each once, with their 200 units, one points redemption and the stock ledger that follows from them.
//
//   cd tests/e2e && npm ci && node --test offline_day.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { aisleBin, assertPrerequisites, demoStore, shotsDir, signIn, tid, waitForCaches, waitForEmptyQueue } from './harness.mjs';

const STEP = 30_000;
const SALES = 50;
const POINTS = 1000;

test('a day offline: 200 items over 50 sales, a return and points, through a kill and a reopen, each op once', { timeout: 480_000 }, async () => {
  assertPrerequisites();
  const { dataDir, sql, port, server, context, page: firstPage, close } = await demoStore('aisle-e2e-offline-day-');
  let page = firstPage;
  let step = 'start';
  const saleIds = [];
  const scan = async (barcode) => {
    await page.locator(tid('barcode-input')).fill(barcode);
    await page.keyboard.press('Enter');
    await page.locator(`${tid('cart-line')}[data-barcode="${barcode}"]`).waitFor({ timeout: STEP });
  };
  try {
    step = '0. the store allows points offline; the manager signs in and the caches fill';
    execFileSync(aisleBin, ['store', 'policy', '--data-dir', dataDir, '--store', 'SH01', '--offline-points-max', '5000']);
    // Four everyday items sold by the unit; each sale takes two of two of them (4 units).
    const items = sql("SELECT barcode FROM products WHERE sold_by = 'unit' AND category = 'household' ORDER BY sku LIMIT 4").split('\n');
    assert.equal(items.length, 4);
    // This test proves the page's own path: no background sync (see the header).
    await context.addInitScript(() => {
      if (self.SyncManager) SyncManager.prototype.register = async () => undefined;
    });
    await signIn(firstPage, port, '2001', '222222');
    await waitForCaches(page);

    step = '0b. online: an item\'s stock across the chain, as the server has it; the device keeps it';
    const sku0 = sql(`SELECT sku FROM products WHERE barcode = '${items[0]}'`);
    const chain = sql(`SELECT l.location_id || '=' || coalesce(s.qty, 0) FROM locations l LEFT JOIN stock_levels s ON s.location_id = l.location_id AND s.sku = '${sku0}' ORDER BY l.kind, l.location_id`).split('\n');
    assert.ok(chain.length >= 3, chain.join(' '));
    const chainRows = async (live) => {
      await page.locator(`${tid('cart-line')}[data-barcode="${items[0]}"] ${tid('line-stock')}`).click();
      await page.locator(`${tid('chain-stock-age')}[data-live="${live}"]`).waitFor({ timeout: STEP });
      return page.locator(tid('chain-stock-row')).evaluateAll((els) => els.map((e) => `${e.dataset.location}=${e.dataset.qty}`));
    };
    // A device that looked up 2,000 items before: past 2,000 it keeps the 1,800 newest views.
    const idbMeta = (fn, arg) => page.evaluate(([body, a]) => new Promise((resolve, reject) => {
      const open = indexedDB.open('aisle');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const tx = open.result.transaction('meta', 'readwrite');
        const out = new Function('meta', 'a', body)(tx.objectStore('meta'), a);
        tx.oncomplete = () => resolve(out?.result ?? null);
        tx.onerror = () => reject(tx.error);
      };
    }), [fn, arg]);
    await idbMeta(`for (let i = 0; i < 2000; i++) {
      const sku = 'OLD-' + String(i).padStart(4, '0');
      meta.put({ sku, as_of: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), cursor: 0, locations: [] }, 'chain_stock:' + sku);
    }`);
    await scan(items[0]);
    assert.deepEqual(await chainRows('true'), chain);
    const kept = await idbMeta("return meta.getAllKeys(IDBKeyRange.bound('chain_stock:', 'chain_stock:\\uffff'));");
    assert.equal(kept.length, 1800);
    assert.ok(kept.includes(`chain_stock:${sku0}`) && !kept.includes('chain_stock:OLD-0200') && kept.includes('chain_stock:OLD-0201'), 'the 201 oldest views dropped');
    await page.screenshot({ path: join(shotsDir, 'chain-stock-en.png') });
    await page.locator(tid('chain-stock-close')).click();
    await page.locator(tid('clear-button')).click();
    await page.locator(tid('cart-line')).first().waitFor({ state: 'detached', timeout: STEP });

    step = '1. aisled SIGKILLed and the network off';
    await server.stop('SIGKILL');
    await context.setOffline(true);

    step = '2. 50 sales of 4 units, the first to a member paying 1,000 points';
    for (let n = 0; n < SALES; n++) {
      if (n === 0) {
        await page.locator(tid('barcode-input')).fill('13800000002');
        await page.keyboard.press('Enter');
        await page.locator(`${tid('member-chip')}[data-member="M000002"]`).waitFor({ timeout: STEP });
      }
      for (const barcode of [items[n % 4], items[(n + 1) % 4]]) {
        await scan(barcode);
        if (n === 0 && barcode === items[0]) {
          // Offline: the chain's stock as the device last saw it, said to be so.
          assert.deepEqual(await chainRows('false'), chain);
          await page.locator(tid('chain-stock-close')).click();
        }
        await page.locator(`${tid('cart-line')}[data-barcode="${barcode}"] ${tid('qty-plus')}`).click();
        await page.locator(`${tid('cart-line')}[data-barcode="${barcode}"] ${tid('qty-value')}`).filter({ hasText: '2' }).waitFor({ timeout: STEP });
      }
      await page.locator(tid('pay-button')).click();
      if (n === 0) {
        await page.locator(tid('points-input')).fill(String(POINTS));
        await page.locator(tid('points-note')).filter({ hasText: '¥10.00' }).waitFor({ timeout: STEP });
      }
      await page.locator(tid('quick-exact')).click();
      await page.locator(tid('complete-button')).click();
      await page.locator(tid('receipt')).waitFor({ timeout: STEP });
      saleIds.push(await page.locator(tid('receipt')).getAttribute('data-sale-id'));
      await page.locator(tid('new-sale-button')).click();
      await page.locator(tid('barcode-input')).waitFor({ timeout: STEP });
    }
    assert.equal(new Set(saleIds).size, SALES);

    step = "3. one unit of the last sale but one comes back";
    await page.locator(tid('menu-button')).click();
    await page.locator(tid('menu-returns')).click();
    await page.locator(`${tid('return-recent-sale')}[data-sale-id="${saleIds[SALES - 2]}"]`).click();
    await page.locator(tid('return-line')).first().locator(tid('return-plus')).click();
    await page.locator(tid('refund-button')).click();
    const dialog = page.locator(tid('approval-dialog'));
    const done = page.locator(tid('return-done'));
    await Promise.race([dialog.waitFor({ timeout: STEP }), done.waitFor({ timeout: STEP })]);
    if (await dialog.isVisible()) {
      await page.locator(tid('approval-staff')).fill('2001');
      await page.locator(tid('approval-pin')).fill('222222');
      await page.locator(tid('approval-ok')).click();
    }
    await done.waitFor({ timeout: STEP });
    const queued = Number(await page.locator(tid('badge')).getAttribute('data-pending'));
    assert.ok(queued >= SALES + 1, `queued ${queued}`);
    await page.screenshot({ path: join(shotsDir, 'offline-day-queued-en.png') });

    step = '4. aisled back, network on: the page is closed while its first push is answered';
    // The push reaches aisled and is applied, but the page never hears the answer: it closes first.
    let reached;
    const applied = new Promise((resolve) => (reached = resolve));
    await page.route('**/api/v1/sync/push', async (route) => {
      await route.fetch();
      reached();
    });
    await server.start();
    await context.setOffline(false);
    await applied;
    await page.close();
    const landed = sql("SELECT count(*) FROM ops WHERE type IN ('sale.completed', 'sale.returned')");
    console.log(`# the page closed unanswered with ${landed} of ${SALES + 1} sales and returns on the server`);

    step = '5. aisled SIGKILLed again; the page reopens from the service worker, no server';
    await server.stop('SIGKILL');
    await context.setOffline(true);
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator(`${tid('barcode-input')}, ${tid('signin-staff')}`).first().waitFor({ timeout: STEP });
    if (await page.locator(tid('signin-staff')).isVisible()) {
      await page.locator(tid('signin-staff')).fill('2001');
      await page.locator(tid('signin-pin')).fill('222222');
      await page.locator(tid('signin-button')).click();
      await page.locator(tid('barcode-input')).waitFor({ timeout: STEP });
    }
    // The page never heard its answer: nothing was acknowledged, everything is still queued.
    assert.equal(Number(await page.locator(tid('badge')).getAttribute('data-pending')), queued);

    step = '6. aisled restarts and the network returns: the queue drains';
    await server.start();
    await context.setOffline(false);
    await waitForEmptyQueue(page, 90_000);
  } catch (e) {
    e.message = `${step}: ${e.message}`;
    throw e;
  } finally {
    await close();
  }
  const ids = saleIds.map((id) => `'${id}'`).join(',');
  assert.equal(sql('SELECT count(*) FROM sales'), String(SALES), 'exactly the 50 sales');
  assert.equal(sql(`SELECT count(*) FROM sales WHERE sale_id IN (${ids})`), String(SALES));
  // One op per sale, and each sale's op is the one its device queued (not a second op for the same sale).
  assert.equal(sql("SELECT count(*) FROM ops WHERE type = 'sale.completed'"), String(SALES));
  assert.equal(sql("SELECT count(*) FROM sales s JOIN ops o ON o.op_id = s.op_id WHERE o.type = 'sale.completed'"), String(SALES));
  assert.equal(sql('SELECT sum(qty) FROM sale_lines'), String(4 * SALES), '200 units');
  assert.equal(sql(`SELECT count(*) || ' ' || sale_id FROM returns`), `1 ${saleIds[SALES - 2]}`);
  assert.equal(sql("SELECT count(*) FROM ops WHERE type = 'sale.returned'"), '1');
  assert.equal(sql(`SELECT count(*) || ' ' || sum(delta) FROM points_movements WHERE reason = 'sale_redeem'`), `1 -${POINTS}`);
  assert.equal(sql(`SELECT member_id FROM sales WHERE sale_id = '${saleIds[0]}'`), 'M000002');
  // The stock ledger: every unit sold out of SH01 once, the returned one back once.
  assert.equal(sql("SELECT sum(qty_delta) FROM stock_movements WHERE reason = 'sale'"), String(-4 * SALES));
  assert.equal(sql("SELECT sum(qty_delta) FROM stock_movements WHERE reason = 'return'"), '1');
  rmSync(dataDir, { recursive: true, force: true });
});
