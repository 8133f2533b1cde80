// Deterministic random carts and rule sets for the pricing property test.
// Seeded std::mt19937_64 only (never the clock): seed N gives the same case
// on every machine and every run.
#ifndef AISLE_TESTS_PRICING_RANDOM_RULES_H_
#define AISLE_TESTS_PRICING_RANDOM_RULES_H_

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace aisle::oracle {

// The promotion types of docs/pricing.md, in the order of its table.
inline constexpr const char* kPromotionTypes[] = {
    "percent_off", "amount_off", "fixed_price",       "flash_sale",       "buy_x_get_y",
    "bundle",      "mix_match",  "member_tier",       "threshold_amount", "threshold_percent"};

// A request for priceCart: 1-4 lines, 1-6 units, 1-5 promotions, a context.
// In about two cases of three, three or more promotions are aimed at one line.
// A threshold's higher tier never gives less than its lower one (the rules refuse that).
nlohmann::json RandomCase(uint64_t seed);

// An EAN-13 with a valid check digit built from a 12-digit stem.
std::string Ean13(const std::string& stem12);

}  // namespace aisle::oracle

#endif  // AISLE_TESTS_PRICING_RANDOM_RULES_H_
