// Runs every golden fixture (tests/fixtures/<function>/NAME.in.json) through
// the real core.wasm under Node and compares with NAME.out.json byte for
// byte — the same files core/fixtures_test.cpp runs natively.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const wasmDir = process.env.AISLE_WASM_DIR ?? new URL('../../build/wasm', import.meta.url).pathname;
const fixturesDir = process.env.AISLE_FIXTURES_DIR ?? new URL('../fixtures', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const createAisleCore = require(path.join(wasmDir, 'core.js'));
// Under Node the loader must be handed the module bytes.
const core = await createAisleCore({ wasmBinary: fs.readFileSync(path.join(wasmDir, 'core.wasm')) });

const functions = {
  cart: core.priceCart, pricing: core.priceCart, barcode: core.normalizeBarcode, change: core.cashChange,
  drawer: core.drawerReport, escpos: core.escposEncode, returns: core.priceReturn, exchange: core.priceExchange,
};
const read = (file) => fs.readFileSync(file, 'utf8').replace(/[\r\n]+$/, '');

let count = 0;
for (const [folder, fn] of Object.entries(functions)) {
  const dir = path.join(fixturesDir, folder);
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.in.json')).sort()) {
    count++;
    test(`${folder}/${name}`, () => {
      let input = read(path.join(dir, name));
      if (folder === 'barcode') input = JSON.parse(input);  // the raw scanned text
      const expected = read(path.join(dir, name.replace(/\.in\.json$/, '.out.json')));
      assert.equal(fn(input), expected);
    });
  }
}

test('fixtures were found', () => assert.ok(count >= 10, `only ${count} fixtures`));
