// docs/security.md end to end: aisled without --demo on a real SQLite file,
// the `aisle` command line beside it. Device enrollment and revocation (a
// revoked device's paid sales kept as exceptions), staff disabled mid-shift,
// the audit log over HTTP and CSV, and `aisle audit verify` catching a
// changed amount, a deleted row and a rewritten-and-rehashed tail.
#include <signal.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <regex>

#include "server/audit.h"
#include "server/sqlite.h"
#include "tests/server/aisled_process.h"

namespace aisle::testing {
namespace {

using nlohmann::json;

const std::string kAisle = AISLE_PATH;

std::string EnrollmentCode(const std::string& dir, const std::string& store, const std::string& name) {
  const ToolResult r = RunCommand(kAisle + " device enroll --data-dir " + dir + " --store " + store + " --name '" + name + "'");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;
  EXPECT_TRUE(std::regex_search(r.output, m, std::regex("[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}"))) << r.output;
  return m.empty() ? "" : m.str(0);
}

// A device as the server sees it: its credential and a staff session on it.
struct Device {
  std::string id;
  std::string credential;
  std::string token;
  std::map<std::string, std::string> Headers() const { return {{"X-Aisle-Device", credential}}; }
};

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    const ToolResult load = RunCommand(kAisle + " demo-load --data-dir " + dir_);
    ASSERT_EQ(load.exit_code, 0) << load.output;
    server_ = std::make_unique<AisledProcess>(dir_, std::vector<std::string>{}, /*demo=*/false);
  }
  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "--- aisled log ---\n" << server_->Log();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  uint16_t Port() const { return server_->port(); }

