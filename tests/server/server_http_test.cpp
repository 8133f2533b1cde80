// aisled end to end over loopback HTTP with a real SQLite file: sign-in,
// catalog lookup, the pull feed, pushing sales exactly once, re-pricing,
// every bad input the walking skeleton names, the body limit, static files,
// the data-folder lock and graceful shutdown.
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "tests/server/aisled_process.h"
#include "tests/server/live_client.h"

namespace aisle::testing {
namespace {

using nlohmann::json;

class AisledTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = MakeTempDir();
    server_ = std::make_unique<AisledProcess>(dir_, std::vector<std::string>{"--max-body", "65536"});
    token_ = SignIn("SH01", "1001", "1111").Json()["token"].get<std::string>();
    // Two real products from the feed: a unit item and a weighed one.
    json feed = Http(Port(), "GET", "/api/v1/sync/pull?since=0&scope=catalog&limit=1000", "", token_).Json();
    for (const json& change : feed["changes"]) {
      const json& p = change["product"];
      if (p["sold_by"] == "unit" && unit_.is_null() && p["barcode"].get<std::string>().size() == 13) unit_ = p;
      if (p["sold_by"] == "weight" && weighed_.is_null()) weighed_ = p;
    }
  }
  static void TearDownTestSuite() {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "--- aisled log ---\n" << server_->Log();
  }

  static uint16_t Port() { return server_->port(); }
  static HttpResult SignIn(const std::string& store, const std::string& staff, const std::string& pin,
                           const std::string& device = "demo-device-1") {
    return Http(Port(), "POST", "/api/v1/sessions",
                json{{"store_id", store}, {"device_id", device}, {"staff_code", staff}, {"pin", pin}}.dump());
  }
  static HttpResult Push(const json& ops) {
    return Http(Port(), "POST", "/api/v1/sync/push", json{{"ops", ops}}.dump(), token_);
  }
  // A sale.completed op of qty units of the unit product at `price`.
  static json SaleOp(int n, int64_t qty, int64_t price, int64_t cash) {
    return json{{"op_id", Uuid(n)},
                {"type", "sale.completed"},
                {"store_id", "SH01"},
                {"device_id", "demo-device-1"},
                {"device_seq", n},
                {"device_time", "2026-11-24T10:00:00Z"},
                {"hlc", "1795000000000-" + std::string(5 - std::to_string(n).size(), '0') + std::to_string(n)},
                {"payload",
                 {{"sale_id", "sale-" + std::to_string(n)},
                  {"currency", "CNY"},
                  {"lines", {{{"barcode", unit_["barcode"]}, {"qty", qty}, {"unit_price", price}}}},
                  {"tenders", {{{"type", "cash"}, {"amount", cash}}}},
                  {"total", qty * price}}}};
  }
  static int64_t Sales() { return SqlCount(dir_, "SELECT count(*) FROM sales"); }

  static inline std::string dir_;
  static inline std::unique_ptr<AisledProcess> server_;
  static inline std::string token_;
  static inline json unit_;
  static inline json weighed_;
};

TEST_F(AisledTest, HealthzAnswersWithoutAuth) {
  auto r = Http(Port(), "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["status"], "ok");
  EXPECT_TRUE(r.Json()["version"].is_string());
}

TEST_F(AisledTest, SignInReturnsTokenStaffAndStore) {
  auto r = SignIn("SH01", "2001", "222222");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json()["token"].get<std::string>().size(), 64u);
  EXPECT_EQ(r.Json()["staff"]["role"], "store_manager");
  EXPECT_EQ(r.Json()["store"]["store_id"], "SH01");
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM sessions WHERE length(token_hash) = 64"),
            SqlCount(dir_, "SELECT count(*) FROM sessions"));  // only hashes are stored
}

TEST_F(AisledTest, DemoModeRegistersANewDeviceOnFirstSignIn) {
  auto r = SignIn("SH01", "1001", "1111", "browser-install-42");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM devices WHERE device_id = 'browser-install-42'"), 1);
}

TEST_F(AisledTest, WrongPinIs401ThenRepeatedFailuresAre429) {
  auto r = SignIn("BJ01", "1101", "0000");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Json()["error"]["code"], "invalid_credentials");
  for (int i = 0; i < 4; ++i) SignIn("BJ01", "1101", "0000");
  r = SignIn("BJ01", "1101", "1111");  // even the right PIN waits now
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Json()["error"]["code"], "too_many_attempts");
  EXPECT_FALSE(r.headers["Retry-After"].empty());
  EXPECT_EQ(SignIn("XX99", "1001", "1111").status, 401);  // unknown store
}

TEST_F(AisledTest, SignInBadBodies) {
  auto r = Http(Port(), "POST", "/api/v1/sessions", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"]["code"], "invalid_json");
  r = Http(Port(), "POST", "/api/v1/sessions", R"({"store_id":"SH01","device_id":"d","staff_code":1001,"pin":"1111"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"]["field"], "staff_code");
  r = Http(Port(), "POST", "/api/v1/sessions", R"({"store_id":"SH01"})");
  EXPECT_EQ(r.Json()["error"]["code"], "missing_field");
}

