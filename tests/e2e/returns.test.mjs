// Returns in the terminal (docs/pricing.md, "Returns and exchanges"), against a real aisled in
// --demo and Debian's Chromium at a phone's size: an associate sells a Qingyu serum and a Feiye
// lipstick (spend ¥500 save ¥60), then takes the lipstick back. The serum kept alone only reaches
// spend ¥300 save ¥30, so the refund is less than the lipstick was paid and the screen says why;
// the associate's role refunds nothing alone, so the store manager approves with their PIN. Then
// offline: a sale and a return of part of it, both queued; online again they reach the SQLite
// file in order (the return waits for its sale), with the server's refund equal to the device's
// and no exception for the manager. Last, a member found by phone pays part with points and returns
// everything: the points ledger ends where it started. And an exchange: a return whose credit pays a
// cheaper new item, the rest given back in cash, both operations queued together. And a return
// without a receipt, refunded at the lowest price of the last 30 days with the manager's approval.
// Offline, the store's policy refuses single-use coupons and points.
//
//   cd tests/e2e && npm ci && node --test returns.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { assertPrerequisites, demoStore, shotsDir, signIn, tid, waitForEmptyQueue } from './harness.mjs';

const STEP = 30_000;
const SERUM = '6995530001495';  // SKU-001002 Qingyu ¥459
const LIPSTICK = '6956759001703';  // SKU-002009 Feiye ¥239
const CLEANSER = '6995530001549';  // SKU-001004 Qingyu ¥69

