#include "core/pricing/loyalty.h"

#include <algorithm>

namespace aisle::core::pricing {
namespace {

constexpr int64_t kOne = 10'000;  // a multiplier of 1× in basis points

Error Invalid(const std::string& path, const std::string& message) {
  return Error::Make("rules_invalid", path + ": " + message, path);
}

Result<int64_t> ReadBounded(const Json& obj, std::string_view key, const std::string& base, int64_t min,
                            int64_t max, int64_t fallback) {
  auto v = ReadOptionalInt(obj, key, base);
  if (!v) return v.error();
  if (!v->has_value()) return fallback;
  if (**v < min || **v > max) {
    return Invalid(JoinPath(base, key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return **v;
}

// {"name": bp, ...} with every bp in [0, 100000].
Result<std::vector<std::pair<std::string, int64_t>>> ReadMultipliers(const Json& obj, std::string_view key,
                                                                      const std::string& base) {
  std::vector<std::pair<std::string, int64_t>> out;
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) return out;
  const std::string path = JoinPath(base, key);
  if (!it->is_object()) return WrongType(path, "an object of multipliers in basis points");
  for (const auto& [name, value] : it->items()) {
    if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > 10 * kOne) {
      return Invalid(JoinPath(path, name), "must be an integer multiplier in basis points, 0 to 100000");
    }
    out.emplace_back(name, value.get<int64_t>());
  }
  return out;
}

int64_t Multiplier(const std::vector<std::pair<std::string, int64_t>>& table, const std::string& key) {
  for (const auto& [name, bp] : table) {
    if (name == key) return bp;
  }
  return kOne;
}

int64_t Pow10(int exponent) {
  int64_t p = 1;
  for (int i = 0; i < exponent; ++i) p *= 10;
  return p;
}

}  // namespace

Result<std::optional<PointsRules>> PointsRulesFromJson(const Json& rules_doc, std::string_view base) {
  auto it = rules_doc.find("points");
  if (it == rules_doc.end() || it->is_null()) return std::optional<PointsRules>{};
  const std::string path = JoinPath(base, "points");
  if (!it->is_object()) return WrongType(path, "an object");
  PointsRules rules;
  if (auto earn = it->find("earn"); earn != it->end() && !earn->is_null()) {
    const std::string ep = JoinPath(path, "earn");
    if (!earn->is_object()) return WrongType(ep, "an object");
    auto per = ReadBounded(*earn, "points_per_yuan", ep, 0, 1000, 0);
    if (!per) return per.error();
    rules.earn_per_major = *per;
    auto categories = ReadMultipliers(*earn, "categories", ep);
    if (!categories) return categories.error();
    rules.category_bp = std::move(*categories);
    auto tiers = ReadMultipliers(*earn, "tiers", ep);
    if (!tiers) return tiers.error();
    rules.tier_bp = std::move(*tiers);
  }
  if (auto redeem = it->find("redeem"); redeem != it->end() && !redeem->is_null()) {
    const std::string rp = JoinPath(path, "redeem");
    if (!redeem->is_object()) return WrongType(rp, "an object");
    auto per = ReadBounded(*redeem, "points_per_yuan", rp, 1, 1'000'000, -1);
    if (!per) return per.error();
    if (*per < 0) return Invalid(JoinPath(rp, "points_per_yuan"), "is required");
    rules.redeem_per_major = *per;
    auto cap = ReadBounded(*redeem, "max_order_bp", rp, 1, kOne, -1);
    if (!cap) return cap.error();
    if (*cap < 0) return Invalid(JoinPath(rp, "max_order_bp"), "is required");
    rules.max_order_bp = *cap;
  }
  return std::optional<PointsRules>(std::move(rules));
}

Result<PointsOutcome> ApplyPoints(const Cart& cart, const Rules& rules, const PointsRules& points,
                                  const std::string& member_tier, const PointsRequest& request,
                                  PricingResult& result) {
  const size_t n = cart.lines.size();
  const int64_t major = Pow10(cart.currency.exponent);
  PointsOutcome out;
  out.balance = request.balance;
  out.line_value.assign(n, 0);
  out.line_earned.assign(n, 0);

  // Redemption: the cap on the order and the balance bound the value; the
  // points charged are the fewest worth it (whole minor units only).
  if (points.redeem_per_major > 0 && result.total > 0) {
    auto cap = MulDiv(result.total, points.max_order_bp, kOne, RoundingMode::kFloor);
    if (!cap) return cap.error();
    auto affordable = MulDiv(request.balance, major, points.redeem_per_major, RoundingMode::kFloor);
    if (!affordable) return affordable.error();
    out.redeemable_value = std::min(*cap, *affordable);
    auto most = MulDiv(out.redeemable_value, points.redeem_per_major, major, RoundingMode::kCeiling);
    if (!most) return most.error();
    out.redeemable_points = *most;
    out.requested_points = request.redeem.value_or(0);
    auto wanted = MulDiv(out.requested_points, major, points.redeem_per_major, RoundingMode::kFloor);
    if (!wanted) return wanted.error();
    out.redeemed_value = std::min(*wanted, out.redeemable_value);
    auto charged = MulDiv(out.redeemed_value, points.redeem_per_major, major, RoundingMode::kCeiling);
    if (!charged) return charged.error();
    out.redeemed_points = *charged;
  }
  if (out.redeemed_value > 0) {
    std::vector<int64_t> weights(n);
    for (size_t i = 0; i < n; ++i) weights[i] = result.lines[i].gross;
    auto shares = Allocate(out.redeemed_value, weights);
    if (!shares) return shares.error();
    out.line_value = std::move(*shares);
    result.total = result.net = result.tax = result.discount = 0;
    for (size_t i = 0; i < n; ++i) {
      LineResult& line = result.lines[i];
      line.gross -= out.line_value[i];
      line.discount += out.line_value[i];
      auto tax = IncludedTax(line.gross, cart.lines[i].tax_rate_bp);
      if (!tax) return tax.error();
      line.tax = *tax;
      line.net = line.gross - line.tax;
      result.total += line.gross;
      result.net += line.net;
      result.tax += line.tax;
      result.discount += line.discount;
    }
    result.amount_due = result.total;
    result.cash_rounding = 0;
    if (rules.cash_increment > 0) {
      auto rounded = RoundToIncrement(result.total, rules.cash_increment, rules.cash_mode);
      if (!rounded) return rounded.error();
      result.cash_rounding = *rounded - result.total;
      result.amount_due = *rounded;
    }
  }

  // Earning: per line, what is paid with money times its category's
  // multiplier; the sum times the rate and the tier's multiplier, rounded
  // down once for the sale, then shared out over the lines.
  if (points.earn_per_major > 0) {
    std::vector<int64_t> weights(n);
    int64_t sum = 0;
    for (size_t i = 0; i < n; ++i) {
      auto w = CheckedMul(std::max<int64_t>(result.lines[i].gross, 0), Multiplier(points.category_bp, cart.lines[i].category));
      if (!w) return w.error();
      weights[i] = *w;
      auto s = CheckedAdd(sum, *w);
      if (!s) return s.error();
      sum = *s;
    }
    if (sum > 0) {
      auto earned = MulDiv(sum, points.earn_per_major * Multiplier(points.tier_bp, member_tier), major * kOne * kOne,
                           RoundingMode::kFloor);
      if (!earned) return earned.error();
      out.earned = *earned;
      auto shares = Allocate(out.earned, weights);
      if (!shares) return shares.error();
      out.line_earned = std::move(*shares);
    }
  }
  return out;
}

}  // namespace aisle::core::pricing
