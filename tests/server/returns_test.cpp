// Points and returns on a real aisled (--demo, real SQLite file, HTTP over
// loopback): a member's sale earns and redeems points, returns are priced
// again from the sale, and the three ways peers lost or invented points are
// each shown not to happen here — a retried upload doubling the points, a
// refund leaving the earned points with the customer, a refund taking the
// points back twice. The expected amounts come from core's pricing of the
// same request (the engine the device runs), not from numbers written here.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <set>

#include "core/cart_json.h"
#include "core/pricing/returns.h"
#include "tests/server/aisled_process.h"

namespace aisle::testing {
namespace {

using nlohmann::json;

constexpr const char* kMember = "M000002";  // gold, 12,380 points in the demo

class ReturnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    server_ = std::make_unique<AisledProcess>(dir_);
    manager_ = SignIn("SH01", "2001", "222222", "sh-phone");
    beijing_ = SignIn("BJ01", "1101", "1111", "bj-phone");
    json feed = Get(manager_, "/api/v1/sync/pull?since=0&scope=catalog&limit=1000");
    for (const json& change : feed["changes"]) products_[change["product"]["sku"]] = change["product"];
    rules_ = Get(manager_, "/api/v1/pricing/rules")["rules"];
    ASSERT_TRUE(rules_.contains("points")) << rules_.dump().substr(0, 200);
  }
  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "--- aisled log ---\n" << server_->Log();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string SignIn(const std::string& store, const std::string& staff, const std::string& pin,
                     const std::string& device) {
    return SignInToken(server_->port(), store, staff, pin, device);
  }
  json Get(const std::string& token, const std::string& target) {
    return Http(server_->port(), "GET", target, "", token).Json();
  }
  json Push(const std::string& token, const json& op) {
    const json r = Http(server_->port(), "POST", "/api/v1/sync/push", json{{"ops", {op}}}.dump(), token).Json();
    return r["results"][0];
  }
  int64_t Balance() {
    return SqlCount(dir_, std::string("SELECT sum(delta) FROM points_movements WHERE member_id = '") + kMember + "'");
  }

  // The device's priceCart request for `items` (sku, qty) for the gold member.
  json Request(const std::vector<std::pair<std::string, int64_t>>& items, std::optional<int64_t> redeem) {
    json lines = json::array();
    for (const auto& [sku, qty] : items) {
      const json& p = products_.at(sku);
      lines.push_back({{"barcode", p["barcode"]}, {"sku", sku}, {"category", p["category"]}, {"brand", p["brand"]},
                       {"qty", qty}, {"unit_price", p["price"]}, {"tax_rate_bp", p["tax_rate_bp"]},
                       {"sold_by", p["sold_by"]}});
    }
    json points = {{"balance", Balance()}};
    if (redeem) points["redeem"] = *redeem;
    return {{"currency", "CNY"}, {"lines", lines}, {"rules", rules_},
            {"context", {{"now", "2026-11-25T10:00:00Z"}, {"store_id", "SH01"}, {"member_tier", "gold"}}},
            {"points", points}};
  }

  json Op(int n, const std::string& type, const std::string& store, const std::string& device, const json& payload) {
    char hlc[32];
    std::snprintf(hlc, sizeof hlc, "%013lld-%05d", 1795000000000LL + n, 0);
    return {{"op_id", Uuid(static_cast<uint64_t>(n))}, {"type", type}, {"store_id", store}, {"device_id", device},
            {"device_seq", n}, {"device_time", "2026-11-25T10:00:00Z"}, {"hlc", hlc}, {"payload", payload}};
  }

  // A paid sale of the request as the device makes it; `priced` gets core's result.
  json SaleOp(int n, const std::string& sale_id, const json& request, json& priced) {
    priced = json::parse(core::PriceCartJson(request.dump()));
    EXPECT_FALSE(priced.contains("error")) << priced;
    json lines = json::array();
    for (const json& l : request["lines"]) {
      lines.push_back({{"barcode", l["barcode"]}, {"qty", l["qty"]}, {"unit_price", l["unit_price"]}});
    }
    const int64_t due = priced["amount_due"];
    return Op(n, "sale.completed", "SH01", "sh-phone",
              {{"sale_id", sale_id}, {"currency", "CNY"}, {"lines", lines}, {"total", due},
               {"tenders", {{{"type", "card"}, {"amount", due}}}}, {"rules_version", rules_["version"]},
               {"member_tier", "gold"}, {"priced_at", "2026-11-25T10:00:00Z"}, {"member_id", kMember},
               {"points", request["points"]}, {"coupons", request.value("coupons", json::array())}});
  }

