// Times core.wasm's priceCart under Node on the same carts as
// bench/core_bench.cpp's BM_PriceCartJson, so the two can be compared as a
// ratio in one run. Usage: node bench/wasm_bench.mjs [build/wasm]
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
