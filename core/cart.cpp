#include "core/cart.h"

namespace aisle::core {

Result<SoldBy> ParseSoldBy(std::string_view name) {
  if (name == "unit") return SoldBy::kUnit;
  if (name == "weight") return SoldBy::kWeight;
  return Error::Make("invalid_sold_by", "sold_by must be \"unit\" or \"weight\"", "sold_by");
}

std::string_view SoldByName(SoldBy sold_by) {
  return sold_by == SoldBy::kWeight ? "weight" : "unit";
}

Result<void> ValidateLine(const CartLine& line, const std::string& path) {
  const auto field = [&](const char* name) { return path.empty() ? name : path + "." + name; };
  if (line.qty <= 0) {
    return Error::Make("invalid_quantity", "quantity must be positive", field("qty"));
  }
  const int64_t max_qty = line.sold_by == SoldBy::kWeight ? kMaxGrams : kMaxUnitQty;
  if (line.qty > max_qty) {
    return Error::Make("invalid_quantity",
                       "quantity above the limit of " + std::to_string(max_qty) +
                           (line.sold_by == SoldBy::kWeight ? " grams" : " units"),
                       field("qty"));
  }
  if (line.unit_price < 0 || line.unit_price > kMaxUnitPrice) {
    return Error::Make("invalid_price", "unit price out of range", field("unit_price"));
  }
  if (line.tax_rate_bp < 0 || line.tax_rate_bp > kMaxTaxRateBp) {
    return Error::Make("invalid_tax_rate", "tax rate must be 0..10000 basis points",
                       field("tax_rate_bp"));
  }
  if (line.override_price >= 0) {
    if (line.override_price > kMaxUnitPrice) {
      return Error::Make("invalid_price", "override price out of range", field("override_price"));
    }
    if (line.override_reason.empty()) {
      return Error::Make("override_reason_required", "a price override needs a reason", field("override_reason"));
    }
  }
  if (line.manual_discount_bp != 0) {
    if (line.manual_discount_bp < 0 || line.manual_discount_bp > 10'000) {
      return Error::Make("invalid_discount", "a manual discount is 1..10000 basis points", field("manual_discount_bp"));
    }
    if (line.override_price >= 0) {
      return Error::Make("invalid_discount", "a line has an override price or a manual discount, not both",
                         field("manual_discount_bp"));
    }
    if (line.override_reason.empty()) {
      return Error::Make("override_reason_required", "a manual discount needs a reason", field("override_reason"));
    }
  }
  return {};
}

Result<int64_t> LineGross(const CartLine& line) {
  if (line.sold_by == SoldBy::kWeight) {
    return MulDiv(line.qty, line.unit_price, 1000, RoundingMode::kHalfUp);
  }
  return CheckedMul(line.qty, line.unit_price);
}

Result<int64_t> IncludedTax(int64_t gross, int32_t tax_rate_bp) {
  return MulDiv(gross, tax_rate_bp, 10'000 + int64_t{tax_rate_bp}, RoundingMode::kHalfUp);
}

Result<PricedCart> PriceCart(const Cart& cart) {
  if (cart.lines.size() > kMaxCartLines) {
    return Error::Make("too_many_lines", "a cart holds at most 1000 lines", "lines");
  }
  PricedCart out;
  out.currency = cart.currency;
  out.lines.reserve(cart.lines.size());
  for (size_t i = 0; i < cart.lines.size(); ++i) {
    const CartLine& line = cart.lines[i];
    if (auto ok = ValidateLine(line, "lines[" + std::to_string(i) + "]"); !ok) return ok.error();
    auto gross = LineGross(line);
    if (!gross) return gross.error();
    auto tax = IncludedTax(*gross, line.tax_rate_bp);
    if (!tax) return tax.error();
    PricedLine priced{line, *gross, *gross - *tax, *tax};
    // Bounded inputs keep these sums far below int64's range (1000 lines).
    out.total += priced.gross;
    out.net += priced.net;
    out.tax += priced.tax;
    out.units += line.sold_by == SoldBy::kWeight ? 1 : line.qty;
    out.lines.push_back(std::move(priced));
  }
  return out;
}

}  // namespace aisle::core
