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

#include "core/operation.h"
#include "server/audit.h"
#include "server/auth.h"
#include "server/sqlite.h"
#include "tests/server/aisled_process.h"
#include "tests/server/live_client.h"

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
  LiveClient live(Port(), Post(phone, "/api/v1/live/tickets", json::object()).Json().value("ticket", ""));
  ASSERT_EQ(json::parse(live.Read(10))["type"], "hello");
  const HttpResult revoked = Post(tablet, "/api/v1/devices/phone-1/revoke", json::object());
  ASSERT_EQ(revoked.status, 200) << revoked.body;

  // At once: its live connection closes, its session, sign-ins and pulls are refused.
  EXPECT_TRUE(live.ClosedWithin(5)) << "the revoked device's live connection stayed open";
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
  EXPECT_TRUE(csv.body.starts_with("\xEF\xBB\xBFseq,time,actor,role,device_id,action,object,")) << csv.body;
  EXPECT_NE(csv.body.find(",2001,store_manager,tablet-1,device.revoked,device:phone-1,"), std::string::npos) << csv.body;
  const json verify = Get(tablet, "/api/v1/audit/verify").Json();
  EXPECT_TRUE(verify["chains"][0]["intact"]) << verify;
  const ToolResult cli = RunCommand(kAisle + " audit verify --data-dir " + dir_);
  EXPECT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_NE(cli.output.find("SH01: intact"), std::string::npos) << cli.output;
  // A store that does not exist: forbidden to a store role, unknown to a chain role.
  EXPECT_EQ(Get(tablet, "/api/v1/devices?store=NOWHERE").Json()["error"]["code"], "forbidden");
  ASSERT_EQ(SignIn(tablet, "SH01", "8001", "888888").status, 201);
  EXPECT_EQ(Get(tablet, "/api/v1/devices?store=NOWHERE").Json()["error"]["code"], "unknown_store");
  EXPECT_EQ(Get(tablet, "/api/v1/devices/enrollments?store=NOWHERE").status, 404);
  // Unused codes are listed (never the code itself) and can be cancelled.
  const json pending = Get(tablet, "/api/v1/devices/enrollments").Json();
  ASSERT_EQ(pending["enrollments"].size(), 1u) << pending;  // "Spare", made above
  EXPECT_EQ(pending["enrollments"][0]["device_name"], "Spare");
  EXPECT_EQ(pending.dump().find("code\""), std::string::npos) << pending;
  const std::string cancel = "/api/v1/devices/enrollments/" + pending["enrollments"][0]["id"].dump() + "/cancel";
  EXPECT_EQ(Post(tablet, cancel, json::object()).status, 200);
  EXPECT_EQ(Post(tablet, cancel, json::object()).status, 404);
  EXPECT_EQ(Get(tablet, "/api/v1/devices/enrollments").Json()["enrollments"].size(), 0u);
}

