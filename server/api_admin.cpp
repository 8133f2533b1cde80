// The back office's routes: roles, staff, devices and the audit log. Each
// route's permission is checked by Api::Admit; here each checks the store it
// acts on is within the caller's reach.
#include <charconv>
#include <sstream>

#include "core/json_read.h"
#include "core/pricing/rules.h"
#include "server/api.h"
#include "server/exceptions.h"
#include "server/sale_service.h"

namespace aisle::server {
namespace {

using core::Error;
using nlohmann::json;

constexpr int64_t kDefaultAuditLimit = 200;
constexpr int64_t kMaxAuditLimit = 10000;

ApiResponse FromResult(int status, const core::Result<json>& result) {
  return result ? JsonResponse(status, *result) : ErrorResponse(result.error());
}

// The named string fields of a JSON body, each required.
core::Result<std::vector<std::string>> ReadFields(const std::string& text, std::initializer_list<const char*> names) {
  auto body = core::ParseJson(text);
  if (!body) return body.error();
  if (!body->is_object()) return core::WrongType("(body)", "an object");
  std::vector<std::string> out;
  for (const char* name : names) {
    auto value = core::ReadString(*body, name, "");
    if (!value) return value.error();
    out.push_back(std::move(*value));
  }
  return out;
}

// ?limit= of a listing: 1..kMaxAuditLimit, kDefaultAuditLimit when absent.
core::Result<int64_t> QueryLimit(const std::map<std::string, std::string>& query) {
  auto limit = QueryInt(query, "limit", kDefaultAuditLimit);
  if (!limit) return limit.error();
  if (*limit < 1 || *limit > kMaxAuditLimit) {
    return Error::Make("invalid_parameter", "limit must be 1.." + std::to_string(kMaxAuditLimit), "limit");
  }
  return *limit;
}

// A positive integer id from a path segment.
std::optional<int64_t> ParseId(const std::string& text) {
  int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id < 1) return std::nullopt;
  return id;
}

// RFC 4180: quoted when it holds a comma, quote or line break. A cell that a
// spreadsheet would run as a formula (=, +, -, @, tab, CR first: text an
// associate typed can be anything) starts with an apostrophe instead.
std::string CsvCell(const std::string& text) {
  const bool formula = !text.empty() && std::string_view("=+-@\t\r").find(text[0]) != std::string_view::npos;
  const std::string value = formula ? "'" + text : text;
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

ApiResponse Api::ListRolesRoute(Call&) {
  json roles = json::array();
  store_.WithConnection([&](Database& db) {
    for (const Role& r : ListRoles(db)) roles.push_back(RoleToJson(r));
  });
  return JsonResponse(200, {{"roles", std::move(roles)}});
}

ApiResponse Api::PutRoleRoute(Call& call) {
  auto body = core::ParseJson(call.request.body);
  if (!body) return ErrorResponse(body.error());
  return FromResult(200, PutRole(store_, ActorOf(call), call.params[0], *body));
}

ApiResponse Api::ListStaffRoute(Call& call) {
  const std::string store_id = TargetStore(call);
  if (auto refused = CheckReach(call, store_id)) return *refused;
  return JsonResponse(200, ListStaff(store_, store_id));
}

ApiResponse Api::AddStaffRoute(Call& call) {
  auto fields = ReadFields(call.request.body, {"store_id", "staff_code", "name", "role", "pin"});
  if (!fields) return ErrorResponse(fields.error());
  const auto& f = *fields;
  if (auto refused = CheckReach(call, f[0])) return *refused;
  // Nobody makes staff more powerful than themselves.
  if (f[3] == "hq_admin" && call.session.role != "hq_admin") {
    return ErrorResponse(Error::Make("forbidden", "only an HQ admin adds an HQ admin", "role"));
  }
  return FromResult(201, AddStaff(store_, ActorOf(call), f[0], f[1], f[2], f[3], f[4]));
}

// Nobody acts on themselves here, nor on staff whose role may do something the caller's may not
// (a store manager resetting an area manager's PIN would take over their account).
std::optional<ApiResponse> Api::CheckOutranks(const Call& call, const std::string& store_id, const std::string& code) {
  if (auto refused = CheckReach(call, store_id)) return refused;
  if (store_id == call.session.store_id && code == call.session.staff_code) {
    return ErrorResponse(Error::Make("forbidden", "nobody disables or resets themselves here", "staff_code"));
  }
  auto target = store_.FindStaff(store_id, code);
  if (!target) return std::nullopt;  // the service answers staff_not_found
  std::optional<Role> role;
  store_.WithConnection([&](Database& db) { role = FindRole(db, target->role); });
  if (role && call.role) {
    for (const std::string& p : role->permissions) {
      if (!call.role->Allows(p) || (role->scope == "chain" && call.role->scope != "chain")) {
        return ErrorResponse(Error::Make("forbidden", "a " + target->role + " is managed by a higher role", "staff_code"));
      }
    }
  }
  return std::nullopt;
}

ApiResponse Api::DisableStaffRoute(Call& call) {
  if (auto refused = CheckOutranks(call, call.params[0], call.params[1])) return *refused;
  auto done = SetStaffActive(store_, ActorOf(call), call.params[0], call.params[1], false);
  if (done) live_.RecheckAll();  // their live connections close now
  return FromResult(200, done);
}

ApiResponse Api::EnableStaffRoute(Call& call) {
  if (auto refused = CheckOutranks(call, call.params[0], call.params[1])) return *refused;
  return FromResult(200, SetStaffActive(store_, ActorOf(call), call.params[0], call.params[1], true));
}

ApiResponse Api::ResetPinRoute(Call& call) {
  if (auto refused = CheckOutranks(call, call.params[0], call.params[1])) return *refused;
  auto fields = ReadFields(call.request.body, {"pin"});
  if (!fields) return ErrorResponse(fields.error());
  auto done = ResetPin(store_, ActorOf(call), call.params[0], call.params[1], (*fields)[0]);
  if (done) live_.RecheckAll();
  return FromResult(200, done);
}

ApiResponse Api::ListDevicesRoute(Call& call) {
  const std::string store_id = TargetStore(call);
  if (auto refused = CheckReach(call, store_id)) return *refused;
  return JsonResponse(200, ListDevices(store_, store_id));
}

ApiResponse Api::NewEnrollmentRoute(Call& call) {
  auto fields = ReadFields(call.request.body, {"store_id", "device_name"});
  if (!fields) return ErrorResponse(fields.error());
  if (auto refused = CheckReach(call, (*fields)[0])) return *refused;
  return FromResult(201, CreateEnrollment(store_, ActorOf(call), (*fields)[0], (*fields)[1]));
}

ApiResponse Api::ListEnrollmentsRoute(Call& call) {
  const std::string store_id = TargetStore(call);
  if (auto refused = CheckReach(call, store_id)) return *refused;
  return JsonResponse(200, ListEnrollments(store_, store_id));
}

ApiResponse Api::CancelEnrollmentRoute(Call& call) {
  const auto id = ParseId(call.params[0]);
  const auto store_id = id ? EnrollmentStore(store_, *id) : std::nullopt;
  if (!store_id) return ErrorResponse(Error::Make("enrollment_not_found", "no unused enrollment code " + call.params[0], "id"));
  if (auto refused = CheckReach(call, *store_id)) return *refused;
  return FromResult(200, CancelEnrollment(store_, ActorOf(call), *id));
}

// GET /api/v1/exceptions?store=&status=open|resolved&kind=&limit=: newest first.
ApiResponse Api::ListExceptionsRoute(Call& call) {
  ExceptionQuery q;
  q.store_id = TargetStore(call);
  if (auto refused = CheckReach(call, q.store_id)) return *refused;
  auto limit = QueryLimit(call.query);
  if (!limit) return ErrorResponse(limit.error());
  q.limit = *limit;
  if (auto it = call.query.find("status"); it != call.query.end()) q.status = it->second;
  if (q.status != "" && q.status != "open" && q.status != "resolved") {
    return ErrorResponse(Error::Make("invalid_parameter", "status is open or resolved", "status"));
  }
  if (auto it = call.query.find("kind"); it != call.query.end()) q.kind = it->second;
  return JsonResponse(200, ListExceptions(store_, q));
}

ApiResponse Api::ResolveExceptionRoute(Call& call) {
  const auto id = ParseId(call.params[0]);
  const auto store_id = id ? ExceptionStore(store_, *id) : std::nullopt;
  if (!store_id) return ErrorResponse(Error::Make("exception_not_found", "no exception " + call.params[0], "id"));
  if (auto refused = CheckReach(call, *store_id)) return *refused;
  auto body = core::ParseJson(call.request.body);
  if (!body) return ErrorResponse(body.error());
  return FromResult(200, ResolveException(store_, ActorOf(call), *id, *body));
}

ApiResponse Api::RevokeDeviceRoute(Call& call) {
  auto device = store_.FindDevice(call.params[0]);
  if (!device) return ErrorResponse(Error::Make("device_not_found", "no device " + call.params[0], "device_id"));
  if (auto refused = CheckReach(call, device->store_id)) return *refused;
  auto done = RevokeDevice(store_, ActorOf(call), call.params[0]);
  if (done) live_.RecheckAll();
  return FromResult(200, done);
}

// GET /api/v1/audit?store=&actor=&action=&from=&to=&limit=&format=csv: newest first.
ApiResponse Api::AuditRoute(Call& call) {
  const std::string store_id = TargetStore(call);
  if (auto refused = CheckReach(call, store_id)) return *refused;
  auto limit = QueryLimit(call.query);
  if (!limit) return ErrorResponse(limit.error());
  int64_t bounds[2] = {0, INT64_MAX};
  const char* names[2] = {"from", "to"};
  for (int i = 0; i < 2; ++i) {
    auto it = call.query.find(names[i]);
    if (it == call.query.end() || it->second.empty()) continue;
    auto instant = core::pricing::ParseInstant(it->second);
    if (!instant) return ErrorResponse(Error::Make("invalid_parameter", std::string(names[i]) +
                                                   " must be an ISO time like 2026-11-25T10:00:00Z", names[i]));
    bounds[i] = *instant * 1000;
  }
  const auto param = [&](const char* key) {
    auto it = call.query.find(key);
    return it == call.query.end() ? std::string() : it->second;
  };
  const bool csv = param("format") == "csv";
  json entries = json::array();
  std::ostringstream out;
  out << "\xEF\xBB\xBF";  // a UTF-8 BOM: Excel in Chinese Windows reads the CSV as GBK without it
  out << "seq,time,actor,role,device_id,action,object,before,after,approval,device_time,hlc,hash\r\n";
  store_.WithConnection([&](Database& db) {
    auto s = db.Prepare(
        "SELECT seq, at_ms, actor, role, device_id, action, object, before, after, approval, device_time, hlc, hash "
        "FROM audit_log WHERE store_id = ?1 AND (?2 = '' OR actor = ?2) AND (?3 = '' OR action = ?3) "
        "AND at_ms >= ?4 AND at_ms < ?5 ORDER BY seq DESC LIMIT ?6");
    s.Bind(1, store_id).Bind(2, param("actor")).Bind(3, param("action")).Bind(4, bounds[0]).Bind(5, bounds[1])
        .Bind(6, *limit);
    while (s.Step()) {
      const std::string time = IsoTime(s.Int(1) / 1000);
      if (csv) {
        out << s.Int(0) << "," << time;
        for (int c = 2; c <= 12; ++c) out << "," << CsvCell(s.Text(c));
        out << "\r\n";
        continue;
      }
      entries.push_back({{"seq", s.Int(0)}, {"time", time}, {"actor", s.Text(2)}, {"role", s.Text(3)},
                         {"device_id", s.Text(4)}, {"action", s.Text(5)}, {"object", s.Text(6)},
                         {"before", json::parse(s.Text(7))}, {"after", json::parse(s.Text(8))},
                         {"approval", json::parse(s.Text(9))}, {"device_time", s.Text(10)}, {"hlc", s.Text(11)},
                         {"hash", s.Text(12)}});
    }
  });
  if (!csv) return JsonResponse(200, {{"store_id", store_id}, {"entries", std::move(entries)}});
  ApiResponse r{200, out.str(), {}};
  r.headers.emplace_back("Content-Type", "text/csv; charset=utf-8");
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"audit-" + store_id + ".csv\"");
  return r;
}

ApiResponse Api::AuditVerifyRoute(Call& call) {
  const std::string store_id = TargetStore(call);
  if (auto refused = CheckReach(call, store_id)) return *refused;
  std::vector<AuditChainReport> reports;
  const std::string anchors = store_.audit_anchor_path();
  store_.WithConnection([&](Database& db) { reports = VerifyAudit(db, anchors, store_id); });
  json chains = json::array();
  for (const AuditChainReport& r : reports) {
    chains.push_back({{"store_id", r.store_id}, {"entries", r.entries}, {"anchored_seq", r.anchored_seq},
                      {"intact", r.intact}, {"broken_seq", r.intact ? json(nullptr) : json(r.broken_seq)},
                      {"problem", r.problem}});
  }
  return JsonResponse(200, {{"chains", std::move(chains)}});
}

// The X report of an open drawer session (the Z report once closed).
ApiResponse Api::DrawerReportRoute(Call& call) {
  const std::string& session_id = call.params[0];
  std::optional<json> out;
  std::string store_id;
  store_.WithConnection([&](Database& db) {
    auto s = db.Prepare(
        "SELECT d.store_id, d.opening_float, d.report, l.currency, d.opened_by, d.opened_at, d.closed_by, d.closed_at "
        "FROM drawer_sessions d JOIN locations l ON l.location_id = d.store_id WHERE d.session_id = ?");
    s.Bind(1, session_id);
    if (!s.Step()) return;
    store_id = s.Text(0);
    json report = s.IsNull(2) ? core::DrawerReportToJson(
                                    core::ComputeDrawerReport(s.Int(1), DrawerMovements(db, session_id), std::nullopt),
                                    *core::FindCurrency(s.Text(3)))
                              : json::parse(s.Text(2));
    report["session_id"] = session_id;
    report["store_id"] = store_id;
    report["opened_by"] = s.Text(4);
    report["opened_at"] = s.Text(5);
    report["closed_by"] = s.IsNull(6) ? json(nullptr) : json(s.Text(6));
    report["closed_at"] = s.IsNull(7) ? json(nullptr) : json(s.Text(7));
    out = std::move(report);
  });
  if (!out) return ErrorResponse(Error::Make("not_found", "no drawer session " + session_id, "session_id"));
  if (auto refused = CheckReach(call, store_id)) return *refused;
  return JsonResponse(200, *out);
}

// What an enrolled device of the store caches to sign staff in and check
// approvals offline: per active staff member the PBKDF2 verifier of their
// PIN (never the approval key), role, permissions and limits; and the store's
// offline policies (its offline period also at the top level, as before). docs/security.md, "Offline sign-in".
ApiResponse Api::VerifiersRoute(Call& call) {
  const std::string& store_id = call.session.store_id;
  json staff = json::array();
  const OfflinePolicy policy = FindOfflinePolicy(store_, store_id).value_or(OfflinePolicy{});
  store_.WithConnection([&](Database& db) {
    auto s = db.Prepare(
        "SELECT staff_code, name, role, kdf_iterations, verifier_salt, verifier, approval_salt FROM staff "
        "WHERE store_id = ? AND active = 1 AND kdf_iterations > 0 ORDER BY staff_code");
    s.Bind(1, store_id);
    while (s.Step()) {
      const auto role = FindRole(db, s.Text(2));
      if (!role) continue;
      staff.push_back({{"staff_code", s.Text(0)}, {"name", s.Text(1)}, {"role", s.Text(2)},
                       {"permissions", role->permissions}, {"limits", RoleToJson(*role)["limits"]},
                       {"kdf", {{"name", "PBKDF2-SHA256"}, {"iterations", s.Int(3)}, {"salt", s.Text(4)},
                                {"approval_salt", s.Text(6)}}},
                       {"verifier", s.Text(5)}});
    }
  });
  return JsonResponse(200, {{"store_id", store_id}, {"offline_signin_hours", policy.offline_signin_hours},
                            {"policies", OfflinePolicyToJson(policy)},
                            {"fetched_at", IsoTime(UnixNow())}, {"staff", std::move(staff)}});
}

}  // namespace aisle::server
