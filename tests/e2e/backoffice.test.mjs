// End-to-end test of the back office (issue #5) against a real aisled and Debian's Chromium, at a
// phone's size: a store manager adds a staff member (first with a PIN too short for the role, which
// the server refuses next to the field), disables them and resets their PIN; makes an enrollment
// code (shown with its QR code), enrolls a device with it and revokes that device; filters the audit
// log, exports it as CSV and verifies its hash chain; and switches to Chinese once.
//
//   cd tests/e2e && npm ci && node --test backoffice.test.mjs
//
// Needs what checkout.test.mjs needs (harness.mjs). AISLE_WEB_DIST serves another build of the
// web app. With zbar-tools installed (/usr/bin/zbarimg) the QR code is also decoded and checked. Writes docs/screenshots/backoffice-{staff-en,devices-zh,audit-en}.png.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { Aisled, api, assertPrerequisites, chromiumArgs, chromiumPath, freePort, shotsDir, tid, webRoot } from './harness.mjs';

const STORE = 'SH01';
const MANAGER = '2001';
const MANAGER_PIN = '222222';
const NEW_CODE = '3101';
const NEW_NAME = 'Test Associate 测试';
const STEP_TIMEOUT = 20_000;
const root = process.env.AISLE_WEB_DIST ?? webRoot;
const zbarimg = '/usr/bin/zbarimg';

/** Removes the toast so that it does not cover a screenshot. */
async function dropToast(page) {
  await page.evaluate(() => document.querySelector('.toast')?.remove());
}

