#include "server/store.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

namespace aisle::server {
namespace {

// Versioned migrations: entry i brings the schema from version i to i+1.
// Never edit a released entry; append a new one.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE locations (
  location_id TEXT PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('store', 'warehouse')),
  name_zh     TEXT NOT NULL,
  name_en     TEXT NOT NULL,
  currency    TEXT NOT NULL DEFAULT 'CNY'
);
CREATE TABLE products (
  sku         TEXT PRIMARY KEY,
  barcode     TEXT NOT NULL UNIQUE,
  name_zh     TEXT NOT NULL,
  name_en     TEXT NOT NULL,
  category    TEXT NOT NULL,
  brand       TEXT NOT NULL DEFAULT '',
  price       INTEGER NOT NULL CHECK (price >= 0),
  tax_rate_bp INTEGER NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
  sold_by     TEXT NOT NULL CHECK (sold_by IN ('unit', 'weight')),
  currency    TEXT NOT NULL DEFAULT 'CNY',
  updated_at  INTEGER NOT NULL
);
CREATE TABLE staff (
  store_id    TEXT NOT NULL REFERENCES locations (location_id),
  staff_code  TEXT NOT NULL,
  name        TEXT NOT NULL,
  role        TEXT NOT NULL,
  pin_hash    TEXT NOT NULL,
  active      INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (store_id, staff_code)
);
CREATE TABLE devices (
  device_id     TEXT PRIMARY KEY,
  store_id      TEXT NOT NULL REFERENCES locations (location_id),
  registered_at INTEGER NOT NULL
);
CREATE TABLE sessions (
  token_hash  TEXT PRIMARY KEY,
  store_id    TEXT NOT NULL,
  staff_code  TEXT NOT NULL,
  device_id   TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
);
CREATE TABLE members (
  member_id   TEXT PRIMARY KEY,
  phone       TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  tier        TEXT NOT NULL
);
CREATE TABLE points_movements (
  id          INTEGER PRIMARY KEY,
  member_id   TEXT NOT NULL REFERENCES members (member_id),
  delta       INTEGER NOT NULL,
  reason      TEXT NOT NULL,
  ref         TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (member_id, reason, ref)
);
CREATE TABLE ops (
  op_id       TEXT PRIMARY KEY,
  type        TEXT NOT NULL,
  store_id    TEXT NOT NULL,
  device_id   TEXT NOT NULL,
  staff_code  TEXT NOT NULL,
  device_time TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  canonical   TEXT NOT NULL,
  result      TEXT NOT NULL
);
CREATE TABLE sales (
  sale_id      TEXT PRIMARY KEY,
  op_id        TEXT NOT NULL UNIQUE REFERENCES ops (op_id) DEFERRABLE INITIALLY DEFERRED,
  store_id     TEXT NOT NULL,
  device_id    TEXT NOT NULL,
  staff_code   TEXT NOT NULL,
  currency     TEXT NOT NULL,
  total        INTEGER NOT NULL,
  net          INTEGER NOT NULL,
  tax          INTEGER NOT NULL,
  tendered     INTEGER NOT NULL,
  change_due   INTEGER NOT NULL,
  server_total INTEGER NOT NULL,
  device_time  TEXT NOT NULL,
  received_at  INTEGER NOT NULL
);
CREATE TABLE sale_lines (
  sale_id     TEXT NOT NULL REFERENCES sales (sale_id),
  line_no     INTEGER NOT NULL,
  sku         TEXT NOT NULL,
  barcode     TEXT NOT NULL,
  qty         INTEGER NOT NULL,
  unit_price  INTEGER NOT NULL,
  tax_rate_bp INTEGER NOT NULL,
  sold_by     TEXT NOT NULL,
  gross       INTEGER NOT NULL,
  net         INTEGER NOT NULL,
  tax         INTEGER NOT NULL,
  PRIMARY KEY (sale_id, line_no)
);
CREATE TABLE sale_tenders (
  sale_id     TEXT NOT NULL REFERENCES sales (sale_id),
  tender_no   INTEGER NOT NULL,
  type        TEXT NOT NULL,
  amount      INTEGER NOT NULL,
  PRIMARY KEY (sale_id, tender_no)
);
-- What the server found when it re-priced a sale from its own catalog.
CREATE TABLE price_differences (
  id            INTEGER PRIMARY KEY,
  sale_id       TEXT NOT NULL REFERENCES sales (sale_id),
  line_no       INTEGER,            -- NULL: the sale's total
  kind          TEXT NOT NULL,      -- 'unit_price' | 'total'
  device_amount INTEGER NOT NULL,
  server_amount INTEGER NOT NULL
);
-- Stock is a ledger: the quantity at a location is the sum of its movements.
CREATE TABLE stock_movements (
  id          INTEGER PRIMARY KEY,
  location_id TEXT NOT NULL REFERENCES locations (location_id),
  sku         TEXT NOT NULL REFERENCES products (sku),
  qty_delta   INTEGER NOT NULL,
  reason      TEXT NOT NULL,
  ref         TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (location_id, sku, reason, ref)
);
CREATE INDEX stock_by_location_sku ON stock_movements (location_id, sku);
-- The change feed devices pull: seq is the cursor.
CREATE TABLE changes (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  scope       TEXT NOT NULL,
  body        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX changes_by_scope ON changes (scope, seq);
)sql",
    // 2: pricing rules (docs/pricing.md), and what each sale was priced with.
    R"sql(