TEST_F(SecurityTest, DisablingStaffEndsTheirSessionsAndPinRulesHold) {
  Device phone = Enroll(EnrollmentCode(dir_, "SH01", "Counter 1"), "phone-1");
  Device tablet = Enroll(EnrollmentCode(dir_, "SH01", "Office"), "tablet-1");
  ASSERT_EQ(SignIn(phone, "SH01", "1001", "1111").status, 201);
  ASSERT_EQ(SignIn(tablet, "SH01", "2001", "222222").status, 201);
  EXPECT_EQ(Get(phone, "/api/v1/sync/status").status, 200);
  EXPECT_EQ(Post(tablet, "/api/v1/staff/SH01/1001/disable", json::object()).status, 200);
  const ToolResult staff = RunCommand(kAisle + " staff list --data-dir " + dir_ + " --store SH01");
  EXPECT_NE(staff.output.find("1001\tassociate\tdisabled"), std::string::npos) << staff.output;
  const ToolResult devices = RunCommand(kAisle + " device list --data-dir " + dir_ + " --store SH01");
  EXPECT_NE(devices.output.find("tablet-1"), std::string::npos) << devices.output;
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

// What the terminal does when a manager types their PIN for an approval: derive the
// approval key from the PIN with the salt and iterations the verifier cache holds, and sign.
json SignedApproval(const json& verifiers, const std::string& approver, const std::string& pin, const std::string& rule,
                    const std::string& subject, const std::string& reason, const std::string& method = "pin") {
  json kdf;
  for (const json& s : verifiers["staff"]) {
    if (s["staff_code"] == approver) kdf = s["kdf"];
  }
  EXPECT_FALSE(kdf.is_null()) << approver << " is not in " << verifiers;
  if (kdf.is_null()) return json::object();
  core::Approval a{rule, approver, "2026-11-25T10:01:00Z", reason, method, subject, ""};
  const std::string key = server::Pbkdf2Hex(pin, kdf["approval_salt"], kdf["iterations"]);
  a.proof = server::HmacSha256Hex(key, core::ApprovalMessage("SH01", a));
  return json{{"rule", a.rule}, {"approver", a.approver}, {"approved_at", a.approved_at}, {"reason", a.reason},
              {"method", a.method}, {"subject", a.subject}, {"proof", a.proof}};
}

TEST_F(SecurityTest, ManagerApprovalsAreVerifiedAndDrawerSessionsAddUp) {
  Device phone = Enroll(EnrollmentCode(dir_, "SH01", "Counter 1"), "phone-1");
  ASSERT_EQ(SignIn(phone, "SH01", "1001", "1111").status, 201);  // an associate: no void, no override, no paid-out
  const json verifiers = Get(phone, "/api/v1/staff/verifiers").Json();
  ASSERT_GE(verifiers["staff"].size(), 5u) << verifiers;
  EXPECT_EQ(verifiers["offline_signin_hours"], 72);
  // The store's offline policies come with them (docs/sync.md, "Store offline policies"): the defaults.
  EXPECT_EQ(verifiers["policies"], json({{"offline_signin_hours", 72}, {"offline_coupons", false}, {"offline_points_max", 0}}));
  EXPECT_EQ(verifiers.dump().find("approval_key"), std::string::npos);  // the key never leaves the server

  int n = 0;
  const auto op = [&](const std::string& type, json payload) {
    ++n;
    char hlc[32];
    std::snprintf(hlc, sizeof hlc, "%013lld-%05d", 1795000000000LL + n, 0);
    return json{{"op_id", Uuid(n)}, {"type", type}, {"store_id", "SH01"}, {"device_id", "phone-1"}, {"device_seq", n},
                {"device_time", "2026-11-25T10:00:00Z"}, {"hlc", hlc}, {"payload", std::move(payload)}};
  };
  const auto push = [&](const json& o) {
    return Post(phone, "/api/v1/sync/push", {{"ops", {o}}}).Json()["results"][0];
  };
  // Sales: an overridden price approved by the manager's PIN applies cleanly...
  json sale = SaleOp(phone, 900, "phone-1")["payload"];
  sale["sale_id"] = "approved-1";
  sale["lines"][0]["override_reason"] = "包装破损 damaged box";
  sale["approvals"] = {SignedApproval(verifiers, "2001", "222222", "price_override", "approved-1", "damaged box")};
  json r = push(op("sale.completed", sale));
  EXPECT_EQ(r["status"], "applied") << r;
  // ...with a wrong PIN the proof fails: the paid sale stands, the manager gets an exception.
  sale["sale_id"] = "approved-2";
  sale["approvals"] = {SignedApproval(verifiers, "2001", "123456", "price_override", "approved-2", "damaged box")};
  r = push(op("sale.completed", sale));
  EXPECT_EQ(r["status"], "accepted_with_exception") << r;
  EXPECT_EQ(r["exceptions"][0]["kind"], "approval_invalid") << r;
  // An approval given for another sale, or by an associate, or none for a voided line: exceptions too.
  sale["sale_id"] = "approved-3";
  sale["approvals"] = {SignedApproval(verifiers, "2001", "222222", "price_override", "approved-1", "damaged box")};
  EXPECT_EQ(push(op("sale.completed", sale))["status"], "accepted_with_exception");
  json voided = SaleOp(phone, 901, "phone-1")["payload"];
  voided["sale_id"] = "voided-1";
  voided["voided_lines"] = voided["lines"];
  EXPECT_EQ(push(op("sale.completed", voided))["status"], "accepted_with_exception");
  voided["sale_id"] = "voided-2";
  voided["approvals"] = {SignedApproval(verifiers, "1501", "1515", "void_line", "voided-2", "customer changed mind")};
  EXPECT_EQ(push(op("sale.completed", voided))["status"], "accepted_with_exception");  // a senior associate voids, never approves
  voided["approvals"] = {SignedApproval(verifiers, "2001", "222222", "void_line", "voided-2", "customer changed mind")};
  voided["sale_id"] = "voided-3";
  voided["approvals"][0] = SignedApproval(verifiers, "2001", "222222", "void_line", "voided-3", "customer changed mind");
  EXPECT_EQ(push(op("sale.completed", voided))["status"], "applied");
  voided["sale_id"] = "voided-4";  // the whole cart emptied before payment: void_sale covers its lines
  voided["approvals"][0] = SignedApproval(verifiers, "2001", "222222", "void_sale", "voided-4", "customer changed mind");
  EXPECT_EQ(push(op("sale.completed", voided))["status"], "applied");
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM exceptions WHERE kind = 'approval_invalid'"), 4);

  // A drawer session: float ¥500, a cash sale of the product with change, a paid-out that needs
  // approval, a no-sale opening, then the X report and a blind count ¥20 short (limit ¥10).
  const std::string session = "drawer-SH01-1";
  ASSERT_EQ(push(op("drawer.opened", {{"session_id", session}, {"float", 50000}}))["status"], "applied");
  json cash_sale = SaleOp(phone, 902, "phone-1")["payload"];
  const int64_t price = cash_sale["total"];
  cash_sale["sale_id"] = "drawer-sale-1";
  cash_sale["drawer_session_id"] = session;
  cash_sale["tenders"] = {{{"type", "cash"}, {"amount", price + 1000}}};  // ¥10 change
  ASSERT_EQ(push(op("sale.completed", cash_sale))["status"], "applied");
  json paid_out = {{"session_id", session}, {"kind", "paid_out"}, {"amount", 3500}, {"reason", "快递费 courier"}};
  r = push(op("drawer.moved", paid_out));
  EXPECT_EQ(r["error"]["code"], "approval_required") << r;
  paid_out["approvals"] = {SignedApproval(verifiers, "2001", "222222", "paid_out", session, "courier")};
  EXPECT_EQ(push(op("drawer.moved", paid_out))["status"], "applied");
  json no_sale = {{"session_id", session}, {"kind", "no_sale"},
                  {"approvals", {SignedApproval(verifiers, "2001", "222222", "no_sale", session, "change for till 2")}}};
  EXPECT_EQ(push(op("drawer.moved", no_sale))["status"], "applied");
  const json x = Get(phone, "/api/v1/drawers/" + session + "/report").Json();
  EXPECT_EQ(x["report"], "X") << x;
  EXPECT_EQ(x["tenders"][0]["tender"], "cash");
  EXPECT_EQ(x["tenders"][0]["expected"], 50000 + price - 3500) << x;
  EXPECT_EQ(x["no_sales"], 1);
  const int64_t counted = 50000 + price - 3500 - 2000;
  r = push(op("drawer.closed", {{"session_id", session}, {"counted", {{{"type", "cash"}, {"amount", counted}}}}}));
  EXPECT_EQ(r["status"], "accepted_with_exception") << r;
  EXPECT_EQ(r["exceptions"][0]["kind"], "drawer_variance") << r;
  EXPECT_EQ(r["report"]["variance"], -2000) << r;
  EXPECT_EQ(Get(phone, "/api/v1/drawers/" + session + "/report").Json()["report"], "Z");
  EXPECT_EQ(push(op("drawer.moved", {{"session_id", session}, {"kind", "pay_in"}, {"amount", 100}, {"reason", "x"}}))
                ["error"]["code"],
            "drawer_closed");
  // Approvals are in the audit log with the acts they allowed.
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM audit_log WHERE object = 'drawer:" + session +
                               "' AND approval LIKE '%\"approver\":\"2001\"%'"), 2);
}

