// The JSON face of core: the functions the WASM module exports to the web
// terminal and the golden fixtures run natively and in WASM. Each takes a
// JSON string and returns a JSON string: the result, or
// {"error":{"code","message","field"}}. Same input, same bytes out, on every
// build.
#ifndef AISLE_CORE_CART_JSON_H_
#define AISLE_CORE_CART_JSON_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/cart.h"
#include "core/json_read.h"
#include "core/pricing/engine.h"
#include "core/pricing/loyalty.h"

namespace aisle::core {

// {"currency":"CNY","lines":[{"barcode","sku"?,"qty","unit_price","tax_rate_bp",
//  "sold_by"?:"unit"|"weight"}]} -> Cart. Barcodes are normalised.
Result<Cart> CartFromJson(const Json& input);
// A line's optional "manual_discount_bp" (1..10000; 0 when absent).
Result<int32_t> ReadManualDiscountBp(const Json& line, const std::string& path);
Json PricedCartToJson(const PricedCart& cart);
// A cart line as CartFromJson reads it (the server keeps a sale's request so).
Json CartLineToJson(const CartLine& line);

// The pricing engine's result as priceCart shows it (version: the rules
// version, or nullptr when priced without rules).
Json PricingResultToJson(const Cart& cart, const pricing::PricingResult& result, const std::string* version);

// A priceCart request priced: the cart, the engine's result (with layer 5
// applied when the rules and the request both have points) and what it used.
struct SalePricing {
  Cart cart;
  std::shared_ptr<const pricing::CompiledRules> rules;  // the result's adjustments point into it
  pricing::PricingResult result;
  bool has_rules = false;
  std::string version;
  std::optional<pricing::PointsOutcome> points;
};
Result<SalePricing> PriceRequest(const Json& request);
Json SalePricingToJson(const SalePricing& priced);

// priceCart(json) -> json: the cart, and with "rules" + "context" the whole
// pricing engine (docs/pricing.md); the result explains every adjustment.
// Instead of "rules", a request may name rules loaded before with
// LoadRulesJson by their "rules_id".
std::string PriceCartJson(std::string_view input);
// loadRules(rules document) -> {"rules_id","version","promotions"}: the
// document read, checked and compiled once, kept for the priceCart requests
// that name it (the terminal prices every scan with the same rules; reading
// a large document for each would cost more than the pricing). The last
// kLoadedRules documents loaded or used are kept; a request naming one
// forgotten since gets the error rules_not_loaded. Errors are priceCart's
// for the same document (fields under "rules").
inline constexpr size_t kLoadedRules = 4;
std::string LoadRulesJson(std::string_view rules_document);
// normalizeBarcode(code) -> {"barcode","symbology"} or error.
std::string NormalizeBarcodeJson(std::string_view code);
// cashChange({"total","tendered"}) -> {"change"} or error tender_insufficient.
std::string CashChangeJson(std::string_view input);

}  // namespace aisle::core

#endif  // AISLE_CORE_CART_JSON_H_