TEST_F(AisledTest, RoutesNeedAToken) {
  auto r = Http(Port(), "GET", "/api/v1/catalog/lookup?barcode=6901234567892");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Json()["error"]["code"], "unauthorized");
  r = Http(Port(), "GET", "/api/v1/sync/pull?since=0", "", std::string(64, 'a'));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Json()["error"]["code"], "token_expired");
  r = Http(Port(), "POST", "/api/v1/sync/push", "{\"ops\":[]}");
  EXPECT_EQ(r.status, 401);
}

TEST_F(AisledTest, LookupKnownUnknownAndInvalidBarcodes) {
  auto r = Http(Port(), "GET", "/api/v1/catalog/lookup?barcode=" + unit_["barcode"].get<std::string>(), "", token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["product"]["sku"], unit_["sku"]);
  EXPECT_TRUE(r.Json()["product"]["price"].is_number_integer());
  EXPECT_TRUE(r.Json()["product"]["tax_rate_bp"].is_number_integer());
  r = Http(Port(), "GET", "/api/v1/catalog/lookup?barcode=4006381333931", "", token_);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["error"]["code"], "unknown_barcode");
  r = Http(Port(), "GET", "/api/v1/catalog/lookup?barcode=6901234567893", "", token_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"]["code"], "barcode_bad_check_digit");
}

TEST_F(AisledTest, PullPaginatesTheWholeCatalog) {
  int64_t cursor = 0;
  size_t products = 0;
  int pages = 0;
  for (bool more = true; more; ++pages) {
    auto r = Http(Port(), "GET", "/api/v1/sync/pull?since=" + std::to_string(cursor) + "&scope=catalog&limit=100", "",
                  token_);
    ASSERT_EQ(r.status, 200) << r.body;
    const json page = r.Json();
    for (const json& c : page["changes"]) {
      EXPECT_GT(c["seq"].get<int64_t>(), cursor);
      EXPECT_EQ(c["product"]["barcode"].get<std::string>().size() % 5, 3u);  // 8 or 13 digits
      ++products;
    }
    cursor = page["cursor"];
    more = page["more"];
    ASSERT_LT(pages, 50);
  }
  EXPECT_GE(products, 300u);
  EXPECT_EQ(static_cast<int64_t>(products), SqlCount(dir_, "SELECT count(*) FROM products"));
  EXPECT_GE(pages, 4);
  auto r = Http(Port(), "GET", "/api/v1/sync/pull?since=" + std::to_string(cursor), "", token_);
  EXPECT_TRUE(r.Json()["changes"].empty());
  EXPECT_EQ(r.Json()["cursor"], cursor);
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/sync/pull?since=-1", "", token_).status, 400);
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/sync/pull?since=0&limit=0", "", token_).status, 400);
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/sync/pull?since=0&scope=nope", "", token_).Json()["error"]["code"],
            "unknown_scope");
}

