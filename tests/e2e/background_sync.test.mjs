// Background Sync (docs/sync.md, "The outbox"): a sale is queued while aisled is down, and the
// page registers a background sync when its upload fails. Every tab of the app is then closed and
// aisled comes back; the browser's sync event reaches the service worker (dispatched here through
// the DevTools protocol, as Chromium does on its own when the network returns or its retry timer
// fires), which uploads the outbox with no page open. The server then holds the sale once, and
// the app, reopened, finds its outbox empty and sends nothing.
//
//   cd tests/e2e && npm ci && node --test background_sync.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertPrerequisites, demoStore, sleep, signIn, tid, waitForCaches } from './harness.mjs';

const STEP = 30_000;

test('the service worker uploads the outbox with every tab closed', { timeout: 180_000 }, async () => {
  assertPrerequisites();
  const { sql, port, server, context, page, close } = await demoStore('aisle-e2e-background-sync-');
  const origin = `http://127.0.0.1:${port}`;
  let step = 'start';
  try {
    step = '1. signed in, the caches filled and the service worker in control';
    await signIn(page, port, '1001', '1111');
    await waitForCaches(page);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: STEP });

    step = '2. aisled down: a sale is queued and the failed upload asks for a background sync';
    await server.stop('SIGKILL');
    const barcode = sql("SELECT barcode FROM products WHERE sold_by = 'unit' AND category = 'household' ORDER BY sku LIMIT 1");
    await page.locator(tid('barcode-input')).fill(barcode);
    await page.keyboard.press('Enter');
    await page.locator(`${tid('cart-line')}[data-barcode="${barcode}"]`).waitFor({ timeout: STEP });
    await page.locator(tid('pay-button')).click();
    await page.locator(tid('quick-exact')).click();
    await page.locator(tid('complete-button')).click();
    await page.locator(tid('new-sale-button')).click();
    await page.locator(`${tid('badge')}[data-pending="1"]`).waitFor({ timeout: STEP });
    await page.waitForFunction(async () => (await (await navigator.serviceWorker.ready).sync.getTags()).includes('aisle-outbox'), null, { timeout: STEP, polling: 200 });
    const opId = await page.evaluate(() => new Promise((resolve, reject) => {
      const open = indexedDB.open('aisle');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const keys = open.result.transaction('outbox').objectStore('outbox').getAllKeys();
        keys.onsuccess = () => resolve(keys.result[0]);
        keys.onerror = () => reject(keys.error);
      };
    }));
    assert.match(opId, /^[0-9a-f-]{36}$/);

    step = '3. every tab closed, then aisled back';
    await page.close();
    await server.start();
    await sleep(500);
    assert.equal(sql(`SELECT count(*) FROM ops WHERE op_id = '${opId}'`), '0', 'nothing uploaded the sale before the sync event');

    step = '4. the browser\'s sync event: the service worker uploads the sale';
    const blank = await context.newPage();  // about:blank: not the app, only a handle for DevTools
    const cdp = await context.newCDPSession(blank);
    const registrations = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
    await cdp.send('ServiceWorker.enable');
    const deadline = Date.now() + STEP;
    while (!registrations.some((r) => r.scopeURL === `${origin}/` && !r.isDeleted) && Date.now() < deadline) await sleep(100);
    const registration = registrations.find((r) => r.scopeURL === `${origin}/` && !r.isDeleted);
    assert.ok(registration, `no service worker registration for ${origin}/`);
    await cdp.send('ServiceWorker.dispatchSyncEvent', { origin, registrationId: registration.registrationId, tag: 'aisle-outbox', lastChance: false });
    while (sql(`SELECT count(*) FROM ops WHERE op_id = '${opId}'`) !== '1' && Date.now() < deadline) await sleep(200);
    assert.equal(sql(`SELECT count(*) FROM ops WHERE op_id = '${opId}'`), '1', 'the service worker uploaded the queued sale');
    assert.equal(sql(`SELECT count(*) FROM sales WHERE op_id = '${opId}'`), '1');

    step = '5. the app reopened: the outbox is empty, and the page sends nothing';
    const reopened = await context.newPage();
    let pushes = 0;
    reopened.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/v1/sync/push')) pushes++;
    });
    await reopened.goto(`${origin}/`);
    await reopened.locator(tid('barcode-input')).waitFor({ timeout: STEP });
    await reopened.locator(`${tid('badge')}[data-pending="0"]`).waitFor({ timeout: STEP });
    await sleep(1000);
    assert.equal(pushes, 0, 'the reopened page had nothing to upload');
    assert.equal(sql(`SELECT count(*) FROM ops WHERE op_id = '${opId}'`), '1');
  } catch (e) {
    e.message = `[${step}] ${e.message}`;
    throw e;
  } finally {
    await close();
  }
});
