#include "core/pricing/returns.h"

#include <algorithm>
#include <vector>

#include "core/cart_json.h"

namespace aisle::core {
namespace {

Error Invalid(const std::string& code, const std::string& path, const std::string& message) {
  return Error::Make(code, path + ": " + message, path);
}

// [{"line": i, "qty": n}] -> units per line of the sale (added to `cum`).
Result<std::vector<int64_t>> ReadItems(const Json& doc, const std::string& path, const Cart& cart,
                                       const std::vector<int64_t>& before) {
  if (!doc.is_array() || doc.empty()) return WrongType(path, "a non-empty array of {\"line\", \"qty\"}");
  std::vector<int64_t> cum = before;
  for (size_t i = 0; i < doc.size(); ++i) {
    const std::string ip = IndexPath(path, i);
    auto line = ReadInt(doc[i], "line", ip);
    if (!line) return line.error();
    if (*line < 0 || *line >= static_cast<int64_t>(cart.lines.size())) {
      return Invalid("return_invalid", ip + ".line", "the sale has no line " + std::to_string(*line));
    }
    const CartLine& l = cart.lines[static_cast<size_t>(*line)];
    auto qty = ReadInt(doc[i], "qty", ip);
    if (!qty) return qty.error();
    if (*qty < 1) return Invalid("return_invalid", ip + ".qty", "must be at least 1");
    if (l.sold_by == SoldBy::kWeight && *qty != l.qty) {
      return Invalid("return_invalid", ip + ".qty", "a weighed line is returned whole (" + std::to_string(l.qty) + " g)");
    }
    int64_t& c = cum[static_cast<size_t>(*line)];
    if (*qty > l.qty - c) {
      return Invalid("return_exceeds_sale", ip + ".qty",
                     "only " + std::to_string(l.qty - c) + " of line " + std::to_string(*line) + " are left to return");
    }
    c += *qty;
  }
  return cum;
}

// What the sale cost before points (layers 1-4) with only the units it keeps.
Result<int64_t> KeptTotal(const Json& sale, const Cart& cart, const std::vector<int64_t>& returned) {
  Json kept = sale;
  kept.erase("points");
  Json lines = Json::array();
  for (size_t i = 0; i < cart.lines.size(); ++i) {
    if (returned[i] == cart.lines[i].qty) continue;
    Json line = sale["lines"][i];
    line["qty"] = cart.lines[i].qty - returned[i];
    lines.push_back(std::move(line));
  }
  if (lines.empty()) return int64_t{0};
  kept["lines"] = std::move(lines);
  auto priced = PriceRequest(kept);
  if (!priced) return priced.error();
  return priced->result.total;
}

struct Sale {
  SalePricing priced;
  std::vector<int64_t> paid;  // per line, before points: what layers 1-4 left
  int64_t total = 0;          // their sum
  int64_t points_value = 0;
  int64_t points = 0;
};

// Where the sale stands after some returns.
struct Returned {
  std::vector<int64_t> units;     // per line
  std::vector<int64_t> reversed;  // per line: earned points taken back
  int64_t refunded = 0;           // value refunded (money and points)
  int64_t points_value = 0;       // of which paid back in points
  int64_t points = 0;
};

// An error of a nested document, its field path under `base`.
Error Under(const std::string& base, Error e) {
  e.field = JoinPath(base, e.field);
  return e;
}

// The paid amount of the first `units` of a line's qty, rounded down (the
// last unit takes what is left, so a whole line is its whole amount).
int64_t PaidFor(int64_t paid, int64_t units, int64_t qty) {
  return *MulDiv(paid, units, qty, RoundingMode::kFloor);
}

Result<Json> Step(const Json& sale_request, const Sale& sale, const Json& items, const std::string& path,
                  Returned& state) {
  const Cart& cart = sale.priced.cart;
  auto cum = ReadItems(items, path, cart, state.units);
  if (!cum) return cum.error();
  const size_t n = cart.lines.size();
  int64_t alloc = 0;
  std::vector<int64_t> weights(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const int64_t before = PaidFor(sale.paid[i], state.units[i], cart.lines[i].qty);
    const int64_t after = PaidFor(sale.paid[i], (*cum)[i], cart.lines[i].qty);
    alloc += after;
    weights[i] = after - before;
  }
  auto kept = KeptTotal(sale_request, cart, *cum);
  if (!kept) return kept.error();
  const int64_t target = std::max<int64_t>(0, std::min(alloc, sale.total - *kept));
  const int64_t refund = std::max<int64_t>(0, target - state.refunded);

  std::vector<int64_t> share(n, 0);
  if (refund > 0) {
    bool any = false;
    for (size_t i = 0; i < n; ++i) any = any || weights[i] > 0;
    if (!any) {  // free units only: spread by the units returned now
      for (size_t i = 0; i < n; ++i) weights[i] = (*cum)[i] - state.units[i];
    }
    auto shares = Allocate(refund, weights);
    if (!shares) return shares.error();
    share = std::move(*shares);
  }
  const int64_t refunded = state.refunded + refund;
  const int64_t points_value = sale.total > 0 ? *MulDiv(sale.points_value, refunded, sale.total, RoundingMode::kFloor) : 0;
  const int64_t points = sale.total > 0 ? *MulDiv(sale.points, refunded, sale.total, RoundingMode::kFloor) : 0;

  // The part of each line's refund paid back in points; its tax is on the
  // rest, the money — points were a discount on the sale, the tax was on money.
  std::vector<int64_t> in_points(n, 0);
  if (points_value > state.points_value && refund > 0) {
    auto split = Allocate(points_value - state.points_value, share);
    if (!split) return split.error();
    in_points = std::move(*split);
  }
  Json lines = Json::array();
  int64_t refund_tax = 0;
  int64_t reversed = 0;
  for (size_t i = 0; i < n; ++i) {
    const int64_t units = (*cum)[i] - state.units[i];
    if (units == 0) continue;
    const CartLine& l = cart.lines[i];
    int64_t now_reversed = 0;
    if (sale.priced.points) {
      const int64_t earned = sale.priced.points->line_earned[i];
      now_reversed = *MulDiv(earned, (*cum)[i], l.qty, RoundingMode::kCeiling) - state.reversed[i];
      state.reversed[i] += now_reversed;
    }
    auto tax = IncludedTax(share[i] - in_points[i], l.tax_rate_bp);
    if (!tax) return tax.error();
    refund_tax += *tax;
    reversed += now_reversed;
    Json line = {{"line", i}, {"barcode", l.barcode}, {"qty", units}, {"sold_by", SoldByName(l.sold_by)},
                 {"paid", weights[i]}, {"refund", share[i]}, {"points_value", in_points[i]}, {"tax", *tax},
                 {"points_reversed", now_reversed}};
    if (!l.sku.empty()) line["sku"] = l.sku;
    lines.push_back(std::move(line));
  }
  bool whole = true;
  for (size_t i = 0; i < n; ++i) whole = whole && (*cum)[i] == cart.lines[i].qty;
  Json out = {{"currency", cart.currency.code},
              {"lines", std::move(lines)},
              {"refund", refund},
              {"refund_tax", refund_tax},
              {"refund_money", refund - (points_value - state.points_value)},
              {"points_value_returned", points_value - state.points_value},
              {"points_returned", points - state.points},
              {"points_reversed", reversed},
              {"paid_total", sale.total},
              {"kept_total", *kept},
              {"refunded_before", state.refunded},
              {"refundable_left", sale.total - refunded},
              {"fully_returned", whole}};
  state.units = std::move(*cum);
  state.refunded = refunded;
  state.points_value = points_value;
  state.points = points;
  return out;
}

Result<Json> PriceReturn(const Json& input) {
  auto sale_doc = ReadObject(input, "sale", "");
  if (!sale_doc) return sale_doc.error();
  auto priced = PriceRequest(**sale_doc);
  if (!priced) return Under("sale", priced.error());
  Sale sale;
  sale.priced = std::move(*priced);
  const size_t n = sale.priced.cart.lines.size();
  for (size_t i = 0; i < n; ++i) {
    const int64_t value = sale.priced.points ? sale.priced.points->line_value[i] : 0;
    sale.paid.push_back(sale.priced.result.lines[i].gross + value);
    sale.total += sale.paid.back();
  }
  if (sale.priced.points) {
    sale.points_value = sale.priced.points->redeemed_value;
    sale.points = sale.priced.points->redeemed_points;
  }
  Returned state{std::vector<int64_t>(n, 0), std::vector<int64_t>(n, 0), 0, 0, 0};
  if (auto it = input.find("earlier_returns"); it != input.end() && !it->is_null()) {
    if (!it->is_array()) return WrongType("earlier_returns", "an array of returns");
    for (size_t i = 0; i < it->size(); ++i) {
      auto step = Step(**sale_doc, sale, (*it)[i], IndexPath("earlier_returns", i), state);
      if (!step) return step.error();
    }
  }
  auto returning = input.find("returning");
  if (returning == input.end()) return Missing("returning");
  return Step(**sale_doc, sale, *returning, "returning", state);
}

}  // namespace

std::string PriceReturnJson(std::string_view input) {
  auto parsed = ParseJson(input);
  if (!parsed) return ToCanonicalJson(ErrorToJson(parsed.error()));
  auto out = PriceReturn(*parsed);
  if (!out) return ToCanonicalJson(ErrorToJson(out.error()));
  return ToCanonicalJson(*out);
}

std::string PriceExchangeJson(std::string_view input) {
  const auto fail = [](const Error& e) { return ToCanonicalJson(ErrorToJson(e)); };
  auto parsed = ParseJson(input);
  if (!parsed) return fail(parsed.error());
  auto ret_doc = ReadObject(*parsed, "return", "");
  if (!ret_doc) return fail(ret_doc.error());
  auto ret = PriceReturn(**ret_doc);
  if (!ret) return fail(Under("return", ret.error()));
  auto sale_doc = ReadObject(*parsed, "sale", "");
  if (!sale_doc) return fail(sale_doc.error());
  auto sale = PriceRequest(**sale_doc);
  if (!sale) return fail(Under("sale", sale.error()));
  if (sale->cart.currency.code != (*ret)["currency"].get<std::string>()) {
    return fail(Invalid("exchange_invalid", "sale.currency", "the new sale and the return differ in currency"));
  }
  const int64_t due = sale->result.amount_due - (*ret)["refund_money"].get<int64_t>();
  return ToCanonicalJson(Json{{"return", std::move(*ret)}, {"sale", SalePricingToJson(*sale)}, {"due", due}});
}

}  // namespace aisle::core
