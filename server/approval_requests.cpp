#include "server/approval_requests.h"

#include "core/json_read.h"
#include "core/operation.h"
#include "core/pan.h"
#include "server/approvals.h"
#include "server/audit.h"

namespace aisle::server {
namespace {

using core::Error;
using nlohmann::json;

constexpr size_t kMaxDetailBytes = 2048;

json RowToJson(Statement& s, int64_t now) {
  const int64_t created = s.Int(10);
  std::string status = s.Text(8);
  if (status == "pending" && created + kApprovalRequestSeconds <= now) status = "expired";
  json out = {{"request_id", s.Text(0)},    {"store_id", s.Text(1)},  {"device_id", s.Text(2)},
              {"requested_by", s.Text(3)},  {"rule", s.Text(4)},      {"subject", s.Text(5)},
              {"reason", s.Text(6)},        {"detail", json::parse(s.Text(7))},
              {"status", status},           {"discount_bp", s.Int(9)}, {"created_at", IsoTime(created)},
              {"expires_at", IsoTime(created + kApprovalRequestSeconds)}};
  if (!s.IsNull(11)) out["approval"] = json::parse(s.Text(11));
  if (!s.IsNull(12)) out["decided_by"] = s.Text(12);
  if (!s.IsNull(13)) out["requested_by_name"] = s.Text(13);
  return out;
}

constexpr const char* kColumns =
    "request_id, store_id, device_id, requested_by, rule, subject, reason, detail, status, discount_bp, "
    "created_at, approval, decided_by, "
    "(SELECT name FROM staff WHERE staff.store_id = approval_requests.store_id AND staff_code = requested_by)";

std::optional<json> Find(Database& db, const std::string& store_id, const std::string& id, int64_t now) {
  auto s = db.Prepare(std::string("SELECT ") + kColumns + " FROM approval_requests WHERE request_id = ? AND store_id = ?");
  s.Bind(1, id).Bind(2, store_id);
  if (!s.Step()) return std::nullopt;
  return RowToJson(s, now);
}

Error NotFound(const std::string& id) {
  return Error::Make("approval_request_not_found", "no approval request " + id + " in this store", "request_id");
}

AuditEntry Entry(const Actor& by, std::string action, const std::string& id) {
  AuditEntry e;
  e.store_id = by.store_id;
  e.actor = by.actor;
  e.role = by.role;
  e.device_id = by.device_id;
  e.at_ms = UnixNow() * 1000;
  e.action = std::move(action);
  e.object = "approval_request:" + id;
  return e;
}

}  // namespace

core::Result<json> CreateApprovalRequest(Store& store, const Actor& by, const json& body) {
  if (!body.is_object()) return core::WrongType("(body)", "an object");
  std::string fields[4];
  const char* names[4] = {"request_id", "rule", "subject", "reason"};
  for (int i = 0; i < 4; ++i) {
    auto v = core::ReadString(body, names[i], "");
    if (!v) return v.error();
    if (v->empty() || v->size() > 200) {
      return Error::Make("invalid_field", std::string(names[i]) + " must be 1 to 200 bytes", names[i]);
    }
    fields[i] = std::move(*v);
  }
  const auto& [id, rule, subject, reason] = fields;
  if (!core::IsUuid(id)) return Error::Make("invalid_field", "request_id must be a UUID", "request_id");
  bool known = false;
  for (std::string_view r : core::kApprovalRules) known = known || r == rule;
  if (!known) return Error::Make("invalid_field", "unknown approval rule '" + rule + "'", "rule");
  if (auto free = core::CheckFreeText(reason, "reason"); !free) return free.error();
  json detail = body.value("detail", json::object());
  if (!detail.is_object()) return core::WrongType("detail", "an object");
  const std::string detail_text = core::ToCanonicalJson(detail);
  if (detail_text.size() > kMaxDetailBytes) return Error::Make("invalid_field", "detail holds at most 2 KB", "detail");
  if (auto free = core::CheckFreeText(detail_text, "detail"); !free) return free.error();
  auto discount = core::ReadOptionalInt(body, "discount_bp", "");
  if (!discount) return discount.error();
  const int64_t discount_bp = discount->value_or(0);
  if (discount_bp < 0 || discount_bp > 10'000) {
    return Error::Make("invalid_field", "discount_bp is 0..10000", "discount_bp");
  }
  const int64_t now = UnixNow();
  core::Result<json> out = json();
  store.WithTransaction([&](Database& db) {
    auto existing = db.Prepare("SELECT store_id, requested_by FROM approval_requests WHERE request_id = ?");
    existing.Bind(1, id);
    if (existing.Step()) {  // a retry of the same request
      if (existing.Text(0) != by.store_id || existing.Text(1) != by.actor) {
        out = Error::Make("invalid_field", "request_id is taken", "request_id");
      } else {
        out = *Find(db, by.store_id, id, now);
      }
      return;
    }
    db.Prepare(
          "INSERT INTO approval_requests (request_id, store_id, device_id, requested_by, rule, subject, reason, "
          "detail, discount_bp, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)")
        .Bind(1, id).Bind(2, by.store_id).Bind(3, by.device_id).Bind(4, by.actor).Bind(5, rule).Bind(6, subject)
        .Bind(7, reason).Bind(8, detail_text).Bind(9, discount_bp).Bind(10, now).Run();
    AuditEntry e = Entry(by, "approval.requested", id);
    e.after = {{"rule", rule}, {"subject", subject}, {"reason", reason}};
    store.Audit(db, e);
    out = *Find(db, by.store_id, id, now);
  });
  return out;
}

json PendingApprovalRequests(Store& store, const std::string& store_id) {
  const int64_t now = UnixNow();
  json out = json::array();
  store.WithConnection([&](Database& db) {
    auto s = db.Prepare(std::string("SELECT ") + kColumns +
                        " FROM approval_requests WHERE store_id = ? AND status = 'pending' AND created_at > ? "
                        "ORDER BY created_at, request_id");
    s.Bind(1, store_id).Bind(2, now - kApprovalRequestSeconds);
    while (s.Step()) out.push_back(RowToJson(s, now));
  });
  return out;
}

core::Result<json> FindApprovalRequest(Store& store, const std::string& store_id, const std::string& id) {
  std::optional<json> found;
  store.WithConnection([&](Database& db) { found = Find(db, store_id, id, UnixNow()); });
  if (!found) return NotFound(id);
  return *found;
}

core::Result<json> DecideApprovalRequest(Store& store, const Actor& by, const std::string& id, const json& body) {
  if (!body.is_object()) return core::WrongType("(body)", "an object");
  auto decision = core::ReadString(body, "decision", "");
  if (!decision) return decision.error();
  if (*decision != "approve" && *decision != "decline") {
    return Error::Make("invalid_field", "decision is approve or decline", "decision");
  }
  std::optional<core::Approval> approval;
  if (*decision == "approve") {
    if (!body.contains("approval")) return Error::Make("missing_field", "approval is required to approve", "approval");
    auto parsed = core::ParseApprovals(json{{"approvals", json::array({body["approval"]})}});
    if (!parsed) {
      Error e = parsed.error();
      if (e.field.starts_with("payload.approvals[0]")) e.field = "approval" + e.field.substr(20);
      return e;
    }
    approval = parsed->front();
  }
  const int64_t now = UnixNow();
  core::Result<json> out = json();
  store.WithTransaction([&](Database& db) {
    auto request = Find(db, by.store_id, id, now);
    if (!request) {
      out = NotFound(id);
      return;
    }
    if ((*request)["status"] != "pending") {
      out = Error::Make("approval_request_closed",
                        "the request is " + (*request)["status"].get<std::string>() + ": the associate asks again", "request_id");
      return;
    }
    const std::string requested_by = (*request)["requested_by"];
    json audit_approval = nullptr;
    if (approval) {
      const core::Approval& a = *approval;
      if (a.approver != by.actor || a.method != "remote" || a.rule != (*request)["rule"] || a.subject != (*request)["subject"]) {
        out = Error::Make("approval_mismatch",
                          "the approval must be signed by you, method remote, for this request's rule and subject",
                          "approval");
        return;
      }
      const auto problems = CheckApprovals(db, by.store_id, requested_by, {a.rule}, a.subject, {a},
                                           (*request)["discount_bp"].get<int64_t>());
      if (!problems.empty()) {
        std::string message;
        for (const std::string& p : problems) message += (message.empty() ? "" : "; ") + p;
        out = Error::Make("approval_invalid", message, "approval");
        return;
      }
      audit_approval = body["approval"];
    }
    const std::string status = approval ? "approved" : "declined";
    auto update =
        db.Prepare("UPDATE approval_requests SET status = ?, approval = ?, decided_by = ?, decided_at = ? WHERE request_id = ?");
    update.Bind(1, status).Bind(3, by.actor).Bind(4, now).Bind(5, id);
    if (approval) {
      update.Bind(2, core::ToCanonicalJson(audit_approval));
    } else {
      update.Bind(2, std::nullopt);
    }
    update.Run();
    AuditEntry e = Entry(by, "approval." + status, id);
    e.after = {{"rule", (*request)["rule"]}, {"subject", (*request)["subject"]}, {"requested_by", requested_by}};
    e.approval = audit_approval;
    store.Audit(db, e);
    out = *Find(db, by.store_id, id, now);
  });
  return out;
}

}  // namespace aisle::server
