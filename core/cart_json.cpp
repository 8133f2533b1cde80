#include "core/cart_json.h"

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

#include "core/barcode.h"
#include "core/pan.h"
#include "core/pricing/engine.h"

namespace aisle::core {
namespace {

Result<CartLine> LineFromJson(const Json& item, const std::string& path) {
  if (!item.is_object()) return WrongType(path, "an object");
  CartLine line;
  auto barcode = ReadString(item, "barcode", path);
  if (!barcode) return barcode.error();
  auto normalized = NormalizeBarcode(*barcode);
  if (!normalized) {
    Error e = normalized.error();
    e.field = JoinPath(path, "barcode");
    return e;
  }
  line.barcode = std::move(normalized->gtin);
  auto sku = ReadOptionalString(item, "sku", path);
  if (!sku) return sku.error();
  line.sku = sku->value_or("");
  auto category = ReadOptionalString(item, "category", path);
  if (!category) return category.error();
  line.category = category->value_or("");
  auto brand = ReadOptionalString(item, "brand", path);
  if (!brand) return brand.error();
  line.brand = brand->value_or("");
  auto override_price = ReadOptionalInt(item, "override_price", path);
  if (!override_price) return override_price.error();
  if (override_price->has_value()) {
    if (**override_price < 0) {
      return Error::Make("invalid_price", "override price must not be negative", JoinPath(path, "override_price"));
    }
    line.override_price = **override_price;
  }
  auto reason = ReadOptionalString(item, "override_reason", path);
  if (!reason) return reason.error();
  auto reason_text = CheckFreeText(reason->value_or(""), JoinPath(path, "override_reason"));
  if (!reason_text) return reason_text.error();
  line.override_reason = std::move(*reason_text);
  auto discount = ReadManualDiscountBp(item, path);
  if (!discount) return discount.error();
  line.manual_discount_bp = *discount;
  auto qty = ReadInt(item, "qty", path);
  if (!qty) return qty.error();
  line.qty = *qty;
  auto price = ReadInt(item, "unit_price", path);
  if (!price) return price.error();
  line.unit_price = *price;
  auto rate = ReadInt(item, "tax_rate_bp", path);
  if (!rate) return rate.error();
  if (*rate < 0 || *rate > kMaxTaxRateBp) {
    return Error::Make("invalid_tax_rate", "tax rate must be 0..10000 basis points",
                       JoinPath(path, "tax_rate_bp"));
  }
  line.tax_rate_bp = static_cast<int32_t>(*rate);
  auto sold_by = ReadOptionalString(item, "sold_by", path);
  if (!sold_by) return sold_by.error();
  if (sold_by->has_value()) {
    auto parsed = ParseSoldBy(**sold_by);
    if (!parsed) return Error::Make("invalid_sold_by", parsed.error().message, JoinPath(path, "sold_by"));
    line.sold_by = *parsed;
  }
  if (auto ok = ValidateLine(line, path); !ok) return ok.error();
  return line;
}

}  // namespace

Result<Cart> CartFromJson(const Json& input) {
  if (!input.is_object()) return WrongType("(body)", "an object");
  auto code = ReadOptionalString(input, "currency", "");
  if (!code) return code.error();
  auto currency = FindCurrency(code->value_or("CNY"));
  if (!currency) return Error::Make("unknown_currency", currency.error().message, "currency");
  auto lines = ReadArray(input, "lines", "");
  if (!lines) return lines.error();
  if ((*lines)->size() > kMaxCartLines) {
    return Error::Make("too_many_lines", "a cart holds at most 1000 lines", "lines");
  }
  Cart cart{*currency, {}};
  cart.lines.reserve((*lines)->size());
  for (size_t i = 0; i < (*lines)->size(); ++i) {
    auto line = LineFromJson((**lines)[i], IndexPath("lines", i));
    if (!line) return line.error();
    cart.lines.push_back(std::move(*line));
  }
  return cart;
}

Result<int32_t> ReadManualDiscountBp(const Json& line, const std::string& path) {
  auto discount = ReadOptionalInt(line, "manual_discount_bp", path);
  if (!discount) return discount.error();
  if (!discount->has_value()) return 0;
  if (**discount < 1 || **discount > 10'000) {
    return Error::Make("invalid_discount", "a manual discount is 1..10000 basis points", JoinPath(path, "manual_discount_bp"));
  }
  return static_cast<int32_t>(**discount);
}

Json CartLineToJson(const CartLine& line) {
  Json out = {{"barcode", line.barcode},       {"qty", line.qty},
              {"unit_price", line.unit_price}, {"tax_rate_bp", line.tax_rate_bp},
              {"sold_by", SoldByName(line.sold_by)}};
  for (auto [key, value] : {std::pair{"sku", &line.sku}, std::pair{"category", &line.category},
                            std::pair{"brand", &line.brand}, std::pair{"override_reason", &line.override_reason}}) {
    if (!value->empty()) out[key] = *value;
  }
  if (line.override_price >= 0) out["override_price"] = line.override_price;
  if (line.manual_discount_bp > 0) out["manual_discount_bp"] = line.manual_discount_bp;
  return out;
}

Json PricedCartToJson(const PricedCart& cart) {
  Json lines = Json::array();
  for (const PricedLine& p : cart.lines) {
    Json line = {{"barcode", p.line.barcode},     {"qty", p.line.qty},
                 {"unit_price", p.line.unit_price}, {"tax_rate_bp", p.line.tax_rate_bp},
                 {"sold_by", SoldByName(p.line.sold_by)}, {"gross", p.gross},
                 {"net", p.net},                  {"tax", p.tax}};
    if (!p.line.sku.empty()) line["sku"] = p.line.sku;
    lines.push_back(std::move(line));
  }
  return Json{{"currency", cart.currency.code}, {"lines", std::move(lines)}, {"total", cart.total},
              {"net", cart.net},                 {"tax", cart.tax},           {"units", cart.units}};
}

Json PricingResultToJson(const Cart& cart, const pricing::PricingResult& r, const std::string* version) {
  Json lines = Json::array();
  for (size_t i = 0; i < cart.lines.size(); ++i) {
    const CartLine& c = cart.lines[i];
    const pricing::LineResult& l = r.lines[i];
    Json promotions = Json::array();
    for (const pricing::LinePromotion& p : l.promotions) {
      promotions.push_back({{"id", p.id}, {"discount", p.discount}});
      if (!p.code.empty()) promotions.back()["code"] = p.code;
    }
    Json line = {{"barcode", c.barcode},       {"qty", c.qty},
                 {"sold_by", SoldByName(c.sold_by)}, {"tax_rate_bp", c.tax_rate_bp},
                 {"unit_price", l.unit_price}, {"price_source", l.price_source},
                 {"list_amount", l.list_amount}, {"discount", l.discount},
                 {"gross", l.gross},           {"net", l.net},
                 {"tax", l.tax},               {"promotions", std::move(promotions)}};
    if (!c.sku.empty()) line["sku"] = c.sku;
    if (c.manual_discount_bp > 0) {
      line["manual_discount_bp"] = c.manual_discount_bp;
      line["undiscounted_unit_price"] = l.undiscounted_unit_price;
    }
    lines.push_back(std::move(line));
  }
  Json adjustments = Json::array();
  for (const pricing::Adjustment& a : r.adjustments) {
    Json per_line = Json::array();
    for (const pricing::AdjustmentLine& l : a.lines) {
      per_line.push_back({{"line", l.line}, {"units", l.units}, {"discount", l.discount}});
    }
    Json adj = {{"id", a.promotion->id},
                {"type", pricing::PromoTypeName(a.promotion->type)},
                {"layer", a.promotion->layer()},
                {"applications", a.applications},
                {"discount", a.discount},
                {"lines", std::move(per_line)}};
    if (!a.promotion->name_zh.empty() || !a.promotion->name_en.empty()) {
      adj["name"] = {{"zh", a.promotion->name_zh}, {"en", a.promotion->name_en}};
    }
    if (!a.code.empty()) adj["code"] = a.code;
    adjustments.push_back(std::move(adj));
  }
  Json out = {{"currency", cart.currency.code}, {"lines", std::move(lines)},
              {"adjustments", std::move(adjustments)}, {"list_total", r.list_total},
              {"discount", r.discount},         {"total", r.total},
              {"net", r.net},                   {"tax", r.tax},
              {"units", r.units},               {"cash_rounding", r.cash_rounding},
              {"amount_due", r.amount_due},     {"optimal", r.optimal}};
  if (version != nullptr) out["rules_version"] = *version;
  if (!r.coupons.empty()) {  // the presented codes, in request order
    Json coupons = Json::array();
    for (const pricing::CouponResult& c : r.coupons) {
      Json one = {{"code", c.code}, {"coupon_id", c.coupon_id}, {"applied", c.applied}};
      if (c.applied) {
        one["discount"] = c.discount;
      } else {
        one["reason"] = c.reason;
      }
      coupons.push_back(std::move(one));
    }
    out["coupons"] = std::move(coupons);
  }
  return out;
}

namespace {

// The rules documents LoadRulesJson compiled, most recently used first.
class LoadedRules {
 public:
  static LoadedRules& Instance() {
    static LoadedRules loaded;
    return loaded;
  }
  std::string Add(std::shared_ptr<const pricing::CompiledRules> rules) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string id = "rules-" + std::to_string(++last_id_);
    entries_.insert(entries_.begin(), {id, std::move(rules)});
    if (entries_.size() > kLoadedRules) entries_.pop_back();
    return id;
  }
  // The rules loaded under `id` (now the most recently used), or nullptr.
  std::shared_ptr<const pricing::CompiledRules> Find(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == id; });
    if (it == entries_.end()) return nullptr;
    std::rotate(entries_.begin(), it, it + 1);
    return entries_.front().second;
  }

 private:
  std::mutex mutex_;
  int64_t last_id_ = 0;
  std::vector<std::pair<std::string, std::shared_ptr<const pricing::CompiledRules>>> entries_;
};