  // What the device computes for a return: core's priceReturn of the sale's request.
  json PriceReturn(const json& sale_request, const json& earlier, const json& returning) {
    json out = json::parse(core::PriceReturnJson(
        json{{"sale", sale_request}, {"earlier_returns", earlier}, {"returning", returning}}.dump()));
    EXPECT_FALSE(out.contains("error")) << out;
    return out;
  }
  json ReturnOp(int n, const std::string& store, const std::string& device, const std::string& return_id,
                const std::string& sale_id, const json& items, int64_t refund) {
    json payload = {{"return_id", return_id}, {"sale_id", sale_id}, {"currency", "CNY"}, {"items", items},
                    {"refund", refund}, {"reason", "不合适 did not fit"}, {"tenders", json::array()}};
    if (refund > 0) payload["tenders"] = {{{"type", "card"}, {"amount", refund}}};
    return Op(n, "sale.returned", store, device, payload);
  }

  std::string dir_;
  std::unique_ptr<AisledProcess> server_;
  std::string manager_, beijing_;
  std::map<std::string, json> products_;
  json rules_;
};

// Peer failure: "points doubled when an offline upload was retried".
TEST_F(ReturnsTest, ASaleEarnsAndRedeemsPointsOnceHoweverOftenItIsUploaded) {
  const int64_t start = Balance();
  ASSERT_EQ(start, 12380);
  json priced;
  const json op = SaleOp(1, "pts-sale-1", Request({{"SKU-001001", 2}, {"SKU-002008", 1}}, 2000), priced);
  const int64_t redeemed = priced["points"]["redeemed_points"], earned = priced["points"]["earned"];
  ASSERT_EQ(redeemed, 2000) << priced["points"];
  ASSERT_GT(earned, 0);
  const json first = Push(manager_, op);
  ASSERT_EQ(first["status"], "applied") << first;
  EXPECT_EQ(first["points"]["moved"]["sale_earn"], earned);
  EXPECT_EQ(first["points"]["moved"]["sale_redeem"], -redeemed);
  EXPECT_EQ(Balance(), start - redeemed + earned);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM price_differences WHERE sale_id = 'pts-sale-1'"), 0);

  // The device never saw the answer and uploads the op again, twice.
  for (int i = 0; i < 2; ++i) {
    const json retried = Push(manager_, op);
    EXPECT_EQ(retried["status"], "duplicate");
    EXPECT_EQ(retried["first"], first);
  }
  // A buggy client makes a new op for the same sale: refused, the points do not move.
  json again = op;
  again["op_id"] = Uuid(2);
  again["device_seq"] = 2;
  EXPECT_EQ(Push(manager_, again)["error"]["code"], "sale_id_conflict");
  EXPECT_EQ(Balance(), start - redeemed + earned);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM points_movements WHERE ref = 'pts-sale-1'"), 2);
}

