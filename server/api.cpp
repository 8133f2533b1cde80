#include "server/api.h"

#include <cctype>
#include <chrono>
#include <map>

#include "core/barcode.h"
#include "core/json_read.h"
#include "server/coupons.h"
#include "server/sale_service.h"

namespace aisle::server {
namespace {

using core::Error;
using nlohmann::json;

constexpr int kDefaultPullLimit = 500;
constexpr int kMaxPullLimit = 1000;
constexpr int kDefaultSnapshotLimit = 1000;
constexpr int kMaxSnapshotLimit = 5000;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 && HexValue(in[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (!pair.empty()) {
      out[PercentDecode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

ApiResponse JsonResponse(int status, const json& body) {
  return ApiResponse{status, core::ToCanonicalJson(body), {}};
}

core::Result<int64_t> QueryInt(const std::map<std::string, std::string>& query, const std::string& key,
                               int64_t fallback) {
  auto it = query.find(key);
  if (it == query.end() || it->second.empty()) return fallback;
  int64_t value = 0;
  for (char c : it->second) {
    if (c < '0' || c > '9' || value > (INT64_MAX - 9) / 10) {
      return Error::Make("invalid_parameter", key + " must be a non-negative integer", key);
    }
    value = value * 10 + (c - '0');
  }
  return value;
}

int HttpStatusFor(std::string_view code) {
  static const std::map<std::string_view, int> kStatus = {
      {"unauthorized", 401},        {"invalid_credentials", 401}, {"token_expired", 401},
      {"invalid_ticket", 401},      {"upgrade_required", 426},
      {"device_credential_required", 401}, {"invalid_device_credential", 401},
      {"forbidden", 403},           {"not_found", 404},
      {"device_revoked", 403},      {"device_other_store", 403},  {"staff_not_found", 404},
      {"device_not_found", 404},    {"staff_exists", 409},        {"device_exists", 409},
      {"approval_request_not_found", 404}, {"unknown_store", 404}, {"enrollment_not_found", 404},
      {"exception_not_found", 404}, {"exception_resolved", 409}, {"approval_request_closed", 409}, {"approval_invalid", 403},
      {"unknown_barcode", 404},     {"sale_not_found", 404},      {"coupon_not_found", 404},      {"member_not_found", 404},      {"sku_not_found", 404},      {"rules_not_found", 404},
      {"method_not_allowed", 405},  {"rules_version_conflict", 409},
      {"payload_too_large", 413},   {"unsupported_media_type", 415},
      {"printer_not_found", 404},   {"printer_other_store", 403}, {"printer_unreachable", 502},
      {"too_many_attempts", 429},   {"internal", 500},            {"unavailable", 503},
  };
  auto it = kStatus.find(code);
  return it == kStatus.end() ? 400 : it->second;  // everything else is bad input
}

ApiResponse ErrorResponse(const Error& error) {
  return JsonResponse(HttpStatusFor(error.code), core::ErrorToJson(error));
}

Api::Api(Store& store, ApiOptions options)
    : store_(store), options_(std::move(options)), throttle_(options_.lockout_seconds),
      device_throttle_(options_.lockout_seconds, LoginThrottle::kMaxDeviceFailures) {
  store_.WithConnection([&](Database& db) { nudged_cursor_ = Store::FeedHead(db); });  // nudges cover what changes from now on
}

bool Api::Handles(std::string_view path) {
  return path == "/healthz" || path.starts_with("/api/");
}

const std::vector<Api::Route>& Api::RouteTable() {
  static const std::vector<Route> kRoutes = {
      {{"GET", "/healthz", "public"}, &Api::Health},
      {{"POST", "/api/v1/devices/enroll", "public"}, &Api::Enroll},
      {{"POST", "/api/v1/sessions", "device"}, &Api::SignIn},
      {{"GET", "/api/v1/live", "ticket"}, &Api::LiveUpgrade},
      {{"GET", "/api/v1/catalog/lookup", "catalog.read"}, &Api::Lookup},
      {{"GET", "/api/v1/catalog/lowest-price", "sale.sell"}, &Api::LowestPriceRoute},
      {{"GET", "/api/v1/sync/pull", "catalog.read"}, &Api::Pull},
      {{"GET", "/api/v1/sync/snapshot", "catalog.read"}, &Api::Snapshot},
      {{"GET", "/api/v1/sync/status", "catalog.read"}, &Api::SyncStatus},
      {{"GET", "/api/v1/pricing/rules", "catalog.read"}, &Api::GetRules},
      {{"POST", "/api/v1/sync/push", "sale.sell"}, &Api::Push, /*revoked_device_ok=*/true},
      {{"POST", "/api/v1/live/tickets", "live.subscribe"}, &Api::NewLiveTicket},
      {{"GET", "/api/v1/sales/{sale_id}", "sales.read"}, &Api::GetSale},
      {{"GET", "/api/v1/drawers/{session_id}/report", "sales.read"}, &Api::DrawerReportRoute},
      {{"GET", "/api/v1/staff/verifiers", "sale.sell"}, &Api::VerifiersRoute},
      {{"POST", "/api/v1/approvals/requests", "sale.sell"}, &Api::NewApprovalRequestRoute},
      {{"GET", "/api/v1/approvals/requests/{request_id}", "sale.sell"}, &Api::GetApprovalRequestRoute},
      {{"GET", "/api/v1/approvals/requests", "approve"}, &Api::PendingApprovalsRoute},
      {{"POST", "/api/v1/approvals/requests/{request_id}/decision", "approve"}, &Api::DecideApprovalRoute},
      {{"GET", "/api/v1/printers", "sale.sell"}, &Api::ListPrintersRoute},
      {{"POST", "/api/v1/print", "sale.sell"}, &Api::PrintRoute},
      {{"POST", "/api/v1/pricing/rules", "rules.publish"}, &Api::PublishRules},
      {{"POST", "/api/v1/coupons/batches", "rules.publish"}, &Api::IssueCouponsRoute},
      {{"GET", "/api/v1/coupons/{code}", "sale.sell"}, &Api::GetCouponRoute},
      {{"GET", "/api/v1/members/{member_id}/coupons", "sale.sell"}, &Api::MemberWalletRoute},
      {{"GET", "/api/v1/stock/{sku}", "catalog.read"}, &Api::ChainStockRoute},
      {{"GET", "/api/v1/roles", "staff.read"}, &Api::ListRolesRoute},
      {{"PUT", "/api/v1/roles/{role}", "role.manage"}, &Api::PutRoleRoute},
      {{"GET", "/api/v1/staff", "staff.read"}, &Api::ListStaffRoute},
      {{"POST", "/api/v1/staff", "staff.manage"}, &Api::AddStaffRoute},
      {{"POST", "/api/v1/staff/{store_id}/{staff_code}/disable", "staff.manage"}, &Api::DisableStaffRoute},
      {{"POST", "/api/v1/staff/{store_id}/{staff_code}/enable", "staff.manage"}, &Api::EnableStaffRoute},
      {{"POST", "/api/v1/staff/{store_id}/{staff_code}/pin", "staff.manage"}, &Api::ResetPinRoute},
      {{"GET", "/api/v1/devices", "device.manage"}, &Api::ListDevicesRoute},
      {{"POST", "/api/v1/devices/enrollments", "device.manage"}, &Api::NewEnrollmentRoute},
      {{"GET", "/api/v1/devices/enrollments", "device.manage"}, &Api::ListEnrollmentsRoute},
      {{"POST", "/api/v1/devices/enrollments/{id}/cancel", "device.manage"}, &Api::CancelEnrollmentRoute},
      {{"POST", "/api/v1/devices/{device_id}/revoke", "device.manage"}, &Api::RevokeDeviceRoute},
      {{"GET", "/api/v1/exceptions", "approve"}, &Api::ListExceptionsRoute},
      {{"POST", "/api/v1/exceptions/{id}/resolve", "approve"}, &Api::ResolveExceptionRoute},
      {{"GET", "/api/v1/audit", "audit.read"}, &Api::AuditRoute},
      {{"GET", "/api/v1/audit/verify", "audit.read"}, &Api::AuditVerifyRoute},
  };
  return kRoutes;
}

std::vector<RouteInfo> Api::Routes() {
  std::vector<RouteInfo> out;
  for (const Route& r : RouteTable()) out.push_back(r.info);
  return out;
}

namespace {

// Matches a path against a route pattern segment by segment; {x} takes one
// non-empty segment, returned decoded.
std::optional<std::vector<std::string>> MatchPattern(std::string_view pattern, std::string_view path) {
  std::vector<std::string> params;
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return std::nullopt;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const std::string_view p = pattern.substr(0, pattern.find('/'));
    const std::string_view v = path.substr(0, path.find('/'));
    if (p.starts_with('{')) {
      if (v.empty()) return std::nullopt;
      params.push_back(PercentDecode(v));
    } else if (p != v) {
      return std::nullopt;
    }
    pattern.remove_prefix(p.size());
    path.remove_prefix(v.size());
  }
  return params;
}

}  // namespace

ApiResponse Api::Handle(const ApiRequest& request) {
  const size_t q = request.target.find('?');
  const std::string path = request.target.substr(0, q);
  bool path_known = false;
  for (const Route& route : RouteTable()) {
    auto params = MatchPattern(route.info.pattern, path);
    if (!params) continue;
    path_known = true;
    const bool head = request.method == "HEAD" && route.info.method == "GET" && path == "/healthz";
    if (request.method != route.info.method && !head) continue;
    Call call{request, ParseQuery(q == std::string::npos ? "" : std::string_view(request.target).substr(q + 1)),
              std::move(*params), std::nullopt, Session{}, std::nullopt};
    if (auto refused = Admit(route, call)) return *refused;
    return (this->*route.handler)(call);
  }
  if (path_known) {
    return ErrorResponse(Error::Make("method_not_allowed", request.method + " is not allowed on " + path));
  }
  return ErrorResponse(Error::Make("not_found", "no such endpoint: " + path));
}

std::optional<ApiResponse> Api::Admit(const Route& entry, Call& call) {
  const RouteInfo& route = entry.info;
  if (route.permission == "public" || route.permission == "ticket") return std::nullopt;
  const ApiRequest& request = call.request;
  if (!request.device_credential.empty()) {
    call.device = store_.FindDeviceByCredential(Sha256Hex(request.device_credential));
    if (!call.device) {
      return ErrorResponse(Error::Make("invalid_device_credential",
                                       "this device's credential is unknown: enroll it again", "X-Aisle-Device"));
    }
    // A revoked device may still hand in what it sold (Push turns those sales into exceptions).
    if (call.device->status == "revoked" && !entry.revoked_device_ok) {
      return ErrorResponse(Error::Make("device_revoked", "this device was revoked: ask the store manager"));
    }
  } else if (!options_.demo) {
    return ErrorResponse(Error::Make("device_credential_required",
                                     "this server only serves enrolled devices: send X-Aisle-Device", "X-Aisle-Device"));
  }
  if (route.permission == "device") return std::nullopt;
  if (call.device && call.device->status == "revoked") {  // push from a revoked device: no staff session left
    call.session = Session{call.device->store_id, "", call.device->device_id, 0, ""};
    return std::nullopt;
  }

  constexpr std::string_view kBearer = "Bearer ";
  if (!std::string_view(request.authorization).starts_with(kBearer)) {
    return ErrorResponse(Error::Make("unauthorized", "sign in first: Authorization: Bearer <token> is missing",
                                     "Authorization"));
  }
  auto session = store_.FindSession(Sha256Hex(request.authorization.substr(kBearer.size())), UnixNow());
  if (!session || (call.device && session->device_id != call.device->device_id)) {
    return ErrorResponse(Error::Make("token_expired", "the session token is unknown or expired: sign in again",
                                     "Authorization"));
  }
  call.session = std::move(*session);
  store_.WithConnection([&](Database& db) { call.role = FindRole(db, call.session.role); });
  if (!call.role || !call.role->Allows(route.permission)) {
    return ErrorResponse(Error::Make("forbidden", "the role " + call.session.role + " may not do this (needs " +
                                                      std::string(route.permission) + ")"));
  }
  return std::nullopt;
}

std::optional<ApiResponse> Api::CheckReach(const Call& call, const std::string& store_id) {
  if (!call.role || !call.role->Reaches(call.session.store_id, store_id)) {
    return ErrorResponse(Error::Make("forbidden", "the role " + call.session.role + " acts in its own store only", "store_id"));
  }
  auto location = store_.FindLocation(store_id);
  if (!location || location->kind != "store") return ErrorResponse(Error::Make("unknown_store", "no store " + store_id, "store"));
  return std::nullopt;
}

std::string Api::TargetStore(const Call& call) {
  auto it = call.query.find("store");
  return it == call.query.end() || it->second.empty() ? call.session.store_id : it->second;
}

Actor Api::ActorOf(const Call& call) const {
  return Actor{call.session.store_id, call.session.staff_code, call.session.role, call.session.device_id};
}

ApiResponse Api::Health(Call&) {
  return JsonResponse(200, {{"status", "ok"}, {"version", options_.version}});
}

ApiResponse Api::LiveUpgrade(Call&) {
  return ErrorResponse(Error::Make("upgrade_required", "open /api/v1/live as a WebSocket with ?ticket="));
}

ApiResponse Api::SyncStatus(Call& call) {
  auto it = call.query.find("device_id");
  return JsonResponse(200, DeviceSyncStatus(store_, it == call.query.end() ? call.session.device_id : it->second));
}

AuditEntry Api::SignInEntry(const std::string& store_id, const std::string& staff_code, const std::string& role,
                            const std::string& device_id, const std::string& action) {
  AuditEntry e;
  e.store_id = store_id;
  e.actor = staff_code;
  e.role = role;
  e.device_id = device_id;
  e.at_ms = UnixNowMs();
  e.action = action;
  e.object = "staff:" + store_id + "/" + staff_code;
  return e;
}

ApiResponse Api::SignIn(Call& call) {
  auto body = core::ParseJson(call.request.body);
  if (!body) return ErrorResponse(body.error());
  if (!body->is_object()) return ErrorResponse(core::WrongType("(body)", "an object"));
  std::string fields[4];
  const char* names[4] = {"store_id", "device_id", "staff_code", "pin"};
  for (int i = 0; i < 4; ++i) {
    auto value = core::ReadString(*body, names[i], "");
    if (!value) return ErrorResponse(value.error());
    if (value->empty() || value->size() > 64) {
      return ErrorResponse(Error::Make("invalid_" + std::string(names[i]),
                                       std::string(names[i]) + " must be 1 to 64 characters", names[i]));
    }
    fields[i] = std::move(*value);
  }
  const auto& [store_id, device_id, staff_code, pin] = fields;
  if (call.device) {  // an enrolled device signs staff in to its own store only
    if (device_id != call.device->device_id) {
      return ErrorResponse(Error::Make("invalid_device_id", "device_id is not the enrolled device's id", "device_id"));
    }
    if (store_id != call.device->store_id) {
      return ErrorResponse(Error::Make("device_other_store",
                                       "this device is enrolled in store " + call.device->store_id, "store_id"));
    }
  } else if (auto known = store_.FindDevice(device_id)) {
    if (known->status == "revoked") {
      return ErrorResponse(Error::Make("device_revoked", "this device was revoked: ask the store manager"));
    }
    if (known->has_credential) {  // nobody signs in as an enrolled device without its credential
      return ErrorResponse(Error::Make("device_credential_required", "this device is enrolled: send X-Aisle-Device",
                                       "X-Aisle-Device"));
    }
  }
  const int64_t now = UnixNow();
  const std::string key = store_id + "\n" + staff_code;
  if (const int64_t wait = std::max(throttle_.LockedFor(key, now), device_throttle_.LockedFor(device_id, now)); wait > 0) {
    ApiResponse r = ErrorResponse(Error::Make(
        "too_many_attempts", "too many wrong PINs: try again in " + std::to_string(wait) + " s"));
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    return r;
  }
  auto location = store_.FindLocation(store_id);
  auto staff = store_.FindStaff(store_id, staff_code);
  if (!staff) BurnPinVerification();
  if (!location || location->kind != "store" || !staff || !staff->active || !VerifyPin(pin, staff->pin_hash)) {
    throttle_.RecordFailure(key, now);
    device_throttle_.RecordFailure(device_id, now);  // not reset by a success: a known PIN must not clear it
    if (staff) {  // attempts on real staff are kept; unknown codes would only let anyone fill the log
      const AuditEntry e = SignInEntry(store_id, staff_code, staff->role, device_id,
                                       throttle_.LockedFor(key, now) > 0 ? "session.locked_out" : "session.sign_in_failed");
      store_.WithTransaction([&](Database& db) { store_.Audit(db, e); });
    }
    return ErrorResponse(Error::Make("invalid_credentials", "wrong store, staff code or PIN"));
  }
  throttle_.RecordSuccess(key);
  if (!staff->has_pin_secrets) {  // staff from before schema 5: the PIN is here, derive once
    const PinSecrets secrets = DerivePinSecrets(pin);
    store_.WithTransaction([&](Database& db) { Store::SavePinSecrets(db, store_id, staff_code, secrets); });
  }
  if (!call.device && !store_.FindDevice(device_id)) {
    store_.RegisterDevice(device_id, store_id, now);  // --demo: a first sign-in lets the device in
  }
  const std::string token = NewToken();
  const Session session{store_id, staff_code, device_id, now + options_.session_ttl_seconds, staff->role};
  const AuditEntry signed_in = SignInEntry(store_id, staff_code, staff->role, device_id, "session.signed_in");
  store_.WithTransaction([&](Database& db) {  // the session and its audit entry, or neither
    Store::CreateSession(db, Sha256Hex(token), session, now);
    store_.Audit(db, signed_in);
  });
  std::optional<Role> role;
  store_.WithConnection([&](Database& db) { role = FindRole(db, staff->role); });
  return JsonResponse(
      201, {{"token", token},
            {"expires_at", IsoTime(session.expires_at)},
            {"staff", {{"staff_code", staff->staff_code}, {"name", staff->name}, {"role", staff->role},
                       {"store_id", staff->store_id}}},
            {"permissions", role ? json(role->permissions) : json::array()},
            {"limits", role ? RoleToJson(*role)["limits"] : json::object()},
            {"store", {{"store_id", location->location_id}, {"name_zh", location->name_zh},
                       {"name_en", location->name_en}, {"currency", location->currency}}}});
}

ApiResponse Api::Enroll(Call& call) {
  auto body = core::ParseJson(call.request.body);
  if (!body) return ErrorResponse(body.error());
  if (!body->is_object()) return ErrorResponse(core::WrongType("(body)", "an object"));
  auto code = core::ReadString(*body, "code", "");
  if (!code) return ErrorResponse(code.error());
  auto device_id = core::ReadString(*body, "device_id", "");
  if (!device_id) return ErrorResponse(device_id.error());
  const int64_t now = UnixNow();
  constexpr const char* kKey = "\nenroll";  // one throttle for every enrollment attempt
  if (const int64_t wait = throttle_.LockedFor(kKey, now); wait > 0) {
    return ErrorResponse(Error::Make("too_many_attempts", "too many wrong codes: try again in " +
                                                              std::to_string(wait) + " s"));
  }
  auto enrolled = EnrollDevice(store_, *code, *device_id);
  if (!enrolled) {
    if (enrolled.error().code == "invalid_enrollment_code") throttle_.RecordFailure(kKey, now);
    return ErrorResponse(enrolled.error());
  }
  return JsonResponse(201, *enrolled);
}

ApiResponse Api::Lookup(Call& call) {
  const auto& params = call.query;
  auto it = params.find("barcode");
  if (it == params.end()) return ErrorResponse(core::Missing("barcode"));
  auto barcode = core::NormalizeBarcode(it->second);
  if (!barcode) return ErrorResponse(barcode.error());
  auto product = store_.FindProductByBarcode(barcode->gtin);
  if (!product) {
    return ErrorResponse(Error::Make("unknown_barcode", "no product has barcode " + barcode->gtin, "barcode"));
  }
  return JsonResponse(200, {{"product", ProductToJson(*product)}});
}

ApiResponse Api::Pull(Call& call) {
  const auto& params = call.query;
  auto since = QueryInt(params, "since", 0);
  if (!since) return ErrorResponse(since.error());
  auto feed = ReadFeedQuery(params, kDefaultPullLimit, kMaxPullLimit);
  if (!feed) return ErrorResponse(feed.error());
  const auto& [scope, limit] = *feed;
  auto changes = store_.PullChanges(scope, *since, static_cast<int>(limit));
  const bool more = changes.size() > static_cast<size_t>(limit);
  if (more) changes.pop_back();
  json list = json::array();
  int64_t cursor = *since;
  for (const Change& c : changes) {
    json change = json::parse(c.body);
    change["seq"] = c.seq;
    change["scope"] = c.scope;
    list.push_back(std::move(change));
    cursor = c.seq;
  }
  return JsonResponse(200, {{"changes", std::move(list)}, {"cursor", cursor}, {"more", more}});
}

// `scope` (default catalog: one of catalog, promotions, members and
// stock:<a location that exists>) and `limit` (1..max) of a pull or snapshot.
core::Result<Api::FeedQuery> Api::ReadFeedQuery(const std::map<std::string, std::string>& params,
                                                int64_t default_limit, int64_t max_limit) {
  auto limit = QueryInt(params, "limit", default_limit);
  if (!limit) return limit.error();
  if (*limit < 1 || *limit > max_limit) {
    return Error::Make("invalid_parameter", "limit must be 1.." + std::to_string(max_limit), "limit");
  }
  auto it = params.find("scope");
  const std::string scope = it == params.end() ? "catalog" : it->second;
  const bool known = scope == "catalog" || scope == kPromotionsScope || scope == "members" ||
                     (scope.starts_with("stock:") && store_.FindLocation(scope.substr(6)).has_value());
  if (!known) return Error::Make("unknown_scope", "unknown scope '" + scope + "'", "scope");
  return FeedQuery{scope, *limit};
}

namespace {

// The snapshot's next key for the X-Aisle-Next header: letters, digits and
// -_. as they are, every other byte %XX (a client decodes it as a URI component).
std::string HeaderSafe(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

}  // namespace

// A new device's start: the current state of a scope, a page at a time in
// key order, with the feed cursor it reflects. Every page is read under the
// store's lock, so rows and cursor agree; a device continues the feed from
// the first page's cursor (rows that changed after it are replayed by the
// feed, and replaying an upsert is harmless).
ApiResponse Api::Snapshot(Call& call) {
  const auto& params = call.query;
  auto feed = ReadFeedQuery(params, kDefaultSnapshotLimit, kMaxSnapshotLimit);
  if (!feed) return ErrorResponse(feed.error());
  const auto& [scope, limit] = *feed;
  auto after_it = params.find("after");
  const std::string after = after_it == params.end() ? "" : after_it->second;
  json items = json::array();
  int64_t cursor = 0;
  std::string last;
  store_.WithConnection([&](Database& db) {
    cursor = Store::FeedHead(db);
    if (scope == kPromotionsScope) {
      if (!after.empty()) return;
      if (auto rules = FindRules(db, "")) items.push_back(RulesToJson(*rules));
      // And what capped promotions have sold chain-wide (docs/sync.md, "Conflicts").
      auto used = db.Prepare("SELECT promotion_id, sum(units) FROM promotion_usage GROUP BY promotion_id ORDER BY promotion_id");
      while (used.Step()) {
        items.push_back({{"kind", "promotion_usage"}, {"promotion_id", used.Text(0)}, {"used", used.Int(1)}});
      }
      return;
    }
    if (scope == "catalog") {
      for (const Product& p : Store::ProductsAfter(db, after, limit + 1)) items.push_back(ProductToJson(p));
    } else if (scope == "members") {
      // With each member: how often they had each per-member capped promotion (only when they did).
      auto rows = db.Prepare(
          "SELECT m.member_id, m.phone, m.name, m.tier, coalesce(sum(p.delta), 0), "
          "(SELECT json_group_object(promotion_id, n) FROM (SELECT promotion_id, sum(applications) AS n "
          "FROM member_promotion_usage u WHERE u.member_id = m.member_id GROUP BY promotion_id)) FROM members m "
          "LEFT JOIN points_movements p ON p.member_id = m.member_id WHERE m.member_id > ? "
          "GROUP BY m.member_id ORDER BY m.member_id LIMIT ?");
      rows.Bind(1, after).Bind(2, limit + 1);
      while (rows.Step()) {
        json member = {{"member_id", rows.Text(0)}, {"phone", rows.Text(1)}, {"name", rows.Text(2)},
                       {"tier", rows.Text(3)}, {"points", rows.Int(4)}};
        if (const std::string promotions = rows.Text(5); promotions.size() > 2) member["promotions"] = json::parse(promotions);
        items.push_back(std::move(member));
      }
    } else {  // stock:<location>
      auto rows = db.Prepare(
          "SELECT sku, qty FROM stock_levels WHERE location_id = ? AND sku > ? ORDER BY sku LIMIT ?");
      rows.Bind(1, scope.substr(6)).Bind(2, after).Bind(3, limit + 1);
      while (rows.Step()) items.push_back({{"sku", rows.Text(0)}, {"qty", rows.Int(1)}});
    }
  });
  // One row more than the page was read: it says whether there is a next page.
  if (static_cast<int64_t>(items.size()) > limit) {
    items.erase(items.end() - 1);
    const json& tail = items.back();
    last = tail.contains("barcode") ? tail["barcode"] : tail.contains("member_id") ? tail["member_id"] : tail["sku"];
  }
  const size_t count = items.size();
  ApiResponse response = JsonResponse(200, {{"scope", scope}, {"cursor", cursor}, {"items", std::move(items)},
                                            {"next", last.empty() ? json(nullptr) : json(last)}});
  response.headers.emplace_back("X-Aisle-Cursor", std::to_string(cursor));
  response.headers.emplace_back("X-Aisle-Count", std::to_string(count));
  // The page's facts before the body (X-Aisle-Next is absent on the last page): a client may ask
  // for the next page while it reads this one, and store the body without parsing it.
  if (!last.empty()) response.headers.emplace_back("X-Aisle-Next", HeaderSafe(last));
  return response;
}

ApiResponse Api::Push(Call& call) {
  auto body = core::ParseJson(call.request.body);
  if (!body) return ErrorResponse(body.error());
  const PushSource source{call.session, call.device.has_value(), call.device && call.device->status == "revoked"};
  auto results = PushOperations(store_, *body, source, rules_cache_, clock_);
  if (!results) return ErrorResponse(results.error());
  NudgeLive();
  return JsonResponse(200, *results);
}

ApiResponse Api::LowestPriceRoute(Call& call) {
  auto it = call.query.find("barcode");
  if (it == call.query.end()) return ErrorResponse(core::Missing("barcode"));
  auto barcode = core::NormalizeBarcode(it->second);
  if (!barcode) return ErrorResponse(barcode.error());
  auto lowest = LowestPrice(store_, barcode->gtin);
  if (!lowest) return ErrorResponse(Error::Make("unknown_barcode", "no product has barcode " + barcode->gtin, "barcode"));
  return JsonResponse(200, *lowest);
}

ApiResponse Api::GetSale(Call& call) {
  const std::string& sale_id = call.params[0];
  auto sale = LoadSale(store_, sale_id);
  if (!sale) return ErrorResponse(Error::Make("sale_not_found", "no sale " + sale_id));
  return JsonResponse(200, *sale);
}

ApiResponse Api::GetRules(Call& call) {
  const auto& params = call.query;
  auto it = params.find("version");
  const std::string version = it == params.end() ? "" : it->second;
  std::optional<PublishedRules> rules;
  store_.WithConnection([&](Database& db) { rules = FindRules(db, version); });
  if (!rules) {
    return ErrorResponse(Error::Make("rules_not_found",
                                     version.empty() ? "no pricing rules are published yet"
                                                     : "no pricing rules have version " + version,
                                     version.empty() ? "" : "version"));
  }
  return JsonResponse(200, RulesToJson(*rules));
}

namespace {

// An audit entry for an act of the signed-in staff member, now.
AuditEntry SessionEntry(const Session& session, std::string action, std::string object) {
  AuditEntry e;
  e.store_id = session.store_id;
  e.actor = session.staff_code;
  e.role = session.role;
  e.device_id = session.device_id;
  e.at_ms = UnixNowMs();
  e.action = std::move(action);
  e.object = std::move(object);
  return e;
}

}  // namespace

// Chain-wide prices and promotions; the audit entry goes to the chain of the
// store the publisher signed in at.
ApiResponse Api::PublishRules(Call& call) {
  auto body = core::ParseJson(call.request.body);
  if (!body) return ErrorResponse(body.error());
  core::Result<json> result = json();
  store_.WithTransaction([&](Database& db) {
    result = server::PublishRules(db, *body, call.session.staff_code, UnixNow());
    if (!result || (*result)["status"] != "published") return;
    AuditEntry e = SessionEntry(call.session, "rules.published", "rules:" + (*result)["version"].get<std::string>());
    e.after = *result;
    store_.Audit(db, e);
  });
  if (!result) return ErrorResponse(result.error());
  NudgeLive();
  return JsonResponse((*result)["status"] == "published" ? 201 : 200, *result);
}

// A batch of coupon codes for a coupon template of the latest rules; audited.
ApiResponse Api::IssueCouponsRoute(Call& call) {
  auto body = core::ParseJson(call.request.body);
  if (!body) return ErrorResponse(body.error());
  core::Result<json> result = json();
  store_.WithTransaction([&](Database& db) {
    const auto latest = rules_cache_.Latest(db);
    result = IssueCouponBatch(db, *body, call.session.staff_code, latest ? &latest->rules() : nullptr, UnixNow());
    if (!result) return;
    AuditEntry e = SessionEntry(call.session, "coupons.issued", "coupon:" + (*result)["coupon_id"].get<std::string>());
    e.after = {{"batch_id", (*result)["batch_id"]}, {"count", (*result)["count"]}};
    store_.Audit(db, e);
  });
  if (!result) return ErrorResponse(result.error());
  return JsonResponse(201, *result);
}

ApiResponse Api::GetCouponRoute(Call& call) {
  std::optional<json> coupon;
  store_.WithConnection([&](Database& db) { coupon = FindCoupon(db, call.params[0]); });
  if (!coupon) return ErrorResponse(Error::Make("coupon_not_found", "no coupon code " + call.params[0]));
  return JsonResponse(200, *coupon);
}

ApiResponse Api::MemberWalletRoute(Call& call) {
  std::optional<json> wallet;
  store_.WithConnection([&](Database& db) {
    const auto latest = rules_cache_.Latest(db);
    wallet = MemberWallet(db, call.params[0], latest ? &latest->rules() : nullptr);
  });
  if (!wallet) return ErrorResponse(Error::Make("member_not_found", "no member " + call.params[0]));
  return JsonResponse(200, *wallet);
}

// A SKU's stock in every location of the chain (stores and warehouses), with
// the feed cursor it reflects: what a terminal keeps as its recent view of
// other locations (docs/sync.md, "The device's caches").
ApiResponse Api::ChainStockRoute(Call& call) {
  const std::string& sku = call.params[0];
  json out;
  store_.WithConnection([&](Database& db) {
    auto known = db.Prepare("SELECT 1 FROM products WHERE sku = ?");
    known.Bind(1, sku);
    if (!known.Step()) return;
    json locations = json::array();
    auto rows = db.Prepare(
        "SELECT l.location_id, l.kind, l.name_zh, l.name_en, coalesce(s.qty, 0) FROM locations l "
        "LEFT JOIN stock_levels s ON s.location_id = l.location_id AND s.sku = ? ORDER BY l.kind, l.location_id");
    rows.Bind(1, sku);
    while (rows.Step()) {
      locations.push_back({{"location_id", rows.Text(0)}, {"kind", rows.Text(1)}, {"name_zh", rows.Text(2)},
                           {"name_en", rows.Text(3)}, {"qty", rows.Int(4)}});
    }
    out = {{"sku", sku}, {"cursor", Store::FeedHead(db)}, {"locations", std::move(locations)}};
  });
  if (out.is_null()) return ErrorResponse(Error::Make("sku_not_found", "no product has SKU " + sku));
  out["as_of"] = IsoTime(UnixNow());
  return JsonResponse(200, out);
}

ApiResponse Api::NewLiveTicket(Call& call) {
  const Session& session = call.session;
  constexpr int64_t kTicketSeconds = 30;
  const std::string ticket = NewToken();
  const int64_t now = UnixNow();
  std::lock_guard lock(live_mutex_);
  std::erase_if(live_tickets_, [&](const auto& t) { return t.second.second <= now; });
  live_tickets_[Sha256Hex(ticket)] = {session, now + kTicketSeconds};
  return JsonResponse(201, {{"ticket", ticket}, {"expires_at", IsoTime(now + kTicketSeconds)}});
}

std::optional<Session> Api::RedeemLiveTicket(std::string_view ticket) {
  std::lock_guard lock(live_mutex_);
  auto it = live_tickets_.find(Sha256Hex(std::string(ticket)));
  if (it == live_tickets_.end()) return std::nullopt;
  const auto [session, expires] = it->second;
  live_tickets_.erase(it);  // one time only
  if (expires <= UnixNow()) return std::nullopt;
  return session;
}

bool Api::SessionStillStands(const Session& session) {
  bool stands = false;
  store_.WithConnection([&](Database& db) {
    auto s = db.Prepare(
        "SELECT 1 FROM sessions WHERE store_id = ? AND staff_code = ? AND device_id = ? AND expires_at > ? LIMIT 1");
    s.Bind(1, session.store_id).Bind(2, session.staff_code).Bind(3, session.device_id).Bind(4, UnixNow());
    stands = s.Step();
  });
  return stands;
}

std::string Api::LiveHello() {
  int64_t cursor = 0;
  store_.WithConnection([&](Database& db) { cursor = Store::FeedHead(db); });
  return json{{"type", "hello"}, {"cursor", cursor}}.dump();
}

void Api::NudgeLive() {
  std::lock_guard lock(live_mutex_);
  std::vector<std::pair<std::string, int64_t>> moved;
  store_.WithConnection([&](Database& db) {
    auto s = db.Prepare("SELECT scope, max(seq) FROM changes WHERE seq > ? GROUP BY scope ORDER BY 2");
    s.Bind(1, nudged_cursor_);
    while (s.Step()) moved.emplace_back(s.Text(0), s.Int(1));
  });
  const auto at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& [scope, cursor] : moved) {
    live_.Publish(json{{"type", "moved"}, {"scope", scope}, {"cursor", cursor}, {"at_ms", at_ms}}.dump());
    nudged_cursor_ = std::max(nudged_cursor_, cursor);
  }
}

}  // namespace aisle::server
