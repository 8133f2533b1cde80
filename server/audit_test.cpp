// The audit chain on a real SQLite file: appends, anchors, and verify
// catching a changed amount, a deleted row and a rewritten-and-rehashed
// tail, each done directly in SQLite as an intruder would.
#include "server/audit.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "server/auth.h"
#include "server/store.h"

namespace aisle::server {
namespace {

class AuditChain : public ::testing::Test {
 protected:
  void SetUp() override {
    InitCrypto();
    char pattern[] = "/tmp/aisle-audit-XXXXXX";
    dir_ = mkdtemp(pattern);
    store_ = std::make_unique<Store>(dir_ + "/aisle.db");
    for (int i = 1; i <= 10; ++i) Append("SH01", 1000 * i);
    for (int i = 1; i <= 3; ++i) Append("BJ01", 500 * i);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Append(const std::string& store_id, int64_t total) {
    AuditEntry e{store_id, "1001", "associate", "dev-1", "2026-11-25T10:00:00Z", "", 1764064800000 + total,
                 "sale.completed", "sale:s" + std::to_string(total), nullptr, {{"total", total}}, nullptr};
    store_->WithTransaction([&](Database& db) { store_->Audit(db, e); });
  }
  AuditChainReport Verify(const std::string& store_id) {
    std::vector<AuditChainReport> reports;
    const std::string anchors = store_->audit_anchor_path();
    store_->WithConnection([&](Database& db) { reports = VerifyAudit(db, anchors, store_id); });
    EXPECT_EQ(reports.size(), 1u);
    return reports.empty() ? AuditChainReport{} : reports[0];
  }
  // What an intruder with the database file does: SQL on their own connection.
  void Tamper(const std::string& sql) {
    Database db(dir_ + "/aisle.db");
    db.Exec(sql);
  }
  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(AuditChain, IntactChainsAreAnchoredAfterEveryCommit) {
  const AuditChainReport sh = Verify("SH01");
  EXPECT_TRUE(sh.intact) << sh.problem;
  EXPECT_EQ(sh.entries, 10);
  EXPECT_EQ(sh.anchored_seq, 10);
  EXPECT_TRUE(Verify("BJ01").intact);
  std::ifstream anchors(store_->audit_anchor_path());
  int lines = 0;
  for (std::string line; std::getline(anchors, line);) ++lines;
  EXPECT_EQ(lines, 13);
}

TEST_F(AuditChain, ChangedAmountIsCaught) {
  Tamper("UPDATE audit_log SET after = '{\"total\":1}' WHERE store_id = 'SH01' AND seq = 4");
  const AuditChainReport r = Verify("SH01");
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.broken_seq, 4);
  EXPECT_NE(r.problem.find("content"), std::string::npos) << r.problem;
  EXPECT_TRUE(Verify("BJ01").intact);  // other chains are untouched
}

TEST_F(AuditChain, DeletedRowIsCaught) {
  Tamper("DELETE FROM audit_log WHERE store_id = 'SH01' AND seq = 6");
  const AuditChainReport r = Verify("SH01");
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.broken_seq, 6);
  EXPECT_NE(r.problem.find("missing"), std::string::npos) << r.problem;
}

TEST_F(AuditChain, DeletedLastRowIsCaughtByTheAnchor) {
  Tamper("DELETE FROM audit_log WHERE store_id = 'SH01' AND seq = 10");
  const AuditChainReport r = Verify("SH01");
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.broken_seq, 10);
}

TEST_F(AuditChain, RewrittenAndRehashedTailIsCaughtByTheAnchor) {
  {  // the intruder drops the last three entries and appends forged ones: a consistent chain
    Database db(dir_ + "/aisle.db");
    db.Exec("DELETE FROM audit_log WHERE store_id = 'SH01' AND seq >= 8");
    for (int i = 8; i <= 10; ++i) {
      AppendAuditEntry(db, AuditEntry{"SH01", "1001", "associate", "dev-1", "2026-11-25T10:00:00Z", "",
                                      1764064800000 + 1000 * i, "sale.completed", "sale:s" + std::to_string(1000 * i),
                                      nullptr, {{"total", 1}}, nullptr});
    }
  }
  const AuditChainReport r = Verify("SH01");
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.broken_seq, 8);
  EXPECT_NE(r.problem.find("anchored"), std::string::npos) << r.problem;
}

TEST_F(AuditChain, RolledBackEntryIsNeitherKeptNorAnchored) {
  EXPECT_THROW(store_->WithTransaction([&](Database& db) {
    store_->Audit(db, AuditEntry{"SH01", "1001", "associate", "", "", "", 1, "x", "y", nullptr, nullptr, nullptr});
    throw std::runtime_error("the operation failed");
  }),
               std::runtime_error);
  Append("SH01", 99);  // the next commit anchors the real head only
  const AuditChainReport r = Verify("SH01");
  EXPECT_TRUE(r.intact) << r.problem;
  EXPECT_EQ(r.entries, 11);
  EXPECT_EQ(r.anchored_seq, 11);
}

TEST_F(AuditChain, MissingAnchorFileIsAFinding) {
  std::filesystem::remove(store_->audit_anchor_path());
  const AuditChainReport r = Verify("SH01");
  EXPECT_FALSE(r.intact);
  EXPECT_NE(r.problem.find("anchor file"), std::string::npos) << r.problem;
}

}  // namespace
}  // namespace aisle::server
