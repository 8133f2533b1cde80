// Store: Aisle's data on SQLite — schema migrations and the queries the
// services need (catalog, staff, devices, sessions, change feed, operations,
// sales, stock). One connection, serialised by a mutex: every public method
// may be called from any thread. Writes that belong together go through
// WithTransaction so they commit (durably, synchronous=FULL) or not at all.
//
// The PostgreSQL adapter for chains will implement the same queries; until
// it exists this class is the storage interface.
#ifndef AISLE_SERVER_STORE_H_
#define AISLE_SERVER_STORE_H_

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/audit.h"
#include "server/auth.h"
#include "server/sqlite.h"

namespace aisle::server {

struct Product {
  std::string sku;
  std::string barcode;
  std::string name_zh;
  std::string name_en;
  std::string category;
  std::string brand;
  int64_t price = 0;  // minor units, tax inclusive; per kg when sold_by weight
  int32_t tax_rate_bp = 0;
  std::string sold_by;  // "unit" | "weight"
  std::string currency;
};

struct Location {
  std::string location_id;
  std::string kind;  // "store" | "warehouse"
  std::string name_zh;
  std::string name_en;
  std::string currency;
};

struct Staff {
  std::string store_id;
  std::string staff_code;
  std::string name;
  std::string role;
  std::string pin_hash;
  bool active = true;
  bool has_pin_secrets = false;  // the offline verifier and approval key are derived
};

struct Session {
  std::string store_id;
  std::string staff_code;
  std::string device_id;
  int64_t expires_at = 0;  // unix seconds
  std::string role;        // the staff member's role now (FindSession reads it)
};

struct Device {
  std::string device_id;
  std::string store_id;
  std::string name;
  std::string status;  // "active" | "revoked"
  bool has_credential = false;
  int64_t registered_at = 0;
};

struct Change {
  int64_t seq = 0;
  std::string scope;
  std::string body;  // JSON of the change
};

// The first answer given for an operation (applied or held), kept to answer its repeats.
struct StoredOp {
  std::string canonical;
  std::string result;  // JSON
};

class Store {
 public:
  // Opens <data_dir>/aisle.db and runs the migrations it lacks.
  explicit Store(const std::string& db_path);

  // The schema version after migration (PRAGMA user_version).
  int SchemaVersion();

  // Runs fn inside BEGIN IMMEDIATE ... COMMIT holding the lock; fn gets the
  // connection. An exception rolls everything back.
  void WithTransaction(const std::function<void(Database&)>& fn);
  // Group commit: runs fn in its own savepoint of a transaction that other
  // threads' calls may share, and returns once that transaction has
  // committed durably. The first caller to find no commit under way leads:
  // it takes every call queued so far, runs them one after the other under
  // the lock, commits once (one fsync for all), and wakes them. An
  // exception from fn rolls back only fn's savepoint and is rethrown to its
  // caller; a failed COMMIT is rethrown to every caller of the group.
  void WithGroupedTransaction(const std::function<void(Database&)>& fn);
  // Runs fn holding the lock, outside a transaction (reads).
  void WithConnection(const std::function<void(Database&)>& fn);
  // Transactions committed by WithGroupedTransaction and the calls they held.
  struct GroupStats {
    int64_t commits = 0;
    int64_t calls = 0;
  };
  GroupStats group_stats();

  std::optional<Product> FindProductByBarcode(const std::string& gtin);
  std::optional<Location> FindLocation(const std::string& location_id);
  std::optional<Staff> FindStaff(const std::string& store_id, const std::string& staff_code);
  std::optional<Device> FindDevice(const std::string& device_id);
  std::optional<Device> FindDeviceByCredential(const std::string& credential_hash);
  void RegisterDevice(const std::string& device_id, const std::string& store_id, int64_t now);

  // Inside WithTransaction (with the sign-in's audit entry); drops expired sessions.
  static void CreateSession(Database& db, const std::string& token_hash, const Session& session, int64_t now);
  // The session of a token, for staff still active (disabling someone ends their sessions at once).
  std::optional<Session> FindSession(const std::string& token_hash, int64_t now);

  // Appends an audit entry inside the caller's WithTransaction or
  // WithGroupedTransaction; once that commits, the store's new chain head is
  // anchored (server/audit.h). An entry whose savepoint rolls back is gone
  // and never anchored.
  void Audit(Database& db, const AuditEntry& entry);
  // Default: audit-anchors.log beside the database file.
  void set_audit_anchor_path(std::string path);
  std::string audit_anchor_path();

  // Changes of `scope` after `since`, at most `limit` (+1 probe for "more").
  std::vector<Change> PullChanges(const std::string& scope, int64_t since, int limit);

  // Row counts, for tools and tests.
  int64_t Count(const std::string& table);

  // Helpers used inside WithTransaction by the services and the demo loader.
  static std::optional<StoredOp> FindOp(Database& db, const std::string& op_id);
  static std::optional<Product> FindProduct(Database& db, const std::string& gtin);
  // Products with a barcode after `after`, in barcode order, at most `limit`.
  static std::vector<Product> ProductsAfter(Database& db, const std::string& after, int64_t limit);
  static void AppendChange(Database& db, const std::string& scope, const std::string& body, int64_t now);
  // The change feed's newest seq (0 when empty).
  static int64_t FeedHead(Database& db);
  static void UpsertProduct(Database& db, const Product& product, int64_t now);
  // Stores what a staff member's PIN yields for offline sign-in and approvals (server/auth.h).
  static void SavePinSecrets(Database& db, const std::string& store_id, const std::string& staff_code,
                             const PinSecrets& secrets);

 private:
  void Migrate();
  // After a commit, under the lock: anchors the heads of the chains the transaction touched.
  void AnchorAudit();

  std::mutex mutex_;
  Database db_;
  std::string anchor_path_;
  std::set<std::string> audit_touched_;  // stores whose chain grew since the last anchoring

  struct GroupedCall {
    const std::function<void(Database&)>* fn;
    std::exception_ptr error;
    bool done = false;
  };
  std::mutex queue_mutex_;  // guards the fields below
  std::condition_variable queue_cv_;
  std::vector<GroupedCall*> queue_;
  bool leading_ = false;
  GroupStats stats_;
};

// The product as the API and the change feed show it.
nlohmann::json ProductToJson(const Product& product);

// Seconds since the epoch, and the same as ISO 8601 UTC ("2026-11-24T10:00:00Z").
int64_t UnixNow();
int64_t UnixNowMs();
std::string IsoTime(int64_t unix_seconds);

}  // namespace aisle::server

#endif  // AISLE_SERVER_STORE_H_