TEST_F(AisledTest, SaleIsAppliedOnceAndReadBack) {
  const int64_t price = unit_["price"];
  const json op = SaleOp(1, 2, price, 2 * price + 1002);
  const int64_t before = Sales();
  auto r = Push(json::array({op}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["results"][0]["status"], "applied") << r.body;
  EXPECT_EQ(Sales(), before + 1);

  r = Push(json::array({op}));  // the same body again
  EXPECT_EQ(r.Json()["results"][0]["status"], "duplicate");
  EXPECT_EQ(r.Json()["results"][0]["first"]["status"], "applied");
  EXPECT_EQ(Sales(), before + 1);

  r = Http(Port(), "GET", "/api/v1/sales/sale-1", "", token_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json sale = r.Json();
  EXPECT_EQ(sale["total"], 2 * price);
  EXPECT_EQ(sale["change"], 1002);
  EXPECT_EQ(sale["lines"].size(), 1u);
  EXPECT_EQ(sale["lines"][0]["qty"], 2);
  EXPECT_EQ(sale["tenders"][0]["amount"], 2 * price + 1002);
  EXPECT_EQ(sale["staff_code"], "1001");
  EXPECT_TRUE(sale["price_differences"].empty());
  EXPECT_EQ(SqlCount(dir_, "SELECT sum(qty_delta) FROM stock_movements WHERE reason = 'sale' AND ref = 'sale-1'"), -2);
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/sales/nope", "", token_).status, 404);
}

TEST_F(AisledTest, StalePriceIsKeptAndTheDifferenceRecorded) {
  const int64_t price = unit_["price"];
  const int64_t stale = price - 100;
  auto r = Push(json::array({SaleOp(2, 1, stale, stale)}));
  ASSERT_EQ(r.Json()["results"][0]["status"], "applied") << r.body;
  EXPECT_EQ(r.Json()["results"][0]["price_differences"], 1);
  const json sale = Http(Port(), "GET", "/api/v1/sales/sale-2", "", token_).Json();
  EXPECT_EQ(sale["total"], stale);  // as the customer paid
  EXPECT_EQ(sale["server_total"], price);
  ASSERT_EQ(sale["price_differences"].size(), 1u);
  EXPECT_EQ(sale["price_differences"][0]["kind"], "unit_price");
  EXPECT_EQ(sale["price_differences"][0]["device_amount"], stale);
  EXPECT_EQ(sale["price_differences"][0]["server_amount"], price);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM price_differences WHERE sale_id = 'sale-2'"), 1);
}

TEST_F(AisledTest, ChainStockListsEveryLocationFromTheLedger) {
  const std::string sku = unit_["sku"];
  auto r = Http(Port(), "GET", "/api/v1/stock/" + sku, "", token_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json chain = r.Json();
  EXPECT_EQ(chain["sku"], sku);
  EXPECT_TRUE(chain.contains("as_of") && chain["cursor"].is_number_integer()) << chain;
  ASSERT_EQ(static_cast<int64_t>(chain["locations"].size()), SqlCount(dir_, "SELECT count(*) FROM locations"));
  bool warehouse = false;
  for (const json& l : chain["locations"]) {
    const std::string id = l["location_id"];
    warehouse = warehouse || l["kind"] == "warehouse";
    EXPECT_EQ(l["qty"], SqlCount(dir_, "SELECT coalesce(sum(qty_delta), 0) FROM stock_movements WHERE location_id = '" +
                                           id + "' AND sku = '" + sku + "'")) << id;
  }
  EXPECT_TRUE(warehouse);
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/stock/NO-SUCH-SKU", "", token_).status, 404);
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/stock/" + sku).status, 401);
}

// A rules document with one promotion: percent_bp off the unit product.
json PercentOffRules(const std::string& version, const std::string& sku, int64_t percent_bp) {
  return {{"version", version},
          {"promotions",
           {{{"id", "PCT"}, {"type", "percent_off"}, {"scope", {{"skus", {sku}}}}, {"percent_bp", percent_bp},
             {"name", {{"zh", "测试折扣"}, {"en", "Test discount"}}}}}}};
}

TEST_F(AisledTest, PricingRulesArePublishedVersionedAndPulled) {
  // The demo promotions are there, by version, and in the promotions feed.
  auto r = Http(Port(), "GET", "/api/v1/pricing/rules?version=demo-2026.11.3", "", token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_GE(r.Json()["rules"]["promotions"].size(), 7u);
  EXPECT_EQ(r.Json()["published_by"], "9001");

  // Only an HQ admin publishes.
  const json rules = PercentOffRules("t-publish-1", unit_["sku"], 1000);
  EXPECT_EQ(Http(Port(), "POST", "/api/v1/pricing/rules", rules.dump(), token_).status, 403);
  const std::string admin = SignIn("SH01", "9001", "999999").Json()["token"];
  r = Http(Port(), "POST", "/api/v1/pricing/rules", rules.dump(), admin);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json()["status"], "published");
  r = Http(Port(), "POST", "/api/v1/pricing/rules", rules.dump(), admin);  // the same again
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["status"], "unchanged");
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/pricing/rules", "", token_).Json()["version"], "t-publish-1");

  // A published version never changes; bad rules say which field.
  r = Http(Port(), "POST", "/api/v1/pricing/rules", PercentOffRules("t-publish-1", unit_["sku"], 2000).dump(), admin);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.Json()["error"]["code"], "rules_version_conflict");
  json bad = {{"version", "t-bad"},
              {"promotions",
               {{{"id", "T"}, {"type", "threshold_amount"}, {"scope", {{"all", true}}},
                 {"tiers", {{{"min", 30000}, {"off", 3000}}, {{"min", 50000}, {"off", 2000}}}}}}}};
  r = Http(Port(), "POST", "/api/v1/pricing/rules", bad.dump(), admin);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.Json()["error"]["code"], "promotion_invalid");
  EXPECT_EQ(r.Json()["error"]["field"], "rules.promotions[0].tiers[1].off");
  EXPECT_EQ(Http(Port(), "POST", "/api/v1/pricing/rules", "{not json", admin).status, 400);
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/pricing/rules?version=t-bad", "", token_).status, 404);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM pricing_rules WHERE version IN ('t-bad', 't-publish-1')"), 1);

  // Devices get every published version through the pull feed, in order.
  r = Http(Port(), "GET", "/api/v1/sync/pull?since=0&scope=promotions", "", token_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json feed = r.Json();
  std::vector<std::string> versions;
  for (const json& c : feed["changes"]) versions.push_back(c["version"]);
  ASSERT_GE(versions.size(), 2u);
  EXPECT_EQ(versions.front(), "demo-2026.11.3");
  EXPECT_EQ(versions.back(), "t-publish-1");
  EXPECT_EQ(feed["changes"].back()["rules"], rules);
}

