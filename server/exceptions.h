// Exceptions: what the server kept instead of refusing (principle 2) and a
// manager must look at — a revoked device's sale, an approval that did not
// check out, a drawer off by more than the store allows, stock that went
// negative. Each has a suggested resolution; resolving one is audited.
// Thread-safe (through Store); callers check permissions and reach.
#ifndef AISLE_SERVER_EXCEPTIONS_H_
#define AISLE_SERVER_EXCEPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "server/admin_service.h"
#include "server/store.h"

namespace aisle::server {

struct ExceptionQuery {
  std::string store_id;
  std::string status;  // open | resolved | "" (both)
  std::string kind;    // "" = every kind
  int64_t limit = 200;
};

// {"store_id", "exceptions": [{id, store_id, kind, op_id, detail, status,
// suggestion, created_at, resolved_at?, resolved_by?, resolution?, note?}]}, newest first.
nlohmann::json ListExceptions(Store& store, const ExceptionQuery& query);
// The store an exception belongs to, or nullopt.
std::optional<std::string> ExceptionStore(Store& store, int64_t id);
// body: {"resolution": accepted | corrected | written_off | escalated, "note"?: free text ≤ 500 bytes}.
core::Result<nlohmann::json> ResolveException(Store& store, const Actor& by, int64_t id, const nlohmann::json& body);

}  // namespace aisle::server

#endif  // AISLE_SERVER_EXCEPTIONS_H_
