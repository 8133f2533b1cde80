// Store's group commit on a real SQLite file: concurrent callers share one
// durable commit, a failing caller loses only its own writes.
#include "server/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

namespace aisle::server {
namespace {

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/aisle-store-XXXXXX";
    dir_ = mkdtemp(pattern);
    store_ = std::make_unique<Store>(dir_ + "/aisle.db");
    store_->WithTransaction([](Database& db) { db.Exec("CREATE TABLE t (caller INTEGER, row INTEGER)"); });
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  int64_t Rows(const std::string& where) {
    int64_t n = 0;
    store_->WithConnection([&](Database& db) {
      auto s = db.Prepare("SELECT count(*) FROM t WHERE " + where);
      s.Step();
      n = s.Int(0);
    });
    return n;
  }
  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(GroupCommitTest, CallersQueuedDuringACommitShareTheNextOne) {
  constexpr int kCallers = 12;
  std::atomic<bool> first_running{false};
  std::vector<std::thread> threads;
  // The first caller leads alone and holds its commit open until the others have queued.
  threads.emplace_back([&] {
    store_->WithGroupedTransaction([&](Database& db) {
      first_running = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      db.Prepare("INSERT INTO t VALUES (0, 1)").Run();
    });
  });
  while (!first_running) std::this_thread::yield();
  std::atomic<int> failed{0};
  for (int c = 1; c < kCallers; ++c) {
    threads.emplace_back([&, c] {
      try {
        store_->WithGroupedTransaction([&](Database& db) {
          db.Prepare("INSERT INTO t VALUES (?, 1)").Bind(1, int64_t{c}).Run();
          db.Prepare("INSERT INTO t VALUES (?, 2)").Bind(1, int64_t{c}).Run();
          if (c == 5) throw std::runtime_error("caller 5 fails after writing");
        });
      } catch (const std::runtime_error&) {
        ++failed;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failed.load(), 1);
  EXPECT_EQ(Rows("caller = 5"), 0);         // its savepoint rolled back
  EXPECT_EQ(Rows("caller <> 5"), 1 + 2 * 10);  // everyone else's rows committed
  const Store::GroupStats stats = store_->group_stats();
  EXPECT_EQ(stats.calls, kCallers);
  EXPECT_LT(stats.commits, kCallers);  // the 11 queued during the first commit did not each commit
  EXPECT_GE(stats.commits, 2);
}

}  // namespace
}  // namespace aisle::server