TEST_F(AisledTest, SaleIsRePricedWithTheRulesVersionItNames) {
  const std::string admin = SignIn("SH01", "9001", "999999").Json()["token"];
  ASSERT_EQ(Http(Port(), "POST", "/api/v1/pricing/rules", PercentOffRules("t-10", unit_["sku"], 1000).dump(), admin).status, 201);
  ASSERT_EQ(Http(Port(), "POST", "/api/v1/pricing/rules", PercentOffRules("t-20", unit_["sku"], 2000).dump(), admin).status, 201);
  const int64_t price = unit_["price"];
  const int64_t off = (price * 1000 + 5000) / 10000;  // 10 %, half up
  const int64_t total = 2 * (price - off);

  // Priced offline with t-10 while t-20 is already the latest: the server uses t-10.
  json op = SaleOp(40, 2, price, total);
  op["payload"]["total"] = total;
  op["payload"]["rules_version"] = "t-10";
  auto r = Push(json::array({op}));
  ASSERT_EQ(r.Json()["results"][0]["status"], "applied") << r.body;
  EXPECT_EQ(r.Json()["results"][0]["price_differences"], 0) << r.body;
  json sale = Http(Port(), "GET", "/api/v1/sales/sale-40", "", token_).Json();
  EXPECT_EQ(sale["total"], total);
  EXPECT_EQ(sale["server_total"], total);
  EXPECT_EQ(sale["rules_version"], "t-10");
  EXPECT_EQ(sale["discount"], 2 * off);
  ASSERT_EQ(sale["adjustments"].size(), 1u);
  EXPECT_EQ(sale["adjustments"][0]["id"], "PCT");
  EXPECT_EQ(sale["adjustments"][0]["applications"], 2);
  EXPECT_EQ(sale["lines"][0]["list_amount"], 2 * price);
  EXPECT_EQ(sale["lines"][0]["gross"], total);
  EXPECT_EQ(sale["lines"][0]["promotions"], json::array({{{"id", "PCT"}, {"discount", 2 * off}}}));
  EXPECT_TRUE(sale["price_differences"].empty()) << sale.dump();

  // A device total that its own lines and rules do not give: kept as paid, flagged.
  op = SaleOp(41, 2, price, 2 * price);
  op["payload"]["rules_version"] = "t-10";
  r = Push(json::array({op}));
  ASSERT_EQ(r.Json()["results"][0]["status"], "applied") << r.body;
  sale = Http(Port(), "GET", "/api/v1/sales/sale-41", "", token_).Json();
  EXPECT_EQ(sale["total"], 2 * price);
  ASSERT_EQ(sale["price_differences"].size(), 1u) << sale.dump();
  EXPECT_EQ(sale["price_differences"][0]["kind"], "total") << sale.dump();
  EXPECT_EQ(sale["price_differences"][0]["server_amount"], total);

  // A version the server never saw: the sale stands, priced with the latest rules, and flagged.
  op = SaleOp(42, 1, price, price);
  op["payload"]["rules_version"] = "published-elsewhere";
  r = Push(json::array({op}));
  ASSERT_EQ(r.Json()["results"][0]["status"], "applied") << r.body;
  sale = Http(Port(), "GET", "/api/v1/sales/sale-42", "", token_).Json();
  const json& diffs = sale["price_differences"];
  const auto unknown = std::find_if(diffs.begin(), diffs.end(),
                                    [](const json& d) { return d["kind"] == "rules_version_unknown"; });
  ASSERT_NE(unknown, diffs.end()) << sale.dump();
  EXPECT_EQ((*unknown)["device_amount"], price);
  EXPECT_EQ((*unknown)["server_amount"], price - (price * 2000 + 5000) / 10000);

  // Known fields of the wrong type are errors, and nothing is written.
  op = SaleOp(43, 1, price, price);
  op["payload"]["rules_version"] = 7;
  r = Push(json::array({op}));
  EXPECT_EQ(r.Json()["results"][0]["status"], "rejected") << r.body;
  EXPECT_EQ(r.Json()["results"][0]["error"]["field"], "payload.rules_version") << r.body;
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/sales/sale-43", "", token_).status, 404);
  op = SaleOp(44, 1, price, price);
  op["payload"]["rules_version"] = "t-10";
  op["payload"]["priced_at"] = "yesterday";
  r = Push(json::array({op}));
  EXPECT_EQ(r.Json()["results"][0]["status"], "rejected") << r.body;
  EXPECT_EQ(r.Json()["results"][0]["error"]["code"], "invalid_time") << r.body;
  EXPECT_EQ(r.Json()["results"][0]["error"]["field"], "payload.priced_at") << r.body;
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/sales/sale-44", "", token_).status, 404);
}

TEST_F(AisledTest, WeighedLineRoundsHalfUp) {
  const int64_t per_kg = weighed_["price"];
  json op = SaleOp(3, 1, 1, 1);
  op["payload"]["lines"] = json::array({{{"barcode", weighed_["barcode"]}, {"qty", 1250}, {"unit_price", per_kg}}});
  const int64_t gross = (1250 * per_kg + 500) / 1000;
  op["payload"]["total"] = gross;
  op["payload"]["tenders"][0]["amount"] = gross;
  auto r = Push(json::array({op}));
  ASSERT_EQ(r.Json()["results"][0]["status"], "applied") << r.body;
  const json sale = Http(Port(), "GET", "/api/v1/sales/sale-3", "", token_).Json();
  EXPECT_EQ(sale["lines"][0]["gross"], gross);
  EXPECT_EQ(sale["lines"][0]["sold_by"], "weight");
}

TEST_F(AisledTest, ReusedOpIdWithOtherContentIsRejected) {
  const int64_t price = unit_["price"];
  ASSERT_EQ(Push(json::array({SaleOp(4, 1, price, price)})).Json()["results"][0]["status"], "applied");
  const int64_t before = Sales();
  json changed = SaleOp(4, 3, price, 3 * price);
  changed["payload"]["sale_id"] = "sale-4b";
  auto r = Push(json::array({changed}));
  EXPECT_EQ(r.Json()["results"][0]["status"], "rejected");
  EXPECT_EQ(r.Json()["results"][0]["error"]["code"], "op_id_conflict");
  EXPECT_EQ(Sales(), before);
}

