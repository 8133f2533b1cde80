// The benchmark's carts priced once each, with the search's step count: a
// load-independent measure of the search's work (docs/benchmarks.md). Prints
// per case the total steps, the carts not proven optimal and a hash of every
// answer (line gross and tax, each promotion's discount per line, each
// adjustment), and with --carts one row per cart (with --time, also the least
// of 5 pricings' wall time in microseconds, or of --reps N). --show prints
// the cart's lines, the promotions that may touch them and the answer's
// adjustments.
// --stacking E G prices the same carts against a chain whose item promotions
// are E % exclusive and G % in a group (the benchmarks' chain: 15 25).
// --tax-exclusive prices the same carts against the same chain with a price
// list that excludes tax.
// --greedy prices with the greedy path only (each promotion in priority order
// takes all it can): the cost of pricing without a search.
// Usage: pricing_steps [--carts] [--time [--reps N]] [--case LINES PROMOTIONS] [--cart I] [--budget N]
//                      [--stacking E G] [--tax-exclusive] [--greedy] [--show]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bench/pricing_synthetic.h"

namespace {

using namespace aisle::core;
using namespace aisle::core::pricing;

struct Hash {
  uint64_t h = 1469598103934665603ull;
  void Add(const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  }
  void Add(int64_t v) { Add(&v, sizeof v); }
  void Add(const std::string& s) { Add(s.data(), s.size()); Add(static_cast<int64_t>(s.size())); }
};

uint64_t HashResult(const PricingResult& r) {
  Hash h;
  for (const LineResult& l : r.lines) {
    h.Add(l.gross);
    h.Add(l.tax);
    for (const LinePromotion& p : l.promotions) {
      h.Add(p.id);
      h.Add(p.discount);
    }
  }
  for (const Adjustment& a : r.adjustments) {
    h.Add(a.promotion->id);
    h.Add(a.applications);
    h.Add(a.discount);
    for (const AdjustmentLine& l : a.lines) {
      h.Add(static_cast<int64_t>(l.line));
      h.Add(l.units);
      h.Add(l.discount);
    }
  }
  h.Add(r.total);
  return h.h;
}

}  // namespace

