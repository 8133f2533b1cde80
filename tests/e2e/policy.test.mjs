// Store offline policies (issue "Sync II"), against a real aisled in --demo and Debian's Chromium:
// `aisle store policy` sets SH01's (1 hour offline at most, single-use coupons allowed offline,
// 500 points a sale offline); they reach the device with the staff verifiers at sign-in; and a
// terminal whose last contact with the server is older than the store allows locks itself when it
// is offline, keeps its queue, and refuses offline sign-in.
//
//   cd tests/e2e && npm ci && node --test policy.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { Aisled, aisleBin, assertPrerequisites, chromiumArgs, chromiumPath, freePort, signIn, tid } from './harness.mjs';

const STEP = 30_000;

test('a store offline policy reaches the device and its offline limit locks the terminal', { timeout: 180_000 }, async () => {
  assertPrerequisites();
  const dataDir = mkdtempSync(join(tmpdir(), 'aisle-e2e-policy-'));
  execFileSync(aisleBin, ['demo-load', '--data-dir', dataDir]);
  const shown = JSON.parse(execFileSync(aisleBin, ['store', 'policy', '--store', 'SH01', '--data-dir', dataDir]).toString());
  assert.deepEqual(shown.policies, { offline_signin_hours: 72, offline_coupons: false, offline_points_max: 0 });
  const set = JSON.parse(
    execFileSync(aisleBin, ['store', 'policy', '--store', 'SH01', '--offline-hours', '1', '--offline-coupons', 'yes', '--offline-points-max', '500', '--data-dir', dataDir]).toString(),
  );
  const policies = { offline_signin_hours: 1, offline_coupons: true, offline_points_max: 500 };
  assert.deepEqual(set.policies, policies);
  const port = await freePort();
  const server = new Aisled({ dataDir, port, logFile: join(dataDir, 'aisled.log') });
  await server.start();
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
  let step = 'start';
  try {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));

    step = '1. the policies come with the verifiers at sign-in';
    const verifiers = page.waitForResponse((r) => r.url().endsWith('/api/v1/staff/verifiers'));
    await signIn(page, port, '1001', '1111', STEP);
    assert.deepEqual((await (await verifiers).json()).policies, policies);
    await page.locator('#app[data-catalog-synced="true"]').waitFor({ timeout: STEP });

    step = '2. offline, with the last contact two hours ago: the terminal locks';
    await context.setOffline(true);
    await server.stop();
    await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const open = indexedDB.open('aisle');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const tx = open.result.transaction('meta', 'readwrite');
            tx.objectStore('meta').put(Date.now() - 2 * 3600 * 1000, 'last_online');
            tx.oncomplete = () => resolve();
          };
        }),
    );
    await page.evaluate(() => window.dispatchEvent(new Event('offline')));
    await page.locator(tid('signin-notice')).filter({ hasText: 'longer than the store allows' }).waitFor({ timeout: STEP });

    step = '3. offline sign-in is refused past the limit';
    await page.locator(tid('signin-staff')).fill('1001');
    await page.locator(tid('signin-pin')).fill('1111');
    await page.locator(tid('signin-button')).click();
    await page.locator(tid('signin-error')).filter({ hasText: '1 hours' }).waitFor({ timeout: STEP });
  } catch (e) {
    throw new Error(`${step}: ${e.message} (data kept in ${dataDir})`, { cause: e });
  } finally {
    await browser.close();
    await server.stop();
  }
  rmSync(dataDir, { recursive: true, force: true });
});
