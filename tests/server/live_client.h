// Test helper: a WebSocket client of GET /api/v1/live over loopback, reading
// with deadlines (docs/sync.md, "Live").
#ifndef AISLE_TESTS_SERVER_LIVE_CLIENT_H_
#define AISLE_TESTS_SERVER_LIVE_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

namespace aisle::testing {

class LiveClient {
 public:
  LiveClient(uint16_t port, const std::string& ticket) : ws_(ioc_) {
    namespace net = boost::asio;
    net::ip::tcp::resolver resolver(ioc_);
    net::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.handshake("127.0.0.1", "/api/v1/live?ticket=" + ticket);  // throws unless 101
  }
  // The next message, or "" when none came within `seconds` (or the server closed).
  std::string Read(int seconds) {
    boost::beast::flat_buffer buffer;
    const Outcome o = ReadOne(buffer, seconds);
    return o == Outcome::kMessage ? boost::beast::buffers_to_string(buffer.data()) : "";
  }
  // True when the server closes the connection within `seconds` (messages before that are skipped).
  bool ClosedWithin(int seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      boost::beast::flat_buffer buffer;
      const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - std::chrono::steady_clock::now());
      const Outcome o = ReadOne(buffer, static_cast<int>(left.count()) + 1);
      if (o == Outcome::kClosed) return true;
      if (o == Outcome::kNothing) return false;
    }
    return false;
  }

 private:
  enum class Outcome { kMessage, kNothing, kClosed };
  Outcome ReadOne(boost::beast::flat_buffer& buffer, int seconds) {
    Outcome outcome = Outcome::kNothing;
    ws_.async_read(buffer, [&](boost::beast::error_code ec, size_t) { outcome = ec ? Outcome::kClosed : Outcome::kMessage; });
    ioc_.restart();
    ioc_.run_for(std::chrono::seconds(seconds));
    if (outcome == Outcome::kNothing) {  // cancel the pending read before the buffer goes away
      ws_.next_layer().cancel();
      ioc_.restart();
      ioc_.run_for(std::chrono::seconds(1));
      outcome = Outcome::kNothing;
    }
    return outcome;
  }

  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
};

}  // namespace aisle::testing

#endif  // AISLE_TESTS_SERVER_LIVE_CLIENT_H_
