#include "server/admin_service.h"

#include <sodium.h>

#include <cctype>
#include <tuple>

#include "core/pan.h"
#include "server/auth.h"
#include "server/roles.h"

namespace aisle::server {
namespace {

using core::Error;
using nlohmann::json;

// 32 letters and digits a person cannot confuse (no 0/O, 1/I/L).
constexpr char kCodeAlphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

std::string NewEnrollmentCode() {
  std::string code;
  for (int i = 0; i < 12; ++i) {
    if (i > 0 && i % 4 == 0) code += '-';
    code += kCodeAlphabet[randombytes_uniform(sizeof kCodeAlphabet - 1)];
  }
  return code;
}

// Upper case, without spaces and dashes: what a person typed, as issued.
std::string NormalizeCode(const std::string& typed) {
  std::string out;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

AuditEntry Entry(const Actor& by, const std::string& store_id, std::string action, std::string object) {
  AuditEntry e;
  e.store_id = store_id;
  e.actor = by.actor;
  e.role = by.role;
  e.device_id = by.device_id;
  e.at_ms = UnixNowMs();
  e.action = std::move(action);
  e.object = std::move(object);
  return e;
}

Error NoStaff(const std::string& store_id, const std::string& staff_code) {
  return Error::Make("staff_not_found", "no staff " + staff_code + " in store " + store_id, "staff_code");
}

core::Result<std::string> CheckText(const std::string& value, const char* field, size_t max) {
  if (value.empty() || value.size() > max) {
    return Error::Make("invalid_" + std::string(field), std::string(field) + " must be 1 to " + std::to_string(max) +
                                                             " characters", field);
  }
  return value;
}

}  // namespace

core::Result<json> AddStaff(Store& store, const Actor& by, const std::string& store_id, const std::string& staff_code,
                            const std::string& name, const std::string& role, const std::string& pin) {
  for (auto [value, field, max] : {std::tuple{&staff_code, "staff_code", size_t{16}},
                                   std::tuple{&name, "name", size_t{64}}}) {
    if (auto ok = CheckText(*value, field, max); !ok) return ok.error();
  }
  if (auto free = core::CheckFreeText(name, "name"); !free) return free.error();
  for (char c : staff_code) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
      return Error::Make("invalid_staff_code", "a staff code is letters and digits", "staff_code");
    }
  }
  auto location = store.FindLocation(store_id);
  if (!location || location->kind != "store") return Error::Make("unknown_store", "no store " + store_id, "store_id");
  std::optional<Role> found;
  store.WithConnection([&](Database& db) { found = FindRole(db, role); });
  if (!found) return Error::Make("unknown_role", "no role " + role + " (aisle role list)", "role");
  if (auto ok = CheckPin(*found, pin); !ok) return ok.error();
  const std::string hash = HashPin(pin);  // slow by design: outside the transaction
  const PinSecrets secrets = DerivePinSecrets(pin);
  core::Result<json> out = json();
  store.WithTransaction([&](Database& db) {
    db.Prepare(
          "INSERT INTO staff (store_id, staff_code, name, role, pin_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
          "ON CONFLICT DO NOTHING")
        .Bind(1, store_id).Bind(2, staff_code).Bind(3, name).Bind(4, role).Bind(5, hash).Bind(6, UnixNow()).Run();
    if (db.Changes() == 0) {
      out = Error::Make("staff_exists", "store " + store_id + " already has staff " + staff_code, "staff_code");
      return;
    }
    Store::SavePinSecrets(db, store_id, staff_code, secrets);
    const json after = {{"store_id", store_id}, {"staff_code", staff_code}, {"name", name}, {"role", role}};
    AuditEntry e = Entry(by, store_id, "staff.added", "staff:" + store_id + "/" + staff_code);
    e.after = after;
    store.Audit(db, e);
    out = after;
  });
  return out;
}

core::Result<json> SetStaffActive(Store& store, const Actor& by, const std::string& store_id,
                                  const std::string& staff_code, bool active) {
  core::Result<json> out = json();
  store.WithTransaction([&](Database& db) {
    auto s = db.Prepare("SELECT active FROM staff WHERE store_id = ? AND staff_code = ?");
    s.Bind(1, store_id).Bind(2, staff_code);
    if (!s.Step()) {
      out = NoStaff(store_id, staff_code);
      return;
    }
    const bool was = s.Int(0) != 0;
    db.Prepare("UPDATE staff SET active = ?, updated_at = ? WHERE store_id = ? AND staff_code = ?")
        .Bind(1, int64_t{active}).Bind(2, UnixNow()).Bind(3, store_id).Bind(4, staff_code).Run();
    if (!active) {  // their sessions end now, on every device
      db.Prepare("DELETE FROM sessions WHERE store_id = ? AND staff_code = ?").Bind(1, store_id).Bind(2, staff_code).Run();
    }
    AuditEntry e = Entry(by, store_id, active ? "staff.enabled" : "staff.disabled",
                         "staff:" + store_id + "/" + staff_code);
    e.before = {{"active", was}};
    e.after = {{"active", active}};
    store.Audit(db, e);
    out = json{{"store_id", store_id}, {"staff_code", staff_code}, {"active", active}};
  });
  return out;
}

