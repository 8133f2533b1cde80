// Manager approvals carried inside operations, verified by the server
// (docs/security.md, "Manager approval"). An act needs an approval when the
// acting staff member's role lacks the act's permission; the approval is
// good when its approver is active staff of the store whose role holds both
// `approve` and that permission, is not the actor, names this op's subject,
// and its proof is the HMAC of core::ApprovalMessage under the approver's
// approval key (derived from their PIN: the device cannot make it without
// the PIN being typed). Runs inside the caller's transaction.
#ifndef AISLE_SERVER_APPROVALS_H_
#define AISLE_SERVER_APPROVALS_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/operation.h"
#include "server/sqlite.h"

namespace aisle::server {

// The permission an approval rule stands for ("void_line" -> "void").
std::string_view PermissionForRule(std::string_view rule);

// What is wrong with the approvals of an op whose content needs `needed`
// rules: one sentence per problem, empty when everything checks out. Every
// approval present is checked, needed or not (a forged one is a problem).
// `manual_discount` is the exception to "a permission replaces the
// approval": it is measured against the role's max_discount_bp — the actor's
// for doing it alone, the approver's for approving — with `discount_bp` the
// largest manual discount in the op. `refund` likewise is measured against
// the role's max_refund_without_approval with `refund_amount`.
std::vector<std::string> CheckApprovals(Database& db, const std::string& store_id, const std::string& actor,
                                        const std::vector<std::string>& needed, const std::string& subject,
                                        const std::vector<core::Approval>& approvals, int64_t discount_bp = 0,
                                        int64_t refund_amount = 0);

}  // namespace aisle::server

#endif  // AISLE_SERVER_APPROVALS_H_
