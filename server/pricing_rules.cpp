#include "server/pricing_rules.h"

#include "core/json_read.h"
#include "core/pricing/rules.h"
#include "server/store.h"

namespace aisle::server {

using core::Error;
using nlohmann::json;

core::Result<json> PublishRules(Database& db, const json& document, const std::string& staff_code, int64_t now) {
  if (!document.is_object()) return core::WrongType("(body)", "a rules document (an object)");
  auto rules = core::pricing::RulesFromJson(document, "rules");
  if (!rules) return rules.error();
  const std::string canonical = core::ToCanonicalJson(document);
  if (auto existing = FindRules(db, rules->version)) {
    if (existing->document != canonical) {
      return Error::Make("rules_version_conflict",
                         "version " + rules->version + " is already published with other content: give the "
                         "new rules a new version",
                         "rules.version");
    }
    return json{{"version", rules->version}, {"status", "unchanged"}};
  }
  db.Prepare("INSERT INTO pricing_rules (version, document, published_at, published_by) VALUES (?, ?, ?, ?)")
      .Bind(1, rules->version)
      .Bind(2, canonical)
      .Bind(3, now)
      .Bind(4, staff_code)
      .Run();
  const json change = {{"kind", "rules"}, {"op", "publish"}, {"version", rules->version}, {"rules", document}};
  Store::AppendChange(db, kPromotionsScope, core::ToCanonicalJson(change), now);
  return json{{"version", rules->version}, {"status", "published"}};
}

std::optional<PublishedRules> FindRules(Database& db, const std::string& version) {
  auto s = db.Prepare(
      "SELECT version, document, published_at, published_by FROM pricing_rules "
      "WHERE version = ?1 OR ?1 = '' ORDER BY published_at DESC, rowid DESC LIMIT 1");
  s.Bind(1, version);
  if (!s.Step()) return std::nullopt;
  return PublishedRules{s.Text(0), s.Text(1), s.Int(2), s.Text(3)};
}

json RulesToJson(const PublishedRules& rules) {
  return {{"version", rules.version},
          {"published_at", IsoTime(rules.published_at)},
          {"published_by", rules.published_by},
          {"rules", json::parse(rules.document)}};
}

std::shared_ptr<const core::pricing::CompiledRules> CompiledRulesCache::Get(Database& db,
                                                                             const std::string& version) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = compiled_.find(version); it != compiled_.end()) return it->second;
  }
  auto published = FindRules(db, version);
  if (!published) return nullptr;
  auto rules = core::pricing::RulesFromJson(json::parse(published->document), "rules");
  if (!rules) return nullptr;  // validated when published; a newer core may refuse an old document
  auto compiled = std::make_shared<const core::pricing::CompiledRules>(std::move(*rules));
  std::lock_guard lock(mutex_);
  return compiled_.emplace(version, std::move(compiled)).first->second;
}

std::shared_ptr<const core::pricing::CompiledRules> CompiledRulesCache::Latest(Database& db) {
  auto latest = FindRules(db, "");
  return latest ? Get(db, latest->version) : nullptr;
}

}  // namespace aisle::server