int main(int argc, char** argv) {
  bool per_cart = false;
  int only_lines = 0, only_promos = 0, only_cart = -1;
  int64_t budget = 0;
  bool show = false;
  bool timed = false;
  bool greedy = false;
  bool tax_inclusive = true;
  int reps = 5;
  aisle::bench::StackingMix mix;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--carts")) per_cart = true;
    else if (!std::strcmp(argv[i], "--case") && i + 2 < argc) { only_lines = std::atoi(argv[++i]); only_promos = std::atoi(argv[++i]); }
    else if (!std::strcmp(argv[i], "--cart") && i + 1 < argc) only_cart = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--budget") && i + 1 < argc) budget = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--show")) show = true;
    else if (!std::strcmp(argv[i], "--stacking") && i + 2 < argc) { mix.exclusive = std::atoi(argv[++i]); mix.group = std::atoi(argv[++i]); }
    else if (!std::strcmp(argv[i], "--time")) timed = true;
    else if (!std::strcmp(argv[i], "--greedy")) greedy = true;
    else if (!std::strcmp(argv[i], "--tax-exclusive")) tax_inclusive = false;
    else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
  }
  const int cases[][2] = {{100, 1000}, {50, 1000}, {10, 10000}};
  for (const auto& c : cases) {
    if (only_lines && (c[0] != only_lines || c[1] != only_promos)) continue;
    const aisle::bench::SyntheticChain chain(c[1], 42, mix, tax_inclusive);
    std::vector<Cart> carts;
    std::mt19937_64 rng(7);
    for (int i = 0; i < 200; ++i) carts.push_back(chain.RandomCart(c[0], rng));
    Context ctx = chain.context();
    if (budget > 0) ctx.step_budget = budget;
    ctx.greedy = greedy;
    int64_t steps = 0, not_optimal = 0;
    Hash all;
    for (int i = 0; i < 200; ++i) {
      if (only_cart >= 0 && i != only_cart) continue;
      if (show) {
        static const char* types[] = {"pct", "amt", "fixed", "flash", "bxgy", "bundle", "mm", "member", "thr", "thr%", "c", "c", "c"};
        const Cart& cart = carts[static_cast<size_t>(i)];
        for (size_t l = 0; l < cart.lines.size(); ++l) {
          const CartLine& line = cart.lines[l];
          std::printf("line %zu %s price %lld qty %lld %s:", l, line.sku.c_str(), static_cast<long long>(line.unit_price),
                      static_cast<long long>(line.qty), line.sold_by == SoldBy::kWeight ? "w" : "u");
          for (int q : chain.rules().Candidates(line.sku, line.category, line.brand)) {
            const Promotion& p = chain.rules().rules().promotions[static_cast<size_t>(q)];
            std::printf(" %s:%s%s", p.id.c_str(), types[static_cast<int>(p.type)],
                        p.stacking == Stacking::kExclusive ? "/x" : p.stacking == Stacking::kGroup ? ("/" + p.group).c_str() : "");
          }
          std::printf("\n");
        }
        std::map<int, std::string> seen;
        for (size_t l = 0; l < cart.lines.size(); ++l) {
          const CartLine& line = cart.lines[l];
          for (int q : chain.rules().Candidates(line.sku, line.category, line.brand)) seen[q] += " " + std::to_string(l);
        }
        for (const auto& [q, ls] : seen) {
          const Promotion& p = chain.rules().rules().promotions[static_cast<size_t>(q)];
          std::printf("  %s %s prio %lld price %lld pct %lld amt %lld buy %lld get %lld getpct %lld count %lld rem %lld lines%s\n",
                      p.id.c_str(), types[static_cast<int>(p.type)], static_cast<long long>(p.priority),
                      static_cast<long long>(p.price), static_cast<long long>(p.percent_bp), static_cast<long long>(p.amount),
                      static_cast<long long>(p.buy), static_cast<long long>(p.get), static_cast<long long>(p.get_percent_bp),
                      static_cast<long long>(p.count), static_cast<long long>(p.remaining_units.value_or(-1)), ls.c_str());
        }
      }
      double least_us = 0;
      for (int rep = 0; timed && rep < reps; ++rep) {
        const auto start = std::chrono::steady_clock::now();
        [[maybe_unused]] auto once = PriceWithRules(carts[static_cast<size_t>(i)], chain.rules(), ctx);
        const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
        least_us = rep == 0 ? us : std::min(least_us, us);
      }
      auto r = PriceWithRules(carts[static_cast<size_t>(i)], chain.rules(), ctx);
      if (!r) { std::printf("cart %d: error\n", i); continue; }
      if (show) {
        for (const Adjustment& a : r->adjustments) {
          std::printf("  = %s applications %lld discount %lld:", a.promotion->id.c_str(),
                      static_cast<long long>(a.applications), static_cast<long long>(a.discount));
          for (const AdjustmentLine& l : a.lines) {
            std::printf(" line %zu units %lld off %lld", l.line, static_cast<long long>(l.units),
                        static_cast<long long>(l.discount));
          }
          std::printf("\n");
        }
      }
      const uint64_t h = HashResult(*r);
      all.Add(static_cast<int64_t>(h));
      steps += r->steps;
      not_optimal += r->optimal ? 0 : 1;
      if (per_cart) std::printf("%d/%d cart %3d steps %8lld optimal %d total %lld hash %016llx%s\n", c[0], c[1], i,
                                static_cast<long long>(r->steps), r->optimal ? 1 : 0,
                                static_cast<long long>(r->total), static_cast<unsigned long long>(h),
                                timed ? (" us " + std::to_string(static_cast<long long>(least_us))).c_str() : "");
    }
    std::printf("%d x %d: steps %lld not_optimal %lld hash %016llx\n", c[0], c[1], static_cast<long long>(steps),
                static_cast<long long>(not_optimal), static_cast<unsigned long long>(all.h));
  }
  return 0;
}