core::Result<json> ResetPin(Store& store, const Actor& by, const std::string& store_id, const std::string& staff_code,
                            const std::string& pin) {
  auto staff = store.FindStaff(store_id, staff_code);
  if (!staff) return NoStaff(store_id, staff_code);
  std::optional<Role> role;
  store.WithConnection([&](Database& db) { role = FindRole(db, staff->role); });
  if (!role) return Error::Make("unknown_role", "staff " + staff_code + " has a role that no longer exists", "role");
  if (auto ok = CheckPin(*role, pin); !ok) return ok.error();
  const std::string hash = HashPin(pin);
  const PinSecrets secrets = DerivePinSecrets(pin);
  store.WithTransaction([&](Database& db) {
    db.Prepare("UPDATE staff SET pin_hash = ?, updated_at = ? WHERE store_id = ? AND staff_code = ?")
        .Bind(1, hash).Bind(2, UnixNow()).Bind(3, store_id).Bind(4, staff_code).Run();
    Store::SavePinSecrets(db, store_id, staff_code, secrets);
    db.Prepare("DELETE FROM sessions WHERE store_id = ? AND staff_code = ?").Bind(1, store_id).Bind(2, staff_code).Run();
    store.Audit(db, Entry(by, store_id, "staff.pin_reset", "staff:" + store_id + "/" + staff_code));  // never the PIN
  });
  return json{{"store_id", store_id}, {"staff_code", staff_code}, {"pin_reset", true}};
}

json ListStaff(Store& store, const std::string& store_id) {
  json list = json::array();
  store.WithConnection([&](Database& db) {
    auto s = db.Prepare("SELECT staff_code, name, role, active FROM staff WHERE store_id = ? ORDER BY staff_code");
    s.Bind(1, store_id);
    while (s.Step()) {
      list.push_back({{"staff_code", s.Text(0)}, {"name", s.Text(1)}, {"role", s.Text(2)}, {"active", s.Int(3) != 0}});
    }
  });
  return json{{"store_id", store_id}, {"staff", std::move(list)}};
}

core::Result<json> CreateEnrollment(Store& store, const Actor& by, const std::string& store_id,
                                    const std::string& device_name) {
  if (auto ok = CheckText(device_name, "device_name", 64); !ok) return ok.error();
  if (auto free = core::CheckFreeText(device_name, "device_name"); !free) return free.error();
  auto location = store.FindLocation(store_id);
  if (!location || location->kind != "store") return Error::Make("unknown_store", "no store " + store_id, "store_id");
  const std::string code = NewEnrollmentCode();
  const int64_t now = UnixNow();
  store.WithTransaction([&](Database& db) {
    db.Prepare(
          "INSERT INTO enrollment_codes (code_hash, store_id, device_name, created_by, created_at, expires_at) "
          "VALUES (?, ?, ?, ?, ?, ?)")
        .Bind(1, Sha256Hex(NormalizeCode(code))).Bind(2, store_id).Bind(3, device_name).Bind(4, by.actor)
        .Bind(5, now).Bind(6, now + kEnrollmentSeconds).Run();
    AuditEntry e = Entry(by, store_id, "device.enrollment_created", "enrollment:" + device_name);
    e.after = {{"device_name", device_name}, {"expires_at", IsoTime(now + kEnrollmentSeconds)}};
    store.Audit(db, e);
  });
  return json{{"code", code}, {"store_id", store_id}, {"device_name", device_name},
              {"expires_at", IsoTime(now + kEnrollmentSeconds)}};
}

json ListEnrollments(Store& store, const std::string& store_id) {
  json list = json::array();
  store.WithConnection([&](Database& db) {
    auto s = db.Prepare(
        "SELECT rowid, device_name, created_by, created_at, expires_at FROM enrollment_codes "
        "WHERE store_id = ? AND used_at IS NULL AND expires_at > ? ORDER BY created_at, rowid");
    s.Bind(1, store_id).Bind(2, UnixNow());
    while (s.Step()) {
      list.push_back({{"id", s.Int(0)}, {"store_id", store_id}, {"device_name", s.Text(1)}, {"created_by", s.Text(2)},
                      {"created_at", IsoTime(s.Int(3))}, {"expires_at", IsoTime(s.Int(4))}});
    }
  });
  return json{{"store_id", store_id}, {"enrollments", std::move(list)}};
}

