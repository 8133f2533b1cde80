// The JSON API of aisled as a pure function of a request: routing,
// authentication, input checks and the mapping of error codes to HTTP
// statuses. No sockets here (server/http_server.h does the I/O), so the
// whole API can be driven from a test or a tool.
#ifndef AISLE_SERVER_API_H_
#define AISLE_SERVER_API_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/hlc.h"
#include "core/result.h"
#include "server/admin_service.h"
#include "server/auth.h"
#include "server/live_hub.h"
#include "server/print_relay.h"
#include "server/pricing_rules.h"
#include "server/roles.h"
#include "server/store.h"

namespace aisle::server {

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query: "/api/v1/catalog/lookup?barcode=..."
  std::string authorization;      // "Bearer <staff session token>"
  std::string body;
  std::string device_credential;  // the X-Aisle-Device header: the enrolled device's credential
};

// Who may call a route: anyone, an enrolled device (no staff yet), the
// holder of a one-time live ticket, or staff whose role holds the permission.
struct RouteInfo {
  std::string_view method;
  std::string_view pattern;     // "/api/v1/sales/{sale_id}": {x} is one path segment
  std::string_view permission;  // "public", "device", "ticket" or a permission of server/roles.h
};

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ApiOptions {
  bool demo = false;
  int64_t session_ttl_seconds = 12 * 3600;
  int64_t lockout_seconds = 300;
  std::string version;
  PrintTimeouts print_timeouts;  // POST /api/v1/print: connecting to and writing to a printer
};

// The parameters of a query string ("a=1&b=x%20y"), percent-decoded.
std::map<std::string, std::string> ParseQuery(std::string_view query);

// The HTTP status for an error code (one table for the whole API).
int HttpStatusFor(std::string_view code);
ApiResponse ErrorResponse(const core::Error& error);
ApiResponse JsonResponse(int status, const nlohmann::json& body);
// A non-negative integer query parameter, `fallback` when absent or empty.
core::Result<int64_t> QueryInt(const std::map<std::string, std::string>& query, const std::string& key,
                               int64_t fallback);

class Api {
 public:
  Api(Store& store, ApiOptions options);

  // True for paths this class answers (/healthz and /api/...).
  static bool Handles(std::string_view path);
  // Every route, in the order docs/security.md's matrix lists them.
  static std::vector<RouteInfo> Routes();
  ApiResponse Handle(const ApiRequest& request);

  // GET /api/v1/live?ticket=T: the session a one-time ticket (from POST
  // /api/v1/live/tickets, valid 30 s) was made for; the ticket is used up.
  std::optional<Session> RedeemLiveTicket(std::string_view ticket);
  // Whether `session` (staff on a device) still has a live session row: a
  // revoked device, a disabled associate or a PIN reset removes it.
  bool SessionStillStands(const Session& session);
  LiveHub& live() { return live_; }
  // {"type":"hello","cursor":C}: what a new live connection is told first.
  std::string LiveHello();

 private:
  // One request on its way through a route: its parts and who makes it.
  struct Call {
    const ApiRequest& request;
    std::map<std::string, std::string> query;
    std::vector<std::string> params;  // the {x} segments of the route, decoded
    std::optional<Device> device;     // from X-Aisle-Device (none: the demo's unenrolled devices)
    Session session;                  // staff routes only
    std::optional<Role> role;         // staff routes only
  };
  using Handler = ApiResponse (Api::*)(Call&);
  struct Route {
    RouteInfo info;
    Handler handler;
    bool revoked_device_ok = false;  // a revoked device may still call it (push: its paid sales are kept)
  };
  static const std::vector<Route>& RouteTable();
  // Device and staff checks of a route's permission; fills call.device/session/role.
  std::optional<ApiResponse> Admit(const Route& route, Call& call);
  // May this call's staff act on `store_id`? (their own store, or any with a chain role)
  std::optional<ApiResponse> CheckReach(const Call& call, const std::string& store_id);
  // CheckReach, and the target staff member is not the caller nor of a role above theirs.
  std::optional<ApiResponse> CheckOutranks(const Call& call, const std::string& store_id, const std::string& code);
  // The ?store= of an admin route, defaulting to the caller's store.
  std::string TargetStore(const Call& call);
  // The store of the calling device (an enrolled device's; in demo mode the store signed in to).
  static std::string DeviceStore(const Call& call);

