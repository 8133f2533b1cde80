// Applying pushed operations: the server side of the outbox.
//
// A push is a batch; each operation is applied atomically in its own
// savepoint of one transaction, and the batch commits durably
// (synchronous=FULL) before any answer leaves. Per operation the answer is
// applied, duplicate (with the first answer) or rejected (with the error);
// one bad operation never spoils the others. A sale is re-priced with core
// from the server's own catalog and the rules version the device priced it
// with; any difference with what the device charged is recorded beside the
// sale, which is kept as the customer paid it.
#ifndef AISLE_SERVER_SALE_SERVICE_H_
#define AISLE_SERVER_SALE_SERVICE_H_

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "server/pricing_rules.h"
#include "server/store.h"

namespace aisle::server {

inline constexpr size_t kMaxOpsPerPush = 500;

// body: {"ops":[...]}. Errors only for a body that is not a batch at all.
// Sales are re-priced with the rules version they name (rules_cache).
core::Result<nlohmann::json> PushOperations(Store& store, const nlohmann::json& body,
                                            const Session& session, CompiledRulesCache& rules_cache);

// The stored sale as GET /api/v1/sales/{id} shows it, or nullopt.
std::optional<nlohmann::json> LoadSale(Store& store, const std::string& sale_id);

}  // namespace aisle::server

#endif  // AISLE_SERVER_SALE_SERVICE_H_
