// The live WebSocket (GET /api/v1/live, docs/sync.md "Live"): one
// connection after its ticket was accepted — a hello with the feed's cursor,
// then every nudge the Api's LiveHub queues for it, with keep-alive pings.
// Kept apart from http_server.cpp so Beast's WebSocket templates compile in
// their own translation unit.
#ifndef AISLE_SERVER_LIVE_SESSION_H_
#define AISLE_SERVER_LIVE_SESSION_H_

// <utility> must come before Boost 1.74's awaitable.hpp on g++ 12.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "server/api.h"

namespace aisle::server {

using LiveRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Serve the upgrade request `req` on `stream` until the connection closes,
// or until `session` (the one the ticket was made for) no longer stands.
boost::asio::awaitable<void> ServeLive(boost::beast::tcp_stream& stream, Api& api, const LiveRequest& req,
                                       const Session& session);
boost::asio::awaitable<void> ServeLive(boost::beast::ssl_stream<boost::beast::tcp_stream>& stream, Api& api,
                                       const LiveRequest& req, const Session& session);

}  // namespace aisle::server

#endif  // AISLE_SERVER_LIVE_SESSION_H_