  ApiResponse Health(Call& call);
  ApiResponse SignIn(Call& call);
  ApiResponse Enroll(Call& call);
  ApiResponse Lookup(Call& call);
  ApiResponse Pull(Call& call);
  ApiResponse Snapshot(Call& call);
  ApiResponse SyncStatus(Call& call);
  ApiResponse LiveUpgrade(Call& call);
  struct FeedQuery {
    std::string scope;
    int64_t limit = 0;
  };
  core::Result<FeedQuery> ReadFeedQuery(const std::map<std::string, std::string>& params, int64_t default_limit,
                                        int64_t max_limit);
  ApiResponse Push(Call& call);
  ApiResponse GetSale(Call& call);
  ApiResponse LowestPriceRoute(Call& call);
  ApiResponse IssueCouponsRoute(Call& call);
  ApiResponse GetCouponRoute(Call& call);
  ApiResponse ChainStockRoute(Call& call);
  ApiResponse MemberWalletRoute(Call& call);
  ApiResponse GetRules(Call& call);
  ApiResponse PublishRules(Call& call);
  ApiResponse NewLiveTicket(Call& call);
  // Back office (server/api_admin.cpp).
  ApiResponse ListRolesRoute(Call& call);
  ApiResponse PutRoleRoute(Call& call);
  ApiResponse ListStaffRoute(Call& call);
  ApiResponse AddStaffRoute(Call& call);
  ApiResponse DisableStaffRoute(Call& call);
  ApiResponse EnableStaffRoute(Call& call);
  ApiResponse ResetPinRoute(Call& call);
  ApiResponse ListDevicesRoute(Call& call);
  ApiResponse NewEnrollmentRoute(Call& call);
  ApiResponse RevokeDeviceRoute(Call& call);
  ApiResponse ListEnrollmentsRoute(Call& call);
  ApiResponse ListExceptionsRoute(Call& call);
  ApiResponse ResolveExceptionRoute(Call& call);
  ApiResponse CancelEnrollmentRoute(Call& call);
  ApiResponse AuditRoute(Call& call);
  ApiResponse AuditVerifyRoute(Call& call);
  ApiResponse DrawerReportRoute(Call& call);
  ApiResponse VerifiersRoute(Call& call);
  // Remote approvals (server/api_approvals.cpp).
  ApiResponse NewApprovalRequestRoute(Call& call);
  ApiResponse PendingApprovalsRoute(Call& call);
  ApiResponse GetApprovalRequestRoute(Call& call);
  ApiResponse DecideApprovalRoute(Call& call);
  void NudgeApprovals(const std::string& store_id, const std::string& request_id);
  // Printing (server/api_print.cpp).
  ApiResponse ListPrintersRoute(Call& call);
  ApiResponse PrintRoute(Call& call);
  Actor ActorOf(const Call& call) const;
  static AuditEntry SignInEntry(const std::string& store_id, const std::string& staff_code, const std::string& role,
                                const std::string& device_id, const std::string& action);
  // Tells live connections about every scope the feed moved in since the last nudge.
  void NudgeLive();

  Store& store_;
  ApiOptions options_;
  LoginThrottle throttle_;         // per store + staff code
  LoginThrottle device_throttle_;  // per device: one handheld trying PIN 1111 on every staff code
  CompiledRulesCache rules_cache_;
  core::HybridClock clock_;  // used only inside the store's transactions
  LiveHub live_;
  std::mutex live_mutex_;  // guards the fields below
  std::map<std::string, std::pair<Session, int64_t>> live_tickets_;  // SHA-256 of ticket -> (session, expires)
  int64_t nudged_cursor_ = 0;                                        // the feed seq nudges have covered
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_API_H_
