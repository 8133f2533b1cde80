#include "core/hlc.h"

#include <gtest/gtest.h>

namespace aisle::core {
namespace {

TEST(Hlc, TextSortsAsTheStampAndRoundTrips) {
  const Hlc a{1'795'000'000'000, 3};
  const Hlc b{1'795'000'000'001, 0};
  EXPECT_EQ(FormatHlc(a), "1795000000000-00003");
  EXPECT_LT(FormatHlc(a), FormatHlc(b));
  EXPECT_EQ(*ParseHlc(FormatHlc(a), "hlc"), a);
}

TEST(Hlc, BadTextIsAnError) {
  for (const char* text : {"", "1795000000000", "1795000000000-0000", "179500000000a-00000", "1795000000000:00000",
                           "-795000000000-00000"}) {
    auto r = ParseHlc(text, "hlc");
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, "invalid_hlc");
    EXPECT_EQ(r.error().field, "hlc");
  }
}

TEST(Hlc, NeverRunsBackwardsWhenTheWallClockDoes) {
  HybridClock clock;
  const Hlc first = clock.Now(1000);
  const Hlc second = clock.Now(900);  // the wall clock stepped back
  const Hlc third = clock.Now(900);
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_EQ(second, (Hlc{1000, 1}));
  EXPECT_EQ(clock.Now(2000), (Hlc{2000, 0}));
}

TEST(Hlc, ReceiveOrdersAfterTheRemoteStamp) {
  HybridClock server;
  server.Now(1000);
  const Hlc remote{5000, 7};  // a device whose clock runs 4 s ahead
  const Hlc got = server.Receive(remote, 1001);
  EXPECT_GT(got, remote);
  EXPECT_GT(server.Now(1002), got);
}

TEST(Hlc, AStampFarAheadDoesNotDragTheClock) {
  HybridClock server;
  const int64_t now = 1'795'000'000'000;
  const Hlc next_year{now + 365LL * 24 * 3600 * 1000, 0};
  const Hlc got = server.Receive(next_year, now);
  EXPECT_EQ(got, (Hlc{now, 0}));
}

TEST(Hlc, CounterOverflowMovesToTheNextMillisecond) {
  HybridClock clock;
  clock.Receive(Hlc{1000, kHlcMaxCounter}, 1000);
  EXPECT_EQ(clock.last(), (Hlc{1001, 0}));
}

}  // namespace
}  // namespace aisle::core
