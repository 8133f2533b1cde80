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

// The pricing fixtures as the terminal sends them: the rules document loaded
// once (loadRules), the request naming it by rules_id — the same bytes out.
const pricingDir = path.join(fixturesDir, 'pricing');
let loaded = 0;
for (const name of fs.readdirSync(pricingDir).filter((n) => n.endsWith('.in.json')).sort()) {
  const request = JSON.parse(read(path.join(pricingDir, name)));
  if (!request.rules) continue;
  test(`pricing/${name} with its rules loaded`, () => {
    const load = JSON.parse(core.loadRules(JSON.stringify(request.rules)));
    const expected = read(path.join(pricingDir, name.replace(/\.in\.json$/, '.out.json')));
    if (load.error) {
      assert.equal(load.error.code, JSON.parse(expected).error?.code);
      return;
    }
    const { rules, ...rest } = request;
    assert.equal(load.version, rules.version);
    assert.equal(core.priceCart(JSON.stringify({ ...rest, rules_id: load.rules_id })), expected);
  });
  loaded++;
}

test('fixtures were found', () => assert.ok(count >= 10 && loaded >= 40, `only ${count} fixtures, ${loaded} with rules`));
