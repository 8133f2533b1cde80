// The functions core.wasm exports to JavaScript. Each takes and returns a
// JSON string (see core/cart_json.h); nothing else crosses the boundary, so
// the browser and the native fixtures exercise exactly the same code.
#include <emscripten/bind.h>

#include <chrono>
#include <string>
#include <vector>

#include "bench/pricing_requests.h"
#include "core/cart_json.h"
#include "core/drawer.h"
#include "core/escpos.h"
#include "core/pricing/returns.h"

namespace {

std::string PriceCart(const std::string& input) { return aisle::core::PriceCartJson(input); }
std::string LoadRules(const std::string& document) { return aisle::core::LoadRulesJson(document); }
std::string NormalizeBarcode(const std::string& code) { return aisle::core::NormalizeBarcodeJson(code); }
std::string CashChange(const std::string& input) { return aisle::core::CashChangeJson(input); }
std::string DrawerReport(const std::string& input) { return aisle::core::DrawerReportJson(input); }
std::string EscPosEncode(const std::string& input) { return aisle::core::EscPosEncodeJson(input); }
std::string PriceReturn(const std::string& input) { return aisle::core::PriceReturnJson(input); }
std::string PriceExchange(const std::string& input) { return aisle::core::PriceExchangeJson(input); }

// For bench/wasm_bench.mjs only: reads a JSON array of pricing requests once,
// then prices them all `passes` times and answers the time a pass took inside
// the module ({"requests", "passes", "ns_per_pass", "checksum"}): the engine
// alone, without the JSON and embind copies around priceCart.
std::string BenchPricingEngine(const std::string& requests, int passes) {
  auto parsed = aisle::core::ParseJson(requests);
  if (!parsed || !parsed->is_array()) return "{}";
  std::vector<aisle::bench::PricingRequest> read;
  for (const aisle::core::Json& r : *parsed) {
    if (auto one = aisle::bench::ReadPricingRequest(r)) read.push_back(std::move(*one));
  }
  int64_t checksum = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < passes; ++i) checksum += aisle::bench::PriceRequests(read);
  const auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  return aisle::core::ToCanonicalJson(aisle::core::Json{{"requests", read.size()},
                                                        {"passes", passes},
                                                        {"ns_per_pass", static_cast<int64_t>(ns / passes)},
                                                        {"checksum", checksum}});
}

}  // namespace

EMSCRIPTEN_BINDINGS(aisle_core) {
  emscripten::function("priceCart", &PriceCart);
  emscripten::function("loadRules", &LoadRules);
  emscripten::function("normalizeBarcode", &NormalizeBarcode);
  emscripten::function("cashChange", &CashChange);
  emscripten::function("drawerReport", &DrawerReport);
  emscripten::function("escposEncode", &EscPosEncode);
  emscripten::function("priceReturn", &PriceReturn);
  emscripten::function("priceExchange", &PriceExchange);
  emscripten::function("benchPricingEngine", &BenchPricingEngine);
}