CREATE TABLE pricing_rules (
  version      TEXT PRIMARY KEY,
  document     TEXT NOT NULL,      -- canonical JSON; never changes once published
  published_at INTEGER NOT NULL,
  published_by TEXT NOT NULL
);
ALTER TABLE sales ADD COLUMN rules_version TEXT NOT NULL DEFAULT '';
ALTER TABLE sales ADD COLUMN member_tier TEXT NOT NULL DEFAULT '';
ALTER TABLE sales ADD COLUMN discount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sales ADD COLUMN adjustments TEXT NOT NULL DEFAULT '[]';  -- the engine's explanation
ALTER TABLE sale_lines ADD COLUMN list_amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sale_lines ADD COLUMN discount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sale_lines ADD COLUMN promotions TEXT NOT NULL DEFAULT '[]';
)sql",
    // 3: sync I (docs/sync.md): the envelope's device seq and clocks, ops
    // waiting for the ops they depend on, what was refused, per-device seq
    // tracking, and customer feedback.
    R"sql(
ALTER TABLE ops ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE ops ADD COLUMN device_seq INTEGER;            -- NULL: stored before schema 3
ALTER TABLE ops ADD COLUMN hlc TEXT NOT NULL DEFAULT '';  -- the device's stamp
ALTER TABLE ops ADD COLUMN server_hlc TEXT NOT NULL DEFAULT '';
CREATE INDEX ops_by_hlc ON ops (hlc);
-- Every (device, seq) the server holds an answer for: applied, held or rejected.
CREATE TABLE device_seqs (
  device_id   TEXT NOT NULL,
  device_seq  INTEGER NOT NULL,
  op_id       TEXT NOT NULL,
  PRIMARY KEY (device_id, device_seq, op_id)
);
-- Per device install: every seq up to `contiguous` is held; `highest` is the largest seen.
CREATE TABLE device_progress (
  device_id   TEXT PRIMARY KEY,
  contiguous  INTEGER NOT NULL,
  highest     INTEGER NOT NULL,
  last_push   INTEGER NOT NULL
);
-- Ops stored durably until the ops they depend on arrive.
CREATE TABLE held_ops (
  op_id       TEXT PRIMARY KEY,
  device_id   TEXT NOT NULL,
  staff_code  TEXT NOT NULL,
  raw         TEXT NOT NULL,      -- canonical JSON of the op as pushed
  result      TEXT NOT NULL,      -- the answer given ("held")
  received_at INTEGER NOT NULL
);
CREATE TABLE held_waits (
  op_id       TEXT NOT NULL REFERENCES held_ops (op_id),
  waiting_for TEXT NOT NULL,
  PRIMARY KEY (op_id, waiting_for)
);
CREATE INDEX held_waits_by_dependency ON held_waits (waiting_for);
-- Ops refused (malformed or unauthorised), so a device's refused seqs are not gaps.
CREATE TABLE rejected_ops (
  op_id       TEXT NOT NULL,
  device_id   TEXT NOT NULL,
  device_seq  INTEGER NOT NULL,
  code        TEXT NOT NULL,
  message     TEXT NOT NULL,
  field       TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (device_id, device_seq, op_id)
);
CREATE TABLE feedback (
  op_id       TEXT PRIMARY KEY REFERENCES ops (op_id) DEFERRABLE INITIALLY DEFERRED,
  sale_id     TEXT NOT NULL REFERENCES sales (sale_id),
  store_id    TEXT NOT NULL,
  staff_code  TEXT NOT NULL,
  rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment     TEXT NOT NULL,
  device_time TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
)sql",
    // 4: security (docs/security.md): roles as data, device credentials and
    // enrollment codes, the hash-chained audit log, and exceptions for the
    // manager (device_revoked first; Sync II adds the others).
    R"sql(
