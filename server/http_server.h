// HttpServer: aisled's network side on Boost.Beast — HTTP/1.1 (and HTTPS
// when given a certificate) with one C++20 coroutine per connection, the
// request body limit, timeouts, an access log line per request, the static
// web app, and graceful shutdown on SIGINT/SIGTERM: stop accepting, let the
// requests in flight finish (up to a grace period), then return so the
// caller can close the database cleanly.
//
// Requests are answered by Api::Handle (pure, synchronous) on one of
// `threads` I/O threads; each connection runs on its own strand.
#ifndef AISLE_SERVER_HTTP_SERVER_H_
#define AISLE_SERVER_HTTP_SERVER_H_

#include <cstdint>
#include <string>

#include "server/api.h"

namespace aisle::server {

struct HttpServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;
  std::string web_root;
  int64_t max_body_bytes = 1 << 20;
  int threads = 8;
  std::string tls_cert;  // empty: plain HTTP
  std::string tls_key;
  int grace_seconds = 10;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Api& api);

  // Listens and serves until SIGINT or SIGTERM; throws std::runtime_error
  // when it cannot listen or load the certificate. Calls on_listening once
  // the socket accepts connections.
  void Run(const std::function<void()>& on_listening);

 private:
  HttpServerOptions options_;
  Api& api_;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_HTTP_SERVER_H_