// Peer failure: "a refund that left the earned points with the customer" —
// returned in two parts, the sale gives back all it earned and all it redeemed.
TEST_F(ReturnsTest, ReturningEverythingTakesBackEveryEarnedPointAndGivesBackEveryRedeemedOne) {
  const int64_t start = Balance();
  json priced;
  const json request = Request({{"SKU-001001", 2}, {"SKU-002008", 1}}, 3000);
  ASSERT_EQ(Push(manager_, SaleOp(1, "pts-sale-2", request, priced))["status"], "applied");
  const int64_t redeemed = priced["points"]["redeemed_points"], earned = priced["points"]["earned"];

  // One serum back: the one kept loses its second-item-half-price partner.
  const json part = PriceReturn(request, json::array(), {{{"line", 0}, {"qty", 1}}});
  const json r1 = Push(manager_, ReturnOp(3, "SH01", "sh-phone", "ret-2a", "pts-sale-2", {{{"line", 0}, {"qty", 1}}},
                                          part["refund_money"]));
  ASSERT_EQ(r1["status"], "applied") << r1;
  EXPECT_EQ(r1["refund_money"], part["refund_money"]);
  EXPECT_EQ(r1["points_reversed"], part["points_reversed"]);
  EXPECT_LT(part["refund"].get<int64_t>(), part["lines"][0]["paid"].get<int64_t>() + 1);

  // The rest, priced as a terminal in any store does: from the sale as the server shows it.
  const json stored = Get(manager_, "/api/v1/sales/pts-sale-2");
  ASSERT_EQ(stored["returns"].size(), 1u) << stored;
  EXPECT_EQ(stored["member_id"], kMember);
  json earlier = json::array();
  for (const json& r : stored["returns"]) earlier.push_back(r["items"]);
  const json rest_items = {{{"line", 0}, {"qty", 1}}, {{"line", 1}, {"qty", 1}}};
  const json rest = PriceReturn(stored["return_request"], earlier, rest_items);
  EXPECT_EQ(rest, PriceReturn(request, {{{{"line", 0}, {"qty", 1}}}}, rest_items));
  ASSERT_TRUE(rest["fully_returned"].get<bool>());
  const json r2 = Push(manager_, ReturnOp(4, "SH01", "sh-phone", "ret-2b", "pts-sale-2", rest_items, rest["refund_money"]));
  ASSERT_EQ(r2["status"], "applied") << r2;
  // Everything came back: the customer has exactly the points they had before the sale, and
  // was paid back in money exactly what they paid in money.
  EXPECT_EQ(part["points_reversed"].get<int64_t>() + rest["points_reversed"].get<int64_t>(), earned);
  EXPECT_EQ(part["points_returned"].get<int64_t>() + rest["points_returned"].get<int64_t>(), redeemed);
  EXPECT_EQ(Balance(), start);
  EXPECT_EQ(part["refund_money"].get<int64_t>() + rest["refund_money"].get<int64_t>(), priced["amount_due"].get<int64_t>());
  EXPECT_EQ(SqlCount(dir_, "SELECT sum(refund_money) FROM returns WHERE sale_id = 'pts-sale-2'"), priced["amount_due"]);
  // Nothing more is left to return.
  const json more = Push(manager_, ReturnOp(5, "SH01", "sh-phone", "ret-2c", "pts-sale-2", {{{"line", 1}, {"qty", 1}}}, 0));
  EXPECT_EQ(more["status"], "rejected");
  EXPECT_EQ(more["error"]["code"], "return_exceeds_sale") << more;
  EXPECT_EQ(more["error"]["field"], "payload.items[0].qty");
}

// Peer failure: "points deducted twice on a refund" — the return uploaded again,
// or made again under a new op by a confused client, moves nothing more.
TEST_F(ReturnsTest, ARetriedRefundMovesPointsOnce) {
  const int64_t start = Balance();
  json priced;
  const json request = Request({{"SKU-002008", 1}}, std::nullopt);
  ASSERT_EQ(Push(manager_, SaleOp(1, "pts-sale-3", request, priced))["status"], "applied");
  const int64_t earned = priced["points"]["earned"];
  ASSERT_EQ(Balance(), start + earned);
  const json refund = PriceReturn(request, json::array(), {{{"line", 0}, {"qty", 1}}});
  const json op = ReturnOp(3, "SH01", "sh-phone", "ret-3", "pts-sale-3", {{{"line", 0}, {"qty", 1}}}, refund["refund_money"]);
  const json first = Push(manager_, op);
  ASSERT_EQ(first["status"], "applied") << first;
  EXPECT_EQ(first["points"]["moved"]["return_earned"], -earned);
  EXPECT_EQ(Push(manager_, op)["first"], first);
  json again = op;
  again["op_id"] = Uuid(4);
  again["device_seq"] = 4;
  EXPECT_EQ(Push(manager_, again)["error"]["code"], "return_id_conflict");
  EXPECT_EQ(Balance(), start);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM points_movements WHERE ref = 'ret-3'"), 1);
}

