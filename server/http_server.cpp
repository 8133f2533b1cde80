// <utility> must come before Boost 1.74's awaitable.hpp on g++ 12.
#include <utility>

#include "server/http_server.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "server/live_session.h"

namespace aisle::server {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace fs = std::filesystem;
using tcp = net::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr auto kIdleTimeout = std::chrono::seconds(60);
constexpr auto kHandshakeTimeout = std::chrono::seconds(15);

struct ServerState {
  ServerState(Api& a, const HttpServerOptions& o) : api(a), options(o) {}
  Api& api;
  const HttpServerOptions& options;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  std::mutex log_mutex;
};

std::string_view ContentType(const fs::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".wasm") return "application/wasm";
  if (ext == ".json") return "application/json";
  if (ext == ".webmanifest") return "application/manifest+json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

Response JsonError(unsigned version, const core::Error& error) {
  ApiResponse api = ErrorResponse(error);
  Response res{static_cast<http::status>(api.status), version};
  res.set(http::field::content_type, "application/json");
  res.body() = std::move(api.body);
  return res;
}

// Serves the built web app; paths without an extension fall back to
// index.html (the app routes itself).
Response ServeStatic(const std::string& web_root, const Request& req) {
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    return JsonError(req.version(), core::Error::Make("method_not_allowed", "static files are GET only"));
  }
  std::string path(req.target().substr(0, req.target().find('?')));
  if (path.empty() || path[0] != '/' || path.find("..") != std::string::npos ||
      path.find('\0') != std::string::npos || path.find('\\') != std::string::npos) {
    return JsonError(req.version(), core::Error::Make("invalid_path", "bad path"));
  }
  if (path.back() == '/') path += "index.html";
  fs::path file = fs::path(web_root) / path.substr(1);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    if (fs::path(path).has_extension()) {
      return JsonError(req.version(), core::Error::Make("not_found", "no such file: " + path));
    }
    file = fs::path(web_root) / "index.html";
    path = "/index.html";
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return JsonError(req.version(), core::Error::Make("unavailable",
                                                      "the web app is not built (run tools/build.sh)"));
  }
  std::ostringstream body;
  body << in.rdbuf();
  Response res{http::status::ok, req.version()};
  res.set(http::field::content_type, std::string(ContentType(file)));
  res.set(http::field::cache_control,
          path.starts_with("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
  res.body() = body.str();
  if (req.method() == http::verb::head) {
    res.content_length(res.body().size());
    res.body().clear();
  }
  return res;
}

Response Dispatch(ServerState& st, const Request& req) {
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  if (!Api::Handles(path)) return ServeStatic(st.options.web_root, req);
  ApiRequest api_req{std::string(req.method_string()), std::string(target),
                     std::string(req[http::field::authorization]), req.body(), std::string(req["X-Aisle-Device"])};
  ApiResponse api = st.api.Handle(api_req);
  Response res{static_cast<http::status>(api.status), req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  for (const auto& [name, value] : api.headers) res.set(name, value);
  res.body() = std::move(api.body);
  return res;
}

void AccessLog(ServerState& st, const std::string& remote, std::string_view method, std::string_view target,
               unsigned status, size_t bytes, std::chrono::steady_clock::duration took) {
  // The query string is left out: it may hold secrets (tickets, tokens).
  const std::string_view path = target.substr(0, target.find('?'));
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(took).count();
  std::lock_guard lock(st.log_mutex);
  std::cerr << IsoTime(UnixNow()) << " " << remote << " \"" << method << " " << path << "\" " << status << " "
            << bytes << "B " << micros / 1000 << "." << (micros % 1000) / 100 << "ms\n";
}

// Reads requests and writes responses on one connection until it closes.
template <class Stream>
net::awaitable<void> ServeRequests(Stream& stream, ServerState& st, const std::string& remote) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(static_cast<uint64_t>(st.options.max_body_bytes));
    parser.header_limit(16 * 1024);
    beast::get_lowest_layer(stream).expires_after(kIdleTimeout);
    beast::error_code ec;
    co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      co_return;
    }
    const auto start = std::chrono::steady_clock::now();
    Response res;
    std::string method = "-";
    std::string target = "-";
    bool keep_alive = false;
    st.in_flight++;
    if (ec == http::error::body_limit) {
      res = JsonError(11, core::Error::Make("payload_too_large",
                                            "the body is larger than " + std::to_string(st.options.max_body_bytes) +
                                                " bytes"));
    } else if (ec) {
      res = JsonError(11, core::Error::Make("bad_request", "malformed HTTP request: " + ec.message()));
    } else {
      const Request& req = parser.get();
      method = std::string(req.method_string());
      target = std::string(req.target());
      const std::string_view path = std::string_view(target).substr(0, target.find('?'));
      if (path == "/api/v1/live" && beast::websocket::is_upgrade(req)) {
        // Browsers cannot set headers on a WebSocket: a one-time ticket in the query instead.
        const size_t q = target.find('?');
        const auto params = ParseQuery(q == std::string::npos ? "" : target.substr(q + 1));
        const auto ticket = params.find("ticket");
        const auto session = ticket == params.end() ? std::nullopt : st.api.RedeemLiveTicket(ticket->second);
        if (session) {
          AccessLog(st, remote, method, target, 101, 0, std::chrono::steady_clock::now() - start);
          st.in_flight--;
          co_await ServeLive(stream, st.api, req, *session);
          co_return;
        }
        res = JsonError(req.version(), core::Error::Make("invalid_ticket",
                                                         "the live ticket is missing, used or expired: "
                                                         "POST /api/v1/live/tickets for a new one",
                                                         "ticket"));
      } else {
        try {
          res = Dispatch(st, req);
        } catch (const std::exception& e) {
          {
            std::lock_guard lock(st.log_mutex);
            std::cerr << "error: " << method << " " << target.substr(0, target.find('?')) << ": " << e.what() << "\n";
          }
          res = JsonError(req.version(), core::Error::Make("internal", "internal error; nothing was saved"));
        }
      }
      keep_alive = req.keep_alive() && !st.stopping;
    }
    res.set(http::field::server, "aisled");
    res.set("X-Content-Type-Options", "nosniff");
    res.keep_alive(keep_alive);
    res.prepare_payload();
    AccessLog(st, remote, method, target, res.result_int(), res.body().size(),
              std::chrono::steady_clock::now() - start);
    co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
    st.in_flight--;
    if (ec || !keep_alive) co_return;
  }
}