// The rules a request prices with: its "rules" document, or the loaded
// rules its "rules_id" names; nullptr when it has neither.
Result<std::shared_ptr<const pricing::CompiledRules>> RequestRules(const Json& request) {
  const bool document = request.contains("rules") && !request["rules"].is_null();
  auto rules_id = ReadOptionalString(request, "rules_id", "");
  if (!rules_id) return rules_id.error();
  if (*rules_id) {
    if (document) return Error::Make("request_invalid", "give rules or rules_id, not both", "rules_id");
    auto loaded = LoadedRules::Instance().Find(**rules_id);
    if (!loaded) return Error::Make("rules_not_loaded", "no rules loaded under this rules_id (load them again)", "rules_id");
    return loaded;
  }
  if (!document) return std::shared_ptr<const pricing::CompiledRules>();
  auto r = pricing::RulesFromJson(request["rules"], "rules");
  if (!r) return r.error();
  return std::make_shared<const pricing::CompiledRules>(std::move(*r));
}

}  // namespace

Result<SalePricing> PriceRequest(const Json& request) {
  auto cart = CartFromJson(request);
  if (!cart) return cart.error();
  SalePricing out;
  out.cart = std::move(*cart);
  auto rules = RequestRules(request);
  if (!rules) return rules.error();
  out.has_rules = *rules != nullptr;
  out.rules = out.has_rules ? std::move(*rules) : std::make_shared<const pricing::CompiledRules>(pricing::Rules{});
  pricing::Context context;
  if (out.has_rules) {
    auto ctx = ReadObject(request, "context", "");
    if (!ctx) return Error::Make("context_invalid", "pricing with rules needs a context", "context");
    auto c = pricing::ContextFromJson(**ctx, "context");
    if (!c) return c.error();
    context = std::move(*c);
  }
  // The coupon codes the customer presents (layer 4, docs/pricing.md "Coupons").
  auto coupons = pricing::PresentedCouponsFromJson(request);
  if (!coupons) return coupons.error();
  context.coupons = std::move(*coupons);
  // The member's points: {"balance": n, "redeem": n?} (docs/pricing.md, "Points").
  std::optional<pricing::PointsRequest> points;
  if (auto it = request.find("points"); it != request.end() && !it->is_null()) {
    if (!it->is_object()) return WrongType("points", "an object");
    auto balance = ReadInt(*it, "balance", "points");
    if (!balance) return balance.error();
    auto redeem = ReadOptionalInt(*it, "redeem", "points");
    if (!redeem) return redeem.error();
    if (*balance < 0) return Error::Make("points_invalid", "points.balance must not be negative", "points.balance");
    if (redeem->value_or(0) < 0) {
      return Error::Make("points_invalid", "points.redeem must not be negative", "points.redeem");
    }
    if (redeem->value_or(0) > *balance) {
      return Error::Make("points_insufficient", "the member has fewer points than points.redeem", "points.redeem");
    }
    points = pricing::PointsRequest{*balance, *redeem};
  }
  out.version = out.rules->rules().version;
  auto priced = pricing::PriceWithRules(out.cart, *out.rules, context);
  if (!priced) return priced.error();
  out.result = std::move(*priced);
  if (out.rules->rules().points && points) {
    const pricing::Rules& r = out.rules->rules();
    auto applied = pricing::ApplyPoints(out.cart, r, *r.points, context.member_tier, *points, out.result);
    if (!applied) return applied.error();
    out.points = std::move(*applied);
  }
  return out;
}

