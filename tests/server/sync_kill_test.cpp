// Sync I proofs (docs/sync.md), on a real aisled process, a real SQLite file
// and real HTTP on loopback:
// 1. SIGKILL aisled while a push is in flight, restart it, retry everything;
//    every acknowledged op is there exactly once after each restart, every op
//    is there after the retries, and the stock ledger balances
//    (AISLE_KILL_ITERATIONS, default 50, sets the number of kills).
// 2. Duplicated, reordered and split batches pushed concurrently by several
//    devices leave the same state as one clean push (AISLE_SYNC_SEEDS,
//    default 8, sets the number of shuffles).
#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <algorithm>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tests/server/aisled_process.h"

namespace aisle::testing {
namespace {

using nlohmann::json;

struct Sale {
  json op;
  std::string sku;
  int64_t qty = 0;
};

// An answer meaning the server holds the op. Selling past the stock on hand (thousands of sales
// here) is kept as accepted_with_exception (stock_negative): stored all the same.
bool Stored(const json& status) {
  return status == "applied" || status == "accepted_with_exception" || status == "duplicate";
}

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
  // How long a push takes per op, from the last answered one: the kill comes at a random
  // moment within about the time this batch should take, so most land mid-request.
  double ms_per_op = 1.0;
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
    double took_ms = 0;
    std::thread client([&] {
      const auto started = std::chrono::steady_clock::now();
      try {
        answer = Http(server.port(), "POST", "/api/v1/sync/push", json{{"ops", batch}}.dump(), token);
        took_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      } catch (const std::exception&) {
        // the connection died with the server
      }
    });
    const double expected_ms = ms_per_op * static_cast<double>(batch.size());
    const auto delay =
        std::chrono::microseconds(static_cast<int64_t>(rng() % static_cast<uint64_t>(1 + expected_ms * 1000)));
    std::this_thread::sleep_for(delay);
    server.Stop(SIGKILL);
    client.join();
    if (answer && answer->status == 200) {
      ++answered_first;
      ms_per_op = took_ms / static_cast<double>(batch.size());
      const json body = answer->Json();  // kept: a range over a temporary's member would dangle
      for (const json& r : body["results"]) {
        ASSERT_TRUE(Stored(r["status"])) << r.dump();
        acknowledged.insert(r["op_id"].get<std::string>());
        pending.erase(r["op_id"].get<std::string>());
      }
    } else {
      ++mid_request;
      ms_per_op = std::min(ms_per_op * 1.3, 50.0);  // a slow machine: give the next push longer
    }
  }
  std::printf("[kill loop] %d kills: %d landed while a push was in flight, %d after the answer; %zu ops made, "
              "%zu acknowledged before a kill and checked after each restart\n",
              iterations, mid_request, answered_first, sales.size(), acknowledged.size());
  EXPECT_GT(acknowledged.size(), 0u) << "some pushes should be answered before the kill";
  EXPECT_GE(mid_request, iterations / 3) << "kills should land mid-request";

