#include "server/roles.h"

#include "core/json_read.h"
#include "core/pan.h"

namespace aisle::server {

using core::Error;
using nlohmann::json;

const std::vector<PermissionInfo>& AllPermissions() {
  static const std::vector<PermissionInfo> kAll = {
      {"catalog.read", "look up products, pull the change feed and snapshots, read pricing rules and sync status"},
      {"sale.sell", "push operations from a device: sales, feedback, drawer sessions"},
      {"live.subscribe", "open the live connection that says when the feed moved"},
      {"sales.read", "read a stored sale"},
      {"staff.read", "list the staff of a store"},
      {"staff.manage", "add staff, disable them, reset their PIN"},
      {"device.manage", "create enrollment codes, list and revoke devices"},
      {"audit.read", "read and export the audit log, verify its chain"},
      {"rules.publish", "publish price lists and promotions"},
      {"role.manage", "change what a role may do"},
      {"void", "void a line or a sale without a manager's approval"},
      {"refund", "refund up to the role's max_refund_without_approval"},
      {"price_override", "override an item's price without approval"},
      {"no_sale", "open the cash drawer without a sale"},
      {"paid_out", "pay cash out of the drawer"},
      {"approve", "approve, for another associate, any act the approver's own role may do"},
  };
  return kAll;
}

namespace {

bool KnownPermission(const std::string& p) {
  for (const PermissionInfo& info : AllPermissions()) {
    if (info.name == p) return true;
  }
  return false;
}

bool ValidRoleName(const std::string& role) {
  if (role.empty() || role.size() > 32) return false;
  for (char c : role) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

core::Result<int64_t> ReadLimit(const json& limits, const char* key, int64_t fallback, int64_t lo, int64_t hi) {
  const std::string field = std::string("limits.") + key;
  if (!limits.contains(key)) return fallback;
  const json& v = limits[key];
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
    return Error::Make("invalid_role", field + " must be an integer " + std::to_string(lo) + ".." + std::to_string(hi),
                       field);
  }
  return v.get<int64_t>();
}

Role ReadRow(Statement& s) {
  Role r{s.Text(0), s.Text(1), s.Text(2), s.Text(3), {}, {}};
  for (const json& p : json::parse(s.Text(4))) r.permissions.insert(p.get<std::string>());
  const json limits = json::parse(s.Text(5));
  r.limits.max_discount_bp = limits.value("max_discount_bp", int64_t{0});
  r.limits.max_refund_without_approval = limits.value("max_refund_without_approval", int64_t{0});
  r.limits.min_pin_length = limits.value("min_pin_length", int64_t{4});
  return r;
}

constexpr const char* kColumns = "role, name_zh, name_en, scope, permissions, limits";

}  // namespace

core::Result<Role> ParseRole(const std::string& role, const json& body) {
  if (!ValidRoleName(role)) {
    return Error::Make("invalid_role", "a role name is 1 to 32 of a-z, 0-9 and _", "role");
  }
  if (!body.is_object()) return core::WrongType("(body)", "an object");
  Role out;
  out.role = role;
  for (auto [field, target] : {std::pair{"name_zh", &out.name_zh}, std::pair{"name_en", &out.name_en}}) {
    auto v = core::ReadString(body, field, "");
    if (!v) return v.error();
    if (v->empty() || v->size() > 64) return Error::Make("invalid_role", std::string(field) + " must be 1 to 64 characters", field);
    auto text = core::CheckFreeText(*v, field);
    if (!text) return text.error();
    *target = std::move(*text);
  }
  auto scope = core::ReadString(body, "scope", "");
  if (!scope) return scope.error();
  if (*scope != "store" && *scope != "chain") return Error::Make("invalid_role", "scope must be store or chain", "scope");
  out.scope = *scope;
  auto permissions = core::ReadArray(body, "permissions", "");
  if (!permissions) return permissions.error();
  for (size_t i = 0; i < (*permissions)->size(); ++i) {
    const json& p = (**permissions)[i];
    const std::string field = "permissions[" + std::to_string(i) + "]";
    if (!p.is_string() || !KnownPermission(p.get<std::string>())) {
      return Error::Make("unknown_permission", "not a permission: " + p.dump() + " (see docs/security.md)", field);
    }
    out.permissions.insert(p.get<std::string>());
  }
  const json limits = body.value("limits", json::object());
  if (!limits.is_object()) return core::WrongType("limits", "an object");
  for (const auto& [key, value] : limits.items()) {
    if (key != "max_discount_bp" && key != "max_refund_without_approval" && key != "min_pin_length") {
      return Error::Make("invalid_role", "unknown limit " + key, "limits." + key);
    }
  }
  auto discount = ReadLimit(limits, "max_discount_bp", 0, 0, 10000);
  if (!discount) return discount.error();
  auto refund = ReadLimit(limits, "max_refund_without_approval", 0, 0, int64_t{1} << 50);
  if (!refund) return refund.error();
  auto pin = ReadLimit(limits, "min_pin_length", 4, 4, 12);
  if (!pin) return pin.error();
  out.limits = RoleLimits{*discount, *refund, *pin};
  return out;
}

json RoleToJson(const Role& r) {
  return {{"role", r.role},
          {"name_zh", r.name_zh},
          {"name_en", r.name_en},
          {"scope", r.scope},
          {"permissions", r.permissions},
          {"limits",
           {{"max_discount_bp", r.limits.max_discount_bp},
            {"max_refund_without_approval", r.limits.max_refund_without_approval},
            {"min_pin_length", r.limits.min_pin_length}}}};
}

std::optional<Role> FindRole(Database& db, const std::string& role) {
  auto s = db.Prepare(std::string("SELECT ") + kColumns + " FROM roles WHERE role = ?");
  s.Bind(1, role);
  if (!s.Step()) return std::nullopt;
  return ReadRow(s);
}

std::vector<Role> ListRoles(Database& db) {
  auto s = db.Prepare(std::string("SELECT ") + kColumns + " FROM roles ORDER BY role");
  std::vector<Role> out;
  while (s.Step()) out.push_back(ReadRow(s));
  return out;
}

void SaveRole(Database& db, const Role& r, int64_t now) {
  const json doc = RoleToJson(r);
  db.Prepare(
        "INSERT INTO roles (role, name_zh, name_en, scope, permissions, limits, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (role) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, "
        "scope = excluded.scope, permissions = excluded.permissions, limits = excluded.limits, "
        "updated_at = excluded.updated_at")
      .Bind(1, r.role)
      .Bind(2, r.name_zh)
      .Bind(3, r.name_en)
      .Bind(4, r.scope)
      .Bind(5, doc["permissions"].dump())
      .Bind(6, doc["limits"].dump())
      .Bind(7, now)
      .Run();
}

core::Result<std::string> CheckPin(const Role& role, const std::string& pin) {
  if (pin.size() < static_cast<size_t>(role.limits.min_pin_length) || pin.size() > 12) {
    return Error::Make("weak_pin",
                       "a PIN for the role " + role.role + " is " + std::to_string(role.limits.min_pin_length) + " to 12 digits",
                       "pin");
  }
  for (char c : pin) {
    if (c < '0' || c > '9') return Error::Make("weak_pin", "a PIN is digits only", "pin");
  }
  if (pin.find_first_not_of(pin[0]) == std::string::npos) {
    return Error::Make("weak_pin", "a PIN of one repeated digit is too easy to guess", "pin");
  }
  return pin;
}

}  // namespace aisle::server
