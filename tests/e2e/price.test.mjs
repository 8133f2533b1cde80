// Price changes in the terminal (docs/security.md, "Manager approval"), against a real aisled in
// --demo and Debian's Chromium at a phone's size, in Chinese: a senior associate gives 10 % off
// alone (their role's limit), 20 % only with the store manager's PIN, and a new price only with
// it too; 25 % approved by the manager on their own phone (a second browser context, the request
// nudged over the live socket); the sale reaches the SQLite file with the discounted lines and approvals that the server
// verified (no approval_invalid exception).
//
//   cd tests/e2e && npm ci && node --test price.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { aisleBin, Aisled, assertPrerequisites, chromiumArgs, chromiumPath, freePort, shotsDir, signIn, tid, waitForEmptyQueue } from './harness.mjs';

const STEP = 30_000;

test('manual discounts and price overrides with approvals in Chromium', { timeout: 180_000 }, async () => {
  assertPrerequisites();
  const dataDir = mkdtempSync(join(tmpdir(), 'aisle-e2e-price-'));
  const db = join(dataDir, 'aisle.db');
  const sql = (q) => execFileSync('sqlite3', [db, q]).toString().trim();
  execFileSync(aisleBin, ['demo-load', '--data-dir', dataDir]);
  const products = sql("SELECT barcode || '|' || price FROM products WHERE sold_by = 'unit' ORDER BY sku LIMIT 2")
    .split('\n')
    .map((row) => row.split('|'))
    .map(([barcode, price]) => ({ barcode, price: Number(price) }));

  const port = await freePort();
  const server = new Aisled({ dataDir, port, logFile: join(dataDir, 'aisled.log') });
  await server.start();
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  let step = 'start';
  try {
    step = '1. sign in as a senior associate (10 % of their own)';
    await signIn(page, port, '1501', '1515');
    const scan = async (barcode) => {
      await page.locator(tid('barcode-input')).fill(barcode);
      await page.keyboard.press('Enter');
      await page.locator(`${tid('cart-line')}[data-barcode="${barcode}"]`).waitFor({ timeout: STEP });
    };
    const line = (barcode) => page.locator(`${tid('cart-line')}[data-barcode="${barcode}"]`);
    const grossOf = async (barcode) => Number(await line(barcode).getAttribute('data-gross'));
    const [a, b] = products;
    const percentOff = (price, bp) => Math.floor((price * (10000 - bp) + 5000) / 10000);
    const approve = async (staff, pin) => {
      await page.locator(tid('approval-staff')).fill(staff);
      await page.locator(tid('approval-pin')).fill(pin);
      await page.locator(tid('approval-ok')).click();
    };
    const newPriceSheet = async (barcode, fen) => {
      await line(barcode).locator(tid('line-price')).click();
      await page.locator(tid('price-mode-price')).check({ force: true });
      await page.locator(tid('price-value')).fill(`${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`);
      await page.locator(tid('price-apply')).click();
      await page.locator(tid('approval-dialog')).waitFor({ timeout: STEP });
    };

    step = '2. 10 % off: no approval asked';
    await scan(a.barcode);
    await line(a.barcode).locator(tid('line-price')).click();
    await page.locator(tid('price-value')).fill('10');
    await page.locator(tid('price-apply')).click();
    await page.locator(tid('price-dialog')).waitFor({ state: 'detached', timeout: STEP });
    assert.equal(await page.locator(tid('approval-dialog')).count(), 0, 'no approval within the role limit');
    await line(a.barcode).locator(tid('line-price-change')).waitFor({ timeout: STEP });
    assert.equal(await grossOf(a.barcode), percentOff(a.price, 1000));

    step = '3. 20 % off: the store manager approves with their PIN';
    await line(a.barcode).locator(tid('line-price')).click();
    await page.locator(tid('price-value')).fill('20');
    await page.locator(tid('price-reason')).selectOption({ index: 2 });
    mkdirSync(shotsDir, { recursive: true });
    await page.screenshot({ path: join(shotsDir, 'price-zh.png') });
    await page.locator(tid('price-apply')).click();
    await page.locator(tid('approval-dialog')).waitFor({ timeout: STEP });
    await approve('1001', '1111');  // an associate cannot approve
    await page.locator(tid('approval-error')).waitFor({ state: 'visible', timeout: STEP });
    await approve('2001', '222222');
    await page.locator(tid('approval-dialog')).waitFor({ state: 'detached', timeout: STEP });
    await page.waitForFunction(
      ([sel, want]) => document.querySelector(sel)?.getAttribute('data-gross') === String(want),
      [`${tid('cart-line')}[data-barcode="${a.barcode}"]`, percentOff(a.price, 2000)],
      { timeout: STEP },
    );

    step = '4. a new price (it takes no promotion): needs price_override, so the manager approves';
    await scan(b.barcode);
    const before = await grossOf(b.barcode);  // with the demo's promotions, if any
    const newPrice = b.price - 100;
    await newPriceSheet(b.barcode, newPrice);
    await page.locator(tid('approval-cancel')).click();  // cancelled: the price stays
    await page.locator(tid('approval-dialog')).waitFor({ state: 'detached', timeout: STEP });
    assert.equal(await grossOf(b.barcode), before);
    await newPriceSheet(b.barcode, newPrice);
    await approve('2001', '222222');
    await page.locator(tid('approval-dialog')).waitFor({ state: 'detached', timeout: STEP });
    await page.waitForFunction(
      ([sel, want]) => document.querySelector(sel)?.getAttribute('data-gross') === String(want),
      [`${tid('cart-line')}[data-barcode="${b.barcode}"]`, newPrice],
      { timeout: STEP },
    );
    await page.screenshot({ path: join(shotsDir, 'price-cart-zh.png') });

    step = '5. 25 % off approved remotely: the store manager approves from their own phone';
    const managerContext = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
    const manager = await managerContext.newPage();
    manager.on('pageerror', (e) => console.error('manager page error:', e.message));
    await signIn(manager, port, '2001', '222222');
    await line(a.barcode).locator(tid('line-price')).click();
    await page.locator(tid('price-value')).fill('25');
    await page.locator(tid('price-apply')).click();
    await page.locator(tid('approval-remote')).click();
    await page.locator(tid('approval-waiting')).waitFor({ state: 'visible', timeout: STEP });
    await manager.locator(`${tid('inbox-badge')}[data-count="1"]`).waitFor({ timeout: STEP });
    await manager.locator(tid('inbox-badge')).click();
    await manager.locator(tid('inbox-item')).waitFor({ timeout: STEP });
    await manager.screenshot({ path: join(shotsDir, 'approval-inbox-zh.png') });
    await manager.locator(tid('inbox-pin')).fill('123456');  // a wrong PIN is refused on the device
    await manager.locator(tid('inbox-approve')).click();
    await manager.locator(tid('inbox-error')).waitFor({ state: 'visible', timeout: STEP });
    await manager.locator(tid('inbox-pin')).fill('222222');
    await manager.locator(tid('inbox-approve')).click();
    await page.locator(tid('approval-dialog')).waitFor({ state: 'detached', timeout: STEP });
    await page.waitForFunction(
      ([sel, want]) => document.querySelector(sel)?.getAttribute('data-gross') === String(want),
      [`${tid('cart-line')}[data-barcode="${a.barcode}"]`, percentOff(a.price, 2500)],
      { timeout: STEP },
    );
    await manager.locator(tid('inbox-item')).waitFor({ state: 'detached', timeout: STEP });
    await managerContext.close();

    step = '6. pay; the server keeps the discounts and verifies the approvals';
    await page.locator(tid('pay-button')).click();
    await page.locator(tid('quick-exact')).click();
    await page.locator(tid('complete-button')).click();
    await page.locator(tid('receipt')).waitFor({ timeout: STEP });
    await waitForEmptyQueue(page, STEP);
    const gross = sql('SELECT group_concat(gross) FROM (SELECT gross FROM sale_lines ORDER BY line_no)');
    assert.equal(gross, `${percentOff(a.price, 2500)},${newPrice}`);
    assert.equal(sql('SELECT count(*) FROM exceptions'), '0', sql('SELECT detail FROM exceptions'));
    const approvals = sql('SELECT approvals FROM sales');
    assert.match(approvals, /"rule":"manual_discount"/);
    assert.match(approvals, /"rule":"price_override"/);
    assert.match(approvals, /"method":"remote"/);
    assert.equal(sql("SELECT status || ' ' || decided_by FROM approval_requests"), 'approved 2001');
    assert.equal(sql('SELECT count(*) FROM price_differences'), '0');
  } catch (e) {
    await page.screenshot({ path: join(dataDir, 'failure.png') }).catch(() => {});
    throw new Error(`${step}: ${e.message} (data kept in ${dataDir})`, { cause: e });
  } finally {
    await browser.close();
    await server.stop();
  }
  rmSync(dataDir, { recursive: true, force: true });
});