  Device Enroll(const std::string& code, const std::string& id) {
    const HttpResult r = Http(Port(), "POST", "/api/v1/devices/enroll", json{{"code", code}, {"device_id", id}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return Device{id, r.Json().value("credential", ""), ""};
  }
  HttpResult SignIn(Device& device, const std::string& store, const std::string& staff, const std::string& pin) {
    const HttpResult r = Http(Port(), "POST", "/api/v1/sessions",
                              json{{"store_id", store}, {"device_id", device.id}, {"staff_code", staff}, {"pin", pin}}.dump(),
                              "", device.Headers());
    if (r.status == 201) device.token = r.Json()["token"];
    return r;
  }
  HttpResult Get(const Device& d, const std::string& target) { return Http(Port(), "GET", target, "", d.token, d.Headers()); }
  HttpResult Post(const Device& d, const std::string& target, const json& body) {
    return Http(Port(), "POST", target, body.dump(), d.token, d.Headers());
  }
  json SaleOp(const Device& d, int n, const std::string& device_id) {
    if (product_.is_null()) {
      json feed = Get(d, "/api/v1/sync/pull?since=0&scope=catalog&limit=50").Json();
      for (const json& c : feed["changes"]) {
        if (c["product"]["sold_by"] == "unit") {
          product_ = c["product"];
          break;
        }
      }
    }
    const int64_t price = product_["price"];
    char hlc[32];
    std::snprintf(hlc, sizeof hlc, "%013lld-%05d", 1795000000000LL + n, 0);
    return json{{"op_id", Uuid(n)}, {"type", "sale.completed"}, {"store_id", "SH01"}, {"device_id", device_id},
                {"device_seq", n}, {"device_time", "2026-11-25T10:00:00Z"}, {"hlc", hlc},
                {"payload", {{"sale_id", "sec-sale-" + std::to_string(n)}, {"currency", "CNY"},
                             {"lines", {{{"barcode", product_["barcode"]}, {"qty", 1}, {"unit_price", price}}}},
                             {"tenders", {{{"type", "cash"}, {"amount", price}}}}, {"total", price}}}};
  }

  std::string dir_;
  std::unique_ptr<AisledProcess> server_;
  json product_;
};

TEST_F(SecurityTest, EnrolledDeviceSellsThenRevocationStopsItButKeepsItsPaidSales) {
  // Without a credential nothing but /healthz and enrollment answers.
  Device stranger{"stranger", "", ""};
  EXPECT_EQ(SignIn(stranger, "SH01", "1001", "1111").Json()["error"]["code"], "device_credential_required");
  EXPECT_EQ(Http(Port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(Http(Port(), "POST", "/api/v1/devices/enroll", R"({"code":"AAAA-BBBB-CCCC","device_id":"x"})").Json()["error"]["code"],
            "invalid_enrollment_code");

  const std::string code = EnrollmentCode(dir_, "SH01", "Counter 3");
  Device phone = Enroll(code, "phone-1");
  ASSERT_EQ(phone.credential.size(), 64u);
  // The code works once.
  EXPECT_EQ(Http(Port(), "POST", "/api/v1/devices/enroll", json{{"code", code}, {"device_id", "phone-2"}}.dump()).status, 400);
  // A made-up credential is refused; the device signs staff in to its own store only.
  Device forged{"phone-1", std::string(64, 'a'), ""};
  EXPECT_EQ(SignIn(forged, "SH01", "1001", "1111").status, 401);
  EXPECT_EQ(SignIn(phone, "BJ01", "1101", "1111").Json()["error"]["code"], "device_other_store");
  ASSERT_EQ(SignIn(phone, "SH01", "1001", "1111").status, 201);
  // A session token without its device's credential is not enough.
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/sync/status", "", phone.token).status, 401);
  EXPECT_EQ(Get(phone, "/api/v1/sync/status").status, 200);

  // It sells; it cannot push another device's operations.
  json r = Post(phone, "/api/v1/sync/push", {{"ops", {SaleOp(phone, 1, "phone-1"), SaleOp(phone, 2, "phone-9")}}}).Json();
  EXPECT_EQ(r["results"][0]["status"], "applied") << r;
  EXPECT_EQ(r["results"][1]["error"]["code"], "device_mismatch") << r;

  // The store manager enrolls their own tablet through the API and revokes the phone.
  Device tablet = Enroll(EnrollmentCode(dir_, "SH01", "Manager tablet"), "tablet-1");
  ASSERT_EQ(SignIn(tablet, "SH01", "2001", "222222").status, 201);
  const HttpResult made = Post(tablet, "/api/v1/devices/enrollments", {{"store_id", "SH01"}, {"device_name", "Spare"}});
  EXPECT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(Post(tablet, "/api/v1/devices/enrollments", {{"store_id", "BJ01"}, {"device_name", "X"}}).status, 403);
  const HttpResult revoked = Post(tablet, "/api/v1/devices/phone-1/revoke", json::object());
  ASSERT_EQ(revoked.status, 200) << revoked.body;

  // At once: its session, sign-ins and pulls are refused.
  EXPECT_EQ(Get(phone, "/api/v1/sync/pull?since=0").Json()["error"]["code"], "device_revoked");
  EXPECT_EQ(SignIn(phone, "SH01", "1001", "1111").Json()["error"]["code"], "device_revoked");
  // What it sold offline is kept, with an exception for the manager; anything else is refused.
  json feedback = {{"op_id", Uuid(4)}, {"type", "feedback.given"}, {"store_id", "SH01"}, {"device_id", "phone-1"},
                   {"device_seq", 4}, {"device_time", "2026-11-25T10:05:00Z"}, {"hlc", "1795000000004-00000"},
                   {"payload", {{"sale_id", "sec-sale-1"}, {"rating", 5}, {"comment", ""}}}};
  r = Post(phone, "/api/v1/sync/push", {{"ops", {SaleOp(phone, 3, "phone-1"), feedback}}}).Json();
  EXPECT_EQ(r["results"][0]["status"], "accepted_with_exception") << r;
  EXPECT_EQ(r["results"][0]["exceptions"][0]["kind"], "device_revoked") << r;
  EXPECT_EQ(r["results"][1]["error"]["code"], "device_revoked") << r;
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM sales WHERE sale_id = 'sec-sale-3'"), 1);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM exceptions WHERE kind = 'device_revoked' AND op_id = '" + Uuid(3) + "'"), 1);

  // The audit log holds all of it, newest first, and its chain is intact.
  const json audit = Get(tablet, "/api/v1/audit?limit=100").Json();
  std::vector<std::string> actions;
  for (const json& e : audit["entries"]) actions.push_back(e["action"]);
  for (const char* expected : {"device.enrollment_created", "device.enrolled", "session.signed_in", "sale.completed",
                               "op.rejected", "device.revoked"}) {
    EXPECT_NE(std::find(actions.begin(), actions.end(), expected), actions.end()) << expected << " in " << audit;
  }
  EXPECT_EQ(audit["entries"][0]["action"], "op.rejected");  // the refused feedback came last
  const HttpResult csv = Get(tablet, "/api/v1/audit?action=device.revoked&format=csv");
  EXPECT_EQ(csv.headers.at("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_TRUE(csv.body.starts_with("seq,time,actor,role,device_id,action,object,")) << csv.body;
  EXPECT_NE(csv.body.find(",2001,store_manager,tablet-1,device.revoked,device:phone-1,"), std::string::npos) << csv.body;
  const json verify = Get(tablet, "/api/v1/audit/verify").Json();
  EXPECT_TRUE(verify["chains"][0]["intact"]) << verify;
  const ToolResult cli = RunCommand(kAisle + " audit verify --data-dir " + dir_);
  EXPECT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_NE(cli.output.find("SH01: intact"), std::string::npos) << cli.output;
}

TEST_F(SecurityTest, DisablingStaffEndsTheirSessionsAndPinRulesHold) {
  Device phone = Enroll(EnrollmentCode(dir_, "SH01", "Counter 1"), "phone-1");
  Device tablet = Enroll(EnrollmentCode(dir_, "SH01", "Office"), "tablet-1");
  ASSERT_EQ(SignIn(phone, "SH01", "1001", "1111").status, 201);
  ASSERT_EQ(SignIn(tablet, "SH01", "2001", "222222").status, 201);
  EXPECT_EQ(Get(phone, "/api/v1/sync/status").status, 200);
  EXPECT_EQ(Post(tablet, "/api/v1/staff/SH01/1001/disable", json::object()).status, 200);
  EXPECT_EQ(Get(phone, "/api/v1/sync/status").status, 401);
  EXPECT_EQ(SignIn(phone, "SH01", "1001", "1111").status, 401);

  // A manager's PIN is at least 6 digits; a new associate with a good PIN signs in.
  HttpResult r = Post(tablet, "/api/v1/staff", {{"store_id", "SH01"}, {"staff_code", "3001"}, {"name", "新店长"},
                                               {"role", "store_manager"}, {"pin", "2580"}});
  EXPECT_EQ(r.Json()["error"]["code"], "weak_pin") << r.body;
  r = Post(tablet, "/api/v1/staff", {{"store_id", "SH01"}, {"staff_code", "3002"}, {"name", "新店员"},
                                     {"role", "associate"}, {"pin", "2580"}});
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(SignIn(phone, "SH01", "3002", "2580").status, 201);
  // The command line reads the PIN from stdin, never from its arguments.
  const ToolResult reset = RunCommand(kAisle + " staff reset-pin --data-dir " + dir_ + " --store SH01 --code 3002", "1357\n");
  EXPECT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_EQ(Get(phone, "/api/v1/sync/status").status, 401);  // a new PIN ends the old sessions
  EXPECT_EQ(SignIn(phone, "SH01", "3002", "1357").status, 201);
}

TEST_F(SecurityTest, CardNumbersAreRefusedAndSecretsStayOutOfTheLogs) {
  const std::string code = EnrollmentCode(dir_, "SH01", "Counter 1");
  Device phone = Enroll(code, "phone-1");
  ASSERT_EQ(SignIn(phone, "SH01", "2001", "222222").status, 201);
  const std::string pan = "4111 1111 1111 1111";

  // Free text with a card number is refused; ids and barcodes are not scanned.
  json feedback = {{"op_id", Uuid(2)}, {"type", "feedback.given"}, {"store_id", "SH01"}, {"device_id", "phone-1"},
                   {"device_seq", 2}, {"device_time", "2026-11-25T10:05:00Z"}, {"hlc", "1795000000002-00000"},
                   {"depends_on", {Uuid(1)}},
                   {"payload", {{"sale_id", "sec-sale-1"}, {"rating", 1}, {"comment", "my card " + pan + " was charged twice"}}}};
  json r = Post(phone, "/api/v1/sync/push", {{"ops", {SaleOp(phone, 1, "phone-1"), feedback}}}).Json();
  EXPECT_EQ(r["results"][0]["status"], "applied") << r;
  EXPECT_EQ(r["results"][1]["error"]["code"], "pan_not_allowed") << r;
  EXPECT_EQ(r["results"][1]["error"]["field"], "payload.comment") << r;
  HttpResult h = Post(phone, "/api/v1/staff", {{"store_id", "SH01"}, {"staff_code", "3003"}, {"name", pan},
                                              {"role", "associate"}, {"pin", "2580"}});
  EXPECT_EQ(h.Json()["error"]["code"], "pan_not_allowed") << h.body;
  h = Post(phone, "/api/v1/devices/enrollments", {{"store_id", "SH01"}, {"device_name", "5500-0000-0000-0004"}});
  EXPECT_EQ(h.Json()["error"]["code"], "pan_not_allowed") << h.body;
  // A staff member whose PIN the log must never show, and a live ticket in a query string.
  ASSERT_EQ(Post(phone, "/api/v1/staff", {{"store_id", "SH01"}, {"staff_code", "3004"}, {"name", "Lin"},
                                         {"role", "associate"}, {"pin", "8642"}}).status, 201);
  Device other = Enroll(EnrollmentCode(dir_, "SH01", "Counter 2"), "phone-2");
  ASSERT_EQ(SignIn(other, "SH01", "3004", "8642").status, 201);
  const std::string ticket = Post(other, "/api/v1/live/tickets", json::object()).Json()["ticket"];
  EXPECT_EQ(Http(Port(), "GET", "/api/v1/live?ticket=" + ticket, "", "", other.Headers()).status, 426);
  ASSERT_EQ(server_->Stop(SIGTERM), 0);

  const std::string log = server_->Log();
  EXPECT_NE(log.find("/api/v1/live"), std::string::npos) << "the access log should list the requests";
  for (const std::string& secret : {phone.token, phone.credential, other.token, other.credential, code, ticket,
                                    std::string("8642"), std::string("222222"), std::string("4111")}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "the log holds a secret: " << secret;
  }
  // Nor does the database keep the card number or a PIN anywhere in the audit log.
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM audit_log WHERE after LIKE '%4111%' OR before LIKE '%4111%'"), 0);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM audit_log WHERE after LIKE '%8642%' OR after LIKE '%\"pin\"%'"), 0);
  EXPECT_GT(SqlCount(dir_, "SELECT count(*) FROM audit_log WHERE action = 'op.rejected'"), 0);
  server_.reset();
}

TEST_F(SecurityTest, AuditVerifyCatchesEachKindOfTampering) {
  Device phone = Enroll(EnrollmentCode(dir_, "SH01", "Counter 1"), "phone-1");
  ASSERT_EQ(SignIn(phone, "SH01", "1001", "1111").status, 201);
  json ops = json::array();
  for (int n = 1; n <= 6; ++n) ops.push_back(SaleOp(phone, n, "phone-1"));
  ASSERT_EQ(Post(phone, "/api/v1/sync/push", {{"ops", ops}}).status, 200);
  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  server_.reset();
  const int64_t last = SqlCount(dir_, "SELECT max(seq) FROM audit_log WHERE store_id = 'SH01'");
  const int64_t sale = SqlCount(dir_, "SELECT min(seq) FROM audit_log WHERE store_id = 'SH01' AND action = 'sale.completed'");
  ASSERT_GT(last, sale + 3);

  // Each tampering on its own copy of the data folder, straight in SQLite.
  const auto tampered = [&](const std::string& name, const std::function<void(server::Database&)>& tamper) {
    const std::string copy = dir_ + "-" + name;
    std::filesystem::copy(dir_, copy, std::filesystem::copy_options::recursive);
    {
      server::Database db(copy + "/aisle.db");
      tamper(db);
    }
    const ToolResult verify = RunCommand(kAisle + " audit verify --data-dir " + copy + " --store SH01");
    std::filesystem::remove_all(copy);
    return verify;
  };
  const std::string where = " WHERE store_id = 'SH01' AND seq = ";
  ToolResult v = tampered("amount", [&](server::Database& db) {
    db.Exec("UPDATE audit_log SET after = replace(after, '\"total\":', '\"total\":1')" + where + std::to_string(sale));
  });
  EXPECT_EQ(v.exit_code, 1) << v.output;
  EXPECT_NE(v.output.find("BROKEN at entry " + std::to_string(sale) + ": its content"), std::string::npos) << v.output;

  v = tampered("delete", [&](server::Database& db) { db.Exec("DELETE FROM audit_log" + where + std::to_string(sale + 1)); });
  EXPECT_EQ(v.exit_code, 1) << v.output;
  EXPECT_NE(v.output.find("BROKEN at entry " + std::to_string(sale + 1) + ": entries"), std::string::npos) << v.output;

  // Rewrite the last two entries with smaller totals and re-hash them the way aisled does:
  // the chain is consistent again, but no longer the one the anchor file vouched for.
  v = tampered("rehash", [&](server::Database& db) {
    db.Exec("DELETE FROM audit_log WHERE store_id = 'SH01' AND seq >= " + std::to_string(last - 1));
    for (int i = 0; i < 2; ++i) {
      server::AppendAuditEntry(db, server::AuditEntry{"SH01", "1001", "associate", "phone-1", "2026-11-25T10:00:00Z",
                                                      "", 1795000000000, "sale.completed", "sale:forged",
                                                      nullptr, {{"total", 1}}, nullptr});
    }
  });
  EXPECT_EQ(v.exit_code, 1) << v.output;
  EXPECT_NE(v.output.find("BROKEN at entry " + std::to_string(last) + ": its hash differs from the one anchored"),
            std::string::npos) << v.output;

  const ToolResult clean = RunCommand(kAisle + " audit verify --data-dir " + dir_);
  EXPECT_EQ(clean.exit_code, 0) << clean.output;
}

}  // namespace
}  // namespace aisle::testing
