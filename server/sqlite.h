// A thin RAII layer over the SQLite C API: a connection, prepared statements
// with typed binds and reads, and a transaction guard. A connection keeps the
// statements it prepared once they are done (reset, bindings cleared) and
// hands them out again for the same SQL, so code that prepares per call pays
// SQLite's parser once per connection (docs/benchmarks.md, "Drain").
//
// Failures SQLite reports are unexpected here (disk full, corrupt file, a bug
// in our SQL), so they throw SqliteError; the HTTP layer turns that into a
// 500 and the open transaction rolls back. Not thread-safe: one connection is
// used by one thread at a time (the store serialises access).
#ifndef AISLE_SERVER_SQLITE_H_
#define AISLE_SERVER_SQLITE_H_

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace aisle::server {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

class Database;

class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds by 1-based index; chainable.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view value);
  Statement& Bind(int index, std::nullopt_t);

  // Steps once: true when a row is available, false when done.
  bool Step();
  // Runs to completion (for statements returning no rows).
  void Run();
  void Reset();

  int64_t Int(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const;

 private:
  Database& owner_;
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

class Database {
 public:
  // Opens (creating if needed) the file with WAL, synchronous=FULL, foreign
  // keys and a busy timeout.
  explicit Database(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void Exec(std::string_view sql);
  // The statement must not outlive the connection.
  Statement Prepare(std::string_view sql) { return Statement(*this, sql); }
  int64_t LastInsertRowId() const;
  int Changes() const;
  sqlite3* handle() { return db_; }

 private:
  friend class Statement;
  static constexpr size_t kMaxCached = 512;
  sqlite3_stmt* TakeCached(const std::string& sql);
  void GiveBack(std::string sql, sqlite3_stmt* stmt);

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, std::vector<sqlite3_stmt*>> cached_;
  size_t cached_count_ = 0;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit().
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  void Commit();

 private:
  Database& db_;
  bool done_ = false;
};

// SAVEPOINT inside a transaction; ROLLBACK TO on destruction unless Release().
class Savepoint {
 public:
  Savepoint(Database& db, std::string name);
  ~Savepoint();
  void Release();

 private:
  Database& db_;
  std::string name_;
  bool done_ = false;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_SQLITE_H_