test('returns priced under the sale’s rules, approved, online and offline', { timeout: 240_000 }, async () => {
  assertPrerequisites();
  const { dataDir, sql, port, context, page, close } = await demoStore('aisle-e2e-returns-');
  let step = 'start';
  try {
    step = '1. sign in as an associate and sell a serum and a lipstick';
    await signIn(page, port, '1001', '1111');
    const scan = async (barcode) => {
      await page.locator(tid('barcode-input')).fill(barcode);
      await page.keyboard.press('Enter');
      await page.locator(`${tid('cart-line')}[data-barcode="${barcode}"]`).waitFor({ timeout: STEP });
    };
    const sell = async (...barcodes) => {
      for (const b of barcodes) await scan(b);
      await page.locator(tid('pay-button')).click();
      await page.locator(tid('quick-exact')).click();
      await page.locator(tid('complete-button')).click();
      await page.locator(tid('receipt')).waitFor({ timeout: STEP });
      const saleId = await page.locator(tid('receipt')).getAttribute('data-sale-id');
      await page.locator(tid('new-sale-button')).click();
      return saleId;
    };
    const saleId = await sell(SERUM, LIPSTICK);
    await waitForEmptyQueue(page, STEP);
    assert.equal(sql(`SELECT total FROM sales WHERE sale_id = '${saleId}'`), String(45900 + 23900 - 6000));

    step = '2. menu → Return: the sale, the lipstick back';
    const openReturns = async () => {
      await page.locator(tid('menu-button')).click();
      await page.locator(tid('menu-returns')).click();
      await page.locator(tid('returns-screen')).waitFor({ timeout: STEP });
    };
    await openReturns();
    await page.locator(tid('return-sale-input')).fill(saleId);
    await page.locator(tid('return-find')).click();
    await page.locator(tid('return-line')).nth(1).waitFor({ timeout: STEP });
    await page.locator(tid('return-line')).nth(1).locator(tid('return-plus')).click();
    // The serum kept alone reaches only spend ¥300 save ¥30: ¥638 − ¥429 = ¥209 back, not the ¥218.46 the lipstick was paid.
    await page.locator(tid('return-promotion-lost')).waitFor({ timeout: STEP });
    assert.equal(await page.locator(tid('refund-money')).textContent(), '¥209.00');
    await page.screenshot({ path: join(shotsDir, 'return-en.png') });

    step = '3. refund: the manager approves with their PIN';
    await page.locator(tid('refund-button')).click();
    await page.locator(tid('approval-dialog')).waitFor({ timeout: STEP });
    await page.locator(tid('approval-staff')).fill('2001');
    await page.locator(tid('approval-pin')).fill('222222');
    await page.locator(tid('approval-ok')).click();
    await page.locator(tid('return-done')).waitFor({ timeout: STEP });
    await waitForEmptyQueue(page, STEP);
    assert.equal(sql(`SELECT refund_money || ' ' || device_refund FROM returns WHERE sale_id = '${saleId}'`), '20900 20900');
    assert.equal(sql('SELECT count(*) FROM exceptions'), '0', sql('SELECT detail FROM exceptions'));
    assert.match(sql('SELECT result FROM ops WHERE type = \'sale.returned\''), /"status":"applied"/);

    step = '4. the same sale again: the lipstick is gone, the serum may still come back';
    await page.locator(tid('return-another')).click();
    await page.locator(tid('return-recent-sale')).first().click();
    await page.locator(tid('return-line')).nth(1).waitFor({ timeout: STEP });
    assert.equal(await page.locator(tid('return-line')).nth(1).locator(tid('return-plus')).isDisabled(), true);
    assert.equal(await page.locator(tid('return-line')).nth(0).locator(tid('return-plus')).isDisabled(), false);

    step = '5. offline: sell two lipsticks, return one, in Chinese';
    await page.locator(tid('lang-switch')).click();
    await page.locator(tid('menu-button')).click();
    await page.locator(tid('menu-sell')).click();
    await context.setOffline(true);
    await page.locator(tid('barcode-input')).waitFor({ timeout: STEP });
    const offlineSale = await sell(LIPSTICK, LIPSTICK);
    await openReturns();
    await page.locator(`${tid('return-recent-sale')}[data-sale-id="${offlineSale}"]`).click();
    await page.locator(tid('return-line')).first().locator(tid('return-plus')).click();
    // ¥478 reached spend ¥300 save ¥30 (paid ¥448); the one kept alone costs ¥239: ¥209 back.
    assert.equal(await page.locator(tid('refund-money')).textContent(), '¥209.00');
    await page.screenshot({ path: join(shotsDir, 'return-zh.png') });
    await page.locator(tid('refund-button')).click();
    await page.locator(tid('approval-staff')).fill('2001');
    await page.locator(tid('approval-pin')).fill('222222');
    await page.locator(tid('approval-ok')).click();
    await page.locator(tid('return-done')).waitFor({ timeout: STEP });
    assert.equal(sql(`SELECT count(*) FROM sales WHERE sale_id = '${offlineSale}'`), '0');

    step = '6. online: the sale, then its return';
    await context.setOffline(false);
    await waitForEmptyQueue(page, 60_000);
    assert.equal(sql(`SELECT refund_money || ' ' || device_refund FROM returns WHERE sale_id = '${offlineSale}'`), '20900 20900');
    assert.equal(sql('SELECT count(*) FROM exceptions'), '0', sql('SELECT detail FROM exceptions'));
    assert.equal(sql("SELECT count(*) FROM stock_movements WHERE reason = 'return'"), '2');

    step = '7. a member (found by phone) pays part with points, then returns it all';
    const balance = () => Number(sql("SELECT sum(delta) FROM points_movements WHERE member_id = 'M000002'"));
    const start = balance();
    await page.locator(tid('menu-button')).click();
    await page.locator(tid('menu-sell')).click();
    await page.locator(tid('barcode-input')).fill('13800000002');
    await page.keyboard.press('Enter');
    await page.locator(`${tid('member-chip')}[data-member="M000002"]`).waitFor({ timeout: STEP });
    await scan(SERUM);
    await page.locator(tid('pay-button')).click();
    const proposal = Number(await page.locator(tid('points-input')).inputValue());
    assert.ok(proposal > 1000, `the core proposes the most the cart allows (${proposal})`);
    await page.locator(tid('points-input')).fill('1000');
    await page.locator(tid('points-note')).filter({ hasText: '¥10.00' }).waitFor({ timeout: STEP });
    await page.screenshot({ path: join(shotsDir, 'pay-points-zh.png') });
    await page.locator(tid('quick-exact')).click();
    await page.locator(tid('complete-button')).click();
    await page.locator(tid('receipt-points-redeemed')).waitFor({ timeout: STEP });
    const memberSale = await page.locator(tid('receipt')).getAttribute('data-sale-id');
    await waitForEmptyQueue(page, STEP);
    const earned = Number(sql(`SELECT delta FROM points_movements WHERE reason = 'sale_earn' AND ref = '${memberSale}'`));
    assert.equal(sql(`SELECT delta FROM points_movements WHERE reason = 'sale_redeem' AND ref = '${memberSale}'`), '-1000');
    assert.ok(earned > 0);
    assert.equal(balance(), start - 1000 + earned);
    await page.locator(tid('new-sale-button')).click();
    await openReturns();
    await page.locator(`${tid('return-recent-sale')}[data-sale-id="${memberSale}"]`).click();
    await page.locator(tid('return-line')).first().locator(tid('return-plus')).click();
    await page.locator(tid('refund-points-back')).filter({ hasText: '1000' }).waitFor({ timeout: STEP });
    await page.locator(tid('refund-button')).click();
    await page.locator(tid('approval-staff')).fill('2001');
    await page.locator(tid('approval-pin')).fill('222222');
    await page.locator(tid('approval-ok')).click();
    await page.locator(tid('return-done')).waitFor({ timeout: STEP });
    await waitForEmptyQueue(page, STEP);
    assert.equal(balance(), start, 'every point redeemed given back, every point earned taken back');

    step = '8. exchange: the offline sale’s other lipstick for a ¥69 cleanser, the rest given back in cash';
    await page.locator(tid('return-another')).click();
    await page.locator(`${tid('return-recent-sale')}[data-sale-id="${offlineSale}"]`).click();
    await page.locator(tid('return-line')).first().locator(tid('return-plus')).click();
    assert.equal(await page.locator(tid('refund-money')).textContent(), '¥239.00');  // the last unit: what is left of ¥448
    await page.locator(tid('exchange-button')).click();
    await page.locator(tid('approval-staff')).fill('2001');
    await page.locator(tid('approval-pin')).fill('222222');
    await page.locator(tid('approval-ok')).click();
    await page.locator(`${tid('exchange-chip')}[data-credit="23900"]`).waitFor({ timeout: STEP });
    await scan(CLEANSER);
    await page.locator(tid('pay-button')).click();
    await page.locator(`${tid('exchange-back')}[data-back="17000"]`).waitFor({ timeout: STEP });
    await page.screenshot({ path: join(shotsDir, 'exchange-zh.png') });
    await page.locator(tid('complete-button')).click();
    await page.locator(tid('receipt-exchange')).waitFor({ timeout: STEP });
    const exchangeSale = await page.locator(tid('receipt')).getAttribute('data-sale-id');
    await waitForEmptyQueue(page, STEP);
    assert.equal(sql(`SELECT refund_money || ' ' || tenders FROM returns WHERE sale_id = '${offlineSale}' ORDER BY seq DESC LIMIT 1`),
      '23900 [{"amount":6900,"type":"exchange"},{"amount":17000,"type":"cash"}]');
    assert.equal(sql(`SELECT group_concat(type || ':' || amount) FROM sale_tenders WHERE sale_id = '${exchangeSale}'`), 'exchange:6900');
    assert.equal(sql('SELECT count(*) FROM exceptions'), '0', sql('SELECT detail FROM exceptions'));

    step = '9. without a receipt: a serum at the lowest price of the last 30 days, the manager approves';
    await page.locator(tid('menu-button')).click();
    await page.locator(tid('menu-returns')).click();
    await page.locator(tid('return-no-receipt')).click();
    await page.locator(tid('noreceipt-barcode')).fill(SERUM);
    await page.keyboard.press('Enter');
    await page.locator(tid('noreceipt-money')).waitFor({ timeout: STEP });
    const lowest = Math.min(45900, ...sql(`SELECT gross / qty FROM sale_lines WHERE barcode = '${SERUM}'`).split('\n').map(Number));
    assert.ok(lowest < 45900, 'customers paid less than the catalog price this month');
    assert.equal(await page.locator(tid('noreceipt-money')).textContent(), `¥${(lowest / 100).toFixed(2)}`);
    await page.locator(tid('noreceipt-refund')).click();
    await page.locator(tid('approval-staff')).fill('2001');
    await page.locator(tid('approval-pin')).fill('222222');
    await page.locator(tid('approval-ok')).click();
    await page.locator(tid('return-done')).waitFor({ timeout: STEP });
    await waitForEmptyQueue(page, STEP);
    assert.equal(sql('SELECT refund_money || \' \' || device_refund FROM unreceipted_returns'), `${lowest} ${lowest}`);
    assert.equal(sql('SELECT count(*) FROM exceptions'), '0', sql('SELECT detail FROM exceptions'));

    step = '10. offline, the store policy: no single-use coupon, no points (demo SH01: offline_coupons no, 0 points)';
    await page.locator(tid('menu-button')).click();
    await page.locator(tid('menu-sell')).click();
    await context.setOffline(true);
    await page.locator(tid('coupon-button')).click();
    await page.locator(tid('coupon-input')).fill('CPN-20-OFF-200-23456789');
    await page.locator(tid('coupon-ok')).click();
    await page.locator(`${tid('coupon-dialog')} ${tid('coupon-error')}`).filter({ hasText: '离线' }).waitFor({ timeout: STEP });
    await page.keyboard.press('Escape');
    await page.locator(tid('barcode-input')).fill('13800000002');
    await page.keyboard.press('Enter');
    await page.locator(`${tid('member-chip')}[data-member="M000002"]`).waitFor({ timeout: STEP });
    await scan(SERUM);
    await page.locator(tid('pay-button')).click();
    await page.locator(tid('points-offline-cap')).waitFor({ state: 'visible', timeout: STEP });
    assert.equal(await page.locator(tid('points-input')).inputValue(), '0');
    await context.setOffline(false);
  } catch (e) {
    await page.screenshot({ path: join(dataDir, 'failure.png') }).catch(() => {});
    throw new Error(`${step}: ${e.message} (data kept in ${dataDir})`, { cause: e });
  } finally {
    await close();
  }
  rmSync(dataDir, { recursive: true, force: true });
});