CREATE TABLE roles (
  role        TEXT PRIMARY KEY,
  name_zh     TEXT NOT NULL,
  name_en     TEXT NOT NULL,
  scope       TEXT NOT NULL CHECK (scope IN ('store', 'chain')),
  permissions TEXT NOT NULL,      -- JSON array of permission names
  limits      TEXT NOT NULL,      -- JSON object (server/roles.h)
  updated_at  INTEGER NOT NULL
);
INSERT INTO roles VALUES
 ('associate', '店员', 'Associate', 'store',
  '["catalog.read","live.subscribe","sale.sell","sales.read"]',
  '{"max_discount_bp":0,"max_refund_without_approval":0,"min_pin_length":4}', 0),
 ('senior_associate', '资深店员', 'Senior associate', 'store',
  '["catalog.read","live.subscribe","no_sale","refund","sale.sell","sales.read","void"]',
  '{"max_discount_bp":1000,"max_refund_without_approval":50000,"min_pin_length":4}', 0),
 ('store_manager', '店长', 'Store manager', 'store',
  '["approve","audit.read","catalog.read","device.manage","live.subscribe","no_sale","paid_out","price_override","refund","sale.sell","sales.read","staff.manage","staff.read","void"]',
  '{"max_discount_bp":3000,"max_refund_without_approval":500000,"min_pin_length":6}', 0),
 ('area_manager', '区域经理', 'Area manager', 'chain',
  '["approve","audit.read","catalog.read","device.manage","live.subscribe","no_sale","paid_out","price_override","refund","sale.sell","sales.read","staff.manage","staff.read","void"]',
  '{"max_discount_bp":5000,"max_refund_without_approval":2000000,"min_pin_length":6}', 0),
 ('hq_admin', '总部管理员', 'HQ admin', 'chain',
  '["approve","audit.read","catalog.read","device.manage","live.subscribe","no_sale","paid_out","price_override","refund","role.manage","rules.publish","sale.sell","sales.read","staff.manage","staff.read","void"]',
  '{"max_discount_bp":10000,"max_refund_without_approval":100000000,"min_pin_length":6}', 0);
ALTER TABLE staff ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
-- A device holds a credential (only its SHA-256 is kept); NULL: the demo device, or one a
-- --demo server let in without enrollment.
ALTER TABLE devices ADD COLUMN credential_hash TEXT;
CREATE UNIQUE INDEX devices_by_credential ON devices (credential_hash);
ALTER TABLE devices ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked'));
ALTER TABLE devices ADD COLUMN revoked_at INTEGER;
CREATE TABLE enrollment_codes (
  code_hash   TEXT PRIMARY KEY,   -- SHA-256 of the one-time code
  store_id    TEXT NOT NULL REFERENCES locations (location_id),
  device_name TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER,
  device_id   TEXT
);
-- One hash chain per store (server/audit.h).
CREATE TABLE audit_log (
  store_id    TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  at_ms       INTEGER NOT NULL,
  device_time TEXT NOT NULL,
  hlc         TEXT NOT NULL,
  actor       TEXT NOT NULL,
  role        TEXT NOT NULL,
  device_id   TEXT NOT NULL,
  action      TEXT NOT NULL,
  object      TEXT NOT NULL,
  before      TEXT NOT NULL,
  after       TEXT NOT NULL,
  approval    TEXT NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL,
  PRIMARY KEY (store_id, seq)
);
CREATE INDEX audit_by_actor ON audit_log (store_id, actor, at_ms);
-- What a manager must look at: accepted operations that met a problem.
CREATE TABLE exceptions (
  id          INTEGER PRIMARY KEY,
  store_id    TEXT NOT NULL,
  kind        TEXT NOT NULL,      -- 'device_revoked', ...
  op_id       TEXT NOT NULL,
  detail      TEXT NOT NULL,      -- JSON
  status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  created_at  INTEGER NOT NULL,
  resolved_at INTEGER,
  resolved_by TEXT
);
CREATE INDEX exceptions_by_store ON exceptions (store_id, status, id);
)sql",
    // 5: manager approvals and cash drawers (docs/security.md): what a PIN
    // yields for offline sign-in and approvals, store policies, drawer
    // sessions and their movements, and what a sale carried besides its lines.
    R"sql(