Json SalePricingToJson(const SalePricing& priced) {
  Json out = PricingResultToJson(priced.cart, priced.result, priced.has_rules ? &priced.version : nullptr);
  if (priced.points) {
    const pricing::PointsOutcome& p = *priced.points;
    Json per_line = Json::array();
    for (size_t i = 0; i < priced.cart.lines.size(); ++i) {
      const CartLine& c = priced.cart.lines[i];
      out["lines"][i]["points_value"] = p.line_value[i];
      out["lines"][i]["points_earned"] = p.line_earned[i];
      if (p.line_value[i] > 0) {
        const int64_t units = c.sold_by == SoldBy::kWeight ? 1 : c.qty;
        per_line.push_back({{"line", i}, {"units", units}, {"discount", p.line_value[i]}});
      }
    }
    if (p.redeemed_value > 0) {  // layer 5 as an adjustment, for the receipt
      out["adjustments"].push_back({{"id", "points"}, {"type", "points_redemption"}, {"layer", 5},
                                    {"applications", 1}, {"discount", p.redeemed_value},
                                    {"points", p.redeemed_points}, {"lines", std::move(per_line)}});
    }
    out["points"] = {{"balance", p.balance},
                     {"redeemable_points", p.redeemable_points},
                     {"redeemable_value", p.redeemable_value},
                     {"requested_points", p.requested_points},
                     {"redeemed_points", p.redeemed_points},
                     {"redeemed_value", p.redeemed_value},
                     {"earned", p.earned},
                     {"balance_after", p.balance - p.redeemed_points + p.earned}};
  }
  return out;
}