TEST_F(AisledTest, OneBadOpDoesNotSpoilTheBatch) {
  const int64_t price = unit_["price"];
  json bad = SaleOp(5, 1, price, price);
  bad["payload"]["lines"][0]["qty"] = -1;
  const int64_t before = Sales();
  auto r = Push(json::array({bad, SaleOp(6, 1, price, price)}));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["results"][0]["status"], "rejected");
  EXPECT_EQ(r.Json()["results"][0]["error"]["field"], "payload.lines[0].qty");
  EXPECT_EQ(r.Json()["results"][1]["status"], "applied");
  EXPECT_EQ(Sales(), before + 1);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM ops WHERE op_id = '" + Uuid(5) + "'"), 0);

  // A bad op between good ones: the push's first pass is undone and applied again op by op, so
  // the good ops around it are applied once, with their stock, audit entries and device marks.
  json unknown = SaleOp(8, 1, price, price);
  unknown["payload"]["lines"][0]["barcode"] = "4006381333931";
  const int64_t moves = SqlCount(dir_, "SELECT count(*) FROM stock_movements");
  const int64_t audited = SqlCount(dir_, "SELECT count(*) FROM audit_log");
  r = Push(json::array({SaleOp(7, 1, price, price), unknown, SaleOp(9, 1, price, price)}));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["results"][0]["status"], "applied") << r.body;
  EXPECT_EQ(r.Json()["results"][1]["error"]["code"], "unknown_barcode");
  EXPECT_EQ(r.Json()["results"][2]["status"], "applied");
  EXPECT_EQ(Sales(), before + 3);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM stock_movements"), moves + 2);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM audit_log"), audited + 3);  // two sales and a refusal
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM ops WHERE op_id IN ('" + Uuid(7) + "', '" + Uuid(8) + "', '" + Uuid(9) + "')"), 2);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM device_seqs WHERE op_id IN ('" + Uuid(7) + "', '" + Uuid(8) + "', '" + Uuid(9) + "')"), 3);
}

TEST_F(AisledTest, BadOperationsAreRejectedAndWriteNothing) {
  const int64_t price = unit_["price"];
  struct Case {
    const char* name;
    std::function<void(json&)> mutate;
    const char* code;
  };
  const std::vector<Case> cases = {
      {"negative qty", [](json& op) { op["payload"]["lines"][0]["qty"] = -2; }, "invalid_quantity"},
      {"unknown barcode", [](json& op) { op["payload"]["lines"][0]["barcode"] = "4006381333931"; }, "unknown_barcode"},
      {"tenders short", [&](json& op) { op["payload"]["tenders"][0]["amount"] = price - 1; }, "tender_insufficient"},
      {"qty as string", [](json& op) { op["payload"]["lines"][0]["qty"] = "1"; }, "invalid_type"},
      {"price as float", [](json& op) { op["payload"]["lines"][0]["unit_price"] = 19.99; }, "invalid_type"},
      {"op_id not uuid", [](json& op) { op["op_id"] = "abc"; }, "invalid_op_id"},
      {"other store", [](json& op) { op["store_id"] = "BJ01"; }, "store_mismatch"},
      {"unknown type", [](json& op) { op["type"] = "sale.teleported"; }, "unsupported_op_type"},
      {"no payload", [](json& op) { op.erase("payload"); }, "missing_field"},
      {"duplicate sale id", [](json& op) { op["payload"]["sale_id"] = "sale-1"; }, "sale_id_conflict"},
  };
  int n = 100;
  for (const Case& c : cases) {
    json op = SaleOp(n, 1, price, price);
    op["payload"]["sale_id"] = "bad-" + std::to_string(n);
    c.mutate(op);
    const int64_t sales = Sales();
    const int64_t moves = SqlCount(dir_, "SELECT count(*) FROM stock_movements");
    auto r = Push(json::array({op}));
    ASSERT_EQ(r.status, 200) << c.name;
    EXPECT_EQ(r.Json()["results"][0]["status"], "rejected") << c.name;
    EXPECT_EQ(r.Json()["results"][0]["error"]["code"], c.code) << c.name << ": " << r.body;
    EXPECT_FALSE(r.Json()["results"][0]["error"]["message"].get<std::string>().empty());
    EXPECT_EQ(Sales(), sales) << c.name;
    EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM stock_movements"), moves) << c.name;
    ++n;
  }
}

// An op of another device install, with its own seq and clock.
json OnDevice(json op, const std::string& device, int64_t seq) {
  op["device_id"] = device;
  op["device_seq"] = seq;
  op["hlc"] = "1795000000000-" + std::string(5 - std::to_string(seq).size(), '0') + std::to_string(seq);
  return op;
}

json FeedbackOp(int n, const std::string& sale_id, int64_t rating) {
  return json{{"op_id", Uuid(n)},
              {"type", "feedback.given"},
              {"store_id", "SH01"},
              {"device_id", "demo-device-1"},
              {"device_seq", n},
              {"device_time", "2026-11-24T10:05:00Z"},
              {"hlc", "1795000000000-00000"},
              {"payload", {{"sale_id", sale_id}, {"rating", rating}, {"comment", "导购很耐心 / very patient"}}}};
}