ALTER TABLE staff ADD COLUMN kdf_iterations INTEGER NOT NULL DEFAULT 0;  -- 0: derived at the next online sign-in
ALTER TABLE staff ADD COLUMN verifier_salt TEXT NOT NULL DEFAULT '';
ALTER TABLE staff ADD COLUMN verifier TEXT NOT NULL DEFAULT '';
ALTER TABLE staff ADD COLUMN approval_salt TEXT NOT NULL DEFAULT '';
ALTER TABLE staff ADD COLUMN approval_key TEXT NOT NULL DEFAULT '';
ALTER TABLE locations ADD COLUMN offline_signin_hours INTEGER NOT NULL DEFAULT 72;
ALTER TABLE locations ADD COLUMN drawer_variance_limit INTEGER NOT NULL DEFAULT 1000;  -- minor units
ALTER TABLE sales ADD COLUMN voided_lines TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sales ADD COLUMN drawer_session_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sales ADD COLUMN approvals TEXT NOT NULL DEFAULT '[]';
CREATE TABLE drawer_sessions (
  session_id    TEXT PRIMARY KEY,
  store_id      TEXT NOT NULL,
  device_id     TEXT NOT NULL,
  opened_by     TEXT NOT NULL,
  opened_at     TEXT NOT NULL,      -- device time
  opening_float INTEGER NOT NULL,
  closed_by     TEXT,
  closed_at     TEXT,
  report        TEXT                -- the Z report (JSON) once closed
);
-- What moved the expected contents of a drawer: cash and other tenders of sales, pay-ins,
-- paid-outs, no-sale openings.
CREATE TABLE drawer_movements (
  id          INTEGER PRIMARY KEY,
  session_id  TEXT NOT NULL,
  op_id       TEXT NOT NULL,
  kind        TEXT NOT NULL,
  tender      TEXT NOT NULL,
  amount      INTEGER NOT NULL,
  reason      TEXT NOT NULL,
  staff_code  TEXT NOT NULL,
  device_time TEXT NOT NULL
);
CREATE INDEX drawer_movements_by_session ON drawer_movements (session_id, id);
)sql",
    // 6: remote approvals — an associate's device asks, a manager approves on their own device
    // (server/approval_requests.h).
    R"sql(
CREATE TABLE approval_requests (
  request_id   TEXT PRIMARY KEY,   -- UUID made by the asking device
  store_id     TEXT NOT NULL,
  device_id    TEXT NOT NULL,
  requested_by TEXT NOT NULL,      -- staff code
  rule         TEXT NOT NULL,
  subject      TEXT NOT NULL,      -- the sale id or drawer session id the approval will name
  reason       TEXT NOT NULL,
  detail       TEXT NOT NULL,      -- JSON shown to the manager
  discount_bp  INTEGER NOT NULL DEFAULT 0,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'declined')),
  approval     TEXT,               -- the signed approval (JSON) once approved
  decided_by   TEXT,
  created_at   INTEGER NOT NULL,   -- unix seconds; pending ones expire after 5 minutes
  decided_at   INTEGER
);
CREATE INDEX approval_requests_pending ON approval_requests (store_id, status, created_at);
)sql",
    // 7: how a manager resolved an exception (server/exceptions.h).
    R"sql(
ALTER TABLE exceptions ADD COLUMN resolution TEXT;
ALTER TABLE exceptions ADD COLUMN note TEXT;
)sql",
    // 8: receipt printers on the store's network (docs/printing.md): aisled
    // relays ESC/POS bytes to host:port (raw TCP, 9100) for devices of the store.
    R"sql(
CREATE TABLE printers (
  printer_id  TEXT PRIMARY KEY,
  store_id    TEXT NOT NULL REFERENCES locations (location_id),
  name        TEXT NOT NULL,
  host        TEXT NOT NULL,
  port        INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
  columns     INTEGER NOT NULL CHECK (columns BETWEEN 16 AND 64),
  encoding    TEXT NOT NULL CHECK (encoding IN ('gb18030', 'utf8')),
  created_at  INTEGER NOT NULL
);
CREATE INDEX printers_by_store ON printers (store_id, name);
)sql",
    // 9: points and returns (issue 6). A sale keeps the request it was priced
    // with (without the rules document: rules_version names it), so a return
    // re-prices the units kept exactly as the sale was priced; each return of
    // a sale is numbered, and earlier returns are replayed in that order.
    R"sql(
ALTER TABLE sales ADD COLUMN member_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sales ADD COLUMN pricing_request TEXT NOT NULL DEFAULT '';
CREATE TABLE returns (
  return_id     TEXT PRIMARY KEY,
  op_id         TEXT NOT NULL UNIQUE REFERENCES ops (op_id) DEFERRABLE INITIALLY DEFERRED,
  sale_id       TEXT NOT NULL REFERENCES sales (sale_id),
  seq           INTEGER NOT NULL,
  store_id      TEXT NOT NULL,
  device_id     TEXT NOT NULL,
  staff_code    TEXT NOT NULL,
  items         TEXT NOT NULL,
  refund        INTEGER NOT NULL,
  refund_money  INTEGER NOT NULL,
  device_refund INTEGER NOT NULL,
  points_returned INTEGER NOT NULL,
  points_reversed INTEGER NOT NULL,
  tenders       TEXT NOT NULL,
  reason        TEXT NOT NULL,
  result        TEXT NOT NULL,
  device_time   TEXT NOT NULL,
  received_at   INTEGER NOT NULL,
  UNIQUE (sale_id, seq)
);
CREATE INDEX sales_by_member ON sales (member_id) WHERE member_id != '';
)sql",
    // 10: returns without a receipt (issue 6): no sale to price them from, so
    // they are refunded at the lowest price of the last 30 days and always
    // need a manager; kept apart from `returns`, whose rows name their sale.
    R"sql(
