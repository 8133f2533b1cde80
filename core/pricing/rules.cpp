#include "core/pricing/rules.h"

#include <algorithm>
#include <array>
#include <tuple>

#include "core/pan.h"
#include "core/pricing/loyalty.h"

namespace aisle::core::pricing {
namespace {

constexpr std::array<std::pair<std::string_view, PromoType>, 13> kTypes = {{
    {"percent_off", PromoType::kPercentOff},
    {"amount_off", PromoType::kAmountOff},
    {"fixed_price", PromoType::kFixedPrice},
    {"flash_sale", PromoType::kFlashSale},
    {"buy_x_get_y", PromoType::kBuyXGetY},
    {"bundle", PromoType::kBundle},
    {"mix_match", PromoType::kMixMatch},
    {"member_tier", PromoType::kMemberTier},
    {"threshold_amount", PromoType::kThresholdAmount},
    {"threshold_percent", PromoType::kThresholdPercent},
    {"coupon_amount", PromoType::kCouponAmount},
    {"coupon_percent", PromoType::kCouponPercent},
    {"coupon_threshold", PromoType::kCouponThreshold},
}};

constexpr int64_t kMaxAmount = 100'000'000'00;

Error Invalid(const std::string& code, const std::string& path, const std::string& message) {
  return Error::Make(code, path + ": " + message, path);
}

Result<std::optional<bool>> ReadOptionalBool(const Json& obj, std::string_view key, std::string_view base) {
  if (!obj.is_object()) return std::optional<bool>{};
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) return std::optional<bool>{};
  if (!it->is_boolean()) return WrongType(JoinPath(base, key), "true or false");
  return std::optional<bool>(it->get<bool>());
}

Result<std::vector<std::string>> ReadStrings(const Json& obj, std::string_view key, std::string_view base) {
  std::vector<std::string> out;
  if (!obj.is_object()) return out;
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) return out;
  const std::string path = JoinPath(base, key);
  if (!it->is_array()) return WrongType(path, "an array of strings");
  for (size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string()) return WrongType(IndexPath(path, i), "a string");
    out.push_back((*it)[i].get<std::string>());
  }
  return out;
}

