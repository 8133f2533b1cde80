#include "core/drawer.h"

#include <gtest/gtest.h>

namespace aisle::core {
namespace {

TEST(DrawerPayload, EachOperationIsChecked) {
  auto opened = ParseDrawerPayload(kDrawerOpened, Json{{"session_id", "d-1"}, {"float", 50000}});
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->amount, 50000);

  auto paid_out = ParseDrawerPayload(kDrawerMoved, Json{{"session_id", "d-1"}, {"kind", "paid_out"}, {"amount", 3500},
                                                        {"reason", "快递费 courier"}});
  ASSERT_TRUE(paid_out);
  EXPECT_EQ(paid_out->reason, "快递费 courier");
  EXPECT_EQ(ParseDrawerPayload(kDrawerMoved, Json{{"session_id", "d-1"}, {"kind", "paid_out"}, {"amount", 3500}})
                .error().code,
            "invalid_reason");  // money out needs a reason
  EXPECT_TRUE(ParseDrawerPayload(kDrawerMoved, Json{{"session_id", "d-1"}, {"kind", "no_sale"}}));
  EXPECT_EQ(ParseDrawerPayload(kDrawerMoved, Json{{"session_id", "d-1"}, {"kind", "pay_in"}, {"amount", 0},
                                                  {"reason", "change"}})
                .error().code,
            "invalid_amount");
  EXPECT_EQ(ParseDrawerPayload(kDrawerMoved, Json{{"session_id", "d-1"}, {"kind", "paid_out"}, {"amount", 100},
                                                  {"reason", "refund to card 4111 1111 1111 1111"}})
                .error().code,
            "pan_not_allowed");

  auto closed = ParseDrawerPayload(kDrawerClosed, Json{{"session_id", "d-1"},
                                                       {"counted", {{{"type", "cash"}, {"amount", 69000}}}}});
  ASSERT_TRUE(closed);
  ASSERT_EQ(closed->counted.size(), 1u);
  EXPECT_EQ(closed->counted[0].second, 69000);
  EXPECT_FALSE(ParseDrawerPayload(kDrawerClosed, Json{{"session_id", "d-1"}}));
}

TEST(DrawerReport, XThenZ) {
  const std::vector<DrawerMovement> moves = {{"sale", "cash", 10000}, {"sale", "card", 5000}, {"paid_out", "cash", 2000}};
  const DrawerReport x = ComputeDrawerReport(30000, moves, std::nullopt);
  EXPECT_FALSE(x.closed);
  ASSERT_EQ(x.tenders.size(), 2u);
  EXPECT_EQ(x.tenders[0].tender, "cash");
  EXPECT_EQ(x.tenders[0].expected, 38000);
  const DrawerReport z = ComputeDrawerReport(30000, moves, std::vector<std::pair<std::string, int64_t>>{{"cash", 38100}});
  EXPECT_TRUE(z.closed);
  EXPECT_EQ(z.tenders[0].variance, 100);
  EXPECT_EQ(z.tenders[1].variance, -5000);  // the card batch was not counted: 0 against 5000
  EXPECT_EQ(z.variance, -4900);
}

}  // namespace
}  // namespace aisle::core