TEST_F(AisledTest, FeedbackWaitsHeldForItsSaleThenApplies) {
  const int64_t price = unit_["price"];
  json sale = OnDevice(SaleOp(200, 1, price, price), "held-device", 1);
  json feedback = OnDevice(FeedbackOp(201, "sale-200", 5), "held-device", 2);
  feedback["depends_on"] = {sale["op_id"]};

  auto r = Push(json::array({feedback}));  // the feedback overtook its sale
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["results"][0]["status"], "held") << r.body;
  EXPECT_EQ(r.Json()["results"][0]["waiting_for"], json::array({sale["op_id"]}));
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM held_ops"), 1);
  r = Push(json::array({feedback}));  // a retry of the held op
  EXPECT_EQ(r.Json()["results"][0]["status"], "duplicate") << r.body;
  EXPECT_EQ(r.Json()["results"][0]["first"]["status"], "held");

  json status = Http(Port(), "GET", "/api/v1/sync/status?device_id=held-device", "", token_).Json();
  EXPECT_EQ(status["contiguous"], 0) << status.dump();
  EXPECT_EQ(status["missing"], json::parse(R"([{"from":1,"to":1}])")) << status.dump();
  ASSERT_EQ(status["held"].size(), 1u) << status.dump();
  EXPECT_EQ(status["held"][0]["device_seq"], 2);

  r = Push(json::array({sale}));
  EXPECT_EQ(r.Json()["results"][0]["status"], "applied") << r.body;
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM held_ops"), 0);
  EXPECT_EQ(SqlCount(dir_, "SELECT rating FROM feedback WHERE sale_id = 'sale-200'"), 5);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM ops WHERE op_id = '" + Uuid(201) + "'"), 1);
  r = Push(json::array({feedback}));  // and once applied, its first answer is "held"
  EXPECT_EQ(r.Json()["results"][0]["status"], "duplicate") << r.body;

  status = Http(Port(), "GET", "/api/v1/sync/status?device_id=held-device", "", token_).Json();
  EXPECT_EQ(status["contiguous"], 2) << status.dump();
  EXPECT_TRUE(status["missing"].empty());
  EXPECT_TRUE(status["held"].empty());
}

TEST_F(AisledTest, FeedbackOnAnUnknownSaleWithoutDependencyIsRejected) {
  auto r = Push(json::array({OnDevice(FeedbackOp(210, "no-such-sale", 4), "fb-device", 1)}));
  EXPECT_EQ(r.Json()["results"][0]["status"], "rejected") << r.body;
  EXPECT_EQ(r.Json()["results"][0]["error"]["code"], "unknown_sale");
}

