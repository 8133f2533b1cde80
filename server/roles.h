// Roles as data: what each role may do (permissions) and how far (limits).
// The five built-in roles are rows of the `roles` table written by the
// schema migration; a chain may change them or add its own (`aisle role
// set`, PUT /api/v1/roles/{role}). docs/security.md lists every permission
// and the route matrix. Pure functions over a Database: the caller holds the
// store's lock.
#ifndef AISLE_SERVER_ROLES_H_
#define AISLE_SERVER_ROLES_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "server/sqlite.h"

namespace aisle::server {

struct PermissionInfo {
  std::string_view name;
  std::string_view description;
};

// Every permission a role may hold, in the order docs/security.md lists them.
const std::vector<PermissionInfo>& AllPermissions();

struct RoleLimits {
  int64_t max_discount_bp = 0;               // manual discount without approval, basis points
  int64_t max_refund_without_approval = 0;  // minor units per refund
  int64_t min_pin_length = 4;               // PINs set for staff of this role
};

struct Role {
  std::string role;       // "store_manager"
  std::string name_zh;
  std::string name_en;
  std::string scope;      // "store": its own store only; "chain": every store
  std::set<std::string> permissions;
  RoleLimits limits;

  bool Allows(std::string_view permission) const { return permissions.contains(std::string(permission)); }
  // True when staff of this role may act on `store_id` having signed in at `home_store`.
  bool Reaches(const std::string& home_store, const std::string& store_id) const {
    return scope == "chain" || home_store == store_id;
  }
};

// A role document (as GET /api/v1/roles shows it) checked field by field:
// known permissions only, limits non-negative, min_pin_length 4..12.
core::Result<Role> ParseRole(const std::string& role, const nlohmann::json& body);
nlohmann::json RoleToJson(const Role& role);

std::optional<Role> FindRole(Database& db, const std::string& role);
std::vector<Role> ListRoles(Database& db);
void SaveRole(Database& db, const Role& role, int64_t now);

// The role names and PIN rule checks shared by the CLI and the API.
core::Result<std::string> CheckPin(const Role& role, const std::string& pin);

}  // namespace aisle::server

#endif  // AISLE_SERVER_ROLES_H_