// An integer in [min, max]; `required` decides whether absence is an error.
Result<std::optional<int64_t>> ReadRanged(const Json& obj, std::string_view key, std::string_view base,
                                          int64_t min, int64_t max, bool required, const std::string& code) {
  auto v = ReadOptionalInt(obj, key, base);
  if (!v) return v.error();
  const std::string path = JoinPath(base, key);
  if (!v->has_value()) {
    if (required) return Invalid(code, path, "is required");
    return v;
  }
  if (**v < min || **v > max) {
    return Invalid(code, path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return v;
}

Result<std::optional<int64_t>> ReadOptionalInstant(const Json& obj, std::string_view key, std::string_view base,
                                                   const std::string& code) {
  auto text = ReadOptionalString(obj, key, base);
  if (!text) return text.error();
  if (!text->has_value()) return std::optional<int64_t>{};
  auto t = ParseInstant(**text);
  if (!t) return Invalid(code, JoinPath(base, key), "not an ISO 8601 time like 2026-11-24T10:00:00Z");
  return std::optional<int64_t>(*t);
}

Result<Scope> ReadScope(const Json& obj, const std::string& path, const std::string& code) {
  Scope scope;
  if (!obj.is_object()) return WrongType(path, "an object");
  auto all = ReadOptionalBool(obj, "all", path);
  if (!all) return all.error();
  scope.all = all->value_or(false);
  auto skus = ReadStrings(obj, "skus", path);
  if (!skus) return skus.error();
  auto categories = ReadStrings(obj, "categories", path);
  if (!categories) return categories.error();
  auto brands = ReadStrings(obj, "brands", path);
  if (!brands) return brands.error();
  scope.skus = std::move(*skus);
  scope.categories = std::move(*categories);
  scope.brands = std::move(*brands);
  (void)code;
  return scope;
}

Result<std::optional<Scope>> ReadOptionalScope(const Json& obj, std::string_view key, std::string_view base,
                                               const std::string& code) {
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) return std::optional<Scope>{};
  auto scope = ReadScope(*it, JoinPath(base, key), code);
  if (!scope) return scope.error();
  return std::optional<Scope>(std::move(*scope));
}

Result<std::vector<Tier>> ReadTiers(const Json& p, const std::string& path, bool percent, const std::string& code) {
  auto tiers = ReadArray(p, "tiers", path);
  if (!tiers) return Invalid(code, JoinPath(path, "tiers"), "a threshold needs tiers");
  std::vector<Tier> out;
  for (size_t i = 0; i < (*tiers)->size(); ++i) {
    const std::string tp = IndexPath(JoinPath(path, "tiers"), i);
    const Json& t = (**tiers)[i];
    if (!t.is_object()) return WrongType(tp, "an object");
    auto min = ReadRanged(t, "min", tp, 1, kMaxAmount, true, code);
    if (!min) return min.error();
    Tier tier;
    tier.min = **min;
    if (percent) {
      auto bp = ReadRanged(t, "percent_bp", tp, 1, 10'000, true, code);
      if (!bp) return bp.error();
      tier.percent_bp = **bp;
    } else {
      auto off = ReadRanged(t, "off", tp, 1, kMaxAmount, true, code);
      if (!off) return off.error();
      tier.off = **off;
    }
    if (!out.empty() && tier.min <= out.back().min) {
      return Invalid(code, tp + ".min", "tiers must be in increasing order of min");
    }
    // A higher tier giving less is a configuration mistake (a customer who adds
    // an item would pay more than without it): refused, not guessed at.
    if (!out.empty() && (percent ? tier.percent_bp < out.back().percent_bp : tier.off < out.back().off)) {
      return Invalid(code, tp + (percent ? ".percent_bp" : ".off"),
                     "a higher tier must give at least as much as the tier below it");
    }
    out.push_back(tier);
  }
  if (out.empty()) return Invalid(code, JoinPath(path, "tiers"), "a threshold needs at least one tier");
  return out;
}

// A promotion, or with `coupon` a coupon template (rules.coupons: the
// coupon_* types only, errors coupon_invalid).
Result<Promotion> ReadPromotion(const Json& p, const std::string& path, bool coupon) {
  const std::string code = coupon ? "coupon_invalid" : "promotion_invalid";
  if (!p.is_object()) return WrongType(path, "an object");
  Promotion promo;
  auto id = ReadString(p, "id", path);
  if (!id) return Invalid(code, JoinPath(path, "id"), "every promotion needs a string id");
  if (id->empty() || id->size() > 64) return Invalid(code, JoinPath(path, "id"), "must be 1 to 64 characters");
  if (coupon) {  // what only item promotions and thresholds have
    for (const char* key : {"max_applications", "remaining_units", "per_member", "no_threshold", "repeat", "groups"}) {
      if (p.contains(key)) return Invalid(code, JoinPath(path, key), "is not a field of a coupon");
    }
  }
  promo.id = std::move(*id);
  if (auto it = p.find("name"); it != p.end() && it->is_object()) {
    auto zh = ReadOptionalString(*it, "zh", JoinPath(path, "name"));
    if (!zh) return zh.error();
    auto en = ReadOptionalString(*it, "en", JoinPath(path, "name"));
    if (!en) return en.error();
    for (auto [text, lang, out] : {std::tuple{&*zh, "zh", &promo.name_zh}, std::tuple{&*en, "en", &promo.name_en}}) {
      auto checked = CheckFreeText(text->value_or(""), JoinPath(JoinPath(path, "name"), lang));
      if (!checked) return checked.error();
      *out = std::move(*checked);
    }
  }
  auto type = ReadString(p, "type", path);
  if (!type) return Invalid(code, JoinPath(path, "type"), "is required");
  auto found = std::find_if(kTypes.begin(), kTypes.end(), [&](const auto& t) { return t.first == *type; });
  if (found == kTypes.end() || (LayerOf(found->second) == 4) != coupon) {
    return Invalid(code, JoinPath(path, "type"),
                   std::string(coupon ? "unknown coupon type '" : "unknown promotion type '") + *type + "'");
  }
  promo.type = found->second;

  auto start = ReadOptionalInstant(p, "start", path, code);
  if (!start) return start.error();
  auto end = ReadOptionalInstant(p, "end", path, code);
  if (!end) return end.error();
  promo.start = *start;
  promo.end = *end;
  if (promo.start && promo.end && *promo.end <= *promo.start) {
    return Invalid(code, JoinPath(path, "end"), "must be after start");
  }
  auto stores = ReadStrings(p, "stores", path);
  if (!stores) return stores.error();
  promo.stores = std::move(*stores);
  auto member_only = ReadOptionalBool(p, "member_only", path);
  if (!member_only) return member_only.error();
  promo.member_only = member_only->value_or(false);
  auto no_threshold = ReadOptionalBool(p, "no_threshold", path);
  if (!no_threshold) return no_threshold.error();
  promo.no_threshold = no_threshold->value_or(false);

  auto stacking = ReadOptionalString(p, "stacking", path);
  if (!stacking) return stacking.error();
  const std::string mode = stacking->value_or("stackable");
  if (mode == "stackable") {
    promo.stacking = Stacking::kStackable;
  } else if (mode == "exclusive") {
    promo.stacking = Stacking::kExclusive;
  } else if (mode.starts_with("group:") && mode.size() > 6) {
    promo.stacking = Stacking::kGroup;
    promo.group = mode.substr(6);
  } else {
    return Invalid(code, JoinPath(path, "stacking"), "must be exclusive, stackable or group:<name>");
  }
  auto priority = ReadRanged(p, "priority", path, -1'000'000, 1'000'000, false, code);
  if (!priority) return priority.error();
  promo.priority = priority->value_or(0);
  auto max_apps = ReadRanged(p, "max_applications", path, 0, 1'000'000, false, code);
  if (!max_apps) return max_apps.error();
  promo.max_applications = *max_apps;
  auto remaining = ReadRanged(p, "remaining_units", path, 0, 1'000'000'000, false, code);
  if (!remaining) return remaining.error();
  promo.remaining_units = *remaining;
  auto per_member = ReadRanged(p, "per_member", path, 0, 1'000'000, false, code);
  if (!per_member) return per_member.error();
  promo.per_member = *per_member;

  auto scope = ReadOptionalScope(p, "scope", path, code);
  if (!scope) return scope.error();
  auto exclude = ReadOptionalScope(p, "exclude", path, code);
  if (!exclude) return exclude.error();
  if (exclude->has_value()) promo.exclude = std::move(**exclude);

  const auto need = [&](std::string_view key, int64_t min, int64_t max, int64_t& out) -> Result<void> {
    auto v = ReadRanged(p, key, path, min, max, true, code);
    if (!v) return v.error();
    out = **v;
    return {};
  };
  Result<void> ok;
  switch (promo.type) {
    case PromoType::kPercentOff: ok = need("percent_bp", 1, 10'000, promo.percent_bp); break;
    case PromoType::kAmountOff: ok = need("amount", 1, kMaxAmount, promo.amount); break;
    case PromoType::kFixedPrice:
    case PromoType::kFlashSale: ok = need("price", 0, kMaxAmount, promo.price); break;
    case PromoType::kBuyXGetY:
      ok = need("buy", 1, 100, promo.buy);
      if (ok) ok = need("get", 1, 100, promo.get);
      if (ok) ok = need("get_percent_bp", 1, 10'000, promo.get_percent_bp);
      break;
    case PromoType::kMixMatch:
      ok = need("count", 2, 100, promo.count);
      if (ok) ok = need("price", 0, kMaxAmount, promo.price);
      break;
    case PromoType::kBundle: {
      ok = need("price", 0, kMaxAmount, promo.price);
      if (!ok) break;
      auto groups = ReadArray(p, "groups", path);
      if (!groups || (*groups)->size() < 2 || (*groups)->size() > 10) {
        return Invalid(code, JoinPath(path, "groups"), "a bundle needs 2 to 10 groups");
      }
      for (size_t i = 0; i < (*groups)->size(); ++i) {
        auto g = ReadScope((**groups)[i], IndexPath(JoinPath(path, "groups"), i), code);
        if (!g) return g.error();
        if (g->Empty()) return Invalid(code, IndexPath(JoinPath(path, "groups"), i), "a group must name something");
        promo.groups.push_back(std::move(*g));
      }
      break;
    }
    case PromoType::kMemberTier: {
      auto it = p.find("tiers");
      if (it == p.end() || !it->is_object() || it->empty()) {
        return Invalid(code, JoinPath(path, "tiers"), "member_tier needs {\"tier\": percent_bp, ...}");
      }
      for (const auto& [tier, bp] : it->items()) {
        auto v = ReadRanged(*it, tier, JoinPath(path, "tiers"), 1, 10'000, true, code);
        if (!v) return v.error();
        promo.member_tiers.emplace_back(tier, **v);
      }
      break;
    }
    case PromoType::kThresholdAmount:
    case PromoType::kThresholdPercent: {
      auto tiers = ReadTiers(p, path, promo.type == PromoType::kThresholdPercent, code);
      if (!tiers) return tiers.error();
      promo.tiers = std::move(*tiers);
      auto repeat = ReadOptionalBool(p, "repeat", path);
      if (!repeat) return repeat.error();
      promo.repeat = repeat->value_or(false);
      if (promo.repeat && (promo.type != PromoType::kThresholdAmount || promo.tiers.size() != 1)) {
        return Invalid(code, JoinPath(path, "repeat"), "repeat needs a threshold_amount with exactly one tier");
      }
      break;
    }
    case PromoType::kCouponAmount:
    case PromoType::kCouponPercent: {
      ok = promo.type == PromoType::kCouponAmount ? need("amount", 1, kMaxAmount, promo.amount)
                                                  : need("percent_bp", 1, 10'000, promo.percent_bp);
      if (!ok) break;
      auto min_spend = ReadRanged(p, "min_spend", path, 0, kMaxAmount, false, code);
      if (!min_spend) return min_spend.error();
      promo.min_spend = min_spend->value_or(0);
      break;
    }
    case PromoType::kCouponThreshold: {
      if (p.contains("min_spend")) {
        return Invalid(code, JoinPath(path, "min_spend"), "a coupon_threshold's tiers say the spend it needs");
      }
      auto tiers = ReadTiers(p, path, false, code);
      if (!tiers) return tiers.error();
      promo.tiers = std::move(*tiers);
      break;
    }
  }
  if (coupon) {
    auto single_use = ReadOptionalBool(p, "single_use", path);
    if (!single_use) return single_use.error();
    promo.single_use = single_use->value_or(true);
  } else if (p.contains("single_use")) {
    return Invalid(code, JoinPath(path, "single_use"), "is a field of a coupon (rules.coupons)");
  }
  if (!ok) return ok.error();
  if (promo.per_member && promo.layer() != 1) {
    return Invalid(code, JoinPath(path, "per_member"), "is for item promotions (layer 1) only");
  }
  if (promo.type == PromoType::kBundle) {
    if (scope->has_value()) return Invalid(code, JoinPath(path, "scope"), "a bundle uses groups, not scope");
  } else {
    if (!scope->has_value() || (*scope)->Empty()) {
      return Invalid(code, JoinPath(path, "scope"), "needs a scope: {\"all\":true} or skus/categories/brands");
    }
    promo.scope = std::move(**scope);
  }
  return promo;
}

}  // namespace

std::string_view PromoTypeName(PromoType type) {
  for (const auto& [name, t] : kTypes) {
    if (t == type) return name;
  }
  return "percent_off";
}

int LayerOf(PromoType type) {
  if (type == PromoType::kMemberTier) return 2;
  if (type == PromoType::kThresholdAmount || type == PromoType::kThresholdPercent) return 3;
  if (type == PromoType::kCouponAmount || type == PromoType::kCouponPercent || type == PromoType::kCouponThreshold) {
    return 4;
  }
  return 1;
}

bool Scope::Matches(const std::string& sku, const std::string& category, const std::string& brand) const {
  const auto has = [](const std::vector<std::string>& list, const std::string& v) {
    return !v.empty() && std::find(list.begin(), list.end(), v) != list.end();
  };
  return all || has(skus, sku) || has(categories, category) || has(brands, brand);
}

Result<int64_t> ParseInstant(std::string_view t) {
  const auto bad = [] { return Error::Make("invalid_time", "not an ISO 8601 time"); };
  const auto digits = [&](size_t pos, size_t n, int64_t& out) {
    if (pos + n > t.size()) return false;
    out = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
      out = out * 10 + (t[i] - '0');
    }
    return true;
  };
  int64_t y, mo, d, h, mi, s;
  if (t.size() < 20 || !digits(0, 4, y) || t[4] != '-' || !digits(5, 2, mo) || t[7] != '-' || !digits(8, 2, d) ||
      (t[10] != 'T' && t[10] != ' ') || !digits(11, 2, h) || t[13] != ':' || !digits(14, 2, mi) || t[16] != ':' ||
      !digits(17, 2, s)) {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return bad();
  size_t pos = 19;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') ++pos;
  }
  int64_t offset = 0;
  if (pos < t.size() && t[pos] == 'Z' && pos + 1 == t.size()) {
    offset = 0;
  } else if (pos + 6 == t.size() && (t[pos] == '+' || t[pos] == '-') && t[pos + 3] == ':') {
    int64_t oh, om;
    if (!digits(pos + 1, 2, oh) || !digits(pos + 4, 2, om)) return bad();
    offset = (oh * 60 + om) * 60 * (t[pos] == '-' ? -1 : 1);
  } else {
    return bad();
  }
  // Days from the civil date (proleptic Gregorian), Howard Hinnant's algorithm.
  const int64_t yy = mo <= 2 ? y - 1 : y;
  const int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  const int64_t yoe = yy - era * 400;
  const int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = era * 146097 + doe - 719468;
  return days * 86400 + h * 3600 + mi * 60 + s - offset;
}

Result<Rules> RulesFromJson(const Json& doc, std::string_view base) {
  const std::string code = "rules_invalid";
  const std::string b(base);
  if (!doc.is_object()) return WrongType(b.empty() ? "rules" : b, "an object");
  Rules rules;
  auto version = ReadString(doc, "version", b);
  if (!version) return Invalid(code, JoinPath(b, "version"), "the rules need a version string");
  rules.version = std::move(*version);
  auto tax = ReadOptionalString(doc, "tax_mode", b);
  if (!tax) return tax.error();
  if (tax->has_value() && **tax != "inclusive" && **tax != "exclusive") {
    return Invalid(code, JoinPath(b, "tax_mode"), "must be inclusive or exclusive");
  }
  rules.tax_inclusive = tax->value_or("inclusive") == "inclusive";
  if (auto it = doc.find("cash_rounding"); it != doc.end() && !it->is_null()) {
    const std::string path = JoinPath(b, "cash_rounding");
    auto inc = ReadRanged(*it, "increment", path, 1, 100, true, code);
    if (!inc) return inc.error();
    if (**inc != 1 && **inc != 10 && **inc != 100) return Invalid(code, path + ".increment", "must be 1, 10 or 100");
    rules.cash_increment = **inc;
    auto mode = ReadOptionalString(*it, "mode", path);
    if (!mode) return mode.error();
    auto parsed = ParseRoundingMode(mode->value_or("half_up"));
    if (!parsed) return Invalid(code, path + ".mode", parsed.error().message);
    rules.cash_mode = *parsed;
  }
  if (auto it = doc.find("returns"); it != doc.end() && !it->is_null()) {
    const std::string path = JoinPath(b, "returns");
    if (!it->is_object()) return WrongType(path, "an object");
    auto restore = ReadOptionalBool(*it, "restore_coupons", path);
    if (!restore) return restore.error();
    rules.restore_coupons = restore->value_or(true);
  }
  if (auto it = doc.find("price_list"); it != doc.end() && !it->is_null()) {
    const std::string path = JoinPath(b, "price_list");
    if (!it->is_array()) return WrongType(path, "an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string ep = IndexPath(path, i);
      PriceListEntry e;
      auto sku = ReadString((*it)[i], "sku", ep);
      if (!sku) return sku.error();
      e.sku = std::move(*sku);
      auto price = ReadRanged((*it)[i], "price", ep, 0, kMaxAmount, true, code);
      if (!price) return price.error();
      e.price = **price;
      auto start = ReadOptionalInstant((*it)[i], "start", ep, code);
      if (!start) return start.error();
      auto end = ReadOptionalInstant((*it)[i], "end", ep, code);
      if (!end) return end.error();
      e.start = *start;
      e.end = *end;
      auto stores = ReadStrings((*it)[i], "stores", ep);
      if (!stores) return stores.error();
      e.stores = std::move(*stores);
      rules.price_list.push_back(std::move(e));
    }
  }
  if (auto it = doc.find("member_prices"); it != doc.end() && !it->is_null()) {
    const std::string path = JoinPath(b, "member_prices");
    if (!it->is_array()) return WrongType(path, "an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string ep = IndexPath(path, i);
      MemberPrice m;
      auto sku = ReadString((*it)[i], "sku", ep);
      if (!sku) return sku.error();
      auto tier = ReadString((*it)[i], "tier", ep);
      if (!tier) return tier.error();
      auto price = ReadRanged((*it)[i], "price", ep, 0, kMaxAmount, true, code);
      if (!price) return price.error();
      rules.member_prices.push_back(MemberPrice{std::move(*sku), std::move(*tier), **price});
    }
  }
  // Promotions, then coupon templates (the same reader; one id, one adjustment: a coupon's id is
  // unique among coupons and promotions).
  for (const bool coupon : {false, true}) {
    auto it = doc.find(coupon ? "coupons" : "promotions");
    if (it == doc.end() || it->is_null()) continue;
    const std::string path = JoinPath(b, coupon ? "coupons" : "promotions");
    if (!it->is_array()) return WrongType(path, "an array");
    for (size_t i = 0; i < it->size(); ++i) {
      auto promo = ReadPromotion((*it)[i], IndexPath(path, i), coupon);
      if (!promo) return promo.error();
      const auto same = [&](const Promotion& other) { return other.id == promo->id; };
      if (std::any_of(rules.promotions.begin(), rules.promotions.end(), same) ||
          std::any_of(rules.coupons.begin(), rules.coupons.end(), same)) {
        return Invalid(coupon ? "coupon_invalid" : "promotion_invalid", IndexPath(path, i) + ".id",
                       std::string(coupon ? "duplicate id '" : "duplicate promotion id '") + promo->id + "'");
      }
      (coupon ? rules.coupons : rules.promotions).push_back(std::move(*promo));
    }
  }
  auto points = PointsRulesFromJson(doc, b);
  if (!points) return points.error();
  rules.points = std::move(*points);
  return rules;
}

Result<std::vector<PresentedCoupon>> PresentedCouponsFromJson(const Json& request) {
  std::vector<PresentedCoupon> out;
  auto it = request.find("coupons");
  if (it == request.end() || it->is_null()) return out;
  if (!it->is_array()) return WrongType("coupons", "an array");
  if (it->size() > kMaxCoupons) {
    return Invalid("coupon_invalid", "coupons", "at most " + std::to_string(kMaxCoupons) + " coupons in one cart");
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const std::string path = IndexPath("coupons", i);
    const Json& c = (*it)[i];
    if (!c.is_object()) return WrongType(path, "an object");
    PresentedCoupon coupon;
    for (auto [key, field] : {std::pair{"code", &coupon.code}, std::pair{"coupon_id", &coupon.coupon_id}}) {
      auto text = ReadString(c, key, path);
      if (!text || text->empty() || text->size() > 64) {
        return Invalid("coupon_invalid", JoinPath(path, key), "must be a string of 1 to 64 characters");
      }
      auto checked = CheckFreeText(*text, JoinPath(path, key));
      if (!checked) return checked.error();
      *field = std::move(*checked);
    }
    auto used = ReadOptionalBool(c, "used", path);
    if (!used) return used.error();
    coupon.used = used->value_or(false);
    out.push_back(std::move(coupon));
  }
  return out;
}

Result<std::vector<std::pair<std::string, int64_t>>> PromotionCountsFromJson(const Json& doc, std::string_view key,
                                                                            std::string_view base) {
  std::vector<std::pair<std::string, int64_t>> out;
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return out;
  const std::string path = JoinPath(base, key);
  if (!it->is_object()) return WrongType(path, "an object of promotion id to a count");
  for (const auto& [id, units] : it->items()) {
    if (!units.is_number_integer() || units.get<int64_t>() < 0) {
      return Error::Make("context_invalid", "a count used must be a whole number >= 0", JoinPath(path, id));
    }
    out.emplace_back(id, units.get<int64_t>());
  }
  return out;  // nlohmann keeps an object's keys sorted
}

Result<Context> ContextFromJson(const Json& doc, std::string_view base) {
  const std::string b(base);
  if (!doc.is_object()) return WrongType(b, "an object");
  Context ctx;
  auto now = ReadString(doc, "now", b);
  if (!now) return Error::Make("context_invalid", "pricing with rules needs context.now", JoinPath(b, "now"));
  auto t = ParseInstant(*now);
  if (!t) return Error::Make("context_invalid", "context.now is not an ISO 8601 time", JoinPath(b, "now"));
  ctx.now = *t;
  auto store = ReadOptionalString(doc, "store_id", b);
  if (!store) return store.error();
  ctx.store_id = store->value_or("");
  auto tier = ReadOptionalString(doc, "member_tier", b);
  if (!tier) return tier.error();
  ctx.member_tier = tier->value_or("");
  auto budget = ReadRanged(doc, "step_budget", b, 1, 100'000'000, false, "context_invalid");
  if (!budget) return budget.error();
  ctx.step_budget = budget->value_or(ctx.step_budget);
  auto used = PromotionCountsFromJson(doc, "promotion_used", b);
  if (!used) return used.error();
  ctx.promotion_used = std::move(*used);
  auto applied = PromotionCountsFromJson(doc, "member_applications", b);
  if (!applied) return applied.error();
  ctx.member_applications = std::move(*applied);
  return ctx;
}

}  // namespace aisle::core::pricing