// A manual discount is measured against the role's max_discount_bp (the actor's to do it alone,
// the approver's to approve it); a price override needs price_override. The discounted line is
// stored at the discounted price, and the discount is not a price difference.
TEST_F(SecurityTest, ManualDiscountsFollowTheRoleLimitsAndOverridesNeedTheRight) {
  Device phone = Enroll(EnrollmentCode(dir_, "SH01", "Counter 1"), "phone-1");
  ASSERT_EQ(SignIn(phone, "SH01", "1501", "1515").status, 201);  // a senior associate: 10 %, no override
  const json verifiers = Get(phone, "/api/v1/staff/verifiers").Json();
  int n = 100;
  const auto sale = [&](const std::string& id, const json& change, const json& approvals) {
    json o = SaleOp(phone, ++n, "phone-1");
    o["payload"]["sale_id"] = id;
    o["payload"]["lines"][0].update(change);
    const int64_t list = product_["price"];
    const int64_t bp = change.value("manual_discount_bp", 0);
    const int64_t paid = bp > 0 ? (list * (10000 - bp) + 5000) / 10000 : change.value("unit_price", list);
    o["payload"]["total"] = paid;
    o["payload"]["tenders"][0]["amount"] = paid;
    if (!approvals.empty()) o["payload"]["approvals"] = approvals;
    return Post(phone, "/api/v1/sync/push", {{"ops", {o}}}).Json()["results"][0];
  };
  const json ten = {{"manual_discount_bp", 1000}, {"override_reason", "价格匹配 price match"}};
  const json twenty = {{"manual_discount_bp", 2000}, {"override_reason", "顾客关怀 customer care"}};
  const json forty = {{"manual_discount_bp", 4000}, {"override_reason", "customer care"}};
  json r = sale("disc-10", ten, json::array());
  EXPECT_EQ(r["status"], "applied") << r;  // within the senior associate's own 10 %
  EXPECT_EQ(r["price_differences"], 0) << r;
  const int64_t price = product_["price"];
  EXPECT_EQ(SqlCount(dir_, "SELECT gross FROM sale_lines WHERE sale_id = 'disc-10'"), (price * 9000 + 5000) / 10000);
  r = sale("disc-20", twenty, json::array());
  EXPECT_EQ(r["exceptions"][0]["kind"], "approval_invalid") << r;  // beyond it, alone
  r = sale("disc-20b", twenty, json::array({SignedApproval(verifiers, "2001", "222222", "manual_discount", "disc-20b", "customer care")}));
  EXPECT_EQ(r["status"], "applied") << r;  // the store manager may give 30 %
  r = sale("disc-40", forty, json::array({SignedApproval(verifiers, "2001", "222222", "manual_discount", "disc-40", "customer care")}));
  EXPECT_EQ(r["exceptions"][0]["kind"], "approval_invalid") << r;  // but not 40 %
  r = sale("disc-40b", forty, json::array({SignedApproval(verifiers, "8001", "888888", "manual_discount", "disc-40b", "customer care")}));
  EXPECT_EQ(r["status"], "applied") << r;  // the area manager may (50 %)
  r = sale("over-1", {{"unit_price", price - 100}, {"override_reason", "damaged box"}}, json::array());
  EXPECT_EQ(r["exceptions"][0]["kind"], "approval_invalid") << r;  // no price_override of their own
  const json bad = sale("disc-bad", {{"manual_discount_bp", 1000}}, json::array());
  EXPECT_EQ(bad["status"], "rejected") << bad;
  EXPECT_EQ(bad["error"]["field"], "payload.lines[0].override_reason") << bad;
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM exceptions WHERE kind = 'approval_invalid'"), 3);
}

