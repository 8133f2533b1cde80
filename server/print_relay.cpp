#include "server/print_relay.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace aisle::server {
namespace {

using Clock = std::chrono::steady_clock;

core::Error Unreachable(const std::string& where, const std::string& why) {
  return core::Error::Make("printer_unreachable", "the printer at " + where + " cannot be reached: " + why, "printer_id");
}

// Closes the socket when the relay returns, whatever way.
struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

// Waits until fd is writable or the deadline passes; false on timeout.
bool WaitWritable(int fd, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLOUT, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // let the next call report the error
  }
}

// A connected non-blocking socket to one address, or the reason it is not.
core::Result<int> Connect(const addrinfo& ai, int timeout_ms) {
  Socket s{::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol)};
  if (s.fd < 0) return core::Error::Make("socket", std::strerror(errno));
  if (::connect(s.fd, ai.ai_addr, ai.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return core::Error::Make("connect", std::strerror(errno));
    if (!WaitWritable(s.fd, Clock::now() + std::chrono::milliseconds(timeout_ms))) {
      return core::Error::Make("connect", "no answer within " + std::to_string(timeout_ms) + " ms");
    }
    int error = 0;
    socklen_t len = sizeof error;
    if (::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
      return core::Error::Make("connect", std::strerror(error != 0 ? error : errno));
    }
  }
  const int fd = s.fd;
  s.fd = -1;
  return fd;
}

}  // namespace

core::Result<void> SendToPrinter(const std::string& host, int64_t port, std::string_view bytes,
                                 PrintTimeouts timeouts) {
  const std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    return Unreachable(where, std::string("cannot resolve the host (") + ::gai_strerror(rc) + ")");
  }
  Socket s;
  std::string why = "no address";
  for (const addrinfo* ai = found; ai != nullptr && s.fd < 0; ai = ai->ai_next) {
    auto fd = Connect(*ai, timeouts.connect_ms);
    if (fd) {
      s.fd = *fd;
    } else {
      why = fd.error().code + ": " + fd.error().message;
    }
  }
  ::freeaddrinfo(found);
  if (s.fd < 0) return Unreachable(where, why);

  const auto deadline = Clock::now() + std::chrono::milliseconds(timeouts.write_ms);
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(s.fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return Unreachable(where, std::string("write: ") + std::strerror(errno));
    }
    if (!WaitWritable(s.fd, deadline)) {
      return Unreachable(where, "the printer took no more data within " + std::to_string(timeouts.write_ms) +
                                    " ms (" + std::to_string(sent) + " of " + std::to_string(bytes.size()) + " bytes)");
    }
  }
  ::shutdown(s.fd, SHUT_WR);  // the printer sees the end of the job; close() lets the kernel finish sending
  return {};
}

}  // namespace aisle::server