CREATE TABLE unreceipted_returns (
  return_id     TEXT PRIMARY KEY,
  op_id         TEXT NOT NULL UNIQUE REFERENCES ops (op_id) DEFERRABLE INITIALLY DEFERRED,
  store_id      TEXT NOT NULL,
  device_id     TEXT NOT NULL,
  staff_code    TEXT NOT NULL,
  lines         TEXT NOT NULL,
  refund_money  INTEGER NOT NULL,
  device_refund INTEGER NOT NULL,
  tenders       TEXT NOT NULL,
  reason        TEXT NOT NULL,
  device_time   TEXT NOT NULL,
  received_at   INTEGER NOT NULL
);
)sql",
    // 11: coupon codes (issue 6) for the coupon templates of the rules, and
    // their redemptions: a ledger, so a single-use code redeemed by two
    // offline devices shows as two rows (coupon_reused) and a retried upload
    // as none more.
    R"sql(
CREATE TABLE coupon_codes (
  code        TEXT PRIMARY KEY,
  coupon_id   TEXT NOT NULL,
  batch_id    TEXT NOT NULL,
  member_id   TEXT NOT NULL,
  issued_at   INTEGER NOT NULL,
  issued_by   TEXT NOT NULL
);
CREATE INDEX coupon_codes_by_batch ON coupon_codes (batch_id);
CREATE TABLE coupon_redemptions (
  code        TEXT NOT NULL,
  sale_id     TEXT NOT NULL,
  op_id       TEXT NOT NULL,
  store_id    TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (code, sale_id)
);
)sql",
    // 12: stock balances kept beside the ledger (docs/sync.md): the sum of a
    // location's movements of a SKU, maintained by triggers whoever writes,
    // corrects or removes a movement (aisled, the CLI, sqlite3 by hand), so a sale's stock check and the stock snapshot read one row
    // instead of summing every movement the SKU ever had (docs/benchmarks.md, "Drain").
    R"sql(
CREATE TABLE stock_levels (
  location_id TEXT NOT NULL,
  sku         TEXT NOT NULL,
  qty         INTEGER NOT NULL,
  PRIMARY KEY (location_id, sku)
) WITHOUT ROWID;
INSERT INTO stock_levels (location_id, sku, qty)
  SELECT location_id, sku, sum(qty_delta) FROM stock_movements GROUP BY location_id, sku;
CREATE TRIGGER stock_levels_on_insert AFTER INSERT ON stock_movements BEGIN
  INSERT INTO stock_levels (location_id, sku, qty) VALUES (new.location_id, new.sku, new.qty_delta)
    ON CONFLICT (location_id, sku) DO UPDATE SET qty = qty + excluded.qty;
END;
CREATE TRIGGER stock_levels_on_delete AFTER DELETE ON stock_movements BEGIN
  UPDATE stock_levels SET qty = qty - old.qty_delta WHERE location_id = old.location_id AND sku = old.sku;
END;
CREATE TRIGGER stock_levels_on_update AFTER UPDATE OF location_id, sku, qty_delta ON stock_movements BEGIN
  UPDATE stock_levels SET qty = qty - old.qty_delta WHERE location_id = old.location_id AND sku = old.sku;
  INSERT INTO stock_levels (location_id, sku, qty) VALUES (new.location_id, new.sku, new.qty_delta)
    ON CONFLICT (location_id, sku) DO UPDATE SET qty = qty + excluded.qty;
END;
)sql",
    // 13: a store's offline policies (docs/sync.md, "Store offline policies"):
    // whether a single-use coupon may be redeemed on a device that is offline,
    // and how many points one sale may redeem offline (0: none). How long a
    // device may stay offline is offline_signin_hours (schema 5).
    R"sql(
ALTER TABLE locations ADD COLUMN offline_coupons INTEGER NOT NULL DEFAULT 0 CHECK (offline_coupons IN (0, 1));
ALTER TABLE locations ADD COLUMN offline_points_max INTEGER NOT NULL DEFAULT 0 CHECK (offline_points_max >= 0);
)sql",
    // 14: a coupon redemption undone when its sale came back whole (the
    // return's id; '' while it stands), so a restored single-use code is good again.
    R"sql(