net::awaitable<void> ServePlain(beast::tcp_stream stream, ServerState& st, std::string remote) {
  co_await ServeRequests(stream, st, remote);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> ServeTls(beast::tcp_stream tcp_stream, ssl::context& tls, ServerState& st, std::string remote) {
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), tls);
  beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
  beast::error_code ec;
  co_await stream.async_handshake(ssl::stream_base::server, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return;  // a plain-HTTP client or a scanner: nothing to answer
  co_await ServeRequests(stream, st, remote);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  co_await stream.async_shutdown(net::redirect_error(net::use_awaitable, ec));
}

net::awaitable<void> Listen(tcp::acceptor& acceptor, net::io_context& ioc, ssl::context* tls, ServerState& st) {
  for (;;) {
    tcp::socket socket(net::make_strand(ioc));  // each connection on its own strand
    beast::error_code ec;
    co_await acceptor.async_accept(socket, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (!acceptor.is_open() || st.stopping) co_return;
      continue;  // e.g. too many open files: keep serving the others
    }
    std::string remote = socket.remote_endpoint(ec).address().to_string();
    const auto executor = socket.get_executor();
    beast::tcp_stream stream(std::move(socket));
    if (tls != nullptr) {
      net::co_spawn(executor, ServeTls(std::move(stream), *tls, st, std::move(remote)), net::detached);
    } else {
      net::co_spawn(executor, ServePlain(std::move(stream), st, std::move(remote)), net::detached);
    }
  }
}

// After a stop signal: wait for the requests in flight, then stop the loop.
net::awaitable<void> Drain(net::io_context& ioc, ServerState& st, int grace_seconds) {
  net::steady_timer timer(ioc);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace_seconds);
  while (st.in_flight > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(net::use_awaitable);
  }
  ioc.stop();
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, Api& api) : options_(std::move(options)), api_(api) {}

void HttpServer::Run(const std::function<void()>& on_listening) {
  net::io_context ioc(options_.threads);
  ServerState st(api_, options_);

  std::unique_ptr<ssl::context> tls;
  if (!options_.tls_cert.empty()) {
    tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code ec;
    tls->use_certificate_chain_file(options_.tls_cert, ec);
    if (ec) throw std::runtime_error("cannot load --tls-cert " + options_.tls_cert + ": " + ec.message());
    tls->use_private_key_file(options_.tls_key, ssl::context::pem, ec);
    if (ec) throw std::runtime_error("cannot load --tls-key " + options_.tls_key + ": " + ec.message());
  }

  beast::error_code ec;
  const auto address = net::ip::make_address(options_.bind, ec);
  if (ec) throw std::runtime_error("--bind " + options_.bind + " is not an IP address");
  tcp::acceptor acceptor(ioc);
  const tcp::endpoint endpoint(address, options_.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + options_.bind + ":" + std::to_string(options_.port) + ": " +
                             ec.message());
  }

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code& error, int signal) {
    if (error) return;
    {
      std::lock_guard lock(st.log_mutex);
      std::cerr << "aisled: " << (signal == SIGINT ? "SIGINT" : "SIGTERM")
                << " received: finishing requests in flight, then stopping\n";
    }
    st.stopping = true;
    beast::error_code ignored;
    acceptor.close(ignored);
    net::co_spawn(ioc, Drain(ioc, st, options_.grace_seconds), net::detached);
  });
  net::co_spawn(ioc, Listen(acceptor, ioc, tls.get(), st), net::detached);
  on_listening();

  std::vector<std::thread> threads;
  for (int i = 1; i < options_.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (std::thread& t : threads) t.join();
}

}  // namespace aisle::server
