#include "server/exceptions.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "core/json_read.h"
#include "core/pan.h"
#include "server/audit.h"

namespace aisle::server {
namespace {

using core::Error;
using nlohmann::json;

constexpr std::array<std::string_view, 4> kResolutions = {"accepted", "corrected", "written_off", "escalated"};

// What a manager is advised to do about each kind (the terminal shows it in words).
std::string_view Suggestion(std::string_view kind) {
  if (kind == "stock_negative") return "count_or_transfer";
  if (kind == "device_revoked") return "review_sale";
  if (kind == "approval_invalid") return "review_approval";
  if (kind == "drawer_variance") return "recount_drawer";
  if (kind == "points_overdraft") return "recover_or_write_off_points";
  if (kind == "refund_difference") return "review_refund";
  if (kind == "member_unknown") return "review_member";
  if (kind == "coupon_reused" || kind == "coupon_unknown") return "review_coupon";
  if (kind == "cap_exceeded") return "review_cap";
  if (kind == "price_drift") return "review_price_change";
  return "review";
}

constexpr const char* kColumns =
    "id, store_id, kind, op_id, detail, status, created_at, resolved_at, resolved_by, resolution, note";

json RowToJson(Statement& s) {
  json out = {{"id", s.Int(0)},         {"store_id", s.Text(1)}, {"kind", s.Text(2)},
              {"op_id", s.Text(3)},     {"detail", json::parse(s.Text(4))},
              {"status", s.Text(5)},    {"suggestion", Suggestion(s.Text(2))},
              {"created_at", IsoTime(s.Int(6))}};
  if (!s.IsNull(7)) out["resolved_at"] = IsoTime(s.Int(7));
  if (!s.IsNull(8)) out["resolved_by"] = s.Text(8);
  if (!s.IsNull(9)) out["resolution"] = s.Text(9);
  if (!s.IsNull(10)) out["note"] = s.Text(10);
  return out;
}

}  // namespace

json ListExceptions(Store& store, const ExceptionQuery& q) {
  json list = json::array();
  store.WithConnection([&](Database& db) {
    auto s = db.Prepare(std::string("SELECT ") + kColumns +
                        " FROM exceptions WHERE store_id = ?1 AND (?2 = '' OR status = ?2) AND (?3 = '' OR kind = ?3) "
                        "ORDER BY id DESC LIMIT ?4");
    s.Bind(1, q.store_id).Bind(2, q.status).Bind(3, q.kind).Bind(4, q.limit);
    while (s.Step()) list.push_back(RowToJson(s));
  });
  return json{{"store_id", q.store_id}, {"exceptions", std::move(list)}};
}

std::optional<std::string> ExceptionStore(Store& store, int64_t id) {
  std::optional<std::string> out;
  store.WithConnection([&](Database& db) {
    auto s = db.Prepare("SELECT store_id FROM exceptions WHERE id = ?");
    s.Bind(1, id);
    if (s.Step()) out = s.Text(0);
  });
  return out;
}

core::Result<json> ResolveException(Store& store, const Actor& by, int64_t id, const json& body) {
  if (!body.is_object()) return core::WrongType("(body)", "an object");
  auto resolution = core::ReadString(body, "resolution", "");
  if (!resolution) return resolution.error();
  if (std::find(kResolutions.begin(), kResolutions.end(), *resolution) == kResolutions.end()) {
    return Error::Make("invalid_field", "resolution is accepted, corrected, written_off or escalated", "resolution");
  }
  auto note = core::ReadOptionalString(body, "note", "");
  if (!note) return note.error();
  auto checked = core::CheckFreeText(note->value_or(""), "note");
  if (!checked) return checked.error();
  if (checked->size() > 500) return Error::Make("invalid_field", "a note holds at most 500 bytes", "note");
  const int64_t now = UnixNow();
  core::Result<json> out = json();
  store.WithTransaction([&](Database& db) {
    auto s = db.Prepare(std::string("SELECT ") + kColumns + " FROM exceptions WHERE id = ?");
    s.Bind(1, id);
    if (!s.Step()) {
      out = Error::Make("exception_not_found", "no exception " + std::to_string(id), "id");
      return;
    }
    const json before = RowToJson(s);
    if (before["status"] != "open") {
      out = Error::Make("exception_resolved", "exception " + std::to_string(id) + " is already resolved", "id");
      return;
    }
    db.Prepare("UPDATE exceptions SET status = 'resolved', resolved_at = ?, resolved_by = ?, resolution = ?, note = ? "
               "WHERE id = ?")
        .Bind(1, now).Bind(2, by.actor).Bind(3, *resolution).Bind(4, *checked).Bind(5, id).Run();
    auto again = db.Prepare(std::string("SELECT ") + kColumns + " FROM exceptions WHERE id = ?");
    again.Bind(1, id);
    again.Step();
    out = RowToJson(again);
    AuditEntry e;
    e.store_id = before["store_id"];
    e.actor = by.actor;
    e.role = by.role;
    e.device_id = by.device_id;
    e.at_ms = now * 1000;
    e.action = "exception.resolved";
    e.object = "exception:" + std::to_string(id);
    e.before = {{"kind", before["kind"]}, {"status", "open"}, {"op_id", before["op_id"]}};
    e.after = {{"status", "resolved"}, {"resolution", *resolution}, {"note", *checked}};
    store.Audit(db, e);
  });
  return out;
}

}  // namespace aisle::server
