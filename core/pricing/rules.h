// The pricing rules a chain's marketing team configures — price lists,
// member prices, promotions of ten types, tax mode, cash rounding — and the
// context a cart is priced in (time, store, member tier). Plain data, read
// from JSON with every field checked (docs/pricing.md is the schema).
#ifndef AISLE_CORE_PRICING_RULES_H_
#define AISLE_CORE_PRICING_RULES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json_read.h"
#include "core/money.h"

namespace aisle::core::pricing {

enum class PromoType {
  kPercentOff, kAmountOff, kFixedPrice, kFlashSale, kBuyXGetY, kBundle, kMixMatch,  // layer 1
  kMemberTier,                                                                      // layer 2
  kThresholdAmount, kThresholdPercent,                                              // layer 3
  kCouponAmount, kCouponPercent, kCouponThreshold,                                  // layer 4 (rules.coupons)
};

std::string_view PromoTypeName(PromoType type);
int LayerOf(PromoType type);

enum class Stacking { kStackable, kExclusive, kGroup };

// Which units a promotion may use: all, or those whose SKU, category or brand is listed.
struct Scope {
  bool all = false;
  std::vector<std::string> skus;
  std::vector<std::string> categories;
  std::vector<std::string> brands;

  bool Matches(const std::string& sku, const std::string& category, const std::string& brand) const;
  bool Empty() const { return !all && skus.empty() && categories.empty() && brands.empty(); }
};

struct Tier {
  int64_t min = 0;         // spend needed
  int64_t off = 0;         // threshold_amount
  int64_t percent_bp = 0;  // threshold_percent
};

struct Promotion {
  std::string id;
  std::string name_zh;
  std::string name_en;
  PromoType type = PromoType::kPercentOff;
  std::optional<int64_t> start;  // unix seconds, inclusive
  std::optional<int64_t> end;    // exclusive
  std::vector<std::string> stores;
  bool member_only = false;
  Scope scope;
  Scope exclude;
  Stacking stacking = Stacking::kStackable;
  std::string group;  // for Stacking::kGroup
  int64_t priority = 0;
  std::optional<int64_t> max_applications;
  std::optional<int64_t> remaining_units;
  // Applications one member may have in all their sales (item promotions
  // only); such a promotion is for members only, since a customer the till
  // does not know cannot be counted. The cart gets what
  // Context::member_applications leaves.
  std::optional<int64_t> per_member;
  bool no_threshold = false;
  // Type-specific parameters.
  int64_t percent_bp = 0;
  int64_t amount = 0;
  int64_t price = 0;
  int64_t buy = 0;
  int64_t get = 0;
  int64_t get_percent_bp = 0;
  int64_t count = 0;
  std::vector<Scope> groups;                                // bundle
  std::vector<std::pair<std::string, int64_t>> member_tiers;  // member_tier: tier -> bp
  std::vector<Tier> tiers;                                  // thresholds, ascending min
  bool repeat = false;
  // Coupons (layer 4, templates in Rules::coupons): the spend in scope needed
  // (coupon_amount, coupon_percent; 0: none), and whether a code is good once.
  int64_t min_spend = 0;
  bool single_use = true;