// Approving from the manager's own device: the associate's device asks; only a role with
// `approve` sees and decides; the approval must be the manager's own, remote, for this request,
// with a proof from their PIN; the asking device reads it back and the sale carrying it applies.
TEST_F(SecurityTest, RemoteApprovalsAreRequestedDecidedAndCarried) {
  Device phone = Enroll(EnrollmentCode(dir_, "SH01", "Counter 1"), "phone-1");
  Device manager = Enroll(EnrollmentCode(dir_, "SH01", "Manager phone"), "phone-2");
  ASSERT_EQ(SignIn(phone, "SH01", "1001", "1111").status, 201);
  ASSERT_EQ(SignIn(manager, "SH01", "2001", "222222").status, 201);
  const json verifiers = Get(manager, "/api/v1/staff/verifiers").Json();
  const std::string id = "0190a1b2-c3d4-7e5f-8a9b-00000000a001";
  const json ask = {{"request_id", id}, {"rule", "manual_discount"}, {"subject", "remote-sale-1"},
                    {"reason", "顾客关怀 customer care"}, {"discount_bp", 2000},
                    {"detail", {{"item", "玻尿酸精华液"}, {"unit_price", 29900}}}};
  HttpResult r = Post(phone, "/api/v1/approvals/requests", ask);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json()["status"], "pending");
  EXPECT_EQ(Post(phone, "/api/v1/approvals/requests", ask).status, 201);  // a retry: the same request
  json bad = ask;
  bad["detail"]["note"] = "card 4111 1111 1111 1111";
  bad["request_id"] = "0190a1b2-c3d4-7e5f-8a9b-00000000a002";
  EXPECT_EQ(Post(phone, "/api/v1/approvals/requests", bad).Json()["error"]["code"], "pan_not_allowed");

  EXPECT_EQ(Get(phone, "/api/v1/approvals/requests").status, 403);  // an associate does not decide
  const json pending = Get(manager, "/api/v1/approvals/requests").Json();
  ASSERT_EQ(pending["requests"].size(), 1u) << pending;
  EXPECT_EQ(pending["requests"][0]["requested_by"], "1001");
  EXPECT_EQ(pending["requests"][0]["detail"]["item"], "玻尿酸精华液");

  const auto remote = [&](const std::string& pin, const std::string& subject) {
    return SignedApproval(verifiers, "2001", pin, "manual_discount", subject, "customer care", "remote");
  };
  const std::string decide = "/api/v1/approvals/requests/" + id + "/decision";
  r = Post(manager, decide, {{"decision", "approve"}, {"approval", remote("123456", "remote-sale-1")}});
  EXPECT_EQ(r.status, 403) << r.body;  // a wrong PIN: the proof does not match
  EXPECT_EQ(r.Json()["error"]["code"], "approval_invalid");
  r = Post(manager, decide, {{"decision", "approve"}, {"approval", remote("222222", "another-sale")}});
  EXPECT_EQ(r.Json()["error"]["code"], "approval_mismatch") << r.body;
  const json good = remote("222222", "remote-sale-1");
  r = Post(manager, decide, {{"decision", "approve"}, {"approval", good}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["status"], "approved");
  EXPECT_EQ(Post(manager, decide, {{"decision", "decline"}}).Json()["error"]["code"], "approval_request_closed");
  EXPECT_EQ(Get(manager, "/api/v1/approvals/requests").Json()["requests"].size(), 0u);

  const json seen = Get(phone, "/api/v1/approvals/requests/" + id).Json();
  EXPECT_EQ(seen["status"], "approved") << seen;
  EXPECT_EQ(seen["approval"], good);
  json o = SaleOp(phone, 300, "phone-1");
  const int64_t list = product_["price"];
  const int64_t paid = (list * 8000 + 5000) / 10000;
  o["payload"]["sale_id"] = "remote-sale-1";
  o["payload"]["lines"][0]["manual_discount_bp"] = 2000;
  o["payload"]["lines"][0]["override_reason"] = "customer care";
  o["payload"]["total"] = paid;
  o["payload"]["tenders"][0]["amount"] = paid;
  o["payload"]["approvals"] = json::array({seen["approval"]});
  const json applied = Post(phone, "/api/v1/sync/push", {{"ops", {o}}}).Json()["results"][0];
  EXPECT_EQ(applied["status"], "applied") << applied;
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM audit_log WHERE action IN ('approval.requested', 'approval.approved')"), 2);
  EXPECT_EQ(Get(phone, "/api/v1/approvals/requests/0190a1b2-c3d4-7e5f-8a9b-00000000ffff").status, 404);
}