std::optional<std::string> EnrollmentStore(Store& store, int64_t id) {
  std::optional<std::string> out;
  store.WithConnection([&](Database& db) {
    auto s = db.Prepare("SELECT store_id FROM enrollment_codes WHERE rowid = ? AND used_at IS NULL AND expires_at > ?");
    s.Bind(1, id).Bind(2, UnixNow());
    if (s.Step()) out = s.Text(0);
  });
  return out;
}

core::Result<json> CancelEnrollment(Store& store, const Actor& by, int64_t id) {
  const int64_t now = UnixNow();
  core::Result<json> out = json();
  store.WithTransaction([&](Database& db) {
    auto s = db.Prepare(
        "SELECT store_id, device_name FROM enrollment_codes WHERE rowid = ? AND used_at IS NULL AND expires_at > ?");
    s.Bind(1, id).Bind(2, now);
    if (!s.Step()) {
      out = Error::Make("enrollment_not_found", "no unused enrollment code " + std::to_string(id), "id");
      return;
    }
    const std::string store_id = s.Text(0);
    const std::string name = s.Text(1);
    db.Prepare("UPDATE enrollment_codes SET expires_at = ? WHERE rowid = ?").Bind(1, now).Bind(2, id).Run();
    AuditEntry e = Entry(by, store_id, "device.enrollment_cancelled", "enrollment:" + name);
    store.Audit(db, e);
    out = json{{"id", id}, {"store_id", store_id}, {"device_name", name}, {"cancelled", true}};
  });
  return out;
}

core::Result<json> EnrollDevice(Store& store, const std::string& code, const std::string& device_id) {
  if (auto ok = CheckText(device_id, "device_id", 64); !ok) return ok.error();
  const std::string credential = NewToken();
  const int64_t now = UnixNow();
  core::Result<json> out = json();
  store.WithTransaction([&](Database& db) {
    auto s = db.Prepare(
        "SELECT store_id, device_name FROM enrollment_codes WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?");
    s.Bind(1, Sha256Hex(NormalizeCode(code))).Bind(2, now);
    if (!s.Step()) {
      out = Error::Make("invalid_enrollment_code", "the enrollment code is wrong, used or expired: ask for a new one",
                        "code");
      return;
    }
    const std::string store_id = s.Text(0);
    const std::string name = s.Text(1);
    auto existing = db.Prepare("SELECT status, credential_hash IS NOT NULL FROM devices WHERE device_id = ?");
    existing.Bind(1, device_id);
    if (existing.Step() && (existing.Text(0) == "revoked" || existing.Int(1) != 0)) {
      out = Error::Make("device_exists", "device " + device_id + " is already enrolled or was revoked", "device_id");
      return;
    }
    db.Prepare(
          "INSERT INTO devices (device_id, store_id, registered_at, credential_hash, name, status) "
          "VALUES (?, ?, ?, ?, ?, 'active') ON CONFLICT (device_id) DO UPDATE SET store_id = excluded.store_id, "
          "credential_hash = excluded.credential_hash, name = excluded.name")
        .Bind(1, device_id).Bind(2, store_id).Bind(3, now).Bind(4, Sha256Hex(credential)).Bind(5, name).Run();
    db.Prepare("UPDATE enrollment_codes SET used_at = ?, device_id = ? WHERE code_hash = ?")
        .Bind(1, now).Bind(2, device_id).Bind(3, Sha256Hex(NormalizeCode(code))).Run();
    AuditEntry e = Entry(Actor{store_id, "device:" + device_id, "device", device_id}, store_id, "device.enrolled",
                         "device:" + device_id);
    e.after = {{"device_id", device_id}, {"name", name}};
    store.Audit(db, e);
    out = json{{"device_id", device_id}, {"store_id", store_id}, {"name", name}, {"credential", credential}};
  });
  return out;
}