test('back office: staff, enrollment with QR, revocation, audit filter, CSV and chain, in two languages', { timeout: 180_000 }, async () => {
  assertPrerequisites(root);
  const work = mkdtempSync(join(tmpdir(), 'aisle-e2e-bo-'));
  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  const logFile = join(work, 'aisled.log');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = new Aisled({ dataDir, port, logFile, root });
  let browser = null;
  let step = 'start';
  const browserLog = [];
  const started = Date.now();

  try {
    step = '1. start aisled, open the app at a phone size, sign in as the store manager';
    mkdirSync(shotsDir, { recursive: true });
    await server.start();
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, serviceWorkers: 'block', locale: 'en-US', acceptDownloads: true });
    const page = await context.newPage();
    page.on('console', (m) => browserLog.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => browserLog.push(`[pageerror] ${e.message}`));
    page.setDefaultTimeout(STEP_TIMEOUT);
    await page.goto(base + '/');
    if ((await page.evaluate(() => document.documentElement.lang)) !== 'en') {
      await page.locator(tid('lang-switch')).click();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
    }
    await page.locator(tid('signin-store')).fill(STORE);
    await page.locator(tid('signin-staff')).fill(MANAGER);
    await page.locator(tid('signin-pin')).fill(MANAGER_PIN);
    await page.locator(tid('signin-button')).click();

    step = '2. open the back office from the header (its menu, where the header has one)';
    const boButton = page.locator(tid('backoffice-button'));
    const menuButton = page.locator(tid('menu-button'));
    await boButton.or(menuButton).first().waitFor();
    if (!(await boButton.isVisible())) await menuButton.click();
    await boButton.click();
    await page.locator(tid('backoffice')).waitFor();
    for (const tab of ['staff', 'devices', 'audit']) await page.locator(tid(`bo-tab-${tab}`)).waitFor();
    assert.equal(await page.locator(tid('bo-tab-staff')).getAttribute('aria-selected'), 'true');
    await page.locator(`${tid('staff-row')}[data-code="${MANAGER}"]`).waitFor();
    assert.ok((await page.locator(tid('staff-row')).count()) >= 5, 'the demo store SH01 has five staff');
    // A manager does not disable themselves from here.
    assert.equal(await page.locator(`${tid('staff-row')}[data-code="${MANAGER}"] ${tid('staff-disable')}`).count(), 0);

    step = '3. add a staff member: a PIN too short for the role is refused next to the PIN field';
    await page.locator(tid('staff-add-open')).click();
    await page.locator(tid('staff-code-input')).fill(NEW_CODE);
    await page.locator(tid('staff-name-input')).fill(NEW_NAME);
    await page.locator(tid('staff-role-select')).selectOption('associate');
    await page.locator(tid('staff-pin-input')).fill('12');
    await page.locator(tid('staff-pin2-input')).fill('12');
    await page.locator(tid('staff-add-submit')).click();
    const pinError = page.locator(`${tid('staff-add-form')} ${tid('field-error-pin')}`);
    await pinError.waitFor({ state: 'visible' });
    assert.match(await pinError.textContent(), /4 to 12 digits/);
    assert.equal(await page.locator(`${tid('staff-row')}[data-code="${NEW_CODE}"]`).count(), 0);

    step = '4. add the staff member with a good PIN';
    await page.locator(tid('staff-pin-input')).fill('2468');
    await page.locator(tid('staff-pin2-input')).fill('2468');
    await page.locator(tid('staff-add-submit')).click();
    const newRow = page.locator(`${tid('staff-row')}[data-code="${NEW_CODE}"]`);
    await newRow.and(page.locator('[data-active="true"]')).waitFor();
    assert.match(await newRow.textContent(), /Test Associate 测试/);
    assert.match(await newRow.textContent(), /Associate/);
    const viaApi = await api(base, 'POST', '/api/v1/sessions', { store_id: STORE, device_id: 'e2e-bo-check', staff_code: NEW_CODE, pin: '2468' });
    assert.equal(viaApi.status, 201, `the new staff member signs in with the PIN set: ${viaApi.text}`);

    step = '5. disable them, then reset their PIN (the two PINs must match)';
    await newRow.locator(tid('staff-disable')).click();
    await page.locator(`${tid('staff-row')}[data-code="${NEW_CODE}"][data-active="false"]`).waitFor();
    const refused = await api(base, 'POST', '/api/v1/sessions', { store_id: STORE, device_id: 'e2e-bo-check', staff_code: NEW_CODE, pin: '2468' });
    assert.notEqual(refused.status, 201, 'a disabled staff member cannot sign in');
    await page.locator(`${tid('staff-row')}[data-code="${NEW_CODE}"] ${tid('staff-reset-pin')}`).click();
    await page.locator(tid('reset-pin-input')).fill('1357');
    await page.locator(tid('reset-pin2-input')).fill('1375');
    await page.locator(tid('reset-pin-save')).click();
    await page.locator(`${tid('reset-pin-dialog')} ${tid('field-error-pin2')}`).waitFor({ state: 'visible' });
    await page.locator(tid('reset-pin2-input')).fill('1357');
    await page.locator(tid('reset-pin-save')).click();
    await page.locator(tid('reset-pin-dialog')).waitFor({ state: 'detached' });
    await page.locator(`${tid('toast')}[data-kind="info"]`).waitFor();
    await dropToast(page);
    await page.locator(`${tid('staff-row')}[data-code="${NEW_CODE}"]`).scrollIntoViewIfNeeded();
    await page.evaluate(() => document.querySelector('[data-testid="bo-panel"]').scrollTo(0, 0));
    await page.screenshot({ path: join(shotsDir, 'backoffice-staff-en.png') });

    step = '6. devices: a new enrollment code with its QR code';
    await page.locator(tid('bo-tab-devices')).click();
    await page.locator(`${tid('device-row')}`).first().waitFor();
    await page.locator(tid('enroll-name-input')).fill('Counter 3');
    await page.locator(tid('enroll-submit')).click();
    const codeEl = page.locator(tid('enroll-code'));
    await codeEl.waitFor();
    const code = (await codeEl.textContent()).trim();
    assert.match(code, /^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    await page.locator(`${tid('enroll-qr')} svg path`).first().waitFor({ state: 'attached' });
    const qrBox = await page.locator(`${tid('enroll-qr')} svg`).boundingBox();
    assert.ok(qrBox && qrBox.width >= 150 && Math.abs(qrBox.width - qrBox.height) < 1, `the QR code is a square of a scannable size: ${JSON.stringify(qrBox)}`);
    assert.match(await page.locator(tid('enroll-expiry')).textContent(), /Valid until/);
    if (existsSync(zbarimg)) {
      // Where zbar-tools is installed, the QR code is read back as a phone's camera would.
      const qrShot = join(work, 'qr.png');
      await page.locator(tid('enroll-qr')).screenshot({ path: qrShot });
      const decoded = execFileSync(zbarimg, ['-q', '--raw', qrShot], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
      assert.equal(decoded, `aisle-enroll:${code}`);
    }

    step = '7. switch to Chinese once: the tabs and the code are still there';
    await page.locator(tid('lang-switch')).click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    await page.locator(tid('bo-tab-devices')).filter({ hasText: '设备' }).waitFor();
    assert.equal((await page.locator(tid('bo-tab-staff')).textContent()).trim(), '员工');
    assert.equal((await page.locator(tid('bo-tab-audit')).textContent()).trim(), '审计日志');
    assert.equal((await page.locator(tid('enroll-code')).textContent()).trim(), code, 'the code on show survives the language switch');
    await page.locator(`${tid('enroll-qr')} svg`).waitFor({ state: 'attached' });
    await page.locator(tid('device-row')).first().waitFor();
    await page.screenshot({ path: join(shotsDir, 'backoffice-devices-zh.png') });
    await page.locator(tid('lang-switch')).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');

    step = '8. the code enrolls a device once; the manager revokes it (after a confirm step)';
    const enrolled = await api(base, 'POST', '/api/v1/devices/enroll', { code, device_id: 'e2e-counter-3' });
    assert.equal(enrolled.status, 201, `enroll with the code shown: ${enrolled.text}`);
    const again = await api(base, 'POST', '/api/v1/devices/enroll', { code, device_id: 'e2e-counter-4' });
    assert.notEqual(again.status, 201, 'a code works once');
    await page.locator(tid('devices-refresh')).click();
    const deviceRow = page.locator(`${tid('device-row')}[data-device-id="e2e-counter-3"]`);
    await deviceRow.and(page.locator('[data-status="active"]')).waitFor();
    assert.match(await deviceRow.textContent(), /Counter 3/);
    assert.match(await deviceRow.textContent(), /Enrolled/);
    await deviceRow.locator(tid('device-revoke')).click();
    await deviceRow.locator(tid('revoke-confirm')).waitFor({ state: 'visible' });
    await deviceRow.locator(tid('revoke-yes')).click();
    await page.locator(`${tid('device-row')}[data-device-id="e2e-counter-3"][data-status="revoked"]`).waitFor();
    assert.equal(await page.locator(`${tid('device-row')}[data-device-id="e2e-counter-3"] ${tid('device-revoke')}`).isVisible(), false);
    const revokedLogin = await api(base, 'POST', '/api/v1/sessions', { store_id: STORE, device_id: 'e2e-counter-3', staff_code: MANAGER, pin: MANAGER_PIN });
    assert.notEqual(revokedLogin.status, 201, 'a revoked device signs nobody in');
    await page.locator(tid('enroll-done')).click();
    await page.locator(tid('enroll-form')).waitFor({ state: 'visible' });
    await dropToast(page);

    step = '8b. an unused code is listed and cancelled: it no longer enrolls';
    await page.locator(tid('enroll-name-input')).fill('Spare');
    await page.locator(tid('enroll-submit')).click();
    const spare = (await page.locator(tid('enroll-code')).textContent()).trim();
    await page.locator(tid('devices-refresh')).click();
    const pendingRow = page.locator(tid('pending-code')).filter({ hasText: 'Spare' });
    await pendingRow.waitFor();
    await pendingRow.locator(tid('cancel-code')).click();
    await pendingRow.waitFor({ state: 'detached' });
    await page.locator(tid('enroll-code')).waitFor({ state: 'detached' });
    const cancelled = await api(base, 'POST', '/api/v1/devices/enroll', { code: spare, device_id: 'e2e-spare' });
    assert.equal(cancelled.json?.error?.code, 'invalid_enrollment_code', cancelled.text);
    await dropToast(page);

    step = '9. audit log: filter by action staff.added';
    await page.locator(tid('bo-tab-audit')).click();
    await page.locator(tid('audit-row')).first().waitFor();
    const seqs = await page.locator(tid('audit-row')).evaluateAll((rows) => rows.map((r) => Number(r.dataset.seq)));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), 'newest first');
    const actions = await page.locator(tid('audit-row')).evaluateAll((rows) => rows.map((r) => r.dataset.action));
    for (const a of ['staff.added', 'staff.disabled', 'staff.pin_reset', 'device.enrollment_created', 'device.enrolled', 'device.revoked']) {
      assert.ok(actions.includes(a), `the audit log shows ${a}: ${actions.join(', ')}`);
    }
    await page.locator(tid('audit-action')).fill('staff.added');
    await page.locator(tid('audit-search')).click();
    await page.waitForFunction(
      (sel) => [...document.querySelectorAll(sel)].every((r) => r.dataset.action === 'staff.added') && document.querySelectorAll(sel).length > 0,
      tid('audit-row'),
    );
    const added = page.locator(`${tid('audit-row')}[data-object="staff:${STORE}/${NEW_CODE}"]`);
    assert.equal(await added.count(), 1);
    const addedText = await added.textContent();
    assert.match(addedText, /Staff added/);
    assert.match(addedText, new RegExp(`${MANAGER}.*Store manager`));
    assert.match(addedText, /role: associate/);
    assert.doesNotMatch(addedText, /2468/, 'the PIN is never in the audit log');

    step = '10. export the same query as CSV';
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(tid('audit-export')).click()]);
    assert.match(download.suggestedFilename(), /^audit-SH01-\d{8}-\d{4}\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8').replace(/^\ufeff/, '');
    const lines = csv.split(/\r?\n/).filter(Boolean);
    assert.ok(lines[0].startsWith('seq,time,actor,role,device_id,action,object,'), `CSV header: ${lines[0]}`);
    assert.equal(lines.length, 2, `the CSV holds the one staff.added entry: ${csv}`);
    assert.match(lines[1], new RegExp(`,${MANAGER},store_manager,.*,staff\\.added,staff:${STORE}/${NEW_CODE},`));

    step = '11. verify the chain';
    await page.locator(tid('audit-action')).fill('');
    await page.locator(tid('audit-search')).click();
    await page.waitForFunction((sel) => [...document.querySelectorAll(sel)].some((r) => r.dataset.action !== 'staff.added'), tid('audit-row'));
    await page.locator(tid('audit-verify')).click();
    const verdict = page.locator(`${tid('audit-verify-result')}[data-intact="true"]`);
    await verdict.waitFor();
    assert.match(await verdict.textContent(), /Chain intact: \d+ entries/);
    await dropToast(page);
    await page.screenshot({ path: join(shotsDir, 'backoffice-audit-en.png') });

    step = '12. nothing went wrong in the page';
    const errors = browserLog.filter((l) => l.startsWith('[pageerror]'));
    assert.deepEqual(errors, []);
    await context.close();
    console.log(`back office e2e: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (e) {
    console.error(`\nBACK OFFICE E2E FAILED at step "${step}": ${e.message}`);
    console.error(`--- aisled log (${logFile}) ---\n${existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : '(none)'}`);
    console.error(`--- browser console (last 50) ---\n${browserLog.slice(-50).join('\n')}`);
    throw e;
  } finally {
    if (browser) await browser.close().catch(() => {});
    await server.stop();
    if (!process.env.KEEP_E2E_DATA) rmSync(work, { recursive: true, force: true });
  }
});
