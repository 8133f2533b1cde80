// Printing in the browser (docs/printing.md), against a real aisled and Debian's Chromium at a
// phone's size with the UI in Chinese: a TCP listener on 127.0.0.1 plays the store's receipt
// printer (registered with `aisle printer add`), the associate picks it in the menu, opens the cash
// drawer, takes an X report and prints it. The bytes that arrive must start with ESC @, hold the
// GB18030 bytes of the report's Chinese labels (as glibc's iconv encodes them, not core) and end
// with a cut. Then the drawer closes with a blind count and the Z report prints with its variance.
// With the printer gone, the Print button says so.
//
//   cd tests/e2e && npm ci && node --test print.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { Aisled, aisleBin, assertPrerequisites, chromiumArgs, chromiumPath, freePort, shotsDir, sleep, tid } from './harness.mjs';

const STEP = 30_000;
const gb18030 = (text) => execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: text });

/** A raw-TCP "port 9100" printer: every connection is one job, kept whole once the sender closes. */
async function loopbackPrinter() {
  const jobs = [];
  const server = createServer((socket) => {
    const chunks = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => jobs.push(Buffer.concat(chunks)));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { jobs, port: server.address().port, close: () => new Promise((resolve) => server.close(resolve)) };
}

test('X and Z reports printed from the terminal reach the store printer in GB18030', { timeout: 180_000 }, async () => {
  assertPrerequisites();
  const dataDir = mkdtempSync(join(tmpdir(), 'aisle-e2e-print-'));
  const aisle = (...args) => execFileSync(aisleBin, args, { encoding: 'utf8' });
  aisle('demo-load', '--data-dir', dataDir);
  const printer = await loopbackPrinter();
  const added = JSON.parse(aisle('printer', 'add', '--data-dir', dataDir, '--store', 'SH01', '--name', '收银台', '--host', '127.0.0.1',
    '--port', String(printer.port), '--columns', '32', '--encoding', 'gb18030'));

  const port = await freePort();
  const server = new Aisled({ dataDir, port, logFile: join(dataDir, 'aisled.log') });
  await server.start();
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  const menu = async (item) => {
    await page.locator(tid('menu-button')).click();
    await page.locator(tid(item)).click();
  };
  try {
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => document.getElementById('app')?.dataset.core === 'ready', null, { timeout: STEP });
    await page.locator(tid('signin-store')).fill('SH01');
    await page.locator(tid('signin-staff')).fill('1001');
    await page.locator(tid('signin-pin')).fill('1111');
    await page.locator(tid('signin-button')).click();
    await page.locator(tid('barcode-input')).waitFor({ timeout: STEP });

    // The printer setting lists the store's network printers.
    await menu('menu-printer');
    const option = page.locator(`${tid('printer-option')}[data-printer-id="${added.printer_id}"]`);
    await option.waitFor({ timeout: STEP });
    mkdirSync(shotsDir, { recursive: true });
    await page.screenshot({ path: join(shotsDir, 'printer-settings-zh.png') });
    await option.click();
    await page.locator(tid('printer-settings')).waitFor({ state: 'detached', timeout: STEP });

    // Open the drawer with a ¥500 float and print the X report.
    await menu('menu-drawer');
    await page.locator(tid('drawer-float')).fill('500');
    await page.locator(tid('drawer-open')).click();
    await page.locator(tid('drawer-report-X')).waitFor({ timeout: STEP });
    await page.locator(tid('print-x')).click();
    await page.locator(`${tid('print-x-status')}[data-state="printed"]`).waitFor({ timeout: STEP });
    for (let i = 0; i < 50 && printer.jobs.length === 0; i++) await sleep(100);
    assert.equal(printer.jobs.length, 1, 'one print job reached the printer');
    const job = printer.jobs[0];
    assert.deepEqual([...job.subarray(0, 4)], [0x1b, 0x40, 0x1c, 0x26], 'ESC @ then FS & (Chinese character mode)');
    for (const label of ['X 报表（当前）', '上海南京西路店', '备用金', '现金', '收银员']) {
      assert.ok(job.includes(gb18030(label)), `the job holds the GB18030 bytes of ${label}`);
    }
    assert.ok(job.includes(Buffer.concat([Buffer.from([0xa3, 0xa4]), Buffer.from('500.00')])), 'the float as ￥500.00');
    assert.deepEqual([...job.subarray(job.length - 4)], [0x1d, 0x56, 0x41, 0x00], 'ends with a cut (GS V A 0)');
    await page.screenshot({ path: join(shotsDir, 'drawer-x-print-zh.png') });

    // Close with a blind count ¥4.00 short and print the Z report: expected, counted, variance.
    await page.locator(tid('drawer-close')).click();
    await page.locator(tid('count-cash')).fill('496');
    await page.locator(tid('close-ok')).click();
    await page.locator(`${tid('z-variance')}[data-variance="-400"]`).waitFor({ timeout: STEP });
    await page.locator(tid('print-z')).click();
    await page.locator(`${tid('print-z-status')}[data-state="printed"]`).waitFor({ timeout: STEP });
    for (let i = 0; i < 50 && printer.jobs.length < 2; i++) await sleep(100);
    assert.equal(printer.jobs.length, 2, 'the Z report is the second job');
    const z = printer.jobs[1];
    for (const label of ['Z 报表（已结班）', '应有', '实点', '差异', '总差异']) {
      assert.ok(z.includes(gb18030(label)), `the Z report holds the GB18030 bytes of ${label}`);
    }
    assert.ok(z.includes(Buffer.concat([Buffer.from('-'), Buffer.from([0xa3, 0xa4]), Buffer.from('4.00')])), 'the variance as -￥4.00');

    // The printer switched off: the Print button says it cannot be reached.
    await printer.close();
    await page.locator(tid('print-z')).click();
    await page.locator(`${tid('print-z-status')}[data-state="error"]`).waitFor({ timeout: STEP });
    assert.match(await page.locator(tid('print-z-status')).textContent(), /无法连接打印机「收银台」/);
    assert.equal(printer.jobs.length, 2);
  } finally {
    await browser.close();
    await server.stop();
    await printer.close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
});
