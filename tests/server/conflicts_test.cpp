// Offline conflicts a paid sale brings with it (docs/sync.md, "Conflicts"),
// on a real aisled (--demo, real SQLite file, HTTP over loopback): a flash
// sale's cap exceeded by devices that sold offline (cap_exceeded, and the
// chain-wide count devices then price with), a per-member cap exceeded by one
// member's offline sales on two devices (cap_exceeded with the member, and the
// member's count in the members feed and snapshot), and a sale priced with rules or
// prices that were already replaced at its device time (price_drift) — but
// not one whose rules changed only after it. Expected amounts come from
// core's pricing of the same request, as the device computes them.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <thread>

#include "core/cart_json.h"
#include "tests/server/aisled_process.h"

namespace aisle::testing {
namespace {

using nlohmann::json;

std::string Iso(std::time_t t) {
  char out[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

class ConflictsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    server_ = std::make_unique<AisledProcess>(dir_);
    admin_ = SignInToken(server_->port(), "SH01", "9001", "999999", "hq-laptop");
    associate_ = SignInToken(server_->port(), "SH01", "1001", "1111", "sh-phone");
    // A household product: no demo promotion takes it.
    const json feed = Http(server_->port(), "GET", "/api/v1/sync/pull?since=0&scope=catalog&limit=1000", "", admin_).Json();
    for (const json& change : feed["changes"]) {
      if (change["product"]["category"] == "household" && change["product"]["sold_by"] == "unit") {
        product_ = change["product"];
        break;
      }
    }
    ASSERT_TRUE(product_.is_object());
  }
  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "--- aisled log ---\n" << server_->Log();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Publish(const json& rules) {
    const HttpResult r = Http(server_->port(), "POST", "/api/v1/pricing/rules", rules.dump(), admin_);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  json Rules(const std::string& version, const json& promotions) {
    return {{"version", version}, {"tax_mode", "inclusive"}, {"promotions", promotions}};
  }

  // The device's request: `qty` of the product at `unit_price`, priced at `at` with `rules`.
  json Request(const json& rules, int64_t qty, int64_t unit_price, const std::string& at, const json& used) {
    json context = {{"now", at}, {"store_id", "SH01"}};
    if (!used.empty()) context["promotion_used"] = used;
    return {{"currency", "CNY"},
            {"lines", {{{"barcode", product_["barcode"]}, {"sku", product_["sku"]}, {"category", product_["category"]},
                        {"brand", product_["brand"]}, {"qty", qty}, {"unit_price", unit_price},
                        {"tax_rate_bp", product_["tax_rate_bp"]}, {"sold_by", "unit"}}}},
            {"rules", rules},
            {"context", context}};
  }

  // A paid sale as the device queues it; `priced` gets core's result.
  json SaleOp(int n, const std::string& device, const json& request, json& priced) {
    priced = json::parse(core::PriceCartJson(request.dump()));
    EXPECT_FALSE(priced.contains("error")) << priced;
    const json& line = request["lines"][0];
    const int64_t due = priced["amount_due"];
    const std::string at = request["context"]["now"];
    json payload = {{"sale_id", Uuid(1000 + static_cast<uint64_t>(n))},
                    {"currency", "CNY"},
                    {"lines", {{{"barcode", line["barcode"]}, {"qty", line["qty"]}, {"unit_price", line["unit_price"]}}}},
                    {"total", due},
                    {"tenders", {{{"type", "card"}, {"amount", due}}}},
                    {"rules_version", request["rules"]["version"]},
                    {"priced_at", at}};
    for (const char* key : {"promotion_used", "member_applications", "member_tier"}) {
      if (request["context"].contains(key)) payload[key] = request["context"][key];
    }
    char hlc[32];
    std::snprintf(hlc, sizeof hlc, "%013lld-%05d", 1795000000000LL + n, 0);
    return {{"op_id", Uuid(static_cast<uint64_t>(n))}, {"type", "sale.completed"}, {"store_id", "SH01"},
            {"device_id", device}, {"device_seq", n}, {"device_time", at}, {"hlc", hlc}, {"payload", payload}};
  }
  json Push(const json& op) {
    const json r =
        Http(server_->port(), "POST", "/api/v1/sync/push", json{{"ops", {op}}}.dump(), associate_).Json();
    return r["results"][0];
  }
  json Exceptions(const std::string& kind) {
    return Http(server_->port(), "GET", "/api/v1/exceptions?store=SH01&kind=" + kind, "", admin_).Json()["exceptions"];
  }

  std::string dir_;
  std::unique_ptr<AisledProcess> server_;
  std::string admin_, associate_;
  json product_;
};

TEST_F(ConflictsTest, OfflineSalesPastAFlashSaleCapAreKeptAndRaiseCapExceeded) {
  const int64_t price = product_["price"];
  const json flash = {{"id", "FLASH-T"}, {"type", "flash_sale"}, {"scope", {{"skus", {product_["sku"]}}}},
                      {"price", price - 1000}, {"remaining_units", 3}};
  const json rules = Rules("cap-1", json::array({flash}));
  Publish(rules);
  const std::string now = Iso(std::time(nullptr));  // cap-1 is the current rules

  // Two devices offline, each with no news of the other: both sell 2 units at the flash price.
  json a, b;
  const json op_a = SaleOp(1, "phone-a", Request(rules, 2, price, now, json::object()), a);
  const json op_b = SaleOp(2, "phone-b", Request(rules, 2, price, now, json::object()), b);
  ASSERT_EQ(a["discount"], 2000);
  ASSERT_EQ(b["discount"], 2000);
  EXPECT_EQ(Push(op_a)["status"], "applied");
  const json second = Push(op_b);
  ASSERT_EQ(second["status"], "accepted_with_exception") << second;
  ASSERT_EQ(second["exceptions"][0]["kind"], "cap_exceeded");
  EXPECT_EQ(second["promotion_usage"]["FLASH-T"], 4);  // the count the device prices with from now
  const json raised = Exceptions("cap_exceeded");
  ASSERT_EQ(raised.size(), 1U) << raised;
  EXPECT_EQ(raised[0]["detail"]["promotion_id"], "FLASH-T");
  EXPECT_EQ(raised[0]["detail"]["cap"], 3);
  EXPECT_EQ(raised[0]["detail"]["used"], 4);
  EXPECT_EQ(raised[0]["detail"]["over"], 1);
  EXPECT_EQ(raised[0]["suggestion"], "review_cap");

  // A retried upload is not counted twice.
  EXPECT_EQ(Push(op_b)["status"], "duplicate");
  EXPECT_EQ(SqlCount(dir_, "SELECT sum(units) FROM promotion_usage WHERE promotion_id = 'FLASH-T'"), 4);

  // The promotions feed carries the chain-wide count; a device that heard it prices with nothing left.
  const json feed = Http(server_->port(), "GET", "/api/v1/sync/pull?since=0&scope=promotions&limit=100", "", admin_).Json();
  int64_t used = -1;
  for (const json& c : feed["changes"]) {
    if (c["kind"] == "promotion_usage" && c["promotion_id"] == "FLASH-T") used = c["used"];
  }
  ASSERT_EQ(used, 4) << feed.dump().substr(0, 400);
  // A new device starting from the snapshot gets the count with the rules.
  const json snapshot = Http(server_->port(), "GET", "/api/v1/sync/snapshot?scope=promotions", "", admin_).Json();
  ASSERT_EQ(snapshot["items"].size(), 2U) << snapshot.dump().substr(0, 400);
  EXPECT_EQ(snapshot["items"][1], (json{{"kind", "promotion_usage"}, {"promotion_id", "FLASH-T"}, {"used", 4}}));
  json c;
  const json op_c = SaleOp(3, "phone-c", Request(rules, 1, price, now, {{"FLASH-T", used}}), c);
  EXPECT_EQ(c["discount"], 0);
  const json third = Push(op_c);
  EXPECT_EQ(third["status"], "applied") << third;
  EXPECT_EQ(third["price_differences"], 0);
  EXPECT_EQ(Exceptions("cap_exceeded").size(), 1U);
  // The server kept the count the device priced with, for the sale's returns.
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM sales WHERE pricing_request LIKE '%\"promotion_used\":{\"FLASH-T\":4}%'"), 1);
}

TEST_F(ConflictsTest, OfflineSalesPastAPerMemberCapAreKeptAndRaiseCapExceededForTheMember) {
  const int64_t price = product_["price"];
  const json offer = {{"id", "NEW-T"}, {"type", "amount_off"}, {"scope", {{"skus", {product_["sku"]}}}},
                      {"amount", 500}, {"per_member", 2}};
  const json rules = Rules("member-cap-1", json::array({offer}));
  Publish(rules);
  const std::string now = Iso(std::time(nullptr));
  const auto member_of = [&](const std::string& id) {
    const json page = Http(server_->port(), "GET", "/api/v1/sync/snapshot?scope=members&limit=5000", "", admin_).Json();
    for (const json& m : page["items"]) {
      if (m["member_id"] == id) return m;
    }
    return json();
  };
  const json member = member_of("M000002");
  ASSERT_TRUE(member.is_object());
  EXPECT_FALSE(member.contains("promotions"));  // never had it
  const std::string tier = member["tier"];
  // The member's sale as a device prices it: with the applications it knows the member had.
  const auto member_sale = [&](int n, const std::string& device, const json& had, json& priced) {
    json request = Request(rules, 2, price, now, json::object());
    request["context"]["member_tier"] = tier;
    if (!had.empty()) request["context"]["member_applications"] = had;
    json op = SaleOp(n, device, request, priced);
    op["payload"]["member_id"] = "M000002";
    return op;
  };

  // Two devices offline, each unaware of the other's sale: the member gets the offer twice on each.
  json a, b;
  const json op_a = member_sale(11, "phone-a", json::object(), a);
  const json op_b = member_sale(12, "phone-b", json::object(), b);
  ASSERT_EQ(a["discount"], 1000);
  ASSERT_EQ(b["discount"], 1000);
  const json first = Push(op_a);
  ASSERT_EQ(first["status"], "applied") << first;
  EXPECT_EQ(first["member_applications"]["NEW-T"], 2);
  const json second = Push(op_b);
  ASSERT_EQ(second["status"], "accepted_with_exception") << second;
  EXPECT_EQ(second["member_applications"]["NEW-T"], 4);
  const json raised = Exceptions("cap_exceeded");
  ASSERT_EQ(raised.size(), 1U) << raised;
  EXPECT_EQ(raised[0]["detail"]["promotion_id"], "NEW-T");
  EXPECT_EQ(raised[0]["detail"]["member_id"], "M000002");
  EXPECT_EQ(raised[0]["detail"]["per_member"], 2);
  EXPECT_EQ(raised[0]["detail"]["applications"], 4);
  EXPECT_EQ(raised[0]["detail"]["over"], 2);
  EXPECT_EQ(Push(op_b)["status"], "duplicate");  // a retried upload is not counted twice
  EXPECT_EQ(SqlCount(dir_, "SELECT sum(applications) FROM member_promotion_usage WHERE member_id = 'M000002'"), 4);

  // The members feed and a new device's snapshot carry the member's count.
  int64_t had = -1;
  for (int64_t since = 0;;) {
    const json feed = Http(server_->port(), "GET", "/api/v1/sync/pull?scope=members&limit=1000&since=" + std::to_string(since),
                           "", admin_).Json();
    ASSERT_TRUE(feed.contains("changes")) << feed;
    for (const json& c : feed["changes"]) {
      if (c.value("kind", "") == "member_promotion" && c["member_id"] == "M000002" && c["promotion_id"] == "NEW-T") {
        had = c["applications"];
      }
    }
    since = feed["cursor"];
    if (feed["more"] != true) break;
  }
  ASSERT_EQ(had, 4);
  EXPECT_EQ(member_of("M000002")["promotions"], (json{{"NEW-T", 4}}));
  EXPECT_FALSE(member_of("M000001").contains("promotions"));

  // A device that heard it gives the member no more; a customer the till does not know gets none.
  json c;
  const json third = Push(member_sale(13, "phone-c", {{"NEW-T", had}}, c));
  EXPECT_EQ(c["discount"], 0);
  EXPECT_EQ(third["status"], "applied") << third;
  EXPECT_EQ(third["price_differences"], 0);
  json d;
  const json anonymous = Push(SaleOp(14, "phone-c", Request(rules, 1, price, now, json::object()), d));
  EXPECT_EQ(d["discount"], 0);
  EXPECT_EQ(anonymous["price_differences"], 0) << anonymous;
  EXPECT_EQ(Exceptions("cap_exceeded").size(), 1U);

  // A member's tier but no member id: the offer cannot be counted for anyone, so the manager sees it.
  json e;
  json tiered = Request(rules, 1, price, now, json::object());
  tiered["context"]["member_tier"] = tier;
  const json untracked = Push(SaleOp(15, "phone-c", tiered, e));
  EXPECT_EQ(e["discount"], 500);
  ASSERT_EQ(untracked["status"], "accepted_with_exception") << untracked;
  const json all = Exceptions("cap_exceeded");
  ASSERT_EQ(all.size(), 2U) << all;
  const json& nobody = all[0]["detail"]["member_id"].is_null() ? all[0] : all[1];
  EXPECT_TRUE(nobody["detail"]["member_id"].is_null()) << all;
  EXPECT_EQ(nobody["detail"]["over"], 1);
}

TEST_F(ConflictsTest, ASalePricedWithRulesAlreadyReplacedRaisesPriceDriftAndOneReplacedLaterDoesNot) {
  const int64_t price = product_["price"];
  const auto percent = [&](int64_t bp) {
    return json::array({{{"id", "HH-OFF"}, {"type", "percent_off"}, {"scope", {{"skus", {product_["sku"]}}}},
                         {"percent_bp", bp}}});
  };
  const json v1 = Rules("drift-1", percent(1000));
  const json v2 = Rules("drift-2", percent(2000));
  Publish(v1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const std::string between = Iso(std::time(nullptr));  // v1 current, v2 not yet published
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  Publish(v2);
  const std::string after = Iso(std::time(nullptr));

  // Sold at `between` with v1: v1 was current then — no drift, though v2 is current now.
  json early;
  const json in_time = Push(SaleOp(11, "phone-a", Request(v1, 1, price, between, json::object()), early));
  EXPECT_EQ(in_time["status"], "applied") << in_time;

  // Sold after v2 was published, by a device that never received it: the sale stands, price_drift says by how much.
  json stale;
  const json late = Push(SaleOp(12, "phone-b", Request(v1, 1, price, after, json::object()), stale));
  ASSERT_EQ(late["status"], "accepted_with_exception") << late;
  const json drift = Exceptions("price_drift");
  ASSERT_EQ(drift.size(), 1U) << drift;
  const json current = json::parse(core::PriceCartJson(Request(v2, 1, price, after, json::object()).dump()));
  EXPECT_EQ(drift[0]["detail"]["rules_version"], "drift-1");
  EXPECT_EQ(drift[0]["detail"]["current_rules_version"], "drift-2");
  EXPECT_EQ(drift[0]["detail"]["device_total"], stale["amount_due"]);
  EXPECT_EQ(drift[0]["detail"]["current_total"], current["amount_due"]);
  EXPECT_EQ(drift[0]["detail"]["difference"], stale["amount_due"].get<int64_t>() - current["amount_due"].get<int64_t>());
  EXPECT_EQ(drift[0]["suggestion"], "review_price_change");
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM sales"), 2);

  // A catalog price the device held from before the product's last change: a drift on the line.
  json old_price;
  const json line = Push(SaleOp(13, "phone-c", Request(v2, 1, price + 300, after, json::object()), old_price));
  ASSERT_EQ(line["status"], "accepted_with_exception") << line;
  const json both = Exceptions("price_drift");
  ASSERT_EQ(both.size(), 2U);
  const json& prices = both[0]["detail"]["prices"];  // newest first
  ASSERT_EQ(prices.size(), 1U) << both[0];
  EXPECT_EQ(prices[0]["device_price"], price + 300);
  EXPECT_EQ(prices[0]["price"], price);
  EXPECT_FALSE(both[0]["detail"].contains("current_rules_version"));
}

}  // namespace
}  // namespace aisle::testing
