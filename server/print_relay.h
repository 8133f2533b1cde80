// The print relay: hands ESC/POS bytes to a receipt printer on the store's
// network over raw TCP (the "port 9100" / JetDirect protocol that counter
// printers speak: connect, write, close; the printer answers nothing).
// Blocking with explicit limits, so a dead printer costs the calling thread
// at most connect + write timeout. Thread-safe (no shared state).
#ifndef AISLE_SERVER_PRINT_RELAY_H_
#define AISLE_SERVER_PRINT_RELAY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace aisle::server {

struct PrintTimeouts {
  int connect_ms = 3000;
  int write_ms = 5000;
};

// Connects to host:port (each address the name resolves to, in turn), writes
// all of `bytes` and closes. Error "printer_unreachable" says what failed
// (resolve, connect, timeout, write) without the document's content.
core::Result<void> SendToPrinter(const std::string& host, int64_t port, std::string_view bytes,
                                 PrintTimeouts timeouts = {});

}  // namespace aisle::server

#endif  // AISLE_SERVER_PRINT_RELAY_H_