core::Result<json> RevokeDevice(Store& store, const Actor& by, const std::string& device_id) {
  core::Result<json> out = json();
  store.WithTransaction([&](Database& db) {
    auto s = db.Prepare("SELECT store_id, status FROM devices WHERE device_id = ?");
    s.Bind(1, device_id);
    if (!s.Step()) {
      out = Error::Make("device_not_found", "no device " + device_id, "device_id");
      return;
    }
    const std::string store_id = s.Text(0);
    const std::string was = s.Text(1);
    db.Prepare("UPDATE devices SET status = 'revoked', revoked_at = ? WHERE device_id = ?")
        .Bind(1, UnixNow()).Bind(2, device_id).Run();
    db.Prepare("DELETE FROM sessions WHERE device_id = ?").Bind(1, device_id).Run();
    AuditEntry e = Entry(by, store_id, "device.revoked", "device:" + device_id);
    e.before = {{"status", was}};
    e.after = {{"status", "revoked"}};
    store.Audit(db, e);
    out = json{{"device_id", device_id}, {"store_id", store_id}, {"status", "revoked"}};
  });
  return out;
}

json ListDevices(Store& store, const std::string& store_id) {
  json list = json::array();
  store.WithConnection([&](Database& db) {
    auto s = db.Prepare(
        "SELECT d.device_id, d.name, d.status, d.credential_hash IS NOT NULL, d.registered_at, p.last_push "
        "FROM devices d LEFT JOIN device_progress p ON p.device_id = d.device_id WHERE d.store_id = ? "
        "ORDER BY d.registered_at, d.device_id");
    s.Bind(1, store_id);
    while (s.Step()) {
      list.push_back({{"device_id", s.Text(0)}, {"name", s.Text(1)}, {"status", s.Text(2)},
                      {"enrolled", s.Int(3) != 0}, {"registered_at", IsoTime(s.Int(4))},
                      {"last_push", s.IsNull(5) ? json(nullptr) : json(IsoTime(s.Int(5)))}});
    }
  });
  return json{{"store_id", store_id}, {"devices", std::move(list)}};
}

json PrinterToJson(const Printer& p) {
  return {{"printer_id", p.printer_id}, {"store_id", p.store_id}, {"name", p.name}, {"host", p.host},
          {"port", p.port},             {"columns", p.columns},   {"encoding", p.encoding}};
}

json OfflinePolicyToJson(const OfflinePolicy& policy) {
  return {{"offline_signin_hours", policy.offline_signin_hours},
          {"offline_coupons", policy.offline_coupons},
          {"offline_points_max", policy.offline_points_max}};
}

namespace {

std::optional<OfflinePolicy> ReadOfflinePolicy(Database& db, const std::string& store_id) {
  auto s = db.Prepare(
      "SELECT offline_signin_hours, offline_coupons, offline_points_max FROM locations "
      "WHERE location_id = ? AND kind = 'store'");
  s.Bind(1, store_id);
  if (!s.Step()) return std::nullopt;
  return OfflinePolicy{s.Int(0), s.Int(1) != 0, s.Int(2)};
}

}  // namespace

std::optional<OfflinePolicy> FindOfflinePolicy(Store& store, const std::string& store_id) {
  std::optional<OfflinePolicy> out;
  store.WithConnection([&](Database& db) { out = ReadOfflinePolicy(db, store_id); });
  return out;
}

core::Result<json> SetOfflinePolicy(Store& store, const Actor& by, const std::string& store_id,
                                    std::optional<int64_t> hours, std::optional<bool> coupons,
                                    std::optional<int64_t> points_max) {
  if (hours && (*hours < 1 || *hours > 8760)) {
    return Error::Make("invalid_hours", "offline hours must be 1 to 8760", "offline_signin_hours");
  }
  if (points_max && *points_max < 0) {
    return Error::Make("invalid_points", "offline points must be 0 or more", "offline_points_max");
  }
  core::Result<json> out = json();
  store.WithTransaction([&](Database& db) {
    auto before = ReadOfflinePolicy(db, store_id);
    if (!before) {
      out = Error::Make("unknown_store", "no store " + store_id, "store_id");
      return;
    }
    OfflinePolicy after = *before;
    if (hours) after.offline_signin_hours = *hours;
    if (coupons) after.offline_coupons = *coupons;
    if (points_max) after.offline_points_max = *points_max;
    db.Prepare(
          "UPDATE locations SET offline_signin_hours = ?, offline_coupons = ?, offline_points_max = ? "
          "WHERE location_id = ?")
        .Bind(1, after.offline_signin_hours)
        .Bind(2, int64_t{after.offline_coupons ? 1 : 0})
        .Bind(3, after.offline_points_max)
        .Bind(4, store_id)
        .Run();
    AuditEntry e = Entry(by, store_id, "store.policy_changed", "store:" + store_id);
    e.before = OfflinePolicyToJson(*before);
    e.after = OfflinePolicyToJson(after);
    store.Audit(db, e);
    out = json{{"store_id", store_id}, {"policies", e.after}};
  });
  return out;
}

