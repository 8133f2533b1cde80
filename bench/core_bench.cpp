// Benchmarks of core's hot paths: pricing a cart (struct and JSON, the
// WASM entry point), barcode normalisation and allocation. Results and the
// command that produced them: docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bench/pricing_requests.h"
#include "core/barcode.h"
#include "core/cart.h"
#include "core/cart_json.h"

namespace {

using namespace aisle::core;

Cart MakeCart(int64_t lines) {
  Cart cart{Currency{"CNY", 2}, {}};
  for (int64_t i = 0; i < lines; ++i) {
    cart.lines.push_back(CartLine{.barcode = "6901234567892",
                                  .qty = 1 + i % 3,
                                  .unit_price = 1999 + i,
                                  .tax_rate_bp = i % 2 ? 1300 : 900,
                                  .sold_by = i % 7 == 0 ? SoldBy::kWeight : SoldBy::kUnit});
  }
  return cart;
}

void BM_PriceCart(benchmark::State& state) {
  const Cart cart = MakeCart(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(PriceCart(cart));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_PriceCart)->Arg(10)->Arg(100)->Arg(1000);

void BM_PriceCartJson(benchmark::State& state) {
  const std::string input = ToCanonicalJson(
      Json{{"currency", "CNY"}, {"lines", PricedCartToJson(*PriceCart(MakeCart(state.range(0))))["lines"]}});
  for (auto _ : state) benchmark::DoNotOptimize(PriceCartJson(input));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_PriceCartJson)->Arg(10)->Arg(100)->Arg(1000);

// Every pricing fixture that prices (tests/fixtures/pricing/*.in.json, errors
// left out), once per iteration: carts with real promotion rules, the same
// set bench/wasm_bench.mjs prices in core.wasm.
std::vector<std::string> FixtureInputs() {
  std::vector<std::string> inputs;
  for (const auto& entry : std::filesystem::directory_iterator(AISLE_FIXTURES_DIR "/pricing")) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".in.json") || name.find("-err-") != std::string::npos) continue;
    std::ifstream in(entry.path());
    inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::sort(inputs.begin(), inputs.end());
  return inputs;
}

void BM_PricingFixturesJson(benchmark::State& state) {
  const std::vector<std::string> inputs = FixtureInputs();
  for (auto _ : state) {
    for (const std::string& input : inputs) benchmark::DoNotOptimize(PriceCartJson(input));
  }
  state.counters["requests"] = static_cast<double>(inputs.size());
}
BENCHMARK(BM_PricingFixturesJson)->Unit(benchmark::kMicrosecond);

// The same fixtures, read once: the engine alone (PriceWithRules), as
// core.wasm's benchPricingEngine times it (bench/wasm_bench.mjs).
void BM_PricingFixturesEngine(benchmark::State& state) {
  std::vector<aisle::bench::PricingRequest> requests;
  for (const std::string& input : FixtureInputs()) {
    auto parsed = ParseJson(input);
    if (!parsed) continue;
    if (auto r = aisle::bench::ReadPricingRequest(*parsed)) requests.push_back(std::move(*r));
  }
  for (auto _ : state) benchmark::DoNotOptimize(aisle::bench::PriceRequests(requests));
  state.counters["requests"] = static_cast<double>(requests.size());
}
BENCHMARK(BM_PricingFixturesEngine)->Unit(benchmark::kMicrosecond);

void BM_NormalizeBarcode(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(NormalizeBarcode(" 6901234567892\r\n"));
}
BENCHMARK(BM_NormalizeBarcode);

void BM_Allocate(benchmark::State& state) {
  std::vector<int64_t> weights(static_cast<size_t>(state.range(0)));
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<int64_t>(i * 37 % 101 + 1);
  for (auto _ : state) benchmark::DoNotOptimize(Allocate(123457, weights));
}
BENCHMARK(BM_Allocate)->Arg(10)->Arg(1000);

}  // namespace

BENCHMARK_MAIN();
