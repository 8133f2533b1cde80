// Coupon codes (docs/pricing.md, "Coupons"): the codes a chain hands out for
// the coupon templates of its rules document (`coupons`). A code is the
// template id, a dash and eight random characters of an alphabet without look-alikes
// ("CPN-20-7K3M9QXD"), so a terminal offline knows which template a typed or
// scanned code is for; the server knows which codes exist, for whom, and
// whether a single-use one was already redeemed. Runs inside the caller's
// transaction.
#ifndef AISLE_SERVER_COUPONS_H_
#define AISLE_SERVER_COUPONS_H_

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/pricing/rules.h"
#include "core/result.h"
#include "server/sqlite.h"

namespace aisle::server {

inline constexpr int64_t kMaxCouponBatch = 10'000;

// {"coupon_id", "count" (1..10000), "member_id"?} -> {"batch_id", "coupon_id", "count", "codes": [...]}.
// The template must be in the latest published rules (`coupon_unknown` at
// coupon_id); a member, when given, must exist (`member_unknown`).
// `latest`: the latest published rules (nullptr when none).
core::Result<nlohmann::json> IssueCouponBatch(Database& db, const nlohmann::json& body, const std::string& staff_code,
                                              const core::pricing::Rules* latest, int64_t now);

// {"code", "coupon_id", "batch_id", "member_id", "issued_at", "redeemed": [{"sale_id", "store_id", "at"}]}.
std::optional<nlohmann::json> FindCoupon(Database& db, const std::string& code);

// A member's wallet: the codes issued to them that may still be used (not
// redeemed by a sale that stands, or multi-use) for coupons of the latest
// rules: {"member_id", "coupons": [{"code", "coupon_id"}]}; nullopt for an unknown member.
std::optional<nlohmann::json> MemberWallet(Database& db, const std::string& member_id,
                                           const core::pricing::Rules* latest);

}  // namespace aisle::server

#endif  // AISLE_SERVER_COUPONS_H_