  int layer() const { return LayerOf(type); }
  // Units one application uses (layer 1), 0 for layers 2-4.
  int64_t ApplicationSize() const;  // inline, below
};

inline int64_t Promotion::ApplicationSize() const {
  switch (type) {
    case PromoType::kBuyXGetY: return buy + get;
    case PromoType::kBundle: return static_cast<int64_t>(groups.size());
    case PromoType::kMixMatch: return count;
    case PromoType::kMemberTier:
    case PromoType::kThresholdAmount:
    case PromoType::kThresholdPercent:
    case PromoType::kCouponAmount:
    case PromoType::kCouponPercent:
    case PromoType::kCouponThreshold: return 0;
    default: return 1;
  }
}

struct PriceListEntry {
  std::string sku;
  int64_t price = 0;
  std::optional<int64_t> start;
  std::optional<int64_t> end;
  std::vector<std::string> stores;
};

struct MemberPrice {
  std::string sku;
  std::string tier;
  int64_t price = 0;
};

// rules.points: how members earn and redeem points (layer 5, core/pricing/loyalty.h).
struct PointsRules {
  int64_t earn_per_major = 0;  // points per yuan paid with money (0: none earned)
  std::vector<std::pair<std::string, int64_t>> category_bp;  // multipliers, 10000 = 1×
  std::vector<std::pair<std::string, int64_t>> tier_bp;
  int64_t redeem_per_major = 0;  // points for one yuan (0: no redemption)
  int64_t max_order_bp = 0;      // at most this share of the order paid with points
};

struct Rules {
  std::string version;
  bool tax_inclusive = true;
  int64_t cash_increment = 0;  // 0: no cash rounding
  RoundingMode cash_mode = RoundingMode::kHalfUp;
  std::vector<PriceListEntry> price_list;
  std::vector<MemberPrice> member_prices;
  std::vector<Promotion> promotions;
  std::optional<PointsRules> points;
  // Coupon templates (layer 4): one applies only when a code for it is
  // presented (Context::coupons).
  std::vector<Promotion> coupons;
  // The returns policy: a sale returned whole gives its coupons back (unless
  // "returns": {"restore_coupons": false}).
  bool restore_coupons = true;
};

// A coupon code the customer presents (the priceCart request's "coupons").
struct PresentedCoupon {
  std::string code;
  std::string coupon_id;
  bool used = false;  // the device knows the code was already redeemed
};

struct Context {
  int64_t now = 0;  // unix seconds
  std::string store_id;
  std::string member_tier;  // "" when the customer is not a member
  int64_t step_budget = 200'000;
  std::vector<PresentedCoupon> coupons;  // at most kMaxCoupons, in request order
  // Units of capped promotions (remaining_units) that sales this pricing does
  // not include already used, as the device last heard from the server plus
  // its own sales not yet uploaded; sorted by promotion id. The cap left is
  // remaining_units minus this (docs/sync.md, "Conflicts").
  std::vector<std::pair<std::string, int64_t>> promotion_used;
  // Applications of per_member promotions the cart's member already had in
  // other sales (as the device last heard, plus its own sales not yet
  // uploaded); sorted by promotion id.
  std::vector<std::pair<std::string, int64_t>> member_applications;
  // For comparisons only: the greedy answer most point-of-sale systems give
  // (each promotion in priority order takes all it can; no search).
  bool greedy = false;
};

inline constexpr size_t kMaxCoupons = 10;

// "2026-11-24T10:00:00Z" (fractional seconds and +hh:mm offsets allowed) -> unix seconds.
Result<int64_t> ParseInstant(std::string_view text);

// Reads and validates a rules document. Errors carry code "promotion_invalid"
// or "rules_invalid" (or the generic json_read codes) and the field's path
// under `base` ("rules.promotions[2].tiers").
Result<Rules> RulesFromJson(const Json& doc, std::string_view base);
Result<Context> ContextFromJson(const Json& doc, std::string_view base);
// doc[key] ({"FLASH150": 3}, optional: promotion id -> a count >= 0), sorted
// by id: Context::promotion_used ("promotion_used") and
// Context::member_applications ("member_applications").
Result<std::vector<std::pair<std::string, int64_t>>> PromotionCountsFromJson(const Json& doc, std::string_view key,
                                                                            std::string_view base);
// The priceCart request's top-level "coupons": at most kMaxCoupons of
// {"code", "coupon_id", "used"?}; errors coupon_invalid at coupons[i].field.
Result<std::vector<PresentedCoupon>> PresentedCouponsFromJson(const Json& request);

}  // namespace aisle::core::pricing

#endif  // AISLE_CORE_PRICING_RULES_H_
