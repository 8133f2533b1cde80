#include "server/sqlite.h"

#include <sqlite3.h>

namespace aisle::server {
namespace {

[[noreturn]] void Fail(sqlite3* db, int rc, std::string_view context) {
  throw SqliteError(rc, std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

}  // namespace

Statement::Statement(Database& db, std::string_view sql) : owner_(db), db_(db.handle()), sql_(sql) {
  stmt_ = owner_.TakeCached(sql_);
  if (stmt_ != nullptr) return;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) Fail(db_, rc, "prepare '" + std::string(sql.substr(0, 60)) + "'");
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  owner_.GiveBack(std::move(sql_), stmt_);
}

Statement& Statement::Bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) Fail(db_, rc, "bind");
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  const int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                                   SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) Fail(db_, rc, "bind");
  return *this;
}

Statement& Statement::Bind(int index, std::nullopt_t) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) Fail(db_, rc, "bind");
  return *this;
}

bool Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Fail(db_, rc, "step");
}

void Statement::Run() {
  while (Step()) {
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return text ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

bool Statement::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Database::Database(const std::string& path) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(rc, "open " + path + ": " + message);
  }
  sqlite3_busy_timeout(db_, 5000);
  Exec("PRAGMA journal_mode=WAL");
  Exec("PRAGMA synchronous=FULL");
  Exec("PRAGMA foreign_keys=ON");
  // 16 MiB of page cache (SQLite's default is 2 MiB): a group commit of a few hundred sales
  // dirties more pages than that, and a full cache spills them to the WAL before the commit.
  Exec("PRAGMA cache_size=-16384");
  // Each op of a group commit runs in its own savepoint, whose sub-journal (the pages' content
  // before the op) is a temporary file by default: one pwrite per page an op first touches.
  // Kept in memory instead (docs/benchmarks.md, "Drain").
  Exec("PRAGMA temp_store=MEMORY");
}

Database::~Database() {
  for (auto& [sql, stmts] : cached_) {
    for (sqlite3_stmt* stmt : stmts) sqlite3_finalize(stmt);
  }
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

sqlite3_stmt* Database::TakeCached(const std::string& sql) {
  auto it = cached_.find(sql);
  if (it == cached_.end() || it->second.empty()) return nullptr;
  sqlite3_stmt* stmt = it->second.back();
  it->second.pop_back();
  --cached_count_;
  return stmt;
}

void Database::GiveBack(std::string sql, sqlite3_stmt* stmt) {
  if (cached_count_ >= kMaxCached) {
    sqlite3_finalize(stmt);
    return;
  }
  cached_[std::move(sql)].push_back(stmt);
  ++cached_count_;
}

void Database::Exec(std::string_view sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    throw SqliteError(rc, message);
  }
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int Database::Changes() const { return sqlite3_changes(db_); }

Transaction::Transaction(Database& db) : db_(db) { db_.Exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.Exec("ROLLBACK");
    } catch (const SqliteError&) {
      // The transaction is already gone (SQLite rolled it back itself).
    }
  }
}

void Transaction::Commit() {
  db_.Exec("COMMIT");
  done_ = true;
}

Savepoint::Savepoint(Database& db, std::string name) : db_(db), name_(std::move(name)) {
  db_.Exec("SAVEPOINT " + name_);
}

Savepoint::~Savepoint() {
  if (!done_) {
    try {
      db_.Exec("ROLLBACK TO " + name_);
      db_.Exec("RELEASE " + name_);
    } catch (const SqliteError&) {
    }
  }
}

void Savepoint::Release() {
  db_.Exec("RELEASE " + name_);
  done_ = true;
}

}  // namespace aisle::server