TEST_F(AisledTest, StatusReportsContiguousSeqGapsAndRejections) {
  const int64_t price = unit_["price"];
  json bad = OnDevice(SaleOp(222, 1, price, price), "gap-device", 3);
  bad["payload"]["lines"][0]["qty"] = 0;
  auto r = Push(json::array({OnDevice(SaleOp(220, 1, price, price), "gap-device", 1),
                             OnDevice(SaleOp(221, 1, price, price), "gap-device", 2), bad,
                             OnDevice(SaleOp(225, 1, price, price), "gap-device", 6),
                             OnDevice(SaleOp(227, 1, price, price), "gap-device", 9)}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["results"][2]["status"], "rejected");
  json status = Http(Port(), "GET", "/api/v1/sync/status?device_id=gap-device", "", token_).Json();
  EXPECT_EQ(status["contiguous"], 3) << status.dump();  // a refused seq is answered, not missing
  EXPECT_EQ(status["highest"], 9);
  EXPECT_EQ(status["missing"], json::parse(R"([{"from":4,"to":5},{"from":7,"to":8}])")) << status.dump();
  ASSERT_EQ(status["rejected"].size(), 1u);
  EXPECT_EQ(status["rejected"][0]["device_seq"], 3);
  EXPECT_EQ(status["rejected"][0]["error"]["field"], "payload.lines[0].qty");
  // A gap never blocks what follows, and filling it moves the mark.
  r = Push(json::array({OnDevice(SaleOp(223, 1, price, price), "gap-device", 4),
                        OnDevice(SaleOp(224, 1, price, price), "gap-device", 5)}));
  status = Http(Port(), "GET", "/api/v1/sync/status?device_id=gap-device", "", token_).Json();
  EXPECT_EQ(status["contiguous"], 6) << status.dump();
  EXPECT_EQ(status["missing"], json::parse(R"([{"from":7,"to":8}])"));
  // The stamps are stored: the device's and the server's, later than it.
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM ops WHERE device_id = 'gap-device' AND server_hlc > hlc"), 6);
}


TEST_F(AisledTest, LiveConnectionsAreNudgedAfterACommitAndTicketsAreOneTime) {
  auto t = Http(Port(), "POST", "/api/v1/live/tickets", "", token_);
  ASSERT_EQ(t.status, 201) << t.body;
  const std::string ticket = t.Json()["ticket"];
  LiveClient first(Port(), ticket);
  const json hello = json::parse(first.Read(10));
  ASSERT_EQ(hello["type"], "hello");
  const int64_t cursor = hello["cursor"];
  // A second client on its own ticket: every device hears every nudge.
  LiveClient second(Port(), Http(Port(), "POST", "/api/v1/live/tickets", "", token_).Json()["ticket"]);
  ASSERT_EQ(json::parse(second.Read(10))["type"], "hello");

  const int64_t price = unit_["price"];
  ASSERT_EQ(Push(json::array({SaleOp(300, 1, price, price)})).Json()["results"][0]["status"], "applied");
  for (LiveClient* client : {&first, &second}) {
    json nudge;
    for (int i = 0; i < 5 && nudge.is_null(); ++i) {  // a generous deadline; the latency is benchmarked
      const json m = json::parse(client->Read(10), nullptr, false);
      if (m.is_object() && m["scope"] == "stock:SH01") nudge = m;
    }
    ASSERT_FALSE(nudge.is_null()) << "no stock:SH01 nudge";
    EXPECT_EQ(nudge["type"], "moved");
    EXPECT_GT(nudge["cursor"].get<int64_t>(), cursor);
  }
  // The nudge is a hint: the change itself is in the feed.
  json feed = Http(Port(), "GET", "/api/v1/sync/pull?scope=stock:SH01&since=" + std::to_string(cursor), "", token_).Json();
  bool found = false;
  for (const json& c : feed["changes"]) found = found || c["ref"] == "sale-300";
  EXPECT_TRUE(found) << feed.dump();

  EXPECT_THROW(LiveClient again(Port(), ticket), std::exception);  // used up
  EXPECT_THROW(LiveClient none(Port(), "not-a-ticket"), std::exception);
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/live", "", token_).status, 426);
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/sync/pull?scope=stock:NOWHERE", "", token_).status, 400);
  EXPECT_EQ(server_->Log().find(ticket), std::string::npos) << "the ticket was logged";
}

TEST_F(AisledTest, SnapshotPagesTheCatalogAndStockWithTheCursorToContinueFrom) {
  // The catalog, 100 products a page, in barcode order, until `next` is null.
  std::vector<std::string> barcodes;
  int64_t first_cursor = -1;
  std::string after;
  for (int page = 0; page < 100; ++page) {
    auto r = Http(Port(), "GET", "/api/v1/sync/snapshot?scope=catalog&limit=100&after=" + after, "", token_);
    ASSERT_EQ(r.status, 200) << r.body;
    const json body = r.Json();
    if (first_cursor < 0) first_cursor = body["cursor"];
    for (const json& p : body["items"]) barcodes.push_back(p["barcode"]);
    // The same facts in headers, so a client can ask for the next page before reading the body.
    EXPECT_EQ(r.headers["X-Aisle-Cursor"], std::to_string(body["cursor"].get<int64_t>()));
    EXPECT_EQ(r.headers["X-Aisle-Count"], std::to_string(body["items"].size()));
    EXPECT_EQ(r.headers.count("X-Aisle-Next"), body["next"].is_null() ? 0u : 1u);
    if (body["next"].is_null()) break;
    EXPECT_EQ(r.headers["X-Aisle-Next"], body["next"].get<std::string>());  // barcodes are digits
    after = body["next"];
    EXPECT_EQ(body["items"].size(), 100u);
  }
  EXPECT_EQ(static_cast<int64_t>(barcodes.size()), SqlCount(dir_, "SELECT count(*) FROM products"));
  EXPECT_TRUE(std::is_sorted(barcodes.begin(), barcodes.end()));
  EXPECT_EQ(std::adjacent_find(barcodes.begin(), barcodes.end()), barcodes.end());
  EXPECT_EQ(first_cursor, SqlCount(dir_, "SELECT max(seq) FROM changes"));

  // Stock at the store: per SKU, the sum of its movements (a sale just moved some).
  const int64_t price = unit_["price"];
  ASSERT_EQ(Push(json::array({SaleOp(310, 2, price, 2 * price)})).Json()["results"][0]["status"], "applied");
  const json stock = Http(Port(), "GET", "/api/v1/sync/snapshot?scope=stock:SH01&limit=5000", "", token_).Json();
  ASSERT_TRUE(stock["items"].is_array()) << stock.dump();
  bool seen = false;
  for (const json& item : stock["items"]) {
    if (item["sku"] != unit_["sku"]) continue;
    seen = true;
    EXPECT_EQ(item["qty"], SqlCount(dir_, "SELECT sum(qty_delta) FROM stock_movements WHERE location_id = 'SH01' "
                                          "AND sku = '" + unit_["sku"].get<std::string>() + "'"));
  }
  EXPECT_TRUE(seen) << stock.dump();
  EXPECT_GT(stock["cursor"].get<int64_t>(), first_cursor);  // the sale's stock change is in it

  const json promotions = Http(Port(), "GET", "/api/v1/sync/snapshot?scope=promotions", "", token_).Json();
  ASSERT_EQ(promotions["items"].size(), 1u) << promotions.dump();
  EXPECT_TRUE(promotions["items"][0]["version"].is_string());
  // Members with their points balance (the sum of their points movements); the feed has them too.
  const json members = Http(Port(), "GET", "/api/v1/sync/snapshot?scope=members", "", token_).Json();
  ASSERT_EQ(static_cast<int64_t>(members["items"].size()), SqlCount(dir_, "SELECT count(*) FROM members"));
  const json& m = members["items"][0];
  EXPECT_EQ(m["points"], SqlCount(dir_, "SELECT sum(delta) FROM points_movements WHERE member_id = '" +
                                            m["member_id"].get<std::string>() + "'"));
  const json member_feed = Http(Port(), "GET", "/api/v1/sync/pull?scope=members&since=0", "", token_).Json();
  EXPECT_EQ(member_feed["changes"].size(), members["items"].size());
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/sync/snapshot?scope=tasks", "", token_).status, 400);
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/sync/snapshot?limit=0", "", token_).status, 400);
}

TEST_F(AisledTest, BodiesThatAreNotABatchGet400) {
  for (const char* body : {"{", "[]", "{\"ops\":5}", "{\"nope\":[]}", "\"ops\""}) {
    auto r = Http(Port(), "POST", "/api/v1/sync/push", body, token_);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_TRUE(r.Json()["error"]["code"].is_string()) << body;
  }
}

TEST_F(AisledTest, OversizedBodyIs413) {
  const std::string big = "{\"ops\":[" + std::string(70000, ' ') + "]}";
  auto r = Http(Port(), "POST", "/api/v1/sync/push", big, token_);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.Json()["error"]["code"], "payload_too_large");
}

