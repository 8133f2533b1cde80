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
#include "server/auth.h"
#include "server/live_hub.h"
#include "server/pricing_rules.h"
#include "server/store.h"

namespace aisle::server {

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query: "/api/v1/catalog/lookup?barcode=..."
  std::string authorization;
  std::string body;
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
};

// The parameters of a query string ("a=1&b=x%20y"), percent-decoded.
std::map<std::string, std::string> ParseQuery(std::string_view query);

// The HTTP status for an error code (one table for the whole API).
int HttpStatusFor(std::string_view code);
ApiResponse ErrorResponse(const core::Error& error);

class Api {
 public:
  Api(Store& store, ApiOptions options);

  // True for paths this class answers (/healthz and /api/...).
  static bool Handles(std::string_view path);
  ApiResponse Handle(const ApiRequest& request);

  // GET /api/v1/live?ticket=T: the session a one-time ticket (from POST
  // /api/v1/live/tickets, valid 30 s) was made for; the ticket is used up.
  std::optional<Session> RedeemLiveTicket(std::string_view ticket);
  LiveHub& live() { return live_; }
  // {"type":"hello","cursor":C}: what a new live connection is told first.
  std::string LiveHello();

 private:
  ApiResponse SignIn(const ApiRequest& request);
  ApiResponse Lookup(const std::string& query);
  ApiResponse Pull(const std::string& query);
  ApiResponse Snapshot(const std::string& query);
  struct FeedQuery {
    std::string scope;
    int64_t limit = 0;
  };
  core::Result<FeedQuery> ReadFeedQuery(const std::map<std::string, std::string>& params, int64_t default_limit,
                                        int64_t max_limit);
  ApiResponse Push(const ApiRequest& request, const Session& session);
  ApiResponse GetSale(const std::string& sale_id);
  ApiResponse GetRules(const std::string& query);
  ApiResponse PublishRules(const ApiRequest& request, const Session& session);
  core::Result<Session> Authenticate(const ApiRequest& request);
  ApiResponse NewLiveTicket(const Session& session);
  // Tells live connections about every scope the feed moved in since the last nudge.
  void NudgeLive();

  Store& store_;
  ApiOptions options_;
  LoginThrottle throttle_;
  CompiledRulesCache rules_cache_;
  core::HybridClock clock_;  // used only inside the store's transactions
  LiveHub live_;
  std::mutex live_mutex_;  // guards the fields below
  std::map<std::string, std::pair<Session, int64_t>> live_tickets_;  // SHA-256 of ticket -> (session, expires)
  int64_t nudged_cursor_ = 0;                                        // the feed seq nudges have covered
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_API_H_
