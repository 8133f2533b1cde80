// Applying pushed operations: the server side of the outbox.
//
// A push is a batch; each operation is applied atomically in its own
// savepoint of one transaction, and the batch commits durably
// (synchronous=FULL) before any answer leaves. Per operation the answer is
// applied, duplicate (with the first answer), held (stored, waiting for the
// ops in its depends_on; applied when the last arrives) or rejected (with
// the error); one bad operation never spoils the others. Every answered
// (device, device_seq) is recorded, so gaps can be reported (docs/sync.md).
// Every applied or refused op writes an audit entry in its own savepoint
// (docs/security.md). A sale is re-priced with core
// from the server's own catalog and the rules version the device priced it
// with; any difference with what the device charged is recorded beside the
// sale, which is kept as the customer paid it.
#ifndef AISLE_SERVER_SALE_SERVICE_H_
#define AISLE_SERVER_SALE_SERVICE_H_

#include <nlohmann/json.hpp>

#include "core/drawer.h"
#include "core/hlc.h"
#include "core/result.h"
#include "server/pricing_rules.h"
#include "server/store.h"

namespace aisle::server {

inline constexpr size_t kMaxOpsPerPush = 500;

// Who hands the batch in.
struct PushSource {
  Session session;             // staff session (a revoked device has none: staff_code "")
  bool credentialed = false;   // the device showed its credential: its ops must carry its own device_id
  bool revoked = false;        // the device was revoked: only paid sales are taken, each with a
                               // device_revoked exception for the manager
};

// body: {"ops":[...]}. Errors only for a body that is not a batch at all.
// Sales are re-priced with the rules version they name (rules_cache).
// The server's hybrid logical clock stamps each op applied (clock is only
// touched inside the store's transaction, so the store's lock guards it).
core::Result<nlohmann::json> PushOperations(Store& store, const nlohmann::json& body,
                                            const PushSource& source, CompiledRulesCache& rules_cache,
                                            core::HybridClock& clock);

// What the server holds of a device install's ops: the contiguous seq mark,
// the highest seq, missing runs, held and rejected ops (GET /api/v1/sync/status).
nlohmann::json DeviceSyncStatus(Store& store, const std::string& device_id);

// The movements of a drawer session, in order (for its X and Z reports).
std::vector<core::DrawerMovement> DrawerMovements(Database& db, const std::string& session_id);

// The stored sale as GET /api/v1/sales/{id} shows it, or nullopt.
std::optional<nlohmann::json> LoadSale(Store& store, const std::string& sale_id);

// What a return without a receipt refunds a unit of this product at
// ({"barcode", "sku", "sold_by", "price", "catalog_price", "days"}): the lowest
// of its catalog price and what customers paid for one in the last 30 days.
std::optional<nlohmann::json> LowestPrice(Store& store, const std::string& barcode);

}  // namespace aisle::server

#endif  // AISLE_SERVER_SALE_SERVICE_H_
