// Sync proof 1 (docs/sync.md, "Conflicts"), against a real aisled in --demo and Debian's Chromium:
// two handhelds of one store (one in Chinese, one in English, phone-sized) both go offline and each
// sells the store's last unit of the same item with the same single-use coupon code. Back online,
// both sales are stored as paid; the server raises stock_negative and coupon_reused; the store
// manager finds both in the back office's Exceptions page and resolves them, which is audited.
// Between, the same device shows caps at the till: the demo flash sale capped at one unit, and a
// promotion once per member (`per_member`), each sold offline and then counted with the server's.
//
//   cd tests/e2e && npm ci && node --test conflicts.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { aisleBin, api, assertPrerequisites, demoStore, shotsDir, signIn, tid, waitForCaches, waitForEmptyQueue } from './harness.mjs';

const STEP = 30_000;

test('two offline devices sell the last unit with the same coupon; the manager resolves both conflicts', { timeout: 240_000 }, async () => {
  assertPrerequisites();
  const { dataDir, sql, port, browser, context, page, close } = await demoStore('aisle-e2e-conflicts-', { locale: 'zh-CN' });
  let step = 'start';
  try {
    step = '0. the store lets single-use coupons be redeemed offline; one code issued';
    execFileSync(aisleBin, ['store', 'policy', '--data-dir', dataDir, '--store', 'SH01', '--offline-coupons', 'yes']);
    const base = `http://127.0.0.1:${port}`;
    const hq = await api(base, 'POST', '/api/v1/sessions', { store_id: 'SH01', device_id: 'e2e-hq', staff_code: '9001', pin: '999999' });
    assert.equal(hq.status, 201, hq.text);
    const batch = await api(base, 'POST', '/api/v1/coupons/batches', { coupon_id: 'CPN-20-OFF-200', count: 1 }, hq.json.token);
    assert.equal(batch.status, 201, batch.text);
    const code = batch.json.codes[0];
    // An item that alone reaches the coupon's ¥200 and that no demo promotion takes, with the store's lowest stock.
    const [sku, barcode, price, stock] = sql(
      "SELECT p.sku, p.barcode, p.price, l.qty FROM products p JOIN stock_levels l ON l.sku = p.sku AND l.location_id = 'SH01' " +
        "WHERE p.sold_by = 'unit' AND p.price BETWEEN 20000 AND 29999 AND p.brand != 'Qingyu' " +
        "AND p.category NOT IN ('snacks', 'beverages') AND p.sku != 'SKU-002001' ORDER BY l.qty, p.sku LIMIT 1",
    ).split('|');
    assert.ok(Number(stock) >= 2, `stock ${stock}`);

    step = '1. device A (中文) sells all but the last unit, online';
    await signIn(page, port, '1001', '1111');
    const scan = async (p, b) => {
      await p.locator(tid('barcode-input')).fill(b);
      await p.keyboard.press('Enter');
      await p.locator(`${tid('cart-line')}[data-barcode="${b}"]`).waitFor({ timeout: STEP });
    };
    const pay = async (p) => {
      await p.locator(tid('pay-button')).click();
      await p.locator(tid('quick-exact')).click();
      await p.locator(tid('complete-button')).click();
      await p.locator(tid('receipt')).waitFor({ timeout: STEP });
      const saleId = await p.locator(tid('receipt')).getAttribute('data-sale-id');
      await p.locator(tid('new-sale-button')).click();
      return saleId;
    };
    const drained = (p) => waitForEmptyQueue(p, 60_000);
    await scan(page, barcode);
    for (let i = 1; i < Number(stock) - 1; i++) await page.locator(tid('qty-plus')).first().click();
    await page.locator(`${tid('qty-value')}`).filter({ hasText: String(Number(stock) - 1) }).waitFor({ timeout: STEP });
    await pay(page);
    await drained(page);
    assert.equal(sql(`SELECT qty FROM stock_levels WHERE location_id = 'SH01' AND sku = '${sku}'`), '1');

    step = '2. device B (English) signs in and takes the caches';
    const contextB = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
    const pageB = await contextB.newPage();
    pageB.on('pageerror', (e) => console.error('page B error:', e.message));
    await signIn(pageB, port, '1501', '1515');
    await waitForCaches(pageB, ['catalog', 'promotions']);

    step = '3. both offline: each sells the last unit with the same code';
    await context.setOffline(true);
    await contextB.setOffline(true);
    const sales = [];
    for (const p of [page, pageB]) {
      await scan(p, barcode);
      await p.locator(tid('coupon-button')).click();
      await p.locator(tid('coupon-input')).fill(code);
      await p.locator(tid('coupon-ok')).click();
      await p.locator(`${tid('coupon-chip')}[data-code="${code}"][data-applied="true"]`).waitFor({ timeout: STEP });
      assert.match(await p.locator(tid('coupon-chip')).textContent(), /−¥20\.00/);
      if (p === page) await p.screenshot({ path: join(shotsDir, 'conflict-offline-zh.png') });
      sales.push(await pay(p));
    }
    assert.equal(sql(`SELECT count(*) FROM sales WHERE sale_id IN ('${sales[0]}', '${sales[1]}')`), '0');

    step = '4. both online: both sales stored as paid, two conflicts raised';
    await context.setOffline(false);
    await contextB.setOffline(false);
    await drained(page);
    await drained(pageB);
    const paid = Number(price) - 2000;
    assert.equal(sql(`SELECT count(*) || ' ' || sum(total) FROM sales WHERE sale_id IN ('${sales[0]}', '${sales[1]}')`), `2 ${2 * paid}`);
    assert.equal(sql(`SELECT qty FROM stock_levels WHERE location_id = 'SH01' AND sku = '${sku}'`), '-1');
    assert.equal(sql(`SELECT count(*) FROM coupon_redemptions WHERE code = '${code}'`), '2');
    assert.equal(sql("SELECT group_concat(kind, ' ') FROM (SELECT kind FROM exceptions WHERE status = 'open' ORDER BY kind)"), 'coupon_reused stock_negative');
    await contextB.close();

    step = '4b. the flash sale has one unit left in the chain: device A sells it, the next is at full price';
    const current = (await api(base, 'GET', '/api/v1/pricing/rules', null, hq.json.token)).json;
    const capped = {
      ...current.rules,
      version: `${current.version}+cap`,
      promotions: current.rules.promotions.map((p) => (p.id === 'LIPSTICK-FLASH' ? { ...p, remaining_units: 1 } : p)),
    };
    // HQ publishes rules; the live nudge brings the new version to the device (its sync screen names
    // it), and the next sale is priced with it.
    const publish = async (rules) => {
      assert.equal((await api(base, 'POST', '/api/v1/pricing/rules', rules, hq.json.token)).status, 201);
      await page.locator(tid('menu-button')).click();
      await page.locator(tid('menu-sync')).click();
      await page.locator(tid('cache-promotions')).filter({ hasText: rules.version }).waitFor({ timeout: STEP });
      await page.locator(tid('menu-button')).click();
      await page.locator(tid('menu-sell')).click();
    };
    await publish(capped);
    const [flashBarcode, flashPrice] = sql("SELECT barcode, price FROM products WHERE sku = 'SKU-002001'").split('|');
    const flashLine = page.locator(`${tid('cart-line')}[data-barcode="${flashBarcode}"]`);
    await scan(page, flashBarcode);
    await flashLine.and(page.locator('[data-gross="9900"]')).waitFor({ timeout: STEP });
    // Sold offline: until the server has the sale, the device counts its own queued unit.
    await context.setOffline(true);
    const flashSale = await pay(page);
    await scan(page, flashBarcode);
    await flashLine.and(page.locator(`[data-gross="${flashPrice}"]`)).waitFor({ timeout: STEP });
    // Online: the server's count (in the push answer and the feed) takes over from it.
    await context.setOffline(false);
    await drained(page);
    assert.equal(sql(`SELECT rules_version FROM sales WHERE sale_id = '${flashSale}'`), capped.version);
    assert.equal(sql("SELECT sum(units) FROM promotion_usage WHERE promotion_id = 'LIPSTICK-FLASH'"), '1');
    await page.locator(tid('qty-plus')).click();
    await flashLine.and(page.locator(`[data-gross="${2 * Number(flashPrice)}"]`)).waitFor({ timeout: STEP });
    await page.reload();  // the cart is kept; it is priced again from the stored counts
    await flashLine.and(page.locator(`[data-gross="${2 * Number(flashPrice)}"]`)).waitFor({ timeout: STEP });
    assert.equal(sql("SELECT count(*) FROM exceptions WHERE kind = 'cap_exceeded'"), '0');

    step = '4c. a promotion once per member: offline, the member gets it once; online, the member\'s count stays with them';
    const [onceSku, onceBarcode, oncePrice] = sql(
      "SELECT p.sku, p.barcode, p.price FROM products p JOIN stock_levels l ON l.sku = p.sku AND l.location_id = 'SH01' " +
        `WHERE p.sold_by = 'unit' AND p.category = 'household' AND p.sku != '${sku}' AND l.qty >= 5 ORDER BY p.sku LIMIT 1`,
    ).split('|');
    const once = {
      ...capped,
      version: `${capped.version}+once`,
      promotions: [...capped.promotions, { id: 'MEMBER-ONCE', name: { zh: '会员专享半价（每人一次）', en: 'Members: half price, once each' },
        type: 'percent_off', scope: { skus: [onceSku] }, percent_bp: 5000, stacking: 'exclusive', per_member: 1 }],
    };
    await publish(once);
    const onceLine = page.locator(`${tid('cart-line')}[data-barcode="${onceBarcode}"]`);
    const memberScansTheItem = async () => {
      await page.locator(tid('barcode-input')).fill('13800000002');
      await page.keyboard.press('Enter');
      await page.locator(`${tid('member-chip')}[data-member="M000002"]`).waitFor({ timeout: STEP });
      await scan(page, onceBarcode);
      return Number(await onceLine.getAttribute('data-gross'));
    };
    const clearCart = async () => {  // voids: the associate's manager approves them
      await page.locator(tid('clear-button')).click();
      const dialog = page.locator(tid('approval-dialog'));
      const gone = page.locator(tid('cart-line')).first().waitFor({ state: 'detached', timeout: STEP });
      if (await dialog.waitFor({ timeout: 3000 }).then(() => true, () => false)) {
        await page.locator(tid('approval-staff')).fill('2001');
        await page.locator(tid('approval-pin')).fill('222222');
        await page.locator(tid('approval-ok')).click();
      }
      await gone;
    };
    await clearCart();  // the flash sale's lines of 4b
    await context.setOffline(true);
    const halfPrice = await memberScansTheItem();
    assert.ok(halfPrice <= Number(oncePrice) / 2 + 1, `${halfPrice} of ${oncePrice}: the member's offer`);
    const onceSale = await pay(page);
    // Still offline: the device counts the member's queued sale.
    const after = await memberScansTheItem();
    assert.ok(after > halfPrice, `${after}: no second time`);
    await clearCart();
    await context.setOffline(false);
    await drained(page);
    assert.equal(sql(`SELECT group_concat(sale_id || ':' || member_id || ':' || applications) FROM member_promotion_usage`), `${onceSale}:M000002:1`);
    // Online, with the sale forgotten by the outbox: the member's count came back with the answer.
    assert.equal(await memberScansTheItem(), after);
    await clearCart();
    await page.reload();
    assert.equal(await memberScansTheItem(), after);
    await clearCart();
    assert.equal(sql("SELECT count(*) FROM exceptions WHERE kind = 'cap_exceeded'"), '0');

    step = '5. the store manager resolves both in the back office (中文)';
    await page.locator(tid('menu-button')).click();
    await page.locator(tid('menu-switch')).click();
    await page.locator(tid('signin-staff')).fill('2001');
    await page.locator(tid('signin-pin')).fill('222222');
    await page.locator(tid('signin-button')).click();
    await page.locator(tid('barcode-input')).waitFor({ timeout: STEP });
    await page.locator(tid('menu-button')).click();
    await page.locator(tid('backoffice-button')).click();
    await page.locator(tid('bo-tab-exceptions')).click();
    const row = (kind) => page.locator(`${tid('exc-row')}[data-kind="${kind}"][data-status="open"]`);
    await row('stock_negative').waitFor({ timeout: STEP });
    await row('coupon_reused').waitFor({ timeout: STEP });
    assert.match(await row('stock_negative').textContent(), new RegExp(`${sku}.*-1`));
    assert.match(await row('coupon_reused').textContent(), new RegExp(code));
    await page.screenshot({ path: join(shotsDir, 'conflict-exceptions-zh.png') });
    await row('stock_negative').locator(tid('exc-resolution')).selectOption('corrected');
    await row('stock_negative').locator(tid('exc-note')).fill('盘点后调拨一件 transfer from BJ01');
    await row('stock_negative').locator(tid('exc-resolve')).click();
    await row('stock_negative').waitFor({ state: 'detached', timeout: STEP });
    await row('coupon_reused').locator(tid('exc-resolution')).selectOption('written_off');
    await row('coupon_reused').locator(tid('exc-resolve')).click();
    await row('coupon_reused').waitFor({ state: 'detached', timeout: STEP });
  } catch (e) {
    e.message = `${step}: ${e.message}`;
    throw e;
  } finally {
    await close();
  }
  assert.equal(sql("SELECT count(*) FROM exceptions WHERE status = 'open'"), '0');
  assert.equal(sql("SELECT group_concat(kind || ':' || resolution || ':' || resolved_by, ' ') FROM (SELECT * FROM exceptions ORDER BY kind)"),
    'coupon_reused:written_off:2001 stock_negative:corrected:2001');
  assert.equal(sql("SELECT count(*) FROM audit_log WHERE action = 'exception.resolved'"), '2');
  rmSync(dataDir, { recursive: true, force: true });
});
