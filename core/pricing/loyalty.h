// Points, layer 5 of the pricing (docs/pricing.md, "Points"): a member pays
// part of the order with points at a rate, up to a share of the order, and
// earns points on what is paid with money. Applied after the engine has
// chosen layers 1-4: paying less before points never leaves the customer
// paying more after them (the cap and the balance both favour a lower total),
// so the choice stays the engine's.
#ifndef AISLE_CORE_PRICING_LOYALTY_H_
#define AISLE_CORE_PRICING_LOYALTY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/cart.h"
#include "core/json_read.h"
#include "core/pricing/engine.h"

namespace aisle::core::pricing {

// Reads rules.points (absent or null: nullopt); RulesFromJson calls it. Errors: code "rules_invalid"
// with the field's path under `base`.
Result<std::optional<PointsRules>> PointsRulesFromJson(const Json& rules_doc, std::string_view base);

// The member's side of one pricing.
struct PointsRequest {
  int64_t balance = 0;                 // the member's points before this sale
  std::optional<int64_t> redeem;       // points the associate chose; nullopt: none
};

struct PointsOutcome {
  int64_t balance = 0;
  int64_t redeemable_points = 0;  // the most this cart may take: the engine's proposal
  int64_t redeemable_value = 0;   // what they are worth, minor units
  int64_t requested_points = 0;
  int64_t redeemed_points = 0;    // what is charged: the least points worth redeemed_value
  int64_t redeemed_value = 0;
  int64_t earned = 0;             // on what is paid with money
  std::vector<int64_t> line_value;   // per cart line: its share of redeemed_value
  std::vector<int64_t> line_earned;  // per cart line: its share of earned
};

// Applies layer 5 to `result` (line gross, net, tax and discount, the totals
// and the cash rounding change with a redemption) and says what was earned.
Result<PointsOutcome> ApplyPoints(const Cart& cart, const Rules& rules, const PointsRules& points,
                                  const std::string& member_tier, const PointsRequest& request,
                                  PricingResult& result);

}  // namespace aisle::core::pricing

#endif  // AISLE_CORE_PRICING_LOYALTY_H_
