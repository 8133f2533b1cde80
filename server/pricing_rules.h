// Pricing rules on the server: publishing a rules document (validated by
// core, versioned, immutable once published), the change-feed entry that
// carries it to devices (scope "promotions"), and the rules compiled for
// re-pricing a sale with the version it was priced with.
//
// Published versions never change, so a compiled version is kept for the
// life of the process. CompiledRulesCache is safe to use from any thread.
#ifndef AISLE_SERVER_PRICING_RULES_H_
#define AISLE_SERVER_PRICING_RULES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/pricing/engine.h"
#include "core/result.h"
#include "server/sqlite.h"

namespace aisle::server {

inline constexpr const char* kPromotionsScope = "promotions";

struct PublishedRules {
  std::string version;
  std::string document;  // canonical JSON of the rules document
  int64_t published_at = 0;
  std::string published_by;  // staff code
};

// Validates and stores `document` under its "version". Answers
// {"version", "status": "published"} for a new version, "unchanged" when
// the same version with the same content is published again, and the error
// rules_version_conflict when that version already holds other content.
// Runs inside the caller's transaction.
core::Result<nlohmann::json> PublishRules(Database& db, const nlohmann::json& document,
                                          const std::string& staff_code, int64_t now);

// The version asked for, or the latest published one when `version` is "".
std::optional<PublishedRules> FindRules(Database& db, const std::string& version);

// The rules document as the API shows it.
nlohmann::json RulesToJson(const PublishedRules& rules);

class CompiledRulesCache {
 public:
  // The compiled rules of a published version (nullptr when unknown).
  std::shared_ptr<const core::pricing::CompiledRules> Get(Database& db, const std::string& version);
  // Those of the latest published version (nullptr when none).
  std::shared_ptr<const core::pricing::CompiledRules> Latest(Database& db);

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const core::pricing::CompiledRules>> compiled_;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_PRICING_RULES_H_
