// The functions core.wasm exports to JavaScript. Each takes and returns a
// JSON string (see core/cart_json.h); nothing else crosses the boundary, so
// the browser and the native fixtures exercise exactly the same code.
#include <emscripten/bind.h>

#include <string>

#include "core/cart_json.h"
#include "core/drawer.h"
#include "core/escpos.h"

namespace {

std::string PriceCart(const std::string& input) { return aisle::core::PriceCartJson(input); }
std::string NormalizeBarcode(const std::string& code) { return aisle::core::NormalizeBarcodeJson(code); }
std::string CashChange(const std::string& input) { return aisle::core::CashChangeJson(input); }
std::string DrawerReport(const std::string& input) { return aisle::core::DrawerReportJson(input); }
std::string EscPosEncode(const std::string& input) { return aisle::core::EscPosEncodeJson(input); }

}  // namespace

EMSCRIPTEN_BINDINGS(aisle_core) {
  emscripten::function("priceCart", &PriceCart);
  emscripten::function("normalizeBarcode", &NormalizeBarcode);
  emscripten::function("cashChange", &CashChange);
  emscripten::function("drawerReport", &DrawerReport);
  emscripten::function("escposEncode", &EscPosEncode);
}