ALTER TABLE coupon_redemptions ADD COLUMN restored_by TEXT NOT NULL DEFAULT '';
)sql",
    // 15: units of capped promotions (remaining_units) each sale took
    // (docs/sync.md, "Conflicts"): the chain-wide count devices price with,
    // and cap_exceeded when offline sales took more than the cap.
    R"sql(
CREATE TABLE promotion_usage (
  promotion_id TEXT NOT NULL,
  sale_id      TEXT NOT NULL REFERENCES sales (sale_id),
  units        INTEGER NOT NULL CHECK (units > 0),
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (promotion_id, sale_id)
);
-- price_drift asks which rules version was current at a sale's device time.
CREATE INDEX pricing_rules_published ON pricing_rules (published_at);
-- A return without a receipt asks what customers paid for a barcode in the last 30 days: it reads
-- the sales received since then (an index that only ever appends; one on sale_lines (barcode)
-- slowed every sale's lines by a random index insert: docs/benchmarks.md, "Drain").
CREATE INDEX sales_by_received ON sales (received_at);
)sql",
    // 16: applications of per-member capped promotions (per_member) each
    // member's sales took: the count a member's devices price with, and
    // cap_exceeded when offline sales gave a member more than the cap.
    R"sql(
CREATE TABLE member_promotion_usage (
  promotion_id TEXT NOT NULL,
  sale_id      TEXT NOT NULL REFERENCES sales (sale_id),
  member_id    TEXT NOT NULL,
  applications INTEGER NOT NULL CHECK (applications > 0),
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (promotion_id, sale_id)
);
CREATE INDEX member_promotion_usage_by_member ON member_promotion_usage (member_id, promotion_id);
)sql",
};

Product ReadProduct(const Statement& s) {
  return Product{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4),
                 s.Text(5), s.Int(6),  static_cast<int32_t>(s.Int(7)), s.Text(8), s.Text(9)};
}

constexpr const char* kProductColumns =
    "sku, barcode, name_zh, name_en, category, brand, price, tax_rate_bp, sold_by, currency";

}  // namespace

nlohmann::json ProductToJson(const Product& p) {
  return {{"sku", p.sku},           {"barcode", p.barcode},         {"name_zh", p.name_zh},
          {"name_en", p.name_en},   {"category", p.category},       {"brand", p.brand},
          {"price", p.price},       {"tax_rate_bp", p.tax_rate_bp}, {"sold_by", p.sold_by},
          {"currency", p.currency}};
}

int64_t UnixNow() { return static_cast<int64_t>(std::time(nullptr)); }

int64_t UnixNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string IsoTime(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

Store::Store(const std::string& db_path)
    : db_(db_path),
      anchor_path_((std::filesystem::path(db_path).parent_path() / "audit-anchors.log").string()) {
  Migrate();
}

void Store::Audit(Database& db, const AuditEntry& entry) {
  AppendAuditEntry(db, entry);
  audit_touched_.insert(entry.store_id);  // the caller holds mutex_
}

void Store::set_audit_anchor_path(std::string path) {
  std::lock_guard lock(mutex_);
  anchor_path_ = std::move(path);
}

std::string Store::audit_anchor_path() {
  std::lock_guard lock(mutex_);
  return anchor_path_;
}

void Store::AnchorAudit() {
  if (audit_touched_.empty()) return;
  try {
    for (auto it = audit_touched_.begin(); it != audit_touched_.end(); it = audit_touched_.erase(it)) {
      if (auto head = AuditHead(db_, *it)) WriteAuditAnchor(anchor_path_, *it, head->first, head->second);
    }
  } catch (const std::exception& e) {
    // The data is committed; the stores left in audit_touched_ are anchored after the next commit.
    std::cerr << "aisled: " << e.what() << "\n";
  }
}

void Store::Migrate() {
  std::lock_guard lock(mutex_);
  auto version_stmt = db_.Prepare("PRAGMA user_version");
  version_stmt.Step();
  const int64_t current = version_stmt.Int(0);
  const int64_t latest = static_cast<int64_t>(std::size(kMigrations));
  if (current > latest) {
    throw SqliteError(0, "the database has schema version " + std::to_string(current) +
                             ", newer than this aisled knows (" + std::to_string(latest) + ")");
  }
  for (int64_t v = current; v < latest; ++v) {
    Transaction tx(db_);
    db_.Exec(kMigrations[v]);
    db_.Exec("PRAGMA user_version = " + std::to_string(v + 1));
    tx.Commit();
  }
}

int Store::SchemaVersion() {
  std::lock_guard lock(mutex_);
  auto s = db_.Prepare("PRAGMA user_version");
  s.Step();
  return static_cast<int>(s.Int(0));
}

void Store::WithTransaction(const std::function<void(Database&)>& fn) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  fn(db_);
  tx.Commit();
  AnchorAudit();
}