// A return in another store of the chain: stock goes back where the units are;
// a device refund that differs from the server's and a refund above the
// associate's limit without approval are shown to the manager, not refused.
TEST_F(ReturnsTest, CrossStoreReturnsRestockTheReturningStoreAndDifferencesReachTheManager) {
  json priced;
  const json request = Request({{"SKU-002008", 2}}, std::nullopt);
  ASSERT_EQ(Push(manager_, SaleOp(1, "pts-sale-4", request, priced))["status"], "applied");
  const auto stock = [&](const std::string& store) {
    return SqlCount(dir_, "SELECT sum(qty_delta) FROM stock_movements WHERE sku = 'SKU-002008' AND location_id = '" +
                              store + "'");
  };
  const int64_t beijing_before = stock("BJ01"), shanghai_before = stock("SH01");
  const json refund = PriceReturn(request, json::array(), {{{"line", 0}, {"qty", 1}}});
  const json r = Push(beijing_, ReturnOp(3, "BJ01", "bj-phone", "ret-4", "pts-sale-4", {{{"line", 0}, {"qty", 1}}},
                                         refund["refund_money"].get<int64_t>() + 100));
  ASSERT_EQ(r["status"], "accepted_with_exception") << r;
  EXPECT_EQ(r["refund_money"], refund["refund_money"]);
  std::set<std::string> kinds;
  for (const json& e : r["exceptions"]) kinds.insert(e["kind"]);
  EXPECT_EQ(kinds, (std::set<std::string>{"refund_difference", "approval_invalid"}));  // 1101 may not refund alone
  EXPECT_EQ(stock("BJ01"), beijing_before + 1);
  EXPECT_EQ(stock("SH01"), shanghai_before);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM returns WHERE store_id = 'BJ01' AND sale_id = 'pts-sale-4'"), 1);
  // Unknown sales and more units than sold are refused with the field named.
  const json unknown = Push(manager_, ReturnOp(5, "SH01", "sh-phone", "ret-5", "no-such-sale", {{{"line", 0}, {"qty", 1}}}, 0));
  EXPECT_EQ(unknown["error"]["code"], "unknown_sale");
  const json many = Push(manager_, ReturnOp(6, "SH01", "sh-phone", "ret-6", "pts-sale-4", {{{"line", 0}, {"qty", 5}}}, 0));
  EXPECT_EQ(many["error"]["code"], "return_exceeds_sale") << many;
}

// Without a receipt there is no sale to price from: a unit is refunded at the lowest price a
// customer paid for one in the last 30 days (or the catalog's), and a manager approves every one.
TEST_F(ReturnsTest, WithoutAReceiptTheLowestRecentPriceIsRefundedAndAManagerMustApprove) {
  const json& serum = products_.at("SKU-001001");
  const std::string lowest = "/api/v1/catalog/lowest-price?barcode=" + serum["barcode"].get<std::string>();
  EXPECT_EQ(Get(manager_, lowest)["price"], serum["price"]);  // nothing sold yet: the catalog price
  json priced;
  ASSERT_EQ(Push(manager_, SaleOp(1, "pts-sale-5", Request({{"SKU-001001", 2}}, std::nullopt), priced))["status"], "applied");
  const int64_t paid = SqlCount(dir_, "SELECT gross / qty FROM sale_lines WHERE sale_id = 'pts-sale-5'");
  ASSERT_LT(paid, serum["price"].get<int64_t>());  // second item half price, member discount
  EXPECT_EQ(Get(manager_, lowest)["price"], paid);
  EXPECT_EQ(Get(manager_, "/api/v1/catalog/lowest-price?barcode=6900000000007")["error"]["code"], "unknown_barcode");

  const auto stock = [&] {
    return SqlCount(dir_, "SELECT sum(qty_delta) FROM stock_movements WHERE sku = 'SKU-001001' AND location_id = 'SH01'");
  };
  const int64_t before = stock();
  const json payload = {{"return_id", "nr-1"}, {"no_receipt", true}, {"currency", "CNY"},
                        {"lines", {{{"barcode", serum["barcode"]}, {"qty", 1}}}}, {"refund", paid},
                        {"tenders", {{{"type", "cash"}, {"amount", paid}}}}, {"reason", "无小票"}};
  const json r = Push(manager_, Op(3, "sale.returned", "SH01", "sh-phone", payload));
  // The store manager may refund this much alone with a receipt, not without one.
  ASSERT_EQ(r["status"], "accepted_with_exception") << r;
  EXPECT_EQ(r["exceptions"][0]["kind"], "approval_invalid");
  EXPECT_EQ(r["refund_money"], paid);
  EXPECT_EQ(stock(), before + 1);
  EXPECT_EQ(SqlCount(dir_, "SELECT refund_money FROM unreceipted_returns WHERE return_id = 'nr-1'"), paid);
  json again = payload;
  again["return_id"] = "nr-1";
  EXPECT_EQ(Push(manager_, Op(4, "sale.returned", "SH01", "sh-phone", again))["error"]["code"], "return_id_conflict");
  json bad = payload;
  bad["return_id"] = "nr-2";
  bad["lines"][0]["barcode"] = "6900000000007";
  EXPECT_EQ(Push(manager_, Op(5, "sale.returned", "SH01", "sh-phone", bad))["error"]["field"], "payload.lines[0].barcode");
}

