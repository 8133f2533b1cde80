// Cart and PricedCart: what is being sold and what it costs, line by line.
//
// Prices in China are tax inclusive (含税价). PriceCart computes for every
// line its gross (what the customer pays), the VAT in it and the net, the way
// a fapiao does: tax = gross * r / (1 + r) rounded half up to the fen, net =
// gross - tax. Totals are sums of the lines, so a receipt always adds up.
// Weighed items carry grams and a price per kilogram; their gross is rounded
// half up to the fen. Promotions come in the pricing engine (issue 3) as
// layers in front of the tax step.
#ifndef AISLE_CORE_CART_H_
#define AISLE_CORE_CART_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/result.h"

namespace aisle::core {

enum class SoldBy {
  kUnit,    // qty counts pieces, unit_price is per piece
  kWeight,  // qty is grams, unit_price is per kilogram
};

Result<SoldBy> ParseSoldBy(std::string_view name);
std::string_view SoldByName(SoldBy sold_by);

// Limits that keep every product of qty and price far from int64 overflow
// and catch a scanner that typed the barcode into the quantity field.
inline constexpr int64_t kMaxUnitQty = 100'000;
inline constexpr int64_t kMaxGrams = 1'000'000;  // one tonne
inline constexpr int64_t kMaxUnitPrice = 100'000'000'00;  // 100 million in major units
inline constexpr int32_t kMaxTaxRateBp = 10'000;          // 100 %
inline constexpr size_t kMaxCartLines = 1'000;

struct CartLine {
  std::string barcode;  // canonical GTIN (see NormalizeBarcode)
  std::string sku;      // optional
  std::string category;  // optional: promotions scope by it
  std::string brand;     // optional
  int64_t qty = 0;
  int64_t unit_price = 0;  // minor units, tax inclusive
  int32_t tax_rate_bp = 0;  // basis points: 1300 = 13 %
  SoldBy sold_by = SoldBy::kUnit;
  // A manual price override (per unit, or per kg) and why; -1 when none.
  int64_t override_price = -1;
  std::string override_reason;
  // A manual discount off the line's price (after the price list and member
  // price), in basis points; 0 when none. Needs override_reason too; a line
  // has an override price or a manual discount, not both.
  int32_t manual_discount_bp = 0;
};

struct Cart {
  Currency currency;
  std::vector<CartLine> lines;
};

struct PricedLine {
  CartLine line;
  int64_t gross = 0;  // tax inclusive amount of the line
  int64_t net = 0;
  int64_t tax = 0;
};

struct PricedCart {
  Currency currency;
  std::vector<PricedLine> lines;
  int64_t total = 0;  // sum of gross
  int64_t net = 0;
  int64_t tax = 0;
  int64_t units = 0;  // pieces, plus one per weighed line
};

// Validates a line (errors name "lines[i].field" via `path`).
Result<void> ValidateLine(const CartLine& line, const std::string& path);

// The gross amount of one line: qty * unit_price, or grams * price/kg / 1000
// rounded half up.
Result<int64_t> LineGross(const CartLine& line);

// The VAT contained in a tax-inclusive amount, rounded half up.
Result<int64_t> IncludedTax(int64_t gross, int32_t tax_rate_bp);

Result<PricedCart> PriceCart(const Cart& cart);

}  // namespace aisle::core

#endif  // AISLE_CORE_CART_H_
