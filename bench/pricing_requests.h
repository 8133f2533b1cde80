// Pricing requests (docs/pricing.md, "The request") read once, so that a
// benchmark times the engine alone (PriceWithRules), without the JSON in and
// out around it: bench/core_bench.cpp runs it natively and core.wasm's
// benchPricingEngine (wasm/bindings.cpp) in WebAssembly, on the same fixtures.
#ifndef AISLE_BENCH_PRICING_REQUESTS_H_
#define AISLE_BENCH_PRICING_REQUESTS_H_

#include <memory>
#include <optional>
#include <vector>

#include "core/cart_json.h"
#include "core/pricing/engine.h"

namespace aisle::bench {

struct PricingRequest {
  core::Cart cart;
  std::unique_ptr<core::pricing::CompiledRules> rules;
  core::pricing::Context context;
};

// The request as PriceCartJson reads it, or nothing if it is not one that prices.
inline std::optional<PricingRequest> ReadPricingRequest(const core::Json& request) {
  auto cart = core::CartFromJson(request);
  if (!cart) return std::nullopt;
  PricingRequest out{std::move(*cart), nullptr, {}};
  core::pricing::Rules rules;
  if (request.contains("rules") && !request["rules"].is_null()) {
    auto r = core::pricing::RulesFromJson(request["rules"], "rules");
    auto ctx = core::ReadObject(request, "context", "");
    if (!r || !ctx) return std::nullopt;
    auto c = core::pricing::ContextFromJson(**ctx, "context");
    if (!c) return std::nullopt;
    rules = std::move(*r);
    out.context = std::move(*c);
  }
  out.rules = std::make_unique<core::pricing::CompiledRules>(std::move(rules));
  return out;
}

// Prices every request once: the sum of their totals (so that nothing is left out).
inline int64_t PriceRequests(const std::vector<PricingRequest>& requests) {
  int64_t sum = 0;
  for (const PricingRequest& r : requests) {
    auto priced = core::pricing::PriceWithRules(r.cart, *r.rules, r.context);
    if (priced) sum += priced->total;
  }
  return sum;
}

}  // namespace aisle::bench

#endif  // AISLE_BENCH_PRICING_REQUESTS_H_
