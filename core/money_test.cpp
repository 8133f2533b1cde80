#include "core/money.h"

#include <gtest/gtest.h>

#include <numeric>

namespace aisle::core {
namespace {

const Currency kCny{"CNY", 2};

TEST(Currency, KnownAndUnknown) {
  ASSERT_TRUE(FindCurrency("CNY"));
  EXPECT_EQ(FindCurrency("JPY")->exponent, 0);
  EXPECT_EQ(FindCurrency("KWD")->exponent, 3);
  EXPECT_EQ(FindCurrency("XXX").error().code, "unknown_currency");
}

struct RoundCase {
  int64_t num, den;
  RoundingMode mode;
  int64_t want;
};

TEST(MulDiv, EveryRoundingModeOnTiesAndNegatives) {
  const RoundCase cases[] = {
      {25, 10, RoundingMode::kHalfUp, 3},     {-25, 10, RoundingMode::kHalfUp, -3},
      {25, 10, RoundingMode::kHalfEven, 2},   {35, 10, RoundingMode::kHalfEven, 4},
      {-25, 10, RoundingMode::kHalfEven, -2}, {25, 10, RoundingMode::kHalfDown, 2},
      {26, 10, RoundingMode::kHalfDown, 3},   {29, 10, RoundingMode::kDown, 2},
      {-29, 10, RoundingMode::kDown, -2},     {21, 10, RoundingMode::kUp, 3},
      {-21, 10, RoundingMode::kUp, -3},       {-21, 10, RoundingMode::kFloor, -3},
      {21, 10, RoundingMode::kFloor, 2},      {21, 10, RoundingMode::kCeiling, 3},
      {-21, 10, RoundingMode::kCeiling, -2},  {24, 10, RoundingMode::kHalfUp, 2},
      {30, 10, RoundingMode::kUp, 3},
  };
  for (const RoundCase& c : cases) {
    auto got = MulDiv(c.num, 1, c.den, c.mode);
    ASSERT_TRUE(got) << c.num;
    EXPECT_EQ(*got, c.want) << c.num << "/" << c.den << " " << RoundingModeName(c.mode);
  }
}

TEST(MulDiv, WorksPastInt64IntermediateAndReportsOverflow) {
  // INT64_MAX * 3 / 3 needs 128-bit intermediates.
  EXPECT_EQ(*MulDiv(INT64_MAX, 3, 3, RoundingMode::kHalfUp), INT64_MAX);
  EXPECT_EQ(MulDiv(INT64_MAX, 3, 2, RoundingMode::kHalfUp).error().code, "money_overflow");
  EXPECT_EQ(MulDiv(1, 1, 0, RoundingMode::kHalfUp).error().code, "invalid_divisor");
}

TEST(Checked, OverflowIsAnError) {
  EXPECT_EQ(CheckedAdd(INT64_MAX, 1).error().code, "money_overflow");
  EXPECT_EQ(CheckedMul(INT64_MAX / 2 + 1, 2).error().code, "money_overflow");
  EXPECT_EQ(*CheckedAdd(-5, 3), -2);
  Money max(INT64_MAX, kCny);
  EXPECT_FALSE(max.Add(Money(1, kCny)));
  EXPECT_FALSE(Money(INT64_MIN, kCny).Multiply(-1));
  EXPECT_EQ(Money(1, kCny).Add(Money(1, Currency{"JPY", 0})).error().code, "currency_mismatch");
}

TEST(RoundToIncrement, CashRounding) {
  EXPECT_EQ(*RoundToIncrement(3998, 10, RoundingMode::kHalfUp), 4000);
  EXPECT_EQ(*RoundToIncrement(3994, 10, RoundingMode::kHalfUp), 3990);
  EXPECT_EQ(*RoundToIncrement(3995, 10, RoundingMode::kHalfEven), 4000);
  EXPECT_EQ(*RoundToIncrement(3985, 10, RoundingMode::kHalfEven), 3980);
  EXPECT_EQ(*RoundToIncrement(3950, 100, RoundingMode::kDown), 3900);
}

TEST(Allocate, NeverLosesOrInventsAUnit) {
  auto parts = Allocate(100, {1, 1, 1});
  ASSERT_TRUE(parts);
  EXPECT_EQ(*parts, (std::vector<int64_t>{34, 33, 33}));
  EXPECT_EQ(*Allocate(-100, {1, 1, 1}), (std::vector<int64_t>{-34, -33, -33}));
  EXPECT_EQ(*Allocate(5, {0, 3, 1}), (std::vector<int64_t>{0, 4, 1}));
  // Largest remainder: 1000 over 3999/1999/2 -> exact 666.6/333.2/0.3
  EXPECT_EQ(*Allocate(1000, {3999, 1999, 2}), (std::vector<int64_t>{667, 333, 0}));
  for (int64_t amount : {0LL, 1LL, 7LL, 999LL, 123457LL, -31LL}) {
    for (const auto& w : std::vector<std::vector<int64_t>>{{1}, {1, 2}, {3, 3, 3}, {5, 0, 7, 11}}) {
      auto got = Allocate(amount, w);
      ASSERT_TRUE(got);
      EXPECT_EQ(std::accumulate(got->begin(), got->end(), int64_t{0}), amount);
    }
  }
}

TEST(Allocate, BadWeights) {
  EXPECT_EQ(Allocate(1, {}).error().code, "allocation_no_weights");
  EXPECT_EQ(Allocate(1, {0, 0}).error().code, "allocation_zero_weights");
  EXPECT_EQ(Allocate(1, {1, -1}).error().code, "allocation_negative_weight");
  EXPECT_EQ(*Allocate(INT64_MAX, {INT64_MAX, INT64_MAX}),
            (std::vector<int64_t>{INT64_MAX / 2 + 1, INT64_MAX / 2}));
}

TEST(Money, ParseAndFormat) {
  EXPECT_EQ(Money::Parse("39.98", kCny)->minor(), 3998);
  EXPECT_EQ(Money::Parse("-0.5", kCny)->minor(), -50);
  EXPECT_EQ(Money::Parse("12", kCny)->minor(), 1200);
  EXPECT_EQ(Money::Parse("1.234", kCny).error().code, "invalid_amount");
  EXPECT_EQ(Money::Parse("1,00", kCny).error().code, "invalid_amount");
  EXPECT_EQ(Money::Parse("", kCny).error().code, "invalid_amount");
  EXPECT_EQ(Money::Parse("99999999999999999999", kCny).error().code, "money_overflow");
  EXPECT_EQ(Money(3998, kCny).ToDecimalString(), "39.98");
  EXPECT_EQ(Money(-5, kCny).ToDecimalString(), "-0.05");
  EXPECT_EQ(Money(500, Currency{"JPY", 0}).ToDecimalString(), "500");
  EXPECT_EQ(Money(INT64_MIN, kCny).ToDecimalString(), "-92233720368547758.08");
}

TEST(Money, ScaleAndAllocate) {
  EXPECT_EQ(Money(999, kCny).Scale(1, 2, RoundingMode::kHalfEven)->minor(), 500);
  EXPECT_EQ(Money(997, kCny).Scale(1, 2, RoundingMode::kHalfEven)->minor(), 498);
  auto parts = Money(1000, kCny).Allocate({1, 2});
  ASSERT_TRUE(parts);
  EXPECT_EQ((*parts)[0].minor() + (*parts)[1].minor(), 1000);
}

TEST(RoundingMode, NamesRoundTrip) {
  for (auto m : {RoundingMode::kHalfUp, RoundingMode::kHalfEven, RoundingMode::kCeiling}) {
    EXPECT_EQ(*ParseRoundingMode(RoundingModeName(m)), m);
  }
  EXPECT_FALSE(ParseRoundingMode("banker"));
}

}  // namespace
}  // namespace aisle::core