TEST_F(AisledTest, UnknownEndpointAndWrongMethod) {
  auto r = Http(Port(), "GET", "/api/v1/nope", "", token_);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["error"]["code"], "not_found");
  r = Http(Port(), "DELETE", "/api/v1/sync/push", "", token_);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Json()["error"]["code"], "method_not_allowed");
}

TEST(AisledProcessTest, StaticFilesSpaFallbackAndNoTraversal) {
  const std::string dir = MakeTempDir();
  std::filesystem::create_directories(dir + "/web/assets");
  std::ofstream(dir + "/web/index.html") << "<!doctype html><title>Aisle</title>";
  std::ofstream(dir + "/web/assets/app.js") << "console.log(1)";
  AisledProcess server(dir + "/data", {"--web-root", dir + "/web"});
  auto r = Http(server.port(), "GET", "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Aisle"), std::string::npos);
  EXPECT_EQ(r.headers["Content-Type"], "text/html; charset=utf-8");
  r = Http(server.port(), "GET", "/sell");  // the app's own route
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Aisle"), std::string::npos);
  r = Http(server.port(), "GET", "/assets/app.js");
  EXPECT_EQ(r.headers["Content-Type"], "text/javascript; charset=utf-8");
  EXPECT_NE(r.headers["Cache-Control"].find("immutable"), std::string::npos);
  EXPECT_EQ(Http(server.port(), "GET", "/missing.js").status, 404);
  EXPECT_EQ(Http(server.port(), "GET", "/../data/aisle.db").status, 400);
  server.Stop(SIGKILL);
  std::filesystem::remove_all(dir);
}

TEST(AisledProcessTest, SecondServerOnTheSameDataDirRefusesToStart) {
  const std::string dir = MakeTempDir();
  AisledProcess first(dir);
  EXPECT_THROW(AisledProcess second(dir), std::runtime_error);
  first.Stop(SIGKILL);
  std::filesystem::remove_all(dir);
}

TEST(AisledProcessTest, SigtermFinishesCleanlyAndRestartKeepsDataAndDemoIsIdempotent) {
  const std::string dir = MakeTempDir();
  int64_t changes = 0;
  {
    AisledProcess server(dir);
    changes = SqlCount(dir, "SELECT count(*) FROM changes");
    EXPECT_EQ(server.Stop(SIGTERM), 0) << server.Log();
    EXPECT_NE(server.Log().find("stopped cleanly"), std::string::npos) << server.Log();
  }
  EXPECT_EQ(SqlCount(dir, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
  AisledProcess again(dir);  // --demo a second time
  EXPECT_EQ(SqlCount(dir, "SELECT count(*) FROM changes"), changes);
  EXPECT_EQ(SqlCount(dir, "SELECT count(*) FROM staff"), 8);
  EXPECT_EQ(again.Stop(SIGINT), 0);
  std::filesystem::remove_all(dir);
}

TEST(AisledProcessTest, SigtermLetsTheRequestInFlightFinish) {
  const std::string dir = MakeTempDir();
  AisledProcess server(dir);
  // A sign-in spends ~0.1 s in argon2id: SIGTERM arrives while it runs.
  HttpResult signed_in;
  std::thread client([&] {
    try {
      signed_in = Http(server.port(), "POST", "/api/v1/sessions",
                       R"({"store_id":"SH01","device_id":"demo-device-1","staff_code":"1001","pin":"1111"})");
    } catch (const std::exception& e) {
      signed_in.body = e.what();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(server.Stop(SIGTERM), 0) << server.Log();
  client.join();
  EXPECT_EQ(signed_in.status, 201) << signed_in.body;
  // The signal came first; the request's access-log line (written when it is answered) after it.
  const std::string log = server.Log();
  ASSERT_NE(log.find("SIGTERM received"), std::string::npos) << log;
  EXPECT_LT(log.find("SIGTERM received"), log.find("\"POST /api/v1/sessions\" 201")) << log;
  std::filesystem::remove_all(dir);
}

TEST(AisledProcessTest, BadFlagsFailWithAMessage) {
  const std::string dir = MakeTempDir();
  EXPECT_THROW(AisledProcess server(dir, {"--port", "99999"}), std::runtime_error);
  EXPECT_THROW(AisledProcess server(dir, {"--tls-cert", "/nonexistent.pem"}), std::runtime_error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace aisle::testing