// Coupons (layer 4) on the server: codes issued for a coupon of the rules, the re-pricing applies
// the code the device presented, a single-use code redeemed by two sales (two offline devices)
// is raised as coupon_reused, a code never issued as coupon_unknown, and a sale returned whole
// gives its coupon back.
TEST_F(ReturnsTest, SingleUseCouponsAreALedgerRaisedWhenReusedAndGivenBackByAWholeReturn) {
  const std::string admin = SignIn("SH01", "9001", "999999", "sh-admin");
  const HttpResult batch = Http(server_->port(), "POST", "/api/v1/coupons/batches",
                                json{{"coupon_id", "CPN-20-OFF-200"}, {"count", 2}}.dump(), admin);
  ASSERT_EQ(batch.status, 201) << batch.body;
  const std::string code = batch.Json()["codes"][0];
  EXPECT_EQ(Http(server_->port(), "POST", "/api/v1/coupons/batches", json{{"coupon_id", "NOPE"}, {"count", 2}}.dump(), admin)
                .Json()["error"]["field"],
            "coupon_id");
  const auto with_code = [&](const std::string& c) {
    json request = Request({{"SKU-001002", 1}}, std::nullopt);
    request["coupons"] = {{{"code", c}, {"coupon_id", "CPN-20-OFF-200"}}};
    return request;
  };
  json first_priced, second_priced, forged_priced;
  const json first_request = with_code(code);
  const json first = Push(manager_, SaleOp(1, "cpn-sale-1", first_request, first_priced));
  ASSERT_EQ(first_priced["coupons"][0]["applied"], true) << first_priced["coupons"];
  ASSERT_EQ(first["status"], "applied") << first;
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM price_differences WHERE sale_id = 'cpn-sale-1'"), 0);
  // Another device, offline, took the same single-use code.
  const json second = Push(manager_, SaleOp(2, "cpn-sale-2", with_code(code), second_priced));
  ASSERT_EQ(second["status"], "accepted_with_exception") << second;
  EXPECT_EQ(second["exceptions"][0]["kind"], "coupon_reused");
  const json forged = Push(manager_, SaleOp(3, "cpn-sale-3", with_code("CPN-20-OFF-200-22222222"), forged_priced));
  EXPECT_EQ(forged["exceptions"][0]["kind"], "coupon_unknown") << forged;
  const json coupon = Get(manager_, "/api/v1/coupons/" + code);
  EXPECT_EQ(coupon["redeemed"].size(), 2u) << coupon;
  EXPECT_EQ(Get(manager_, "/api/v1/coupons/NOPE-22222222")["error"]["code"], "coupon_not_found");

  // The first sale comes back whole: its coupon is given back (still valid), the refund is what was paid.
  const json refund = PriceReturn(first_request, json::array(), {{{"line", 0}, {"qty", 1}}});
  EXPECT_EQ(refund["refund"], first_priced["total"]);
  const json r = Push(manager_, ReturnOp(4, "SH01", "sh-phone", "cpn-ret-1", "cpn-sale-1", {{{"line", 0}, {"qty", 1}}},
                                         refund["refund_money"]));
  ASSERT_EQ(r["status"], "applied") << r;
  EXPECT_EQ(r["coupons_restored"], 1);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM coupon_redemptions WHERE restored_by = 'cpn-ret-1' AND sale_id = 'cpn-sale-1'"), 1);

  // Rules whose returns policy keeps coupons: the second code, used and returned whole, stays used.
  rules_["version"] = rules_["version"].get<std::string>() + "+keep-coupons";
  rules_["returns"] = {{"restore_coupons", false}};
  ASSERT_EQ(Http(server_->port(), "POST", "/api/v1/pricing/rules", rules_.dump(), admin).status, 201);
  json kept_priced;
  const json kept_request = with_code(batch.Json()["codes"][1]);
  ASSERT_EQ(Push(manager_, SaleOp(5, "cpn-sale-5", kept_request, kept_priced))["status"], "applied");
  const json back = PriceReturn(kept_request, json::array(), {{{"line", 0}, {"qty", 1}}});
  const json kept = Push(manager_, ReturnOp(6, "SH01", "sh-phone", "cpn-ret-5", "cpn-sale-5", {{{"line", 0}, {"qty", 1}}},
                                            back["refund_money"]));
  ASSERT_EQ(kept["status"], "applied") << kept;
  EXPECT_FALSE(kept.contains("coupons_restored")) << kept;
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM coupon_redemptions WHERE sale_id = 'cpn-sale-5' AND restored_by = ''"), 1);
}

}  // namespace
}  // namespace aisle::testing