core::Result<json> AddPrinter(Store& store, const Actor& by, Printer printer) {
  if (auto ok = CheckText(printer.name, "name", 64); !ok) return ok.error();
  if (auto free = core::CheckFreeText(printer.name, "name"); !free) return free.error();
  if (auto ok = CheckText(printer.host, "host", 253); !ok) return ok.error();
  for (char c : printer.host) {  // a name or an IPv4/IPv6 address, nothing a shell or URL would read otherwise
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                         c == '-' || c == ':' || c == '_';
    if (!allowed) return Error::Make("invalid_host", "host must be a host name or an IP address", "host");
  }
  if (printer.port < 1 || printer.port > 65535) return Error::Make("invalid_port", "port must be 1 to 65535", "port");
  if (printer.columns < 16 || printer.columns > 64) {
    return Error::Make("invalid_columns", "columns must be 16 to 64 (32 for 58 mm paper, 48 for 80 mm)", "columns");
  }
  if (printer.encoding != "gb18030" && printer.encoding != "utf8") {
    return Error::Make("invalid_encoding", "encoding must be gb18030 or utf8", "encoding");
  }
  auto location = store.FindLocation(printer.store_id);
  if (!location || location->kind != "store") {
    return Error::Make("unknown_store", "no store " + printer.store_id, "store_id");
  }
  printer.printer_id = "prn-";
  for (int i = 0; i < 8; ++i) printer.printer_id += static_cast<char>(std::tolower(kCodeAlphabet[randombytes_uniform(sizeof kCodeAlphabet - 1)]));
  const json out = PrinterToJson(printer);
  store.WithTransaction([&](Database& db) {
    db.Prepare("INSERT INTO printers (printer_id, store_id, name, host, port, columns, encoding, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .Bind(1, printer.printer_id).Bind(2, printer.store_id).Bind(3, printer.name).Bind(4, printer.host)
        .Bind(5, printer.port).Bind(6, printer.columns).Bind(7, printer.encoding).Bind(8, UnixNow()).Run();
    AuditEntry e = Entry(by, printer.store_id, "printer.added", "printer:" + printer.printer_id);
    e.after = out;
    store.Audit(db, e);
  });
  return out;
}

core::Result<json> RemovePrinter(Store& store, const Actor& by, const std::string& printer_id) {
  auto printer = FindPrinter(store, printer_id);
  if (!printer) return Error::Make("printer_not_found", "no printer " + printer_id, "printer_id");
  store.WithTransaction([&](Database& db) {
    db.Prepare("DELETE FROM printers WHERE printer_id = ?").Bind(1, printer_id).Run();
    AuditEntry e = Entry(by, printer->store_id, "printer.removed", "printer:" + printer_id);
    e.before = PrinterToJson(*printer);
    store.Audit(db, e);
  });
  return json{{"printer_id", printer_id}, {"removed", true}};
}

namespace {

constexpr const char* kPrinterColumns = "printer_id, store_id, name, host, port, columns, encoding";

Printer ReadPrinter(const Statement& s) {
  return Printer{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Int(5), s.Text(6)};
}

}  // namespace

json ListPrinters(Store& store, const std::string& store_id) {
  json list = json::array();
  store.WithConnection([&](Database& db) {
    auto s = db.Prepare(std::string("SELECT ") + kPrinterColumns + " FROM printers WHERE store_id = ? ORDER BY name, printer_id");
    s.Bind(1, store_id);
    while (s.Step()) list.push_back(PrinterToJson(ReadPrinter(s)));
  });
  return json{{"store_id", store_id}, {"printers", std::move(list)}};
}

std::optional<Printer> FindPrinter(Store& store, const std::string& printer_id) {
  std::optional<Printer> out;
  store.WithConnection([&](Database& db) {
    auto s = db.Prepare(std::string("SELECT ") + kPrinterColumns + " FROM printers WHERE printer_id = ?");
    s.Bind(1, printer_id);
    if (s.Step()) out = ReadPrinter(s);
  });
  return out;
}

core::Result<json> PutRole(Store& store, const Actor& by, const std::string& role, const json& body) {
  auto parsed = ParseRole(role, body);
  if (!parsed) return parsed.error();
  store.WithTransaction([&](Database& db) {
    const auto before = FindRole(db, role);
    SaveRole(db, *parsed, UnixNow());
    AuditEntry e = Entry(by, by.store_id, before ? "role.changed" : "role.added", "role:" + role);
    e.before = before ? RoleToJson(*before) : json(nullptr);
    e.after = RoleToJson(*parsed);
    store.Audit(db, e);
  });
  return RoleToJson(*parsed);
}

}  // namespace aisle::server
