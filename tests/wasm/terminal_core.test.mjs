// The terminal's own wrapper of core.wasm (web/src/core.ts, compiled here with the web app's
// TypeScript) against the real core.wasm under Node: a rules document is loaded into the module
// once and each pricing names it (docs/web.md, "Prices"); when the module has forgotten it (it
// keeps the last 4 documents), the wrapper loads it again; the answers are those of the request
// that carries the whole document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const repo = new URL('../..', import.meta.url).pathname;
const wasmDir = process.env.AISLE_WASM_DIR ?? path.join(repo, 'build', 'wasm');
const require = createRequire(import.meta.url);
const tsPath = path.join(repo, 'web', 'node_modules', 'typescript');
assert.ok(fs.existsSync(tsPath), `missing ${tsPath}: run \`npm ci\` in web/ first (tools/build.sh does)`);
const ts = require(tsPath);

// web/src/core.ts as an ES module: its imports are types only, so it stands alone.
const source = fs.readFileSync(path.join(repo, 'web', 'src', 'core.ts'), 'utf8');
const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
const createAisleCore = require(path.join(wasmDir, 'core.js'));
const wasmBinary = fs.readFileSync(path.join(wasmDir, 'core.wasm'));
// The module instance the wrapper loads, seen from here too (to count and to compare).
let module = null;
globalThis.window = {
  createAisleCore: async (options) => (module = await createAisleCore({ ...options, wasmBinary })),
};
const core = await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`);
await core.loadCore();
let loads = 0;  // documents the wrapper loaded into the module
const loadRules = module.loadRules.bind(module);
module.loadRules = (text) => {
  loads++;
  return loadRules(text);
};

const product = (sku, price) => ({ sku, name_zh: sku, name_en: sku, price, tax_rate_bp: 1300, sold_by: 'unit', category: 'skincare', brand: 'Qingyu' });
const lines = [
  { barcode: '6901234567892', qty: 2, product: product('SERUM', 45900) },
  { barcode: '6901234567885', qty: 1, product: product('CREAM', 29900) },
];
const context = { now: new Date('2026-11-24T10:00:00Z'), storeId: 'SH01', memberTier: 'gold' };
const document = (percent) => ({
  version: `v${percent}`,
  tax_mode: 'inclusive',
  promotions: [
    { id: 'B1G1H', type: 'buy_x_get_y', scope: { categories: ['skincare'] }, buy: 1, get: 1, get_percent_bp: 5000 },
    { id: 'OFF', type: 'percent_off', scope: { all: true }, percent_bp: percent * 100 },
    { id: 'MEMBER', type: 'member_tier', scope: { all: true }, tiers: { gold: 500 } },
    { id: 'T300', type: 'threshold_amount', scope: { all: true }, tiers: [{ min: 30000, off: 3000 }] },
  ],
});
// What the request with the whole document answers.
const direct = (rules) => JSON.parse(module.priceCart(JSON.stringify(core.cartRequest('CNY', lines, rules, context))));

test('prices with the rules loaded once, and loads them again when the core forgot them', () => {
  const rules = document(10);
  const first = core.priceCart('CNY', lines, rules, context);
  assert.ok(first.ok, JSON.stringify(first));
  assert.deepEqual(first.value, direct(rules));
  assert.equal(first.value.rules_version, 'v10');
  assert.equal(core.priceCart('CNY', lines, rules, context).ok, true);
  assert.equal(loads, 1, 'the same document is loaded once');
  // Four other documents (an editor's drafts): the core now keeps those, not the first.
  for (const percent of [1, 2, 3, 4]) {
    const r = core.priceCart('CNY', lines, document(percent), context);
    assert.ok(r.ok);
    assert.equal(r.value.rules_version, `v${percent}`);
    assert.deepEqual(r.value, direct(document(percent)));
  }
  assert.equal(loads, 5);
  const again = core.priceCart('CNY', lines, rules, context);
  assert.ok(again.ok, JSON.stringify(again));
  assert.deepEqual(again.value, first.value);
  assert.equal(loads, 6, 'loaded again once: the core had forgotten it');
});

test('a bad document is refused with the field, as the request carrying it would be', () => {
  const bad = document(10);
  bad.promotions[1].percent_bp = 0;
  const r = core.priceCart('CNY', lines, bad, context);
  assert.equal(r.ok, false);
  assert.deepEqual(r.error, direct(bad).error);
  assert.equal(r.error.field, 'rules.promotions[1].percent_bp');
});

test('without rules the cart is priced at its prices', () => {
  const r = core.priceCart('CNY', lines, null, context);
  assert.ok(r.ok);
  assert.equal(r.value.total, 2 * 45900 + 29900);
});
