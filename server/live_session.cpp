// <utility> must come before Boost 1.74's awaitable.hpp on g++ 12.
#include <utility>

#include "server/live_session.h"

#include <chrono>
#include <deque>
#include <memory>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace aisle::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using Request = LiveRequest;

// One live connection (GET /api/v1/live as a WebSocket): what the hub
// queued for it and the timer its writer sleeps on. Everything runs on the
// connection's strand; the hub's callback posts onto it.
template <class Stream>
struct LiveConnection {
  LiveConnection(Stream& stream, net::any_io_executor executor)
      : ws(stream), wake(executor), done(executor), guard(executor) {}
  websocket::stream<Stream&> ws;
  net::steady_timer wake;
  net::steady_timer done;
  net::steady_timer guard;  // the next check that the session still stands
  std::deque<std::string> queue;
  bool closed = false;
  bool writer_done = false;
  bool guard_done = false;
};

// How often a live connection checks that the session its ticket was made
// for still stands (a revoked device, a disabled associate or a reset PIN
// end it); the Api also asks for a check at once when it did one of those.
constexpr auto kLiveRecheck = std::chrono::seconds(10);

// Closes the connection when its session no longer stands.
template <class Stream>
net::awaitable<void> LiveGuard(std::shared_ptr<LiveConnection<Stream>> c, Api& api, Session session) {
  beast::error_code ec;
  while (!c->closed) {
    c->guard.expires_after(kLiveRecheck);
    co_await c->guard.async_wait(net::redirect_error(net::use_awaitable, ec));  // cancelled = check now
    if (c->closed) break;
    if (!api.SessionStillStands(session)) {
      c->closed = true;
      c->wake.cancel();
      beast::get_lowest_layer(c->ws).cancel();  // ends the reader
      break;
    }
  }
  c->guard_done = true;
  c->done.cancel();
}

template <class Stream>
net::awaitable<void> LiveWriter(std::shared_ptr<LiveConnection<Stream>> c) {
  beast::error_code ec;
  while (!c->closed) {
    while (!c->queue.empty() && !c->closed) {
      co_await c->ws.async_write(net::buffer(c->queue.front()), net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        c->closed = true;
        beast::get_lowest_layer(c->ws).cancel();  // ends the reader too
        break;
      }
      c->queue.pop_front();
    }
    if (c->closed) break;
    c->wake.expires_at(net::steady_timer::time_point::max());
    co_await c->wake.async_wait(net::redirect_error(net::use_awaitable, ec));  // cancelled = something to do
  }
  c->writer_done = true;
  c->done.cancel();
}

// Serves a live connection until it closes: a hello with the feed's cursor,
// then every nudge the hub queues; the server pings when the line is idle
// (Beast's keep-alive pings) and drops a client that stops answering.
template <class Stream>
net::awaitable<void> ServeLiveOn(Stream& stream, Api& api, const Request& req, const Session& session) {
  beast::get_lowest_layer(stream).expires_never();  // the WebSocket keeps its own timeouts
  const auto executor = co_await net::this_coro::executor;
  auto c = std::make_shared<LiveConnection<Stream>>(stream, executor);
  websocket::stream_base::timeout timeouts{std::chrono::seconds(15), std::chrono::seconds(40), true};
  c->ws.set_option(timeouts);
  beast::error_code ec;
  co_await c->ws.async_accept(req, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return;
  c->queue.push_back(api.LiveHello());
  std::weak_ptr<LiveConnection<Stream>> weak = c;
  const int64_t id = api.live().Subscribe(
      [weak, executor](const std::string& message) {
        net::post(executor, [weak, message] {
          if (auto conn = weak.lock(); conn && !conn->closed) {
            conn->queue.push_back(message);
            conn->wake.cancel();
          }
        });
      },
      [weak, executor] {
        net::post(executor, [weak] {
          if (auto conn = weak.lock(); conn && !conn->closed) conn->guard.cancel();
        });
      });
  net::co_spawn(executor, LiveWriter(c), net::detached);
  net::co_spawn(executor, LiveGuard(c, api, session), net::detached);
  beast::flat_buffer buffer;
  while (!c->closed) {  // clients have nothing to say; reading answers pings and sees the close
    co_await c->ws.async_read(buffer, net::redirect_error(net::use_awaitable, ec));
    if (ec) break;
    buffer.consume(buffer.size());
  }
  api.live().Unsubscribe(id);
  c->closed = true;
  c->wake.cancel();
  c->guard.cancel();
  while (!c->writer_done || !c->guard_done) {  // both use the stream: let them finish first
    c->done.expires_after(std::chrono::seconds(1));
    co_await c->done.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
}

}  // namespace

net::awaitable<void> ServeLive(beast::tcp_stream& stream, Api& api, const LiveRequest& req, const Session& session) {
  co_await ServeLiveOn(stream, api, req, session);
}

net::awaitable<void> ServeLive(beast::ssl_stream<beast::tcp_stream>& stream, Api& api, const LiveRequest& req,
                               const Session& session) {
  co_await ServeLiveOn(stream, api, req, session);
}

}  // namespace aisle::server