void Store::WithGroupedTransaction(const std::function<void(Database&)>& fn) {
  GroupedCall call{&fn, nullptr, false};
  std::unique_lock queue_lock(queue_mutex_);
  queue_.push_back(&call);
  while (!call.done) {
    if (leading_) {
      queue_cv_.wait(queue_lock);
      continue;
    }
    leading_ = true;
    std::vector<GroupedCall*> group;
    group.swap(queue_);
    queue_lock.unlock();
    std::exception_ptr commit_error;
    try {
      std::lock_guard lock(mutex_);
      Transaction tx(db_);
      for (GroupedCall* c : group) {
        try {
          Savepoint savepoint(db_, "grouped");
          (*c->fn)(db_);
          savepoint.Release();
        } catch (...) {
          c->error = std::current_exception();
        }
      }
      tx.Commit();
      AnchorAudit();
    } catch (...) {
      commit_error = std::current_exception();
    }
    queue_lock.lock();
    for (GroupedCall* c : group) {
      if (commit_error) c->error = commit_error;
      c->done = true;
    }
    ++stats_.commits;
    stats_.calls += static_cast<int64_t>(group.size());
    leading_ = false;
    queue_cv_.notify_all();
  }
  if (call.error) std::rethrow_exception(call.error);
}

Store::GroupStats Store::group_stats() {
  std::lock_guard lock(queue_mutex_);
  return stats_;
}

int64_t Store::FeedHead(Database& db) {
  auto s = db.Prepare("SELECT coalesce(max(seq), 0) FROM changes");
  s.Step();
  return s.Int(0);
}

void Store::WithConnection(const std::function<void(Database&)>& fn) {
  std::lock_guard lock(mutex_);
  fn(db_);
}

std::optional<Product> Store::FindProduct(Database& db, const std::string& gtin) {
  auto s = db.Prepare(std::string("SELECT ") + kProductColumns + " FROM products WHERE barcode = ?");
  s.Bind(1, gtin);
  if (!s.Step()) return std::nullopt;
  return ReadProduct(s);
}

std::vector<Product> Store::ProductsAfter(Database& db, const std::string& after, int64_t limit) {
  auto s = db.Prepare(std::string("SELECT ") + kProductColumns +
                      " FROM products WHERE barcode > ? ORDER BY barcode LIMIT ?");
  s.Bind(1, after).Bind(2, limit);
  std::vector<Product> out;
  while (s.Step()) out.push_back(ReadProduct(s));
  return out;
}

std::optional<Product> Store::FindProductByBarcode(const std::string& gtin) {
  std::lock_guard lock(mutex_);
  return FindProduct(db_, gtin);
}

std::optional<Location> Store::FindLocation(const std::string& location_id) {
  std::lock_guard lock(mutex_);
  auto s = db_.Prepare(
      "SELECT location_id, kind, name_zh, name_en, currency FROM locations WHERE location_id = ?");
  s.Bind(1, location_id);
  if (!s.Step()) return std::nullopt;
  return Location{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4)};
}

std::optional<Staff> Store::FindStaff(const std::string& store_id, const std::string& staff_code) {
  std::lock_guard lock(mutex_);
  auto s = db_.Prepare(
      "SELECT store_id, staff_code, name, role, pin_hash, active, kdf_iterations > 0 FROM staff "
      "WHERE store_id = ? AND staff_code = ?");
  s.Bind(1, store_id).Bind(2, staff_code);
  if (!s.Step()) return std::nullopt;
  return Staff{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Int(5) != 0, s.Int(6) != 0};
}

namespace {

std::optional<Device> FindDeviceWhere(Database& db, const char* where, const std::string& value) {
  auto s = db.Prepare(std::string("SELECT device_id, store_id, name, status, credential_hash IS NOT NULL, "
                                  "registered_at FROM devices WHERE ") + where + " = ?");
  s.Bind(1, value);
  if (!s.Step()) return std::nullopt;
  return Device{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4) != 0, s.Int(5)};
}

}  // namespace

std::optional<Device> Store::FindDevice(const std::string& device_id) {
  std::lock_guard lock(mutex_);
  return FindDeviceWhere(db_, "device_id", device_id);
}

std::optional<Device> Store::FindDeviceByCredential(const std::string& credential_hash) {
  std::lock_guard lock(mutex_);
  return FindDeviceWhere(db_, "credential_hash", credential_hash);
}

void Store::RegisterDevice(const std::string& device_id, const std::string& store_id, int64_t now) {
  std::lock_guard lock(mutex_);
  db_.Prepare("INSERT OR IGNORE INTO devices (device_id, store_id, registered_at) VALUES (?, ?, ?)")
      .Bind(1, device_id)
      .Bind(2, store_id)
      .Bind(3, now)
      .Run();
}

