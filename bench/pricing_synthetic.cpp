#include "bench/pricing_synthetic.h"

#include <string>

namespace aisle::bench {
namespace {

using namespace aisle::core;
using namespace aisle::core::pricing;

constexpr int kSkus = 20'000;
constexpr int kCategories = 50;
constexpr int kBrands = 300;

std::string Sku(int i) { return "SKU" + std::to_string(i); }
std::string Category(int i) { return "cat" + std::to_string(i % kCategories); }
std::string Brand(int i) { return "brand" + std::to_string((i * 7) % kBrands); }
int64_t Price(int i) { return 990 + static_cast<int64_t>((static_cast<uint64_t>(i) * 2654435761u) % 40000); }

int Pick(std::mt19937_64& rng, int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); }

Scope SkuScope(std::mt19937_64& rng, int count) {
  Scope s;
  const int base = Pick(rng, kSkus);
  for (int i = 0; i < count; ++i) s.skus.push_back(Sku((base + i * 13) % kSkus));
  return s;
}

Scope RandomScope(std::mt19937_64& rng, bool multi_unit) {
  const int r = Pick(rng, 100);
  Scope s;
  if (r < (multi_unit ? 60 : 95)) return SkuScope(rng, multi_unit ? 2 + Pick(rng, 4) : 1 + Pick(rng, 3));
  if (r < (multi_unit ? 90 : 99)) {
    s.brands.push_back("brand" + std::to_string(Pick(rng, kBrands)));
  } else {
    s.categories.push_back("cat" + std::to_string(Pick(rng, kCategories)));
  }
  return s;
}

}  // namespace

SyntheticChain::SyntheticChain(int promotions, uint64_t seed, StackingMix mix, bool tax_inclusive) {
  std::mt19937_64 rng(seed);
  Rules rules;
  rules.version = "bench";
  rules.tax_inclusive = tax_inclusive;
  for (int i = 0; i < promotions - 3; ++i) {
    Promotion p;
    p.id = "P" + std::to_string(100000 + i);
    const int r = Pick(rng, 100);
    p.priority = Pick(rng, 10);
    const int mode = Pick(rng, 100);
    if (mode < mix.exclusive) {
      p.stacking = Stacking::kExclusive;
    } else if (mode < mix.exclusive + mix.group) {
      p.stacking = Stacking::kGroup;
      p.group = std::string(1, static_cast<char>('a' + Pick(rng, 3)));
    }
    if (r < 35) {
      p.type = PromoType::kPercentOff;
      p.percent_bp = 500 + 500 * Pick(rng, 6);
    } else if (r < 50) {
      p.type = PromoType::kAmountOff;
      p.amount = 500 + 500 * Pick(rng, 10);
    } else if (r < 60) {
      p.type = PromoType::kFixedPrice;
      p.price = 990 + 1000 * Pick(rng, 20);
    } else if (r < 65) {
      p.type = PromoType::kFlashSale;
      p.price = 990 + 500 * Pick(rng, 20);
      p.remaining_units = 1 + Pick(rng, 20);
    } else if (r < 80) {
      p.type = PromoType::kBuyXGetY;
      p.buy = 1 + Pick(rng, 2);
      p.get = 1;
      p.get_percent_bp = Pick(rng, 2) ? 5000 : 10000;
    } else if (r < 90) {
      p.type = PromoType::kBundle;
      p.groups = {SkuScope(rng, 1 + Pick(rng, 2)), SkuScope(rng, 1 + Pick(rng, 2))};
      p.price = 5000 + 1000 * Pick(rng, 30);
    } else {
      p.type = PromoType::kMixMatch;
      p.count = 2 + Pick(rng, 2);
      p.price = 5000 + 1000 * Pick(rng, 30);
    }
    if (p.type != PromoType::kBundle) {
      const bool multi = p.type == PromoType::kBuyXGetY || p.type == PromoType::kMixMatch;
      p.scope = RandomScope(rng, multi);
    }
    rules.promotions.push_back(std::move(p));
  }
  Promotion member;
  member.id = "MEMBER";
  member.type = PromoType::kMemberTier;
  member.member_tiers = {{"gold", 500}, {"platinum", 1000}};
  member.scope.all = true;
  Promotion spend;
  spend.id = "SPEND300";
  spend.type = PromoType::kThresholdAmount;
  spend.tiers = {Tier{30000, 3000, 0}, Tier{50000, 6000, 0}};
  spend.scope.all = true;
  Promotion cat;
  cat.id = "CAT10";
  cat.type = PromoType::kThresholdPercent;
  cat.tiers = {Tier{20000, 0, 1000}};
  cat.scope.categories = {"cat3", "cat7"};
  cat.stacking = Stacking::kGroup;
  cat.group = "a";
  for (Promotion* p : {&member, &spend, &cat}) {
    if (static_cast<int>(rules.promotions.size()) < promotions) rules.promotions.push_back(*p);
  }
  rules_ = std::make_unique<CompiledRules>(std::move(rules));
}

Context SyntheticChain::context() const {
  Context ctx;
  ctx.now = 1'795'000'000;  // 2026-11
  ctx.store_id = "SH01";
  ctx.member_tier = "gold";
  return ctx;
}

Cart SyntheticChain::RandomCart(int lines, std::mt19937_64& rng) const {
  Cart cart{Currency{"CNY", 2}, {}};
  for (int i = 0; i < lines; ++i) {
    const int sku = Pick(rng, kSkus);
    CartLine line;
    line.barcode = "6901234567892";
    line.sku = Sku(sku);
    line.category = Category(sku);
    line.brand = Brand(sku);
    line.unit_price = Price(sku);
    line.tax_rate_bp = sku % 10 == 0 ? 900 : 1300;
    if (sku % 25 == 0) {
      line.sold_by = SoldBy::kWeight;
      line.qty = 200 + Pick(rng, 1500);
    } else {
      line.qty = 1 + Pick(rng, 3);
    }
    cart.lines.push_back(std::move(line));
  }
  return cart;
}

}  // namespace aisle::bench
