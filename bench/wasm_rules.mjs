// What a scan costs the terminal in core.wasm when the rules document goes
// with every priceCart request (read, checked and compiled each time) and
// when it is loaded once (loadRules) and named by rules_id — against the
// engine alone on the same requests (benchPricingEngine). A chain of N
// promotions like bench/pricing_synthetic.cpp's (most on a few SKUs of
// 20,000, some on a brand or category; a member tier and two thresholds),
// 20 carts per case. Usage: node bench/wasm_rules.mjs [build/wasm]
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? new URL('../build/wasm', import.meta.url).pathname;
const createAisleCore = createRequire(import.meta.url)(path.join(dir, 'core.js'));
const core = await createAisleCore({ wasmBinary: fs.readFileSync(path.join(dir, 'core.wasm')) });

let seed = 42;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
const SKUS = 20000;
const sku = (i) => `SKU${i % SKUS}`;
const skuScope = (count) => {
  const base = rnd(SKUS);
  return { skus: Array.from({ length: count }, (_, i) => sku(base + i * 13)) };
};
function scope(multi) {
  const r = rnd(100);
  if (r < (multi ? 60 : 95)) return skuScope(multi ? 2 + rnd(4) : 1 + rnd(3));
  if (r < (multi ? 90 : 99)) return { brands: [`brand${rnd(300)}`] };
  return { categories: [`cat${rnd(50)}`] };
}

function rules(n) {
  const promotions = [];
  for (let i = 0; i < n - 3; i++) {
    const p = { id: `P${100000 + i}`, priority: rnd(10), name: { zh: `促销${i}`, en: `Promotion ${i}` } };
    const mode = rnd(100);
    if (mode < 15) p.stacking = 'exclusive';
    else if (mode < 40) p.stacking = `group:${'abc'[rnd(3)]}`;
    const r = rnd(100);
    if (r < 35) Object.assign(p, { type: 'percent_off', percent_bp: 500 + 500 * rnd(6) });
    else if (r < 50) Object.assign(p, { type: 'amount_off', amount: 500 + 500 * rnd(10) });
    else if (r < 60) Object.assign(p, { type: 'fixed_price', price: 990 + 1000 * rnd(20) });
    else if (r < 65) Object.assign(p, { type: 'flash_sale', price: 990 + 500 * rnd(20), remaining_units: 1 + rnd(20) });
    else if (r < 80) Object.assign(p, { type: 'buy_x_get_y', buy: 1 + rnd(2), get: 1, get_percent_bp: rnd(2) ? 5000 : 10000 });
    else if (r < 90) Object.assign(p, { type: 'bundle', groups: [skuScope(1 + rnd(2)), skuScope(1 + rnd(2))], price: 5000 + 1000 * rnd(30) });
    else Object.assign(p, { type: 'mix_match', count: 2 + rnd(2), price: 5000 + 1000 * rnd(30) });
    if (p.type !== 'bundle') p.scope = scope(p.type === 'buy_x_get_y' || p.type === 'mix_match');
    promotions.push(p);
  }
  promotions.push({ id: 'MEMBER', type: 'member_tier', scope: { all: true }, tiers: { gold: 500, platinum: 1000 } });
  promotions.push({ id: 'SPEND300', type: 'threshold_amount', scope: { all: true },
                    tiers: [{ min: 30000, off: 3000 }, { min: 50000, off: 6000 }] });
  promotions.push({ id: 'CAT10', type: 'threshold_percent', scope: { categories: ['cat3', 'cat7'] },
                    tiers: [{ min: 20000, percent_bp: 1000 }], stacking: 'group:a' });
  return { version: `bench-${n}`, tax_mode: 'inclusive', promotions };
}

function lines(n) {
  return Array.from({ length: n }, () => {
    const s = rnd(SKUS);
    return { barcode: '6901234567892', sku: sku(s), category: `cat${s % 50}`, brand: `brand${(s * 7) % 300}`,
             qty: 1 + rnd(3), unit_price: 990 + ((s * 2654435761) % 40000), tax_rate_bp: s % 10 === 0 ? 900 : 1300 };
  });
}

// Microseconds per call of f(i) over i = 0..count-1, round robin, for about `ms`.
function time(f, count, ms = 1500) {
  for (let i = 0; i < count; i++) f(i);
  let calls = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < BigInt(ms) * 1_000_000n) {
    f(calls % count);
    calls++;
    elapsed = process.hrtime.bigint() - start;
  }
  return Number(elapsed) / calls / 1000;
}

const context = { now: '2026-11-24T10:00:00Z', store_id: 'SH01', member_tier: 'gold' };
console.log('promotions\tlines\tdocument\tsent each time\tloaded once\tengine alone\tloadRules');
for (const n of [100, 1000, 5000]) {
  const doc = rules(n);
  const text = JSON.stringify(doc);
  for (const count of [10, 30]) {
    const carts = Array.from({ length: 20 }, () => ({ currency: 'CNY', lines: lines(count), context }));
    const each = time((i) => JSON.parse(core.priceCart(JSON.stringify({ ...carts[i], rules: doc }))), carts.length);
    const load = time(() => core.loadRules(text), 1, 500);
    const id = JSON.parse(core.loadRules(text)).rules_id;
    const once = time((i) => JSON.parse(core.priceCart(JSON.stringify({ ...carts[i], rules_id: id }))), carts.length);
    const requests = `[${carts.map((c) => JSON.stringify({ ...c, rules: doc })).join(',')}]`;
    const engine = JSON.parse(core.benchPricingEngine(requests, 20)).ns_per_pass / 1000 / carts.length;
    console.log(`${n}\t${count}\t${(text.length / 1024).toFixed(0)} KB\t${each.toFixed(0)} us\t${once.toFixed(0)} us\t` +
                `${engine.toFixed(0)} us\t${load.toFixed(0)} us`);
  }
}