  // Retry everything, without kills, until the server has it all.
  {
    AisledProcess server(dir);
    for (size_t from = 0; from < sales.size(); from += 500) {
      json batch = json::array();
      for (size_t i = from; i < std::min(sales.size(), from + 500); ++i) batch.push_back(sales[i].op);
      auto r = Http(server.port(), "POST", "/api/v1/sync/push", json{{"ops", batch}}.dump(), token);
      ASSERT_EQ(r.status, 200) << r.body;
      const json body = r.Json();
      for (const json& x : body["results"]) {
        ASSERT_TRUE(Stored(x["status"])) << x.dump();
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

// Everything a push leaves behind, minus the server's receive times and row ids.
std::string StateDump(const std::string& dir) {
  const char* const queries[] = {
      "SELECT op_id || '|' || type || '|' || device_id || '|' || device_seq || '|' || hlc || '|' || canonical || '|' "
      "|| result FROM ops ORDER BY op_id",
      "SELECT sale_id || '|' || op_id || '|' || total || '|' || net || '|' || tax || '|' || server_total || '|' || "
      "discount || '|' || adjustments FROM sales ORDER BY sale_id",
      "SELECT sale_id || '|' || line_no || '|' || sku || '|' || qty || '|' || net || '|' || promotions FROM sale_lines "
      "ORDER BY sale_id, line_no",
      "SELECT sale_id || '|' || tender_no || '|' || type || '|' || amount FROM sale_tenders ORDER BY sale_id, tender_no",
      "SELECT location_id || '|' || sku || '|' || qty_delta || '|' || reason || '|' || ref FROM stock_movements "
      "WHERE reason = 'sale' ORDER BY location_id, sku, ref",
      "SELECT op_id || '|' || sale_id || '|' || rating || '|' || comment FROM feedback ORDER BY op_id",
      "SELECT device_id || '|' || contiguous || '|' || highest FROM device_progress ORDER BY device_id",
      "SELECT 'held ' || count(*) FROM held_ops",
      "SELECT 'waits ' || count(*) FROM held_waits",
  };
  std::ostringstream out;
  for (const char* q : queries) {
    for (const auto& [row, unused] : SqlRows(dir, q)) out << row << '\n';
    out << "--\n";
  }
  return out.str();
}

// Which of two sales takes a shelf below zero (a stock_negative exception) depends on the order they
// arrive in; this property is about duplicates and order otherwise, so the store gets ample stock.
void StockUp(const std::string& dir) {
  const ToolResult r = RunCommand("sqlite3 " + dir + "/aisle.db \"UPDATE stock_movements SET qty_delta = qty_delta + 100000 "
                                  "WHERE reason = 'initial'\"");
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

TEST(SyncProperty, DuplicatedReorderedSplitBatchesLeaveTheStateOfOneCleanPush) {
  const int seeds = std::getenv("AISLE_SYNC_SEEDS") ? std::atoi(std::getenv("AISLE_SYNC_SEEDS")) : 8;
  // The ops: three devices, sales of one to three lines, and feedback on some
  // sales that names the sale's op in depends_on (held when it comes first).
  std::string clean_dir = MakeTempDir();
  std::vector<json> ops;
  std::string token;
  {
    AisledProcess server(clean_dir);
    StockUp(clean_dir);
    token = Http(server.port(), "POST", "/api/v1/sessions",
                 R"({"store_id":"SH01","device_id":"demo-device-1","staff_code":"1001","pin":"1111"})")
                .Json()["token"];
    json feed = Http(server.port(), "GET", "/api/v1/sync/pull?since=0&scope=catalog&limit=1000", "", token).Json();
    std::vector<json> products;
    for (const json& c : feed["changes"]) {
      const json& p = c["product"];
      if (p["sold_by"] == "unit" && p["barcode"].get<std::string>().size() == 13) products.push_back(p);
    }
    std::mt19937_64 rng(7);
    std::map<std::string, int64_t> seq;
    for (uint64_t id = 1; id <= 240; ++id) {
      const std::string device = "prop-device-" + std::to_string(rng() % 3);
      char hlc[32];
      std::snprintf(hlc, sizeof hlc, "%013lld-%05d", 1795000000000LL + static_cast<long long>(id) * 7, 0);
      json op = {{"op_id", Uuid(0x100000 + id)}, {"store_id", "SH01"}, {"device_id", device},
                 {"device_seq", ++seq[device]}, {"device_time", "2026-11-25T10:00:00Z"}, {"hlc", hlc}};
      if (id > 1 && rng() % 4 == 0 && ops.back()["type"] == "sale.completed" && ops.back()["device_id"] == device) {
        op["type"] = "feedback.given";
        op["depends_on"] = {ops.back()["op_id"]};
        op["payload"] = {{"sale_id", ops.back()["payload"]["sale_id"]}, {"rating", 1 + rng() % 5}};
      } else {
        json lines = json::array();
        int64_t total = 0;
        for (uint64_t l = 0, n = 1 + rng() % 3; l < n; ++l) {
          const json& p = products[rng() % products.size()];
          const int64_t qty = 1 + static_cast<int64_t>(rng() % 2);
          lines.push_back({{"barcode", p["barcode"]}, {"qty", qty}, {"unit_price", p["price"]}});
          total += qty * p["price"].get<int64_t>();
        }
        op["type"] = "sale.completed";
        op["payload"] = {{"sale_id", "prop-sale-" + std::to_string(id)}, {"currency", "CNY"}, {"lines", lines},
                         {"tenders", {{{"type", "cash"}, {"amount", total}}}}, {"total", total}};
      }
      ops.push_back(std::move(op));
    }
    auto r = Http(server.port(), "POST", "/api/v1/sync/push", json{{"ops", ops}}.dump(), token);
    ASSERT_EQ(r.status, 200) << r.body;
    const json body = r.Json();
    ASSERT_EQ(body["results"].size(), ops.size());
    for (const json& x : body["results"]) ASSERT_EQ(x["status"], "applied") << x.dump();
    server.Stop(SIGTERM);
  }
  const std::string clean = StateDump(clean_dir);
  ASSERT_NE(clean.find("prop-sale-"), std::string::npos);

  std::atomic<int> held{0};
  std::atomic<int> duplicates{0};
  for (int seed = 1; seed <= seeds; ++seed) {
    std::mt19937_64 rng(static_cast<uint64_t>(seed));
    const std::string dir = MakeTempDir();
    AisledProcess server(dir);
    StockUp(dir);
    const std::string messy_token =
        Http(server.port(), "POST", "/api/v1/sessions",
             R"({"store_id":"SH01","device_id":"demo-device-1","staff_code":"1001","pin":"1111"})")
            .Json()["token"];
    // Each device sends its own ops, shuffled, a third of them twice, in
    // batches of 1 to 40, all devices at once.
    std::map<std::string, std::vector<json>> by_device;
    for (const json& op : ops) {
      by_device[op["device_id"]].push_back(op);
      if (rng() % 3 == 0) by_device[op["device_id"]].push_back(op);
    }
    std::vector<std::thread> devices;
    std::atomic<int> bad{0};
    for (auto& [device, list] : by_device) {
      std::shuffle(list.begin(), list.end(), rng);
      const uint64_t device_seed = rng();
      devices.emplace_back([&, device_seed, list] {
        std::mt19937_64 local(device_seed);
        for (size_t from = 0; from < list.size();) {
          const size_t n = std::min(list.size() - from, static_cast<size_t>(1 + local() % 40));
          json batch = json::array();
          for (size_t i = from; i < from + n; ++i) batch.push_back(list[i]);
          auto r = Http(server.port(), "POST", "/api/v1/sync/push", json{{"ops", batch}}.dump(), messy_token);
          const json body = r.Json();
          bad += body["results"].size() == n ? 0 : 1;
          for (const json& x : body["results"]) {
            bad += x["status"] == "rejected" ? 1 : 0;
            held += x["status"] == "held" ? 1 : 0;
            duplicates += x["status"] == "duplicate" ? 1 : 0;
          }
          from += n;
        }
      });
    }
    for (std::thread& t : devices) t.join();
    EXPECT_EQ(bad.load(), 0) << "seed " << seed;
    server.Stop(SIGTERM);
    EXPECT_EQ(StateDump(dir), clean) << "seed " << seed;
    std::filesystem::remove_all(dir);
  }
  std::printf("[sync property] %d shuffled, duplicated, split pushes from 3 devices = one clean push of %zu ops "
              "(%d answers held, %d duplicate)\n",
              seeds, ops.size(), held.load(), duplicates.load());
  EXPECT_GT(held.load(), 0) << "some feedback should have overtaken its sale";
  std::filesystem::remove_all(clean_dir);
}

// `aisle load` end to end: a short run against a live aisled applies sales
// and prints both rates and their ratio; --live measures nudges.
TEST(AisleLoad, ShortRunAgainstALiveServer) {
  const std::string dir = MakeTempDir();
  AisledProcess server(dir);
  const std::string command = std::string(AISLE_PATH) + " load --url http://127.0.0.1:" +
                              std::to_string(server.port()) + " --devices 4 --seconds 1 --raw-dir " + dir + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("sales/s"), std::string::npos) << out;
  EXPECT_NE(out.find("% of raw"), std::string::npos) << out;
  const auto sales = SqlRows(dir, "SELECT 'x', count(*) FROM sales WHERE sale_id LIKE 'load-%'");
  EXPECT_GT(sales.at(0).second, 0) << out;
  // --live: WebSocket clients hear a nudge for every push.
  pipe = popen((std::string(AISLE_PATH) + " load --url http://127.0.0.1:" + std::to_string(server.port()) +
                " --live 5 --seconds 1 2>&1").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  out.clear();
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  EXPECT_EQ(pclose(pipe), 0) << out;
  EXPECT_NE(out.find("latency send -> read"), std::string::npos) << out;
  server.Stop(SIGTERM);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace aisle::testing
