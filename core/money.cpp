#include "core/money.h"

#include <algorithm>
#include <array>
#include <numeric>

namespace aisle::core {
namespace {

__extension__ using Int128 = __int128;

constexpr std::array<Currency, 14> kCurrencies = {{
    {"CNY", 2}, {"HKD", 2}, {"MOP", 2}, {"TWD", 2}, {"USD", 2}, {"EUR", 2}, {"GBP", 2},
    {"SGD", 2}, {"AUD", 2}, {"JPY", 0}, {"KRW", 0}, {"KWD", 3}, {"BHD", 3}, {"CHF", 2},
}};

Error Overflow() { return Error::Make("money_overflow", "amount out of range"); }

bool FitsInt64(Int128 v) {
  return v >= static_cast<Int128>(INT64_MIN) && v <= static_cast<Int128>(INT64_MAX);
}

// Rounds the exact quotient num/den (den > 0) to an integer. Int is
// int64_t when the operands fit (the usual case: 128-bit division is a
// library call natively and slower still in WebAssembly), Int128 otherwise;
// the answer is the same.
template <typename Int>
Int DivideRounded(Int num, Int den, RoundingMode mode) {
  Int q = num / den;  // truncated toward zero
  Int r = num % den;  // same sign as num
  if (r == 0) return q;
  const int sign = num < 0 ? -1 : 1;
  const Int abs_r = r < 0 ? -r : r;
  const Int rest = den - abs_r;  // 2 |r| compared with den, without overflow
  bool away = false;  // move one unit away from zero?
  switch (mode) {
    case RoundingMode::kDown: away = false; break;
    case RoundingMode::kUp: away = true; break;
    case RoundingMode::kFloor: away = sign < 0; break;
    case RoundingMode::kCeiling: away = sign > 0; break;
    case RoundingMode::kHalfUp: away = abs_r >= rest; break;
    case RoundingMode::kHalfDown: away = abs_r > rest; break;
    case RoundingMode::kHalfEven:
      away = abs_r > rest || (abs_r == rest && (q % 2 != 0));
      break;
  }
  return away ? q + sign : q;
}

}  // namespace

Result<Currency> FindCurrency(std::string_view code) {
  for (const Currency& c : kCurrencies) {
    if (c.code == code) return c;
  }
  return Error::Make("unknown_currency", "unknown currency code '" + std::string(code) + "'");
}

Result<RoundingMode> ParseRoundingMode(std::string_view name) {
  for (RoundingMode m : {RoundingMode::kHalfUp, RoundingMode::kHalfEven, RoundingMode::kHalfDown,
                         RoundingMode::kDown, RoundingMode::kUp, RoundingMode::kFloor,
                         RoundingMode::kCeiling}) {
    if (RoundingModeName(m) == name) return m;
  }
  return Error::Make("unknown_rounding_mode", "unknown rounding mode '" + std::string(name) + "'");
}

std::string_view RoundingModeName(RoundingMode mode) {
  switch (mode) {
    case RoundingMode::kHalfUp: return "half_up";
    case RoundingMode::kHalfEven: return "half_even";
    case RoundingMode::kHalfDown: return "half_down";
    case RoundingMode::kDown: return "down";
    case RoundingMode::kUp: return "up";
    case RoundingMode::kFloor: return "floor";
    case RoundingMode::kCeiling: return "ceiling";
  }
  return "half_up";
}

Result<int64_t> CheckedAdd(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return Overflow();
  return out;
}

Result<int64_t> CheckedMul(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return Overflow();
  return out;
}

Result<int64_t> MulDiv(int64_t a, int64_t b, int64_t den, RoundingMode mode) {
  if (den <= 0) return Error::Make("invalid_divisor", "divisor must be positive");
  if (int64_t product = 0; !__builtin_mul_overflow(a, b, &product)) return DivideRounded<int64_t>(product, den, mode);
  const Int128 q = DivideRounded<Int128>(static_cast<Int128>(a) * b, den, mode);
  if (!FitsInt64(q)) return Overflow();
  return static_cast<int64_t>(q);
}

Result<int64_t> RoundToIncrement(int64_t amount, int64_t increment, RoundingMode mode) {
  if (increment <= 0) return Error::Make("invalid_increment", "increment must be positive");
  const Int128 q = DivideRounded<Int128>(amount, increment, mode) * increment;
  if (!FitsInt64(q)) return Overflow();
  return static_cast<int64_t>(q);
}

Result<std::vector<int64_t>> Allocate(int64_t amount, const std::vector<int64_t>& weights) {
  if (weights.empty()) return Error::Make("allocation_no_weights", "nothing to allocate to");
  Int128 total_weight = 0;
  for (int64_t w : weights) {
    if (w < 0) return Error::Make("allocation_negative_weight", "weights must not be negative");
    total_weight += w;
  }
  if (total_weight == 0) return Error::Make("allocation_zero_weights", "weights sum to zero");

  const bool negative = amount < 0;
  const Int128 abs_amount = negative ? -static_cast<Int128>(amount) : amount;
  std::vector<int64_t> parts(weights.size());
  std::vector<Int128> remainders(weights.size());
  Int128 given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const Int128 exact = abs_amount * weights[i];
    if (FitsInt64(exact) && FitsInt64(total_weight)) {  // the same in 64 bits, without a 128-bit division
      const auto e = static_cast<int64_t>(exact);
      const auto t = static_cast<int64_t>(total_weight);
      parts[i] = e / t;
      remainders[i] = e % t;
    } else {
      parts[i] = static_cast<int64_t>(exact / total_weight);
      remainders[i] = exact % total_weight;
    }
    given += parts[i];
  }
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return remainders[a] > remainders[b]; });
  // The leftover is below the number of parts, since each remainder < 1 unit.
  for (size_t k = 0; given < abs_amount; ++k, ++given) parts[order[k]] += 1;
  if (negative) {
    for (int64_t& p : parts) p = -p;
  }
  return parts;
}

