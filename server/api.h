// The JSON API of aisled as a pure function of a request: routing,
// authentication, input checks and the mapping of error codes to HTTP
// statuses. No sockets here (server/http_server.h does the I/O), so the
// whole API can be driven from a test or a tool.
#ifndef AISLE_SERVER_API_H_
#define AISLE_SERVER_API_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/hlc.h"
#include "core/result.h"
#include "server/auth.h"
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

// The HTTP status for an error code (one table for the whole API).
int HttpStatusFor(std::string_view code);
ApiResponse ErrorResponse(const core::Error& error);

class Api {
 public:
  Api(Store& store, ApiOptions options);

  // True for paths this class answers (/healthz and /api/...).
  static bool Handles(std::string_view path);
  ApiResponse Handle(const ApiRequest& request);

 private:
  ApiResponse SignIn(const ApiRequest& request);
  ApiResponse Lookup(const std::string& query);
  ApiResponse Pull(const std::string& query);
  ApiResponse Push(const ApiRequest& request, const Session& session);
  ApiResponse GetSale(const std::string& sale_id);
  ApiResponse GetRules(const std::string& query);
  ApiResponse PublishRules(const ApiRequest& request, const Session& session);
  core::Result<Session> Authenticate(const ApiRequest& request);

  Store& store_;
  ApiOptions options_;
  LoginThrottle throttle_;
  CompiledRulesCache rules_cache_;
  core::HybridClock clock_;  // used only inside the store's transactions
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_API_H_
