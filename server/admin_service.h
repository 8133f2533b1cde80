// Back-office acts on staff, devices, printers and roles, shared by the API
// (server/api_admin.cpp) and the `aisle` command line: each checks its input,
// changes the rows in one transaction and writes the audit entry in it.
// Reach (may this actor act on that store?) is the caller's check; these
// functions trust the Actor they are given. Thread-safe (through Store).
#ifndef AISLE_SERVER_ADMIN_SERVICE_H_
#define AISLE_SERVER_ADMIN_SERVICE_H_

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "server/store.h"

namespace aisle::server {

// Who acts, for the audit log: a signed-in staff member on a device, or the
// command line ("cli:<user>", role "cli").
struct Actor {
  std::string store_id;  // where they signed in (the command line: the store acted on)
  std::string actor;
  std::string role;
  std::string device_id;
};

inline constexpr int64_t kEnrollmentSeconds = 24 * 3600;

core::Result<nlohmann::json> AddStaff(Store& store, const Actor& by, const std::string& store_id,
                                      const std::string& staff_code, const std::string& name,
                                      const std::string& role, const std::string& pin);
core::Result<nlohmann::json> SetStaffActive(Store& store, const Actor& by, const std::string& store_id,
                                            const std::string& staff_code, bool active);
core::Result<nlohmann::json> ResetPin(Store& store, const Actor& by, const std::string& store_id,
                                      const std::string& staff_code, const std::string& pin);
nlohmann::json ListStaff(Store& store, const std::string& store_id);

// A one-time code (XXXX-XXXX-XXXX, valid kEnrollmentSeconds) that a device
// exchanges for its credential.
core::Result<nlohmann::json> CreateEnrollment(Store& store, const Actor& by, const std::string& store_id,
                                              const std::string& device_name);
// The store's codes not used yet and not expired (never the codes themselves):
// {"enrollments": [{id, store_id, device_name, created_by, created_at, expires_at}]}.
nlohmann::json ListEnrollments(Store& store, const std::string& store_id);
// The store an unused code `id` belongs to, or nullopt.
std::optional<std::string> EnrollmentStore(Store& store, int64_t id);
// Ends an unused code now (it can no longer enroll a device).
core::Result<nlohmann::json> CancelEnrollment(Store& store, const Actor& by, int64_t id);
// The device's side: code + its own id -> {"device_id","store_id","credential"}.
core::Result<nlohmann::json> EnrollDevice(Store& store, const std::string& code, const std::string& device_id);
// Stops the device's sign-ins, sessions and master-data pulls at once.
core::Result<nlohmann::json> RevokeDevice(Store& store, const Actor& by, const std::string& device_id);
nlohmann::json ListDevices(Store& store, const std::string& store_id);

// A store's offline policies, what its devices enforce while they cannot reach
// the server (docs/sync.md, "Store offline policies").
struct OfflinePolicy {
  int64_t offline_signin_hours = 72;  // longest time offline before staff must sign in online
  bool offline_coupons = false;       // single-use coupons redeemable offline
  int64_t offline_points_max = 0;     // points one sale may redeem offline (0: none)
};
nlohmann::json OfflinePolicyToJson(const OfflinePolicy& policy);
std::optional<OfflinePolicy> FindOfflinePolicy(Store& store, const std::string& store_id);
// Changes the fields given (1..8760 hours, points >= 0), audited as store.policy_changed.
core::Result<nlohmann::json> SetOfflinePolicy(Store& store, const Actor& by, const std::string& store_id,
                                              std::optional<int64_t> hours, std::optional<bool> coupons,
                                              std::optional<int64_t> points_max);

// A receipt printer on the store's network (raw TCP, usually port 9100) that
// aisled relays ESC/POS bytes to for the store's devices (docs/printing.md).
struct Printer {
  std::string printer_id;
  std::string store_id;
  std::string name;
  std::string host;
  int64_t port = 9100;
  int64_t columns = 48;           // 32 for 58 mm paper, 48 for 80 mm
  std::string encoding = "gb18030";  // or "utf8" (core/escpos.h)
};
nlohmann::json PrinterToJson(const Printer& printer);
// Checks the printer (name, host, port 1..65535, columns 16..64, encoding) and gives it an id.
core::Result<nlohmann::json> AddPrinter(Store& store, const Actor& by, Printer printer);
core::Result<nlohmann::json> RemovePrinter(Store& store, const Actor& by, const std::string& printer_id);
nlohmann::json ListPrinters(Store& store, const std::string& store_id);
std::optional<Printer> FindPrinter(Store& store, const std::string& printer_id);

core::Result<nlohmann::json> PutRole(Store& store, const Actor& by, const std::string& role,
                                     const nlohmann::json& body);

}  // namespace aisle::server

#endif  // AISLE_SERVER_ADMIN_SERVICE_H_