Result<Money> Money::Parse(std::string_view text, Currency currency) {
  const auto bad = [&] {
    return Error::Make("invalid_amount", "not a decimal amount: '" + std::string(text) + "'");
  };
  if (text.empty()) return bad();
  bool negative = false;
  size_t i = 0;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    i = 1;
  }
  Int128 value = 0;
  int fraction_digits = -1;  // -1: no decimal point seen
  bool any_digit = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (fraction_digits >= 0) return bad();
      fraction_digits = 0;
      continue;
    }
    if (c < '0' || c > '9') return bad();
    any_digit = true;
    if (fraction_digits >= 0 && ++fraction_digits > currency.exponent) {
      return Error::Make("invalid_amount", "too many decimals for " + std::string(currency.code));
    }
    value = value * 10 + (c - '0');
    if (value > static_cast<Int128>(INT64_MAX)) return Overflow();
  }
  if (!any_digit) return bad();
  for (int d = std::max(fraction_digits, 0); d < currency.exponent; ++d) {
    value *= 10;
    if (value > static_cast<Int128>(INT64_MAX)) return Overflow();
  }
  return Money(static_cast<int64_t>(negative ? -value : value), currency);
}

Result<Money> Money::Add(const Money& other) const {
  if (!(currency_ == other.currency_)) return Error::Make("currency_mismatch", "different currencies");
  auto sum = CheckedAdd(minor_, other.minor_);
  if (!sum) return sum.error();
  return Money(*sum, currency_);
}

Result<Money> Money::Subtract(const Money& other) const {
  if (other.minor_ == INT64_MIN) return Overflow();
  return Add(Money(-other.minor_, other.currency_));
}

Result<Money> Money::Multiply(int64_t factor) const {
  auto product = CheckedMul(minor_, factor);
  if (!product) return product.error();
  return Money(*product, currency_);
}

Result<Money> Money::Scale(int64_t numerator, int64_t denominator, RoundingMode mode) const {
  auto scaled = MulDiv(minor_, numerator, denominator, mode);
  if (!scaled) return scaled.error();
  return Money(*scaled, currency_);
}

Result<std::vector<Money>> Money::Allocate(const std::vector<int64_t>& weights) const {
  auto parts = core::Allocate(minor_, weights);
  if (!parts) return parts.error();
  std::vector<Money> out;
  out.reserve(parts->size());
  for (int64_t p : *parts) out.emplace_back(p, currency_);
  return out;
}

std::string Money::ToDecimalString() const {
  const bool negative = minor_ < 0;
  // Work on the unsigned magnitude so INT64_MIN prints correctly.
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor_) : static_cast<uint64_t>(minor_);
  std::string digits = std::to_string(magnitude);
  if (currency_.exponent > 0) {
    const size_t exp = static_cast<size_t>(currency_.exponent);
    if (digits.size() <= exp) digits.insert(0, exp + 1 - digits.size(), '0');
    digits.insert(digits.size() - exp, ".");
  }
  return negative ? "-" + digits : digits;
}

}  // namespace aisle::core
