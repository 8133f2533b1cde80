// A synthetic retail chain for the pricing benchmarks: a 20,000-SKU catalog
// in 50 categories and 300 brands, and N promotions of every type scoped the
// way chains scope them (mostly to a few SKUs, some to a brand or category),
// plus a member tier discount and two thresholds. Deterministic for a seed.
#ifndef AISLE_BENCH_PRICING_SYNTHETIC_H_
#define AISLE_BENCH_PRICING_SYNTHETIC_H_

#include <memory>
#include <random>

#include "core/cart.h"
#include "core/pricing/engine.h"

namespace aisle::bench {

// How the chain's item promotions stack, in percent of them: `exclusive`
// exclusive, `group` in one of three groups, the rest stackable. The
// benchmarks' chain is {15, 25}; other mixes show how much of the search's
// work comes from stacking (pricing_steps --stacking).
struct StackingMix {
  int exclusive = 15;
  int group = 25;
};

class SyntheticChain {
 public:
  // tax_inclusive false: the price list excludes tax (the same prices).
  SyntheticChain(int promotions, uint64_t seed, StackingMix mix = {}, bool tax_inclusive = true);
  const core::pricing::CompiledRules& rules() const { return *rules_; }
  core::pricing::Context context() const;
  // A cart of `lines` different SKUs, 1-3 units each (a few weighed lines).
  core::Cart RandomCart(int lines, std::mt19937_64& rng) const;

 private:
  std::unique_ptr<core::pricing::CompiledRules> rules_;
};

}  // namespace aisle::bench

#endif  // AISLE_BENCH_PRICING_SYNTHETIC_H_
