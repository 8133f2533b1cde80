#include "server/coupons.h"

#include <sodium.h>

#include <algorithm>
#include <map>

#include "core/json_read.h"
#include "server/auth.h"
#include "server/store.h"

namespace aisle::server {
namespace {

using core::Error;
using nlohmann::json;

// Crockford-like: no 0/O, 1/I/L or U, so a code read aloud or typed from paper comes out right.
constexpr std::string_view kAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr int kRandomChars = 8;

std::string RandomPart() {
  std::string out;
  for (int i = 0; i < kRandomChars; ++i) out += kAlphabet[randombytes_uniform(static_cast<uint32_t>(kAlphabet.size()))];
  return out;
}

Error Invalid(const std::string& code, const std::string& field, const std::string& message) {
  return Error::Make(code, message, field);
}

}  // namespace

core::Result<json> IssueCouponBatch(Database& db, const json& body, const std::string& staff_code,
                                    const core::pricing::Rules* latest, int64_t now) {
  auto coupon_id = core::ReadString(body, "coupon_id", "");
  if (!coupon_id) return coupon_id.error();
  auto count = core::ReadInt(body, "count", "");
  if (!count) return count.error();
  if (*count < 1 || *count > kMaxCouponBatch) {
    return Invalid("invalid_parameter", "count", "count must be 1 to " + std::to_string(kMaxCouponBatch));
  }
  auto member = core::ReadOptionalString(body, "member_id", "");
  if (!member) return member.error();
  const std::string member_id = member->value_or("");
  const bool known = latest != nullptr && std::any_of(latest->coupons.begin(), latest->coupons.end(),
                                                      [&](const core::pricing::Promotion& c) { return c.id == *coupon_id; });
  if (!known) {
    return Invalid("coupon_unknown", "coupon_id", "the latest rules have no coupon " + *coupon_id);
  }
  if (!member_id.empty()) {
    auto s = db.Prepare("SELECT 1 FROM members WHERE member_id = ?");
    s.Bind(1, member_id);
    if (!s.Step()) return Invalid("member_unknown", "member_id", "no member " + member_id);
  }
  const std::string batch_id = NewToken().substr(0, 16);
  auto insert = db.Prepare(
      "INSERT OR IGNORE INTO coupon_codes (code, coupon_id, batch_id, member_id, issued_at, issued_by) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  json codes = json::array();
  while (static_cast<int64_t>(codes.size()) < *count) {
    const std::string code = *coupon_id + "-" + RandomPart();
    insert.Reset();
    insert.Bind(1, code).Bind(2, *coupon_id).Bind(3, batch_id).Bind(4, member_id).Bind(5, now).Bind(6, staff_code).Run();
    if (db.Changes() == 1) codes.push_back(code);  // a collision (30^8 codes) is simply drawn again
  }
  return json{{"batch_id", batch_id}, {"coupon_id", *coupon_id}, {"count", *count}, {"codes", std::move(codes)}};
}

std::optional<json> FindCoupon(Database& db, const std::string& code) {
  auto s = db.Prepare("SELECT code, coupon_id, batch_id, member_id, issued_at FROM coupon_codes WHERE code = ?");
  s.Bind(1, code);
  if (!s.Step()) return std::nullopt;
  json out = {{"code", s.Text(0)},      {"coupon_id", s.Text(1)}, {"batch_id", s.Text(2)},
              {"member_id", s.Text(3)}, {"issued_at", IsoTime(s.Int(4))}, {"redeemed", json::array()}};
  auto r = db.Prepare("SELECT sale_id, store_id, created_at FROM coupon_redemptions WHERE code = ? ORDER BY created_at");
  r.Bind(1, code);
  while (r.Step()) out["redeemed"].push_back({{"sale_id", r.Text(0)}, {"store_id", r.Text(1)}, {"at", IsoTime(r.Int(2))}});
  return out;
}

std::optional<json> MemberWallet(Database& db, const std::string& member_id, const core::pricing::Rules* latest) {
  auto member = db.Prepare("SELECT 1 FROM members WHERE member_id = ?");
  member.Bind(1, member_id);
  if (!member.Step()) return std::nullopt;
  // Which coupons of the latest rules are single-use (the default).
  std::map<std::string, bool> single_use;
  if (latest != nullptr) {
    for (const core::pricing::Promotion& c : latest->coupons) single_use[c.id] = c.single_use;
  }
  auto s = db.Prepare(
      "SELECT c.code, c.coupon_id, (SELECT count(*) FROM coupon_redemptions r WHERE r.code = c.code AND r.restored_by = '') "
      "FROM coupon_codes c WHERE c.member_id = ? ORDER BY c.issued_at, c.code");
  s.Bind(1, member_id);
  json coupons = json::array();
  while (s.Step()) {
    auto it = single_use.find(s.Text(1));
    if (it == single_use.end()) continue;  // its coupon is no longer in the rules
    if (it->second && s.Int(2) > 0) continue;  // used
    coupons.push_back({{"code", s.Text(0)}, {"coupon_id", s.Text(1)}});
  }
  return json{{"member_id", member_id}, {"coupons", std::move(coupons)}};
}

}  // namespace aisle::server
