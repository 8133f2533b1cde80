// Times core.wasm's priceCart under Node on the same carts as
// bench/core_bench.cpp's BM_PriceCartJson and BM_PricingFixturesJson, so the
// two can be compared as a ratio in one run, and the engine alone on the same
// fixtures (benchPricingEngine, vs BM_PricingFixturesEngine). Usage: node bench/wasm_bench.mjs [build/wasm]
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? new URL('../build/wasm', import.meta.url).pathname;
const createAisleCore = createRequire(import.meta.url)(path.join(dir, 'core.js'));
const core = await createAisleCore({ wasmBinary: fs.readFileSync(path.join(dir, 'core.wasm')) });

function cart(n) {
  const lines = [];
  for (let i = 0; i < n; i++) {
    lines.push({ barcode: '6901234567892', qty: 1 + (i % 3), unit_price: 1999 + i,
                 tax_rate_bp: i % 2 ? 1300 : 900, sold_by: i % 7 === 0 ? 'weight' : 'unit' });
  }
  return JSON.stringify({ currency: 'CNY', lines });
}

for (const n of [10, 100, 1000]) {
  const input = cart(n);
  for (let i = 0; i < 20; i++) core.priceCart(input);  // warm up
  let iterations = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < 500_000_000n) {
    core.priceCart(input);
    iterations++;
    elapsed = process.hrtime.bigint() - start;
  }
  const ns = Number(elapsed) / iterations;
  console.log(`wasm priceCart/${n}\t${Math.round(ns)} ns/call\t${iterations} iterations`);
}

// Every pricing fixture that prices (promotion rules and all), once per pass.
const fixtures = new URL('../tests/fixtures/pricing/', import.meta.url).pathname;
const inputs = fs.readdirSync(fixtures)
  .filter((f) => f.endsWith('.in.json') && !f.includes('-err-'))
  .sort()
  .map((f) => fs.readFileSync(path.join(fixtures, f), 'utf8'));
for (let i = 0; i < 5; i++) for (const input of inputs) core.priceCart(input);  // warm up
let passes = 0;
const start = process.hrtime.bigint();
let elapsed = 0n;
while (elapsed < 2_000_000_000n) {
  for (const input of inputs) core.priceCart(input);
  passes++;
  elapsed = process.hrtime.bigint() - start;
}
console.log(`wasm pricing fixtures (${inputs.length} requests)\t${(Number(elapsed) / passes / 1000).toFixed(1)} us/pass\t${passes} passes`);

// The same requests, read once inside the module: the engine alone, timed
// inside core.wasm (compare with core_bench's BM_PricingFixturesEngine).
const requests = `[${inputs.join(',')}]`;
core.benchPricingEngine(requests, 5);  // warm up
let engine = JSON.parse(core.benchPricingEngine(requests, 10));
const enginePasses = Math.max(10, Math.round(2e9 / engine.ns_per_pass));
engine = JSON.parse(core.benchPricingEngine(requests, enginePasses));
console.log(`wasm pricing engine alone (${engine.requests} requests)\t${(engine.ns_per_pass / 1000).toFixed(1)} us/pass\t${engine.passes} passes`);
