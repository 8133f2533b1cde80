// The pricing engine: prices a cart under a chain's rules — price sources,
// promotions in three layers with their stacking modes, tax and cash
// rounding — choosing the combination of promotions that costs the customer
// least (docs/pricing.md is the specification). Pure and deterministic: the
// same cart, rules and context give the same result on the server and in
// core.wasm; the search is bounded by a step count, never by a clock.
#ifndef AISLE_CORE_PRICING_ENGINE_H_
#define AISLE_CORE_PRICING_ENGINE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/cart.h"
#include "core/pricing/rules.h"

namespace aisle::core::pricing {

// Rules with their promotions indexed by SKU, category and brand, built once
// and reused for every cart (a chain may have thousands of promotions).
class CompiledRules {
 public:
  explicit CompiledRules(Rules rules);
  const Rules& rules() const { return rules_; }
  // Indices into rules().promotions of promotions that may touch a line with
  // these attributes (scope or bundle group matches), ascending.
  std::vector<int> Candidates(const std::string& sku, const std::string& category, const std::string& brand) const;

 private:
  Rules rules_;
  // Hashed, not ordered: every line of every cart looks up its SKU, category and brand.
  std::unordered_map<std::string, std::vector<int>> by_sku_;
  std::unordered_map<std::string, std::vector<int>> by_category_;
  std::unordered_map<std::string, std::vector<int>> by_brand_;
  std::vector<int> for_all_;
};

struct LinePromotion {
  std::string id;
  int64_t discount = 0;
  std::string code;  // a coupon's code; empty for a promotion
};

struct LineResult {
  int64_t unit_price = 0;         // after price sources (per kg for weighed lines)
  std::string_view price_source;  // catalog | price_list | member_price | override | manual_discount
  int64_t undiscounted_unit_price = -1;  // a manual_discount line: the price it was taken off; else -1
  int64_t list_amount = 0;        // the line at that price, before promotions
  int64_t discount = 0;
  int64_t gross = 0;
  int64_t net = 0;
  int64_t tax = 0;
  std::vector<LinePromotion> promotions;  // in application order
};

struct AdjustmentLine {
  size_t line = 0;
  int64_t units = 0;
  int64_t discount = 0;
};

struct Adjustment {
  const Promotion* promotion = nullptr;
  std::string code;  // a coupon's code (layer 4); empty for a promotion
  int64_t applications = 0;
  int64_t discount = 0;
  std::vector<AdjustmentLine> lines;
};

// What became of a presented coupon code (Context::coupons), in request order.
struct CouponResult {
  std::string code;
  std::string coupon_id;
  bool applied = false;
  int64_t discount = 0;  // applied: what it took off
  // Not applied: min_spend_not_met, out_of_scope, expired, not_in_store,
  // member_only, already_used, unknown_coupon, duplicate_code or not_best.
  std::string reason;
};

struct PricingResult {
  std::vector<LineResult> lines;
  std::vector<Adjustment> adjustments;  // in application order
  int64_t list_total = 0;
  int64_t discount = 0;
  int64_t total = 0;  // sum of line gross, before cash rounding
  int64_t net = 0;
  int64_t tax = 0;
  int64_t units = 0;
  int64_t cash_rounding = 0;
  int64_t amount_due = 0;
  bool optimal = true;
  int64_t steps = 0;
  std::vector<CouponResult> coupons;
};

Result<PricingResult> PriceWithRules(const Cart& cart, const CompiledRules& rules, const Context& context);

}  // namespace aisle::core::pricing

#endif  // AISLE_CORE_PRICING_ENGINE_H_
