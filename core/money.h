// Money: an exact amount in integer minor units of an ISO 4217 currency.
//
// Aisle never uses floating point for money (ARCHITECTURE principle 4). Every
// arithmetic step is overflow checked and returns Result; every division names
// its rounding mode. Values are immutable and cheap to copy; no global state.
#ifndef AISLE_CORE_MONEY_H_
#define AISLE_CORE_MONEY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace aisle::core {

// An ISO 4217 currency with the number of digits of its minor unit
// (CNY 2: 1 yuan = 100 fen; JPY 0; KWD 3).
struct Currency {
  std::string_view code;
  int exponent = 2;

  friend bool operator==(const Currency& a, const Currency& b) { return a.code == b.code; }
};

// Looks a currency up by its code ("CNY"); unknown codes are an error.
Result<Currency> FindCurrency(std::string_view code);

// How a quotient that falls between two minor units is resolved.
enum class RoundingMode {
  kHalfUp,    // ties away from zero: 2.5 -> 3, -2.5 -> -3 (China's 四舍五入)
  kHalfEven,  // ties to the even neighbour: 2.5 -> 2, 3.5 -> 4 (banker's)
  kHalfDown,  // ties toward zero: 2.5 -> 2
  kDown,      // toward zero (truncate)
  kUp,        // away from zero
  kFloor,     // toward minus infinity
  kCeiling,   // toward plus infinity
};

// Parses "half_up", "half_even", ... (the names used in JSON and config).
Result<RoundingMode> ParseRoundingMode(std::string_view name);
std::string_view RoundingModeName(RoundingMode mode);

// Checked integer helpers (overflow -> error "money_overflow").
Result<int64_t> CheckedAdd(int64_t a, int64_t b);
Result<int64_t> CheckedMul(int64_t a, int64_t b);
// a * b / den, rounded with `mode`, computed in 128 bits; den must be > 0.
Result<int64_t> MulDiv(int64_t a, int64_t b, int64_t den, RoundingMode mode);
// Rounds `amount` to a multiple of `increment` (cash rounding: 10 fen, 100 fen).
Result<int64_t> RoundToIncrement(int64_t amount, int64_t increment, RoundingMode mode);

// Splits `amount` into parts proportional to `weights` (all >= 0, sum > 0)
// without losing or inventing a minor unit: each part gets the floor of its
// exact share, and the units left over go one each to the parts with the
// largest remainders (ties: the earlier part). Negative amounts split like
// their absolute value, negated.
Result<std::vector<int64_t>> Allocate(int64_t amount, const std::vector<int64_t>& weights);

class Money {
 public:
  Money(int64_t minor, Currency currency) : minor_(minor), currency_(currency) {}

  // Parses a decimal string in major units ("39.98", "-5", "0.5") exactly;
  // more fraction digits than the currency has is an error, never rounded.
  static Result<Money> Parse(std::string_view text, Currency currency);

  int64_t minor() const { return minor_; }
  const Currency& currency() const { return currency_; }

  Result<Money> Add(const Money& other) const;
  Result<Money> Subtract(const Money& other) const;
  Result<Money> Multiply(int64_t factor) const;
  // The amount times numerator/denominator, rounded with `mode`.
  Result<Money> Scale(int64_t numerator, int64_t denominator, RoundingMode mode) const;
  Result<std::vector<Money>> Allocate(const std::vector<int64_t>& weights) const;

  // "39.98" (no symbol, no grouping), "-0.05", "100" for JPY.
  std::string ToDecimalString() const;

  friend bool operator==(const Money& a, const Money& b) {
    return a.minor_ == b.minor_ && a.currency_ == b.currency_;
  }

 private:
  int64_t minor_;
  Currency currency_;
};

}  // namespace aisle::core

#endif  // AISLE_CORE_MONEY_H_
