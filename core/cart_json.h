// The JSON face of core: the functions the WASM module exports to the web
// terminal and the golden fixtures run natively and in WASM. Each takes a
// JSON string and returns a JSON string: the result, or
// {"error":{"code","message","field"}}. Same input, same bytes out, on every
// build.
#ifndef AISLE_CORE_CART_JSON_H_
#define AISLE_CORE_CART_JSON_H_

#include <string>
#include <string_view>

#include "core/cart.h"
#include "core/json_read.h"
#include "core/pricing/engine.h"

namespace aisle::core {

// {"currency":"CNY","lines":[{"barcode","sku"?,"qty","unit_price","tax_rate_bp",
//  "sold_by"?:"unit"|"weight"}]} -> Cart. Barcodes are normalised.
Result<Cart> CartFromJson(const Json& input);
// A line's optional "manual_discount_bp" (1..10000; 0 when absent).
Result<int32_t> ReadManualDiscountBp(const Json& line, const std::string& path);
Json PricedCartToJson(const PricedCart& cart);

// The pricing engine's result as priceCart shows it (version: the rules
// version, or nullptr when priced without rules).
Json PricingResultToJson(const Cart& cart, const pricing::PricingResult& result, const std::string* version);

// priceCart(json) -> json: the cart, and with "rules" + "context" the whole
// pricing engine (docs/pricing.md); the result explains every adjustment.
std::string PriceCartJson(std::string_view input);
// normalizeBarcode(code) -> {"barcode","symbology"} or error.
std::string NormalizeBarcodeJson(std::string_view code);
// cashChange({"total","tendered"}) -> {"change"} or error tender_insufficient.
std::string CashChangeJson(std::string_view input);

}  // namespace aisle::core

#endif  // AISLE_CORE_CART_JSON_H_