std::string PriceCartJson(std::string_view input) {
  auto parsed = ParseJson(input);
  if (!parsed) return ToCanonicalJson(ErrorToJson(parsed.error()));
  auto priced = PriceRequest(*parsed);
  if (!priced) return ToCanonicalJson(ErrorToJson(priced.error()));
  return ToCanonicalJson(SalePricingToJson(*priced));
}

std::string LoadRulesJson(std::string_view rules_document) {
  auto parsed = ParseJson(rules_document);
  if (!parsed) return ToCanonicalJson(ErrorToJson(parsed.error()));
  auto rules = pricing::RulesFromJson(*parsed, "rules");
  if (!rules) return ToCanonicalJson(ErrorToJson(rules.error()));
  const std::string version = rules->version;
  const size_t promotions = rules->promotions.size();
  std::string id = LoadedRules::Instance().Add(std::make_shared<const pricing::CompiledRules>(std::move(*rules)));
  return ToCanonicalJson(Json{{"rules_id", std::move(id)}, {"version", version}, {"promotions", promotions}});
}

std::string NormalizeBarcodeJson(std::string_view code) {
  auto barcode = NormalizeBarcode(code);
  if (!barcode) return ToCanonicalJson(ErrorToJson(barcode.error()));
  return ToCanonicalJson(
      Json{{"barcode", barcode->gtin}, {"symbology", SymbologyName(barcode->symbology)}});
}

std::string CashChangeJson(std::string_view input) {
  auto parsed = ParseJson(input);
  if (!parsed) return ToCanonicalJson(ErrorToJson(parsed.error()));
  auto total = ReadInt(*parsed, "total", "");
  if (!total) return ToCanonicalJson(ErrorToJson(total.error()));
  auto tendered = ReadInt(*parsed, "tendered", "");
  if (!tendered) return ToCanonicalJson(ErrorToJson(tendered.error()));
  if (*total < 0) {
    return ToCanonicalJson(ErrorToJson(Error::Make("invalid_amount", "total must not be negative", "total")));
  }
  if (*tendered < *total) {
    return ToCanonicalJson(ErrorToJson(
        Error::Make("tender_insufficient", "tendered amount does not cover the total", "tendered")));
  }
  return ToCanonicalJson(Json{{"change", *tendered - *total}});
}

}  // namespace aisle::core
