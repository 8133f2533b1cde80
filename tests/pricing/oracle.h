// Brute-force pricing oracle for the property test of core/pricing/.
//
// Written from docs/pricing.md alone: it shares no code with the engine except
// core/money.h (MulDiv, Allocate). It enumerates every choice the
// specification allows on a tiny cart (a handful of units) and returns the
// least total. Obviously correct rather than fast; test code, so it throws
// (std::runtime_error) on malformed input instead of returning errors.
#ifndef AISLE_TESTS_PRICING_ORACLE_H_
#define AISLE_TESTS_PRICING_ORACLE_H_

#include <cstdint>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace aisle::oracle {

struct OracleResult {
  int64_t total = 0;       // least sum of line gross over every allowed choice
  int64_t list_total = 0;  // the same cart with no promotion (after price sources)
  uint64_t leaves = 0;     // complete choices evaluated (layer 2/3 subsets included)
  int units = 0;           // units after expansion
  // The most active promotions whose scope (or, for a bundle, any group)
  // holds one same unit: >= 3 is an "overlapping" case.
  int max_overlap = 0;
  // One best choice: per unit {"line","list","price","promotions":[ids]}.
  nlohmann::json explanation;
};

// Thrown when a case needs more than `leaf_budget` leaves.
struct OracleBudgetExceeded : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `request` is the engine's request: {"currency","lines","rules","context"}.
OracleResult BruteForce(const nlohmann::json& request, uint64_t leaf_budget = 50'000'000);

// The least `total` (sum of line gross after all layers, before cash rounding).
int64_t BruteForceTotal(const nlohmann::json& request);

}  // namespace aisle::oracle

#endif  // AISLE_TESTS_PRICING_ORACLE_H_
