#include "core/cart.h"

#include <gtest/gtest.h>

namespace aisle::core {
namespace {

const Currency kCny{"CNY", 2};

CartLine Unit(int64_t qty, int64_t price, int32_t bp) {
  return CartLine{.barcode = "6901234567892", .qty = qty, .unit_price = price, .tax_rate_bp = bp};
}

TEST(Cart, TaxInclusiveLinesAndTotals) {
  Cart cart{kCny, {Unit(2, 1999, 1300), Unit(1, 1000, 900), Unit(3, 333, 600), Unit(1, 500, 0)}};
  auto priced = PriceCart(cart);
  ASSERT_TRUE(priced);
  // 3998 * 13/113 = 459.93 -> 460
  EXPECT_EQ(priced->lines[0].gross, 3998);
  EXPECT_EQ(priced->lines[0].tax, 460);
  EXPECT_EQ(priced->lines[0].net, 3538);
  // 1000 * 9/109 = 82.57 -> 83
  EXPECT_EQ(priced->lines[1].tax, 83);
  // 999 * 6/106 = 56.55 -> 57
  EXPECT_EQ(priced->lines[2].tax, 57);
  EXPECT_EQ(priced->lines[3].tax, 0);
  EXPECT_EQ(priced->total, 3998 + 1000 + 999 + 500);
  EXPECT_EQ(priced->tax, 460 + 83 + 57);
  EXPECT_EQ(priced->net + priced->tax, priced->total);
  EXPECT_EQ(priced->units, 7);
}

TEST(Cart, WeighedItemsRoundHalfUpToTheFen) {
  CartLine apples{.barcode = "6901234567892", .qty = 1250, .unit_price = 1990, .tax_rate_bp = 900, .sold_by = SoldBy::kWeight};  // 1.25 kg at 19.90/kg
  auto priced = PriceCart(Cart{kCny, {apples}});
  ASSERT_TRUE(priced);
  EXPECT_EQ(priced->lines[0].gross, 2488);  // 2487.5 -> 2488
  EXPECT_EQ(priced->units, 1);
  apples.qty = 1;  // one gram: 1.99 fen -> 2
  EXPECT_EQ(PriceCart(Cart{kCny, {apples}})->total, 2);
}

TEST(Cart, BadLines) {
  EXPECT_EQ(PriceCart(Cart{kCny, {Unit(0, 100, 1300)}}).error().code, "invalid_quantity");
  EXPECT_EQ(PriceCart(Cart{kCny, {Unit(-1, 100, 1300)}}).error().field, "lines[0].qty");
  EXPECT_EQ(PriceCart(Cart{kCny, {Unit(kMaxUnitQty + 1, 1, 1300)}}).error().code, "invalid_quantity");
  EXPECT_EQ(PriceCart(Cart{kCny, {Unit(1, -1, 1300)}}).error().code, "invalid_price");
  EXPECT_EQ(PriceCart(Cart{kCny, {Unit(1, 1, 10001)}}).error().code, "invalid_tax_rate");
  Cart big{kCny, std::vector<CartLine>(kMaxCartLines + 1, Unit(1, 1, 0))};
  EXPECT_EQ(PriceCart(big).error().code, "too_many_lines");
}

TEST(Cart, LargestLegalCartDoesNotOverflow) {
  Cart big{kCny, std::vector<CartLine>(kMaxCartLines, Unit(kMaxUnitQty, kMaxUnitPrice, 1300))};
  auto priced = PriceCart(big);
  ASSERT_TRUE(priced);
  EXPECT_EQ(priced->total, int64_t{kMaxCartLines} * kMaxUnitQty * kMaxUnitPrice);
}

TEST(Cart, EmptyCartIsZero) {
  auto priced = PriceCart(Cart{kCny, {}});
  ASSERT_TRUE(priced);
  EXPECT_EQ(priced->total, 0);
}

}  // namespace
}  // namespace aisle::core
