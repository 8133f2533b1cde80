// The tamper-evident audit log (docs/security.md, "Audit log").
//
// One hash chain per store: entry n holds the SHA-256 of entry n-1 and its
// own hash over its canonical content (which includes that previous hash),
// so changing or deleting an entry breaks the chain at that point. Rewriting
// the tail and re-hashing it yields a consistent chain, so the head of each
// chain is also *anchored*: after every commit that added entries, the
// store's new head (store, seq, hash) is appended to a file outside the
// database (default <data-dir>/audit-anchors.log; point it at another disk or
// an append-only file in production). VerifyAudit walks every chain and
// checks it against the anchors.
//
// AppendAuditEntry runs inside the caller's transaction (the audit entry of
// an operation commits or rolls back with it). Not thread-safe by itself:
// the store's lock serialises callers.
#ifndef AISLE_SERVER_AUDIT_H_
#define AISLE_SERVER_AUDIT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/sqlite.h"

namespace aisle::server {

struct AuditEntry {
  std::string store_id;     // whose chain
  std::string actor;        // staff code, or "cli:<user>" for the command line
  std::string role;         // the actor's role at the time ("" for the command line)
  std::string device_id;    // "" when not on a device
  std::string device_time;  // ISO time the device gave ("" when none)
  std::string hlc;          // the device's hybrid clock stamp ("" when none)
  int64_t at_ms = 0;        // server time
  std::string action;       // "sale.completed", "staff.added", "session.sign_in_failed", ...
  std::string object;       // "sale:<id>", "staff:SH01/1001", "device:<id>", ...
  nlohmann::json before;    // null where it does not apply
  nlohmann::json after;
  nlohmann::json approval;  // the manager approval that allowed it, or null
};

inline constexpr const char* kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

// Appends to entry.store_id's chain; returns the entry's seq (1, 2, ...).
int64_t AppendAuditEntry(Database& db, const AuditEntry& entry);

// The newest (seq, hash) of a store's chain, or nullopt when it is empty.
std::optional<std::pair<int64_t, std::string>> AuditHead(Database& db, const std::string& store_id);

// Appends "store<TAB>seq<TAB>hash<TAB>time" to the anchor file (O_APPEND).
// Throws std::runtime_error when the file cannot be written.
void WriteAuditAnchor(const std::string& path, const std::string& store_id, int64_t seq, const std::string& hash);

struct AuditChainReport {
  std::string store_id;
  int64_t entries = 0;
  int64_t anchored_seq = 0;    // the highest seq an anchor vouches for
  bool intact = true;
  int64_t broken_seq = 0;      // where it breaks (when !intact)
  std::string problem;         // what is wrong there, in words
};

// Walks the chain of `store_id` (every store when empty) and checks it
// against the anchor file (a missing file is itself a finding when a chain
// has entries).
std::vector<AuditChainReport> VerifyAudit(Database& db, const std::string& anchor_path, const std::string& store_id);

}  // namespace aisle::server

#endif  // AISLE_SERVER_AUDIT_H_
