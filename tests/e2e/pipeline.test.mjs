// The outbox's two pushes in flight (docs/web.md, docs/sync.md), against a real aisled in --demo
// and Debian's Chromium: offline, a store manager opens the cash drawer with a ¥500 float, sells
// one item for cash, and the page copies that sale to 1,200 queued sales (three batches of 500 at
// most); then the manager closes the drawer with a count that holds every sale's cash. Online, the
// terminal uploads two batches at a time (the test sees two pushes open at once), but the small
// last batch with the drawer's close is sent only once the pushes before it were answered (on a
// slow network a small body could otherwise reach the server before a big one): the server's Z
// report counts all 1,200 sales and raises no drawer_variance.
//
//   cd tests/e2e && npm ci && node --test pipeline.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { assertPrerequisites, cloneQueuedSale, demoStore, signIn, sleep, tid, waitForCaches, waitForEmptyQueue } from './harness.mjs';

const STEP = 30_000;
const SALES = 1200;

test('two pushes in flight, and a drawer close that waits for the sales before it', { timeout: 300_000 }, async () => {
  assertPrerequisites();
  const { dataDir, sql, port, server, context, page, close } = await demoStore('aisle-e2e-pipeline-');
  let step = 'start';
  const open = new Set();  // push requests sent and not yet answered
  let mostOpen = 0;
  let pushes = 0;
  let openWhenClosing = -1;  // pushes still unanswered when the one with the drawer's close was sent
  try {
    step = '0. the manager signs in; aisled stops and the network goes';
    const [barcode, price] = sql("SELECT barcode, price FROM products WHERE sold_by = 'unit' AND category = 'household' ORDER BY sku LIMIT 1").split('|');
    await signIn(page, port, '2001', '222222');
    await waitForCaches(page, ['catalog', 'promotions']);
    await server.stop('SIGKILL');
    await context.setOffline(true);

    step = '1. offline: the drawer opens with ¥500; one sale for cash; copied to 1,200';
    await page.locator(tid('menu-button')).click();
    await page.locator(tid('menu-drawer')).click();
    await page.locator(tid('drawer-float')).fill('500');
    await page.locator(tid('drawer-open')).click();
    await page.locator(tid('drawer-close')).waitFor({ timeout: STEP });
    await page.locator(tid('menu-button')).click();
    await page.locator(tid('menu-sell')).click();
    await page.locator(tid('barcode-input')).fill(barcode);
    await page.keyboard.press('Enter');
    await page.locator(`${tid('cart-line')}[data-barcode="${barcode}"][data-gross="${price}"]`).waitFor({ timeout: STEP });
    await page.locator(tid('pay-button')).click();
    await page.locator(tid('quick-exact')).click();
    await page.locator(tid('complete-button')).click();
    await page.locator(tid('receipt')).waitFor({ timeout: STEP });
    const lastCopy = await cloneQueuedSale(page, SALES);
    while (Date.now() <= lastCopy + 20) await sleep(50);  // the close is queued after every copy

    step = '2. the drawer closes with every sale\'s cash counted';
    await page.locator(tid('menu-button')).click();
    await page.locator(tid('menu-drawer')).click();
    await page.locator(tid('drawer-close')).click();
    await page.locator(tid('count-cash')).fill(String((50000 + SALES * Number(price)) / 100));
    await page.locator(tid('close-ok')).click();
    await page.locator(tid('drawer-report-Z')).waitFor({ timeout: STEP });

    step = '3. online: the queue drains two pushes at a time';
    page.on('request', (r) => {
      if (r.method() !== 'POST' || !r.url().endsWith('/api/v1/sync/push')) return;
      pushes++;
      if ((r.postData() ?? '').includes('"drawer.closed"')) openWhenClosing = open.size;
      open.add(r);
      mostOpen = Math.max(mostOpen, open.size);
    });
    // A push counts as answered once its response arrives: the page cannot read the body, and so
    // send the next push, before then. 'requestfinished' can reach the test after the next push's
    // 'request' on a loaded machine, which once counted three open.
    page.on('response', (res) => open.delete(res.request()));
    page.on('requestfailed', (r) => open.delete(r));
    await server.start();
    await context.setOffline(false);
    await waitForEmptyQueue(page, 120_000);
  } catch (e) {
    e.message = `${step}: ${e.message}`;
    throw e;
  } finally {
    await close();
  }
  assert.ok(pushes >= 3, `${pushes} pushes`);
  assert.equal(mostOpen, 2, 'two pushes were open at once');
  assert.equal(openWhenClosing, 0, 'the batch with the drawer\'s close was sent when no other push was open');
  assert.equal(sql("SELECT count(*) FROM sales"), String(SALES));
  assert.equal(sql("SELECT count(*) || ' ' || json_extract(report, '$.variance') FROM drawer_sessions WHERE closed_at IS NOT NULL"), '1 0');
  assert.equal(sql("SELECT count(*) FROM exceptions WHERE kind = 'drawer_variance'"), '0');
  rmSync(dataDir, { recursive: true, force: true });
});
