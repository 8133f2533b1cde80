// Benchmarks of the pricing engine on synthetic chains: carts of 10, 50 and
// 100 lines against 100, 1,000 and 10,000 active promotions, most of which
// do not touch a given cart (as in a real chain: a promotion is scoped to a
// few SKUs, a brand or a category). Each case prices 200 different carts and
// reports the median and the 99th percentile of one pricing (p50_us, p99_us),
// and how many were not proven optimal within the step budget.
// Results and the command: docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>

#include "bench/pricing_synthetic.h"

namespace {

using namespace aisle::core;
using namespace aisle::core::pricing;

void BM_PriceWithRules(benchmark::State& state) {
  const int lines = static_cast<int>(state.range(0));
  const int promotions = static_cast<int>(state.range(1));
  const aisle::bench::SyntheticChain chain(promotions, 42);
  std::vector<Cart> carts;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) carts.push_back(chain.RandomCart(lines, rng));
  Context ctx = chain.context();
  std::vector<double> micros;
  int64_t not_optimal = 0;
  size_t next = 0;
  for (auto _ : state) {
    const Cart& cart = carts[next++ % carts.size()];
    const auto start = std::chrono::steady_clock::now();
    auto result = PriceWithRules(cart, chain.rules(), ctx);
    const auto took = std::chrono::steady_clock::now() - start;
    benchmark::DoNotOptimize(result);
    micros.push_back(std::chrono::duration<double, std::micro>(took).count());
    if (result && !result->optimal) ++not_optimal;
  }
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
  state.counters["not_optimal"] = static_cast<double>(not_optimal);
}
BENCHMARK(BM_PriceWithRules)
    ->ArgsProduct({{10, 50, 100}, {100, 1000, 10000}})
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(200);

// The same carts with one order-level coupon presented (layer 4, docs/pricing.md
// "Coupons"): ¥20 off a spend of ¥300. Also counts the carts where it applied.
void BM_PriceWithCoupon(benchmark::State& state) {
  const int lines = static_cast<int>(state.range(0));
  const int promotions = static_cast<int>(state.range(1));
  const aisle::bench::SyntheticChain chain(promotions, 42);
  Rules rules = chain.rules().rules();
  Promotion coupon;
  coupon.id = "CPN-20";
  coupon.type = PromoType::kCouponAmount;
  coupon.amount = 2000;
  coupon.min_spend = 30000;
  coupon.scope.all = true;
  rules.coupons.push_back(coupon);
  const CompiledRules compiled(std::move(rules));
  std::vector<Cart> carts;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) carts.push_back(chain.RandomCart(lines, rng));
  Context ctx = chain.context();
  ctx.coupons.push_back(PresentedCoupon{"8H3KM2XQ", "CPN-20", false});
  std::vector<double> micros;
  int64_t not_optimal = 0;
  int64_t applied = 0;
  size_t next = 0;
  for (auto _ : state) {
    const Cart& cart = carts[next++ % carts.size()];
    const auto start = std::chrono::steady_clock::now();
    auto result = PriceWithRules(cart, compiled, ctx);
    const auto took = std::chrono::steady_clock::now() - start;
    benchmark::DoNotOptimize(result);
    micros.push_back(std::chrono::duration<double, std::micro>(took).count());
    if (result && !result->optimal) ++not_optimal;
    if (result && result->coupons.size() == 1 && result->coupons[0].applied) ++applied;
  }
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
  state.counters["not_optimal"] = static_cast<double>(not_optimal);
  state.counters["coupon_applied"] = static_cast<double>(applied);
}
BENCHMARK(BM_PriceWithCoupon)
    ->ArgsProduct({{10, 50, 100}, {100, 1000}})
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(200);

}  // namespace

BENCHMARK_MAIN();
