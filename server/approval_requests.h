// Remote approvals (docs/security.md, "Approving from the manager's own
// device"): the associate's device asks, the store's managers see the
// request on their own devices, and one of them approves it there with their
// PIN — the approval is the same signed object as an on-the-spot one (method
// "remote"), checked by the server when it is given and again when the op
// that carries it arrives. Requests live five minutes. Thread-safe (through
// Store); callers check permissions (server/api.cpp's route table).
#ifndef AISLE_SERVER_APPROVAL_REQUESTS_H_
#define AISLE_SERVER_APPROVAL_REQUESTS_H_

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "server/admin_service.h"
#include "server/store.h"

namespace aisle::server {

inline constexpr int64_t kApprovalRequestSeconds = 300;

// body: {request_id (UUID, made by the device), rule, subject, reason,
// detail (object shown to the manager, ≤ 2 KB), discount_bp (manual_discount)}.
// A repeat of the same request_id answers the stored request.
core::Result<nlohmann::json> CreateApprovalRequest(Store& store, const Actor& by, const nlohmann::json& body);
// The store's requests still pending and not expired, oldest first.
nlohmann::json PendingApprovalRequests(Store& store, const std::string& store_id);
core::Result<nlohmann::json> FindApprovalRequest(Store& store, const std::string& store_id, const std::string& id);
// body: {"decision": "approve", "approval": {...method "remote"...}} or {"decision": "decline"}.
core::Result<nlohmann::json> DecideApprovalRequest(Store& store, const Actor& by, const std::string& id,
                                                   const nlohmann::json& body);

}  // namespace aisle::server

#endif  // AISLE_SERVER_APPROVAL_REQUESTS_H_
