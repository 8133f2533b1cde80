#include "core/pan.h"

#include <gtest/gtest.h>

namespace aisle::core {
namespace {

TEST(Pan, CardNumbersInFreeTextAreFound) {
  const struct {
    const char* text;
    bool pan;
  } kCases[] = {
      {"4111111111111111", true},                       // Visa test number
      {"card 4111 1111 1111 1111 please", true},        // spaces between groups
      {"5500-0000-0000-0004", true},                     // dashes
      {"amex 378282246310005", true},                    // 15 digits
      {"6212345678901265", true},                        // UnionPay-like, passes Luhn
      {"4111111111111112", false},                       // fails Luhn
      {"顾客说 4111111111111111 是她的卡", true},          // inside Chinese text
      {"6901234567892", true},                           // an EAN-13 that happens to pass Luhn: refused in free
                                                         // text; fields typed as barcodes are never scanned
      {"phone 13812345678", false},                      // 11 digits
      {"4111  1111 1111 1111", false},                   // two spaces break the run: 4 + 12 digits
      {"41111111111111111115", false},                   // 20 digits (Luhn-valid, and its first 16 are a card
                                                         // number): a longer number, not searched inside
      {"order 2026-11-25, 3 items", false},
      {"", false},
  };
  for (const auto& c : kCases) EXPECT_EQ(ContainsCardNumber(c.text), c.pan) << c.text;
}

TEST(Pan, CheckFreeTextRefusesWithTheField) {
  auto bad = CheckFreeText("4111 1111 1111 1111", "payload.comment");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "pan_not_allowed");
  EXPECT_EQ(bad.error().field, "payload.comment");
  auto good = CheckFreeText("很好 great service", "payload.comment");
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, "很好 great service");
}

}  // namespace
}  // namespace aisle::core