void Store::CreateSession(Database& db, const std::string& token_hash, const Session& session, int64_t now) {
  db.Prepare("DELETE FROM sessions WHERE expires_at <= ?").Bind(1, now).Run();
  db.Prepare(
         "INSERT INTO sessions (token_hash, store_id, staff_code, device_id, created_at, expires_at) "
         "VALUES (?, ?, ?, ?, ?, ?)")
      .Bind(1, token_hash)
      .Bind(2, session.store_id)
      .Bind(3, session.staff_code)
      .Bind(4, session.device_id)
      .Bind(5, now)
      .Bind(6, session.expires_at)
      .Run();
}

std::optional<Session> Store::FindSession(const std::string& token_hash, int64_t now) {
  std::lock_guard lock(mutex_);
  auto s = db_.Prepare(
      "SELECT s.store_id, s.staff_code, s.device_id, s.expires_at, f.role FROM sessions s "
      "JOIN staff f ON f.store_id = s.store_id AND f.staff_code = s.staff_code "
      "WHERE s.token_hash = ? AND s.expires_at > ? AND f.active = 1");
  s.Bind(1, token_hash).Bind(2, now);
  if (!s.Step()) return std::nullopt;
  return Session{s.Text(0), s.Text(1), s.Text(2), s.Int(3), s.Text(4)};
}

std::vector<Change> Store::PullChanges(const std::string& scope, int64_t since, int limit) {
  std::lock_guard lock(mutex_);
  auto s = db_.Prepare(
      "SELECT seq, scope, body FROM changes WHERE scope = ? AND seq > ? ORDER BY seq LIMIT ?");
  s.Bind(1, scope).Bind(2, since).Bind(3, int64_t{limit} + 1);
  std::vector<Change> out;
  while (s.Step()) out.push_back(Change{s.Int(0), s.Text(1), s.Text(2)});
  return out;
}

int64_t Store::Count(const std::string& table) {
  std::lock_guard lock(mutex_);
  auto s = db_.Prepare("SELECT count(*) FROM \"" + table + "\"");
  s.Step();
  return s.Int(0);
}

std::optional<StoredOp> Store::FindOp(Database& db, const std::string& op_id) {
  auto s = db.Prepare(
      "SELECT canonical, result FROM ops WHERE op_id = ?1 UNION ALL SELECT raw, result FROM held_ops WHERE op_id = ?1");
  s.Bind(1, op_id);
  if (!s.Step()) return std::nullopt;
  return StoredOp{s.Text(0), s.Text(1)};
}

void Store::AppendChange(Database& db, const std::string& scope, const std::string& body, int64_t now) {
  db.Prepare("INSERT INTO changes (scope, body, created_at) VALUES (?, ?, ?)")
      .Bind(1, scope)
      .Bind(2, body)
      .Bind(3, now)
      .Run();
}

void Store::SavePinSecrets(Database& db, const std::string& store_id, const std::string& staff_code,
                           const PinSecrets& s) {
  db.Prepare(
        "UPDATE staff SET kdf_iterations = ?, verifier_salt = ?, verifier = ?, approval_salt = ?, approval_key = ? "
        "WHERE store_id = ? AND staff_code = ?")
      .Bind(1, s.iterations)
      .Bind(2, s.verifier_salt)
      .Bind(3, s.verifier)
      .Bind(4, s.approval_salt)
      .Bind(5, s.approval_key)
      .Bind(6, store_id)
      .Bind(7, staff_code)
      .Run();
}

void Store::UpsertProduct(Database& db, const Product& p, int64_t now) {
  db.Prepare(
        "INSERT INTO products (sku, barcode, name_zh, name_en, category, brand, price, tax_rate_bp, "
        "sold_by, currency, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (sku) DO UPDATE SET barcode = excluded.barcode, name_zh = excluded.name_zh, "
        "name_en = excluded.name_en, category = excluded.category, brand = excluded.brand, "
        "price = excluded.price, tax_rate_bp = excluded.tax_rate_bp, sold_by = excluded.sold_by, "
        "currency = excluded.currency, updated_at = excluded.updated_at")
      .Bind(1, p.sku)
      .Bind(2, p.barcode)
      .Bind(3, p.name_zh)
      .Bind(4, p.name_en)
      .Bind(5, p.category)
      .Bind(6, p.brand)
      .Bind(7, p.price)
      .Bind(8, int64_t{p.tax_rate_bp})
      .Bind(9, p.sold_by)
      .Bind(10, p.currency)
      .Bind(11, now)
      .Run();
  const nlohmann::json change = {{"kind", "product"}, {"op", "upsert"}, {"product", ProductToJson(p)}};
  AppendChange(db, "catalog", change.dump(), now);
}

}  // namespace aisle::server

