#include "server/approvals.h"

#include <sodium.h>

#include <algorithm>

#include "server/auth.h"
#include "server/roles.h"

namespace aisle::server {
namespace {

struct Approver {
  std::string role;
  bool active = false;
  std::string approval_key;  // "" until derived
};

std::optional<Approver> FindApprover(Database& db, const std::string& store_id, const std::string& staff_code) {
  auto s = db.Prepare("SELECT role, active, approval_key FROM staff WHERE store_id = ? AND staff_code = ?");
  s.Bind(1, store_id).Bind(2, staff_code);
  if (!s.Step()) return std::nullopt;
  return Approver{s.Text(0), s.Int(1) != 0, s.Text(2)};
}

bool SameHex(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string_view PermissionForRule(std::string_view rule) {
  if (rule == "void_line" || rule == "void_sale") return "void";
  if (rule == "manual_discount") return "price_override";
  return rule;  // price_override, refund, no_sale, paid_out
}

std::vector<std::string> CheckApprovals(Database& db, const std::string& store_id, const std::string& actor,
                                        const std::vector<std::string>& needed, const std::string& subject,
                                        const std::vector<core::Approval>& approvals, int64_t discount_bp,
                                        int64_t refund_amount) {
  std::vector<std::string> problems;
  if (needed.empty() && approvals.empty()) return problems;  // most sales: nothing to look up
  std::vector<std::string> granted;  // rules a good approval covers
  for (const core::Approval& a : approvals) {
    const std::string who = "the " + a.rule + " approval by " + a.approver;
    const auto approver = FindApprover(db, store_id, a.approver);
    std::optional<Role> role;
    if (approver) role = FindRole(db, approver->role);
    if (!approver || !approver->active) {
      problems.push_back(who + ": no active staff " + a.approver + " in " + store_id);
    } else if (!role || !role->Allows("approve") || !role->Allows(PermissionForRule(a.rule))) {
      problems.push_back(who + ": the role " + approver->role + " may not approve " + a.rule);
    } else if (a.rule == "manual_discount" && role->limits.max_discount_bp < discount_bp) {
      problems.push_back(who + ": the role " + approver->role + " may give at most " +
                         std::to_string(role->limits.max_discount_bp) + " bp, not " + std::to_string(discount_bp));
    } else if (a.rule == "refund" && role->limits.max_refund_without_approval < refund_amount) {
      problems.push_back(who + ": the role " + approver->role + " may refund at most " +
                         std::to_string(role->limits.max_refund_without_approval) + ", not " +
                         std::to_string(refund_amount));
    } else if (a.approver == actor) {
      problems.push_back(who + ": nobody approves their own act");
    } else if (a.subject != subject) {
      problems.push_back(who + ": it was given for " + a.subject + ", not " + subject);
    } else if (approver->approval_key.empty()) {
      problems.push_back(who + ": the approver has no approval key yet (they sign in online once)");
    } else if (!SameHex(HmacSha256Hex(approver->approval_key, core::ApprovalMessage(store_id, a)), a.proof)) {
      problems.push_back(who + ": its proof does not match (wrong PIN, or the approval was changed)");
    } else {
      granted.push_back(a.rule);
    }
  }
  std::optional<Role> actor_role;
  {
    auto s = db.Prepare("SELECT role FROM staff WHERE store_id = ? AND staff_code = ?");
    s.Bind(1, store_id).Bind(2, actor);
    if (s.Step()) actor_role = FindRole(db, s.Text(0));
  }
  for (const std::string& rule : needed) {
    bool own_right = actor_role && actor_role->Allows(PermissionForRule(rule));
    if (rule == "manual_discount") own_right = actor_role && actor_role->limits.max_discount_bp >= discount_bp;
    if (rule == "refund") own_right = own_right && actor_role->limits.max_refund_without_approval >= refund_amount;
    if (own_right) continue;
    if (std::find(granted.begin(), granted.end(), rule) != granted.end()) continue;
    // Voiding the whole cart before payment (void_sale) covers the lines it took off.
    if (rule == "void_line" && std::find(granted.begin(), granted.end(), "void_sale") != granted.end()) continue;
    problems.push_back(rule + " needs a manager's approval that " + actor + "'s role does not replace");
  }
  return problems;
}

}  // namespace aisle::server
