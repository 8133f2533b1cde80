// docs/security.md in the browser, against a real aisled that serves enrolled devices only
// (no --demo) and Debian's Chromium at a phone's size: the device enrolls with a one-time code at
// sign-in; an associate's void needs a manager's PIN (a wrong one is refused on the device); the
// cash drawer opens, pays out with approval and closes with a blind count into a Z report; then
// with the server killed and the browser offline, another associate signs in against the
// encrypted verifier cache and sells, five wrong PINs lock offline sign-in, and once the server
// is back every operation is in the SQLite file, the approvals verified and the audit chain intact.
//
//   cd tests/e2e && npm ci && node --test security.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { aisleBin, Aisled, chromiumPath, freePort, repo, sleep, waitForEmptyQueue } from './harness.mjs';

const shotsDir = join(repo, 'docs', 'screenshots');
const STEP = 30_000;
const tid = (id) => `[data-testid="${id}"]`;

test('enrollment, approvals, drawer and offline sign-in in Chromium', { timeout: 300_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aisle-e2e-sec-'));
  const db = join(dataDir, 'aisle.db');
  const sql = (q) => execFileSync('sqlite3', [db, q]).toString().trim();
  const aisle = (...args) => execFileSync(aisleBin, args, { encoding: 'utf8' });
  aisle('demo-load', '--data-dir', dataDir);
  const code = /([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})/.exec(aisle('device', 'enroll', '--data-dir', dataDir, '--store', 'SH01', '--name', 'E2E phone'))[1];
  const [barcode, price] = sql("SELECT barcode || '|' || price FROM products WHERE sold_by = 'unit' ORDER BY sku LIMIT 1").split('|');

  const port = await freePort();
  const server = new Aisled({ dataDir, port, logFile: join(dataDir, 'aisled.log'), demo: false });
  await server.start();
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  try {
    const signIn = async (staff, pin) => {
      await page.locator(tid('signin-staff')).fill(staff);
      await page.locator(tid('signin-pin')).fill(pin);
      await page.locator(tid('signin-button')).click();
    };
    const scan = async (code) => {
      await page.locator(tid('barcode-input')).fill(code);
      await page.keyboard.press('Enter');
    };
    const approve = async (staff, pin) => {
      await page.locator(tid('approval-staff')).fill(staff);
      await page.locator(tid('approval-pin')).fill(pin);
      await page.locator(tid('approval-ok')).click();
    };
    const payExact = async () => {
      await page.locator(tid('pay-button')).click();
      await page.locator(tid('quick-exact')).click();
      await page.locator(tid('complete-button')).click();
      await page.locator(tid('receipt')).waitFor({ timeout: STEP });
      await page.locator(tid('new-sale-button')).click();
    };
    const menu = async (item) => {
      await page.locator(tid('menu-button')).click();
      await page.locator(tid(item)).click();
    };

    // 1. Enrollment at the first sign-in.
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => document.getElementById('app')?.dataset.core === 'ready', null, { timeout: STEP });
    await signIn('1001', '1111');
    await page.locator(tid('enroll-block')).waitFor({ timeout: STEP });
    await page.locator(tid('enroll-code')).fill(code.toLowerCase());  // typed as it comes
    await page.locator(tid('signin-pin')).fill('1111');
    await page.locator(tid('signin-button')).click();
    await page.locator(tid('barcode-input')).waitFor({ timeout: STEP });
    assert.equal(sql("SELECT count(*) FROM devices WHERE credential_hash IS NOT NULL AND name = 'E2E phone'"), '1');
    // The verifier cache arrives encrypted.
    await page.waitForFunction(
      () => new Promise((resolve) => {
        const open = indexedDB.open('aisle');
        open.onsuccess = () => {
          const get = open.result.transaction('meta').objectStore('meta').get('verifiers');
          get.onsuccess = () => resolve(get.result !== undefined && get.result.data instanceof ArrayBuffer);
        };
      }),
      null,
      { timeout: STEP },
    );

    // 2. A void by an associate needs a manager: a wrong PIN is refused, the right one signs.
    await scan(barcode);
    await scan(barcode);
    await page.locator(`${tid('cart-line')}[data-qty="2"]`).waitFor({ timeout: STEP });
    await page.locator(tid('qty-minus')).click();
    await page.locator(tid('approval-dialog')).waitFor({ timeout: STEP });
    await approve('2001', '999999');
    await page.locator(tid('approval-error')).waitFor({ state: 'visible', timeout: STEP });
    await approve('2001', '222222');
    await page.locator(tid('approval-dialog')).waitFor({ state: 'detached', timeout: STEP });
    await page.locator(`${tid('cart-line')}[data-qty="1"]`).waitFor({ timeout: STEP });
    await payExact();

    // 3. The cash drawer: float ¥500, a paid-out of ¥35 approved, a blind count ¥15 short.
    await menu('menu-drawer');
    await page.locator(tid('drawer-float')).fill('500');
    await page.locator(tid('drawer-open')).click();
    await page.locator(tid('drawer-paid-out')).click();
    await page.locator(tid('move-amount')).fill('35');
    await page.locator(tid('move-reason')).fill('快递费 courier');
    await page.locator(tid('move-ok')).click();
    await approve('2001', '222222');
    await page.locator(`${tid('report-cash')}[data-expected="46500"]`).waitFor({ timeout: STEP });
    mkdirSync(shotsDir, { recursive: true });
    await page.screenshot({ path: join(shotsDir, 'drawer-x-en.png') });
    await page.locator(tid('drawer-close')).click();
    await page.locator(tid('count-cash')).fill('450');
    await page.locator(tid('close-ok')).click();
    await page.locator(`${tid('z-variance')}[data-variance="-1500"]`).waitFor({ timeout: STEP });
    await page.locator(tid('lang-switch')).click();
    await page.locator(tid('drawer-report-Z')).waitFor({ timeout: STEP });
    await page.screenshot({ path: join(shotsDir, 'drawer-z-zh.png') });
    await page.locator(tid('lang-switch')).click();
    await waitForEmptyQueue(page, STEP);

    // 4. Offline: the server dies, the browser loses the network; another associate signs in.
    await server.stop('SIGKILL');
    await context.setOffline(true);
    await menu('menu-switch');
    await signIn('1501', '1515');
    await page.locator(tid('barcode-input')).waitFor({ timeout: STEP });
    await scan(barcode);
    await scan(barcode);
    await page.locator(`${tid('cart-line')}[data-qty="2"]`).waitFor({ timeout: STEP });
    await page.locator(tid('qty-minus')).click();  // a senior associate voids without asking
    await page.locator(`${tid('cart-line')}[data-qty="1"]`).waitFor({ timeout: STEP });
    assert.equal(await page.locator(tid('approval-dialog')).count(), 0);
    await payExact();
    // Five wrong PINs lock offline sign-in on this device.
    await menu('menu-switch');
    for (let i = 0; i < 5; i++) {
      await signIn('1001', '0000');
      await page.locator(tid('signin-error')).waitFor({ state: 'visible', timeout: STEP });
    }
    await signIn('1001', '1111');
    await page.waitForFunction(
      () => /5 minutes/.test(document.querySelector('[data-testid="signin-error"]')?.textContent ?? ''),
      null,
      { timeout: STEP },
    );
    await page.screenshot({ path: join(shotsDir, 'offline-locked-en.png') });

    // 5. Back online: the queue drains with the last online session's token.
    await server.start();
    await context.setOffline(false);
    await page.reload();
    await page.locator(tid('signin-staff')).waitFor({ timeout: STEP });
    const deadline = Date.now() + STEP;
    while (sql("SELECT count(*) FROM sales WHERE staff_code = '1501'") !== '1') {
      assert.ok(Date.now() < deadline, 'the offline sale did not arrive');
      await sleep(300);
    }

    // 6. The store manager resolves the drawer's variance in the back office's exceptions page.
    await signIn('2001', '222222');
    await page.locator(tid('barcode-input')).waitFor({ timeout: STEP });
    await menu('backoffice-button');
    await page.locator(tid('bo-tab-exceptions')).click();
    const row = page.locator(`${tid('exc-row')}[data-kind="drawer_variance"][data-status="open"]`);
    await row.waitFor({ timeout: STEP });
    await row.locator(tid('exc-resolution')).selectOption('corrected');
    await row.locator(tid('exc-note')).fill('recounted: ¥15 in the coin tray');
    await page.screenshot({ path: join(shotsDir, 'backoffice-exceptions-en.png') });
    await row.locator(tid('exc-resolve')).click();
    await row.waitFor({ state: 'detached', timeout: STEP });
  } finally {
    await browser.close();
    await server.stop();
  }
  // What the server holds: both sales, the voids with their approvals verified, the drawer.
  assert.equal(sql("SELECT count(*) FROM sales WHERE json_array_length(voided_lines) = 1"), '2');
  assert.equal(sql("SELECT count(*) FROM sales WHERE json_array_length(approvals) = 1 AND staff_code = '1001'"), '1');
  assert.equal(sql("SELECT count(*) FROM exceptions WHERE kind = 'approval_invalid'"), '0');
  assert.equal(sql("SELECT count(*) FROM drawer_sessions WHERE closed_at IS NOT NULL AND json_extract(report, '$.variance') = -1500"), '1');
  assert.equal(sql("SELECT count(*) FROM exceptions WHERE kind = 'drawer_variance' AND status = 'resolved' AND resolved_by = '2001' AND resolution = 'corrected'"), '1');
  assert.equal(sql("SELECT count(*) FROM audit_log WHERE action = 'exception.resolved'"), '1');
  assert.equal(sql("SELECT count(*) FROM drawer_movements WHERE kind = 'paid_out' AND amount = 3500"), '1');
  assert.equal(sql("SELECT count(*) FROM rejected_ops"), '0');
  assert.match(aisle('audit', 'verify', '--data-dir', dataDir), /SH01: intact/);
  rmSync(dataDir, { recursive: true, force: true });
});
