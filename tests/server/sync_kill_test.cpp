// Sync I proof 1 (docs/sync.md): SIGKILL aisled while a push is in flight,
// restart it, retry everything; every acknowledged op is there exactly once
// after each restart, every op is there after the retries, and the stock
// ledger balances. Real process, real SQLite file, real HTTP on loopback.
//
// AISLE_KILL_ITERATIONS (default 50) sets the number of kills.
#include <signal.h>
#include <sqlite3.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "tests/server/aisled_process.h"

namespace aisle::testing {
namespace {

using nlohmann::json;

// Rows of a one- or two-column query on the database file itself.
std::vector<std::pair<std::string, int64_t>> SqlRows(const std::string& data_dir, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2((data_dir + "/aisle.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  std::vector<std::pair<std::string, int64_t>> out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      out.emplace_back(text ? text : "", sqlite3_column_count(stmt) > 1 ? sqlite3_column_int64(stmt, 1) : 0);
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

std::string Uuid(uint64_t n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "0190a1b2-c3d4-7e5f-8a9b-%012llx", static_cast<unsigned long long>(n));
  return buf;
}

struct Sale {
  json op;
  std::string sku;
  int64_t qty = 0;
};

TEST(SyncKillLoop, EveryAcknowledgedOpSurvivesAndEveryOpLandsOnce) {
  const int iterations = std::getenv("AISLE_KILL_ITERATIONS") ? std::atoi(std::getenv("AISLE_KILL_ITERATIONS")) : 50;
  const std::string dir = MakeTempDir();
  std::string token;
  std::vector<json> products;
  {
    AisledProcess server(dir);
    token = Http(server.port(), "POST", "/api/v1/sessions",
                 R"({"store_id":"SH01","device_id":"demo-device-1","staff_code":"1001","pin":"1111"})")
                .Json()["token"];
    json feed = Http(server.port(), "GET", "/api/v1/sync/pull?since=0&scope=catalog&limit=1000", "", token).Json();
    for (const json& c : feed["changes"]) {
      const json& p = c["product"];
      if (p["sold_by"] == "unit" && p["barcode"].get<std::string>().size() == 13 && products.size() < 20) {
        products.push_back(p);
      }
    }
    server.Stop(SIGKILL);
  }
  ASSERT_FALSE(products.empty());

  std::mt19937_64 rng(20261125);
  std::vector<Sale> sales;
  std::map<std::string, int64_t> next_seq;  // per device
  const auto make_sales = [&](int n) {
    for (int i = 0; i < n; ++i) {
      const uint64_t id = sales.size() + 1;
      const std::string device = "kill-device-" + std::to_string(rng() % 4);
      const int64_t seq = ++next_seq[device];
      const json& p = products[rng() % products.size()];
      const int64_t qty = 1 + static_cast<int64_t>(rng() % 3);
      const int64_t total = qty * p["price"].get<int64_t>();
      char hlc[32];
      std::snprintf(hlc, sizeof hlc, "%013lld-%05d", 1795000000000LL + static_cast<long long>(id), 0);
      sales.push_back(Sale{json{{"op_id", Uuid(id)},
                                {"type", "sale.completed"},
                                {"store_id", "SH01"},
                                {"device_id", device},
                                {"device_seq", seq},
                                {"device_time", "2026-11-25T10:00:00Z"},
                                {"hlc", hlc},
                                {"payload",
                                 {{"sale_id", "kill-sale-" + std::to_string(id)},
                                  {"currency", "CNY"},
                                  {"lines", {{{"barcode", p["barcode"]}, {"qty", qty}, {"unit_price", p["price"]}}}},
                                  {"tenders", {{{"type", "cash"}, {"amount", total}}}},
                                  {"total", total}}}},
                           p["sku"], qty});
    }
  };

  std::set<std::string> acknowledged;  // op_ids the server answered applied or duplicate
  std::set<std::string> pending;       // op_ids not yet acknowledged
  int mid_request = 0;
  int answered_first = 0;
  double push_ms = 150;  // how long a push took last time it was answered
  for (int it = 0; it < iterations; ++it) {
    make_sales(60);
    for (size_t i = sales.size() - 60; i < sales.size(); ++i) pending.insert(sales[i].op["op_id"]);
    AisledProcess server(dir);

    // Durable means durable: what was acknowledged before the last kill is there, once.
    std::set<std::string> stored;
    for (const auto& [op_id, n] : SqlRows(dir, "SELECT op_id FROM ops WHERE type = 'sale.completed'")) stored.insert(op_id);
    for (const std::string& op_id : acknowledged) ASSERT_TRUE(stored.count(op_id)) << "lost acknowledged op " << op_id;

    // Push every op not yet acknowledged (up to 500) and some acknowledged ones again.
    json batch = json::array();
    for (const Sale& s : sales) {
      const std::string id = s.op["op_id"];
      if ((pending.count(id) || rng() % 20 == 0) && batch.size() < 500) batch.push_back(s.op);
    }
    std::optional<HttpResult> answer;
    const auto started = std::chrono::steady_clock::now();
    std::thread client([&] {
      try {
        answer = Http(server.port(), "POST", "/api/v1/sync/push", json{{"ops", batch}}.dump(), token);
      } catch (const std::exception&) {
        // the connection died with the server
      }
    });
    const auto delay = std::chrono::microseconds(static_cast<int64_t>(rng() % static_cast<uint64_t>(push_ms * 1200)));
    std::this_thread::sleep_for(delay);
    server.Stop(SIGKILL);
    client.join();
    if (answer && answer->status == 200) {
      ++answered_first;
      push_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      for (const json& r : answer->Json()["results"]) {
        ASSERT_TRUE(r["status"] == "applied" || r["status"] == "duplicate") << r.dump();
        acknowledged.insert(r["op_id"].get<std::string>());
        pending.erase(r["op_id"].get<std::string>());
      }
    } else {
      ++mid_request;
    }
  }
  std::printf("[kill loop] %d kills: %d landed while a push was in flight, %d after the answer; %zu ops made\n",
              iterations, mid_request, answered_first, sales.size());
  EXPECT_GE(mid_request, iterations / 2) << "most kills should land mid-request";

  // Retry everything, without kills, until the server has it all.
  {
    AisledProcess server(dir);
    for (size_t from = 0; from < sales.size(); from += 500) {
      json batch = json::array();
      for (size_t i = from; i < std::min(sales.size(), from + 500); ++i) batch.push_back(sales[i].op);
      auto r = Http(server.port(), "POST", "/api/v1/sync/push", json{{"ops", batch}}.dump(), token);
      ASSERT_EQ(r.status, 200) << r.body;
      for (const json& x : r.Json()["results"]) {
        ASSERT_TRUE(x["status"] == "applied" || x["status"] == "duplicate") << x.dump();
        if (acknowledged.count(x["op_id"])) {
          EXPECT_EQ(x["status"], "duplicate") << x.dump();
        }
      }
    }
    server.Stop(SIGTERM);
  }
  // Exactly once: one ops row and one sale per op, nothing else.
  const auto counts = SqlRows(dir, "SELECT 'x', count(*) FROM ops WHERE type = 'sale.completed'");
  EXPECT_EQ(counts.at(0).second, static_cast<int64_t>(sales.size()));
  const auto sale_rows = SqlRows(dir, "SELECT 'x', count(*) FROM sales WHERE sale_id LIKE 'kill-sale-%'");
  EXPECT_EQ(sale_rows.at(0).second, static_cast<int64_t>(sales.size()));
  // The stock ledger balances: per SKU, the sale movements are minus what was sold.
  std::map<std::string, int64_t> sold;
  for (const Sale& s : sales) sold[s.sku] += s.qty;
  std::map<std::string, int64_t> moved;
  for (const auto& [sku, delta] :
       SqlRows(dir, "SELECT sku, sum(qty_delta) FROM stock_movements WHERE reason = 'sale' AND ref LIKE 'kill-sale-%' "
                    "GROUP BY sku")) {
    moved[sku] = -delta;
  }
  EXPECT_EQ(moved, sold);
  // Every device's seqs are all held: contiguous up to its highest, no gaps.
  for (const auto& [device, highest] : next_seq) {
    const auto row = SqlRows(dir, "SELECT device_id, contiguous FROM device_progress WHERE device_id = '" + device + "'");
    ASSERT_EQ(row.size(), 1u);
    EXPECT_EQ(row[0].second, highest) << device;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace aisle::testing
