// The promotion editor (docs/web.md, back office → Promotions), against a real aisled in --demo and
// Debian's Chromium at a phone's size: the HQ admin creates a "20 % off" promotion — a percentage of
// 0 is refused next to its field by the pricing core, a sample cart is previewed under the draft —
// and publishes it as a new rules version; disables it (kept in disabled_promotions); imports a CSV
// of three rows of which two are wrong, sees the report per row with the progress bar done, and
// publishes the good one; generates single-use coupon codes for a member. Every check reads what
// aisled stored in SQLite.
//
//   cd tests/e2e && npm ci && node --test promotions.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertPrerequisites, demoStore, shotsDir, signIn, tid, waitForEmptyQueue } from './harness.mjs';

const STEP = 30_000;
const ROSE_NUDE = '6956759001437';  // SKU-002002 Feiye lipstick ¥149

test('promotion editor: form, field errors, preview, disable, CSV import', { timeout: 180_000 }, async () => {
  assertPrerequisites();
  const { dataDir, sql, port, page, close } = await demoStore('aisle-e2e-promotions-');
  const latest = () => JSON.parse(sql('SELECT document FROM pricing_rules ORDER BY published_at DESC, rowid DESC LIMIT 1'));
  let step = 'start';
  try {
    step = '1. the HQ admin opens back office → Promotions';
    await signIn(page, port, '9001', '999999');
    const boButton = page.locator(tid('backoffice-button'));
    const menuButton = page.locator(tid('menu-button'));
    await boButton.or(menuButton).first().waitFor();
    if (!(await boButton.isVisible())) await menuButton.click();
    await boButton.click();
    await page.locator(tid('bo-tab-promotions')).click();
    await page.locator(tid('promo-row')).first().waitFor({ timeout: STEP });
    assert.equal(await page.locator(tid('promo-row')).count(), latest().promotions.length + latest().coupons.length);

    step = '2. a new percent off: 0 % is refused next to its field';
    await page.locator(tid('promo-new-type')).selectOption('percent_off');
    await page.locator(tid('promo-new')).click();
    await page.locator(tid('promo-field-id')).fill('FEIYE-ROSE-20');
    await page.locator(tid('promo-field-name_zh')).fill('豆沙色八折');
    await page.locator(tid('promo-field-name_en')).fill('Rose Nude 20 % off');
    await page.locator(tid('promo-field-percent_bp')).fill('0');
    await page.locator(tid('promo-field-scope_skus')).fill('SKU-002002');
    await page.locator(tid('promo-publish')).click();
    await page.locator(tid('promo-error-percent_bp')).waitFor({ state: 'visible', timeout: STEP });
    assert.match(await page.locator(tid('promo-error-percent_bp')).textContent(), /between 1 and 10000/);

    step = '3. 20 %: the preview prices a sample cart under the draft';
    await page.locator(tid('promo-field-percent_bp')).fill('20');
    await page.locator(tid('promo-preview-cart')).fill(`${ROSE_NUDE} × 2`);
    await page.locator(tid('promo-preview-button')).click();
    await page.locator(`${tid('promo-preview-adjustment')}[data-id="FEIYE-ROSE-20"]`).waitFor({ timeout: STEP });
    assert.match(await page.locator(tid('promo-preview-total')).textContent(), /¥238\.40/);  // 2 × ¥149 × 0.8
    await page.screenshot({ path: join(shotsDir, 'promotion-editor-en.png') });
    const before = latest().version;
    await page.locator(tid('promo-publish')).click();
    await page.locator(`${tid('promo-row')}[data-id="FEIYE-ROSE-20"]`).waitFor({ timeout: STEP });
    const published = latest();
    assert.notEqual(published.version, before);
    const made = published.promotions.find((p) => p.id === 'FEIYE-ROSE-20');
    assert.deepEqual(made, { id: 'FEIYE-ROSE-20', type: 'percent_off', name: { zh: '豆沙色八折', en: 'Rose Nude 20 % off' }, percent_bp: 2000, scope: { skus: ['SKU-002002'] }, stacking: 'stackable' });

    step = '4. disable it: kept aside, not priced';
    await page.locator(`${tid('promo-row')}[data-id="FEIYE-ROSE-20"] ${tid('promo-disable')}`).click();
    await page.locator(`${tid('promo-row')}[data-id="FEIYE-ROSE-20"] ${tid('promo-enable')}`).waitFor({ timeout: STEP });
    assert.equal(latest().promotions.some((p) => p.id === 'FEIYE-ROSE-20'), false);
    assert.equal(latest().disabled_promotions[0].id, 'FEIYE-ROSE-20');

    step = '5. import a CSV: one good row, a bad percentage, a repeated id';
    const csv = join(dataDir, 'promotions.csv');
    writeFileSync(csv, [
      'id,type,name_zh,name_en,percent_bp,scope_categories,stacking',
      'HAIR-10,percent_off,护发九折,Hair care 10 % off,1000,haircare,group:item',
      'BAD-PCT,percent_off,错误,Wrong,20000,haircare,stackable',
      'HAIR-10,percent_off,重复,Again,500,haircare,stackable',
    ].join('\n'));
    await page.locator(tid('promo-import')).click();
    await page.locator(tid('promo-import-file')).setInputFiles(csv);
    await page.locator(`${tid('promo-import-error')}[data-row="2"]`).waitFor({ timeout: STEP });
    assert.equal(await page.locator(tid('promo-import-error')).count(), 2);
    assert.match(await page.locator(`${tid('promo-import-error')}[data-row="2"]`).textContent(), /percent_bp/);
    assert.match(await page.locator(`${tid('promo-import-error')}[data-row="3"]`).textContent(), /id/);
    assert.equal(await page.locator(tid('promo-import-progress')).evaluate((el) => el.value === el.max), true);
    await page.screenshot({ path: join(shotsDir, 'promotion-import-en.png') });
    await page.locator(tid('promo-import-publish')).click();
    await page.locator(`${tid('promo-row')}[data-id="HAIR-10"]`).waitFor({ timeout: STEP });
    const hair = latest().promotions.find((p) => p.id === 'HAIR-10');
    assert.deepEqual(hair, { id: 'HAIR-10', type: 'percent_off', name: { zh: '护发九折', en: 'Hair care 10 % off' }, percent_bp: 1000, scope: { categories: ['haircare'] }, stacking: 'group:item' });
    assert.equal(latest().promotions.some((p) => p.id === 'BAD-PCT'), false);
    assert.equal(sql("SELECT count(*) FROM audit_log WHERE action = 'rules.published' AND actor = '9001'"), '3');

    step = '5b. a new coupon template: ¥50 off ¥500, previewed as if a code were presented';
    await page.locator(tid('promo-new-type')).selectOption('coupon_amount');
    await page.locator(tid('promo-new')).click();
    await page.locator(tid('promo-field-id')).fill('CPN-50-OFF-500');
    await page.locator(tid('promo-field-name_en')).fill('¥50 off ¥500');
    await page.locator(tid('promo-field-amount')).fill('50');
    await page.locator(tid('promo-field-min_spend')).fill('500');
    await page.locator(tid('promo-field-scope_all')).check();
    await page.locator(tid('promo-preview-cart')).fill('6995530001495 × 2');
    await page.locator(tid('promo-preview-button')).click();
    await page.locator(`${tid('promo-preview-adjustment')}[data-id="CPN-50-OFF-500"]`).waitFor({ timeout: STEP });
    await page.locator(tid('promo-publish')).click();
    await page.locator(`${tid('promo-row')}[data-id="CPN-50-OFF-500"]`).waitFor({ timeout: STEP });
    assert.deepEqual(latest().coupons.find((c) => c.id === 'CPN-50-OFF-500'),
      { id: 'CPN-50-OFF-500', type: 'coupon_amount', name: { zh: '', en: '¥50 off ¥500' }, amount: 5000, min_spend: 50000, single_use: true, scope: { all: true }, stacking: 'stackable' });

    step = '6. five single-use codes for the ¥20-off coupon, for a member';
    await page.locator(tid('coupon-template')).selectOption('CPN-20-OFF-200');
    await page.locator(tid('coupon-count')).fill('5');
    await page.locator(tid('coupon-member')).fill('M000002');
    await page.locator(tid('coupon-generate')).click();
    await page.locator(tid('coupon-summary')).waitFor({ timeout: STEP });
    const codes = await page.locator(tid('coupon-code')).allTextContents();
    assert.equal(codes.length, 5);
    for (const c of codes) assert.match(c, /^CPN-20-OFF-200-[2-9A-HJKMNP-TV-Z]{8}$/);
    assert.equal(sql("SELECT count(*) || ' ' || count(DISTINCT batch_id) || ' ' || min(member_id) FROM coupon_codes"), '5 1 M000002');
    assert.equal(sql("SELECT count(*) FROM audit_log WHERE action = 'coupons.issued'"), '1');
    await page.locator(tid('coupon-member')).fill('M999999');
    await page.locator(tid('coupon-generate')).click();
    await page.locator(tid('coupon-error')).waitFor({ timeout: STEP });

    step = '7. at the till: a code from the member’s wallet takes ¥20 off a ¥459 serum; the server records its redemption';
    await page.locator(tid('bo-back')).click();
    await page.locator(tid('barcode-input')).waitFor({ timeout: STEP });
    await page.locator(tid('barcode-input')).fill('6995530001495');
    await page.keyboard.press('Enter');
    await page.locator(tid('cart-line')).first().waitFor({ timeout: STEP });
    await page.locator(tid('coupon-button')).click();
    await page.locator(tid('coupon-input')).fill('CPN-20-OFF-200-UUUUUUUU');
    await page.locator(tid('coupon-ok')).click();
    await page.locator(`${tid('coupon-dialog')} ${tid('coupon-error')}`).waitFor({ state: 'visible', timeout: STEP });  // 'U' is not in the code alphabet
    await page.keyboard.press('Escape');
    // The member the codes were issued to: their wallet offers them.
    await page.locator(tid('barcode-input')).fill('13800000002');
    await page.keyboard.press('Enter');
    await page.locator(`${tid('wallet-coupon')}[data-code="${codes[0]}"]`).waitFor({ timeout: STEP });
    assert.equal(await page.locator(tid('wallet-coupon')).count(), 5);
    await page.locator(`${tid('wallet-coupon')}[data-code="${codes[0]}"]`).click();
    await page.locator(`${tid('coupon-chip')}[data-code="${codes[0]}"][data-applied="true"]`).waitFor({ timeout: STEP });
    assert.match(await page.locator(tid('coupon-chip')).textContent(), /−¥20\.00/);
    await page.locator(tid('pay-button')).click();
    await page.locator(tid('quick-exact')).click();
    await page.locator(tid('complete-button')).click();
    await page.locator(tid('receipt')).waitFor({ timeout: STEP });
    await waitForEmptyQueue(page, STEP);
    assert.equal(sql(`SELECT count(*) FROM coupon_redemptions WHERE code = '${codes[0]}'`), '1');
    // Used: the wallet no longer offers it.
    await page.locator(tid('new-sale-button')).click();
    await page.locator(tid('barcode-input')).fill('13800000002');
    await page.keyboard.press('Enter');
    await page.locator(tid('wallet-coupon')).first().waitFor({ timeout: STEP });
    assert.equal(await page.locator(tid('wallet-coupon')).count(), 4);
    assert.equal(sql('SELECT count(*) FROM price_differences'), '0', sql('SELECT * FROM price_differences'));
  } catch (e) {
    await page.screenshot({ path: join(dataDir, 'failure.png') }).catch(() => {});
    throw new Error(`${step}: ${e.message} (data kept in ${dataDir})`, { cause: e });
  } finally {
    await close();
  }
  rmSync(dataDir, { recursive: true, force: true });
});
