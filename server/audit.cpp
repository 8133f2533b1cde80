#include "server/audit.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "core/json_read.h"
#include "server/auth.h"
#include "server/store.h"

namespace aisle::server {
namespace {

using nlohmann::json;

// The text an entry's hash covers: every column but the hash itself, as
// canonical JSON (keys sorted, no spaces), before/after/approval as the
// canonical JSON texts stored.
std::string HashedContent(const std::string& store_id, int64_t seq, int64_t at_ms, const std::string& device_time,
                          const std::string& hlc, const std::string& actor, const std::string& role,
                          const std::string& device_id, const std::string& action, const std::string& object,
                          const std::string& before, const std::string& after, const std::string& approval,
                          const std::string& prev_hash) {
  return core::ToCanonicalJson(json{{"store_id", store_id}, {"seq", seq},           {"at_ms", at_ms},
                                    {"device_time", device_time}, {"hlc", hlc},     {"actor", actor},
                                    {"role", role},               {"device_id", device_id},
                                    {"action", action},           {"object", object}, {"before", before},
                                    {"after", after},             {"approval", approval},
                                    {"prev_hash", prev_hash}});
}

struct Anchor {
  int64_t seq = 0;
  std::string hash;
};

// Every anchor of the file, per store (later lines for the same seq must agree).
std::map<std::string, std::map<int64_t, std::string>> ReadAnchors(const std::string& path, bool& exists) {
  std::map<std::string, std::map<int64_t, std::string>> out;
  std::ifstream in(path);
  exists = static_cast<bool>(in);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string store, seq, hash;
    if (!std::getline(fields, store, '\t') || !std::getline(fields, seq, '\t') || !std::getline(fields, hash, '\t')) {
      continue;  // a torn last line after a crash
    }
    char* end = nullptr;
    const long long n = std::strtoll(seq.c_str(), &end, 10);
    if (end == seq.c_str() || *end != '\0' || n <= 0 || hash.size() != 64) continue;
    out[store][n] = hash;
  }
  return out;
}

}  // namespace

int64_t AppendAuditEntry(Database& db, const AuditEntry& e) {
  const auto head = AuditHead(db, e.store_id);
  const int64_t seq = head ? head->first + 1 : 1;
  const std::string prev = head ? head->second : kGenesisHash;
  const std::string before = core::ToCanonicalJson(e.before);
  const std::string after = core::ToCanonicalJson(e.after);
  const std::string approval = core::ToCanonicalJson(e.approval);
  const std::string hash = Sha256Hex(HashedContent(e.store_id, seq, e.at_ms, e.device_time, e.hlc, e.actor, e.role,
                                                   e.device_id, e.action, e.object, before, after, approval, prev));
  db.Prepare(
        "INSERT INTO audit_log (store_id, seq, at_ms, device_time, hlc, actor, role, device_id, action, object, "
        "before, after, approval, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .Bind(1, e.store_id)
      .Bind(2, seq)
      .Bind(3, e.at_ms)
      .Bind(4, e.device_time)
      .Bind(5, e.hlc)
      .Bind(6, e.actor)
      .Bind(7, e.role)
      .Bind(8, e.device_id)
      .Bind(9, e.action)
      .Bind(10, e.object)
      .Bind(11, before)
      .Bind(12, after)
      .Bind(13, approval)
      .Bind(14, prev)
      .Bind(15, hash)
      .Run();
  return seq;
}

std::optional<std::pair<int64_t, std::string>> AuditHead(Database& db, const std::string& store_id) {
  auto s = db.Prepare("SELECT seq, hash FROM audit_log WHERE store_id = ? ORDER BY seq DESC LIMIT 1");
  s.Bind(1, store_id);
  if (!s.Step()) return std::nullopt;
  return std::pair{s.Int(0), s.Text(1)};
}

void WriteAuditAnchor(const std::string& path, const std::string& store_id, int64_t seq, const std::string& hash) {
  const std::string line = store_id + "\t" + std::to_string(seq) + "\t" + hash + "\t" + IsoTime(UnixNow()) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) throw std::runtime_error("cannot open the audit anchor file " + path + ": " + std::strerror(errno));
  const ssize_t written = ::write(fd, line.data(), line.size());  // one write: appends are not interleaved
  const int saved = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size())) {
    throw std::runtime_error("cannot append to the audit anchor file " + path + ": " + std::strerror(saved));
  }
}