// Two devices sold the last units offline: both sales stand, the second raises stock_negative
// with its suggestion; a manager (not an associate) lists and resolves it, and that is audited.
TEST_F(SecurityTest, NegativeStockIsKeptAsAnExceptionThatAManagerResolves) {
  Device phone = Enroll(EnrollmentCode(dir_, "SH01", "Counter 1"), "phone-1");
  Device tablet = Enroll(EnrollmentCode(dir_, "SH01", "Office"), "tablet-1");
  ASSERT_EQ(SignIn(phone, "SH01", "1001", "1111").status, 201);
  ASSERT_EQ(SignIn(tablet, "SH01", "2001", "222222").status, 201);
  json first = SaleOp(phone, 400, "phone-1");
  const std::string sku = product_["sku"];
  const int64_t stock =
      SqlCount(dir_, "SELECT sum(qty_delta) FROM stock_movements WHERE location_id = 'SH01' AND sku = '" + sku + "'");
  ASSERT_GT(stock, 0);
  const int64_t price = product_["price"];
  first["payload"]["lines"][0]["qty"] = stock;  // every unit the store has
  first["payload"]["total"] = price * stock;
  first["payload"]["tenders"][0]["amount"] = price * stock;
  json second = SaleOp(phone, 401, "phone-1");  // one more: sold offline on another till
  const json r = Post(phone, "/api/v1/sync/push", {{"ops", {first, second}}}).Json()["results"];
  EXPECT_EQ(r[0]["status"], "applied") << r;
  ASSERT_EQ(r[1]["status"], "accepted_with_exception") << r;
  EXPECT_EQ(r[1]["exceptions"][0]["kind"], "stock_negative");

  EXPECT_EQ(Get(phone, "/api/v1/exceptions").status, 403);  // associates do not resolve
  const json open = Get(tablet, "/api/v1/exceptions?status=open&kind=stock_negative").Json();
  ASSERT_EQ(open["exceptions"].size(), 1u) << open;
  const json& e = open["exceptions"][0];
  EXPECT_EQ(e["suggestion"], "count_or_transfer");
  EXPECT_EQ(e["detail"]["skus"][0]["sku"], sku);
  EXPECT_EQ(e["detail"]["skus"][0]["balance"], -1);
  const std::string resolve = "/api/v1/exceptions/" + e["id"].dump() + "/resolve";
  EXPECT_EQ(Post(tablet, resolve, {{"resolution", "ignored"}}).Json()["error"]["field"], "resolution");
  const HttpResult done = Post(tablet, resolve, {{"resolution", "corrected"}, {"note", "盘点后调拨 counted, transfer asked"}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Json()["status"], "resolved");
  EXPECT_EQ(done.Json()["resolved_by"], "2001");
  EXPECT_EQ(Post(tablet, resolve, {{"resolution", "accepted"}}).status, 409);
  EXPECT_EQ(Get(tablet, "/api/v1/exceptions?status=open").Json()["exceptions"].size(), 0u);
  EXPECT_EQ(Get(tablet, "/api/v1/exceptions?status=resolved").Json()["exceptions"].size(), 1u);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM audit_log WHERE action = 'exception.resolved' AND actor = '2001'"), 1);
  EXPECT_EQ(Post(tablet, "/api/v1/exceptions/999/resolve", {{"resolution", "accepted"}}).status, 404);
}

// One handheld trying a common PIN on every staff code: each code stays under its own five
// failures, but the device is locked after twenty, even for a right PIN.
TEST_F(SecurityTest, ADeviceThatGuessesAcrossStaffCodesIsThrottled) {
  Device phone = Enroll(EnrollmentCode(dir_, "SH01", "Counter 1"), "phone-1");
  int failures = 0;
  for (const char* code : {"1001", "1501", "2001", "8001", "9001"}) {
    for (int i = 0; i < 4; ++i, ++failures) EXPECT_EQ(SignIn(phone, "SH01", code, "000000").status, 401);
  }
  ASSERT_EQ(failures, 20);
  const HttpResult locked = SignIn(phone, "SH01", "1001", "1111");
  EXPECT_EQ(locked.status, 429) << locked.body;
  EXPECT_EQ(locked.Json()["error"]["code"], "too_many_attempts");
  EXPECT_FALSE(locked.headers.at("Retry-After").empty());
  Device other = Enroll(EnrollmentCode(dir_, "SH01", "Counter 2"), "phone-2");
  EXPECT_EQ(SignIn(other, "SH01", "1001", "1111").status, 201);  // another device is not locked
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