std::vector<AuditChainReport> VerifyAudit(Database& db, const std::string& anchor_path, const std::string& store_id) {
  bool anchors_exist = false;
  const auto anchors = ReadAnchors(anchor_path, anchors_exist);
  std::vector<std::string> stores;
  {
    auto s = db.Prepare(
        "SELECT DISTINCT store_id FROM audit_log WHERE ?1 = '' OR store_id = ?1 ORDER BY store_id");
    s.Bind(1, store_id);
    while (s.Step()) stores.push_back(s.Text(0));
  }
  for (const auto& [store, _] : anchors) {  // a chain whose rows were all deleted still has anchors
    if ((store_id.empty() || store == store_id) && std::find(stores.begin(), stores.end(), store) == stores.end()) {
      stores.push_back(store);
    }
  }
  std::vector<AuditChainReport> reports;
  for (const std::string& store : stores) {
    AuditChainReport r{store};
    const auto fail = [&](int64_t seq, std::string problem) {
      if (!r.intact) return;
      r.intact = false;
      r.broken_seq = seq;
      r.problem = std::move(problem);
    };
    const auto it = anchors.find(store);
    const std::map<int64_t, std::string> none;
    const auto& store_anchors = it == anchors.end() ? none : it->second;
    auto rows = db.Prepare(
        "SELECT seq, at_ms, device_time, hlc, actor, role, device_id, action, object, before, after, approval, "
        "prev_hash, hash FROM audit_log WHERE store_id = ? ORDER BY seq");
    rows.Bind(1, store);
    std::string prev = kGenesisHash;
    int64_t expected = 1;
    while (rows.Step()) {
      const int64_t seq = rows.Int(0);
      ++r.entries;
      if (seq != expected) {
        fail(expected, seq > expected ? "entries " + std::to_string(expected) + ".." + std::to_string(seq - 1) +
                                            " are missing (deleted)"
                                      : "entry " + std::to_string(seq) + " appears twice");
      }
      const std::string stored_prev = rows.Text(12);
      const std::string stored_hash = rows.Text(13);
      if (stored_prev != prev) fail(seq, "its previous-hash does not match entry " + std::to_string(seq - 1));
      const std::string content =
          HashedContent(store, seq, rows.Int(1), rows.Text(2), rows.Text(3), rows.Text(4), rows.Text(5), rows.Text(6),
                        rows.Text(7), rows.Text(8), rows.Text(9), rows.Text(10), rows.Text(11), stored_prev);
      if (Sha256Hex(content) != stored_hash) fail(seq, "its content does not match its hash (the row was changed)");
      if (auto a = store_anchors.find(seq); a != store_anchors.end() && a->second != stored_hash) {
        fail(seq, "its hash differs from the one anchored (the chain was rewritten from here on)");
      }
      prev = stored_hash;
      expected = seq + 1;
    }
    if (!store_anchors.empty()) {
      r.anchored_seq = store_anchors.rbegin()->first;
      if (r.anchored_seq >= expected) {
        fail(expected, "the anchor file vouches for entries up to " + std::to_string(r.anchored_seq) +
                           " but the chain ends at " + std::to_string(expected - 1) + " (entries deleted)");
      }
    } else if (r.entries > 0 && !anchors_exist) {
      fail(1, "the anchor file " + anchor_path + " is missing: a rewritten tail could not be told apart");
    }
    reports.push_back(std::move(r));
  }
  return reports;
}

}  // namespace aisle::server
