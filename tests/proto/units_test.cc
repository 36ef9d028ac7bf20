// Units parsing: every accepted form and the refusals a typo must produce.
#include "proto/units.h"

#include <gtest/gtest.h>

namespace nsw {
namespace {

TEST(ParseDuration, AcceptsEveryUnit) {
  int64_t us = 0;
  ASSERT_TRUE(ParseDuration("250us", &us).ok());
  EXPECT_EQ(us, 250);
  ASSERT_TRUE(ParseDuration("500ms", &us).ok());
  EXPECT_EQ(us, 500000);
  ASSERT_TRUE(ParseDuration("1.5s", &us).ok());
  EXPECT_EQ(us, 1500000);
  ASSERT_TRUE(ParseDuration("2m", &us).ok());
  EXPECT_EQ(us, 120000000);
  ASSERT_TRUE(ParseDuration("1h", &us).ok());
  EXPECT_EQ(us, kMicrosPerHour);
  ASSERT_TRUE(ParseDuration("7d", &us).ok());
  EXPECT_EQ(us, 7 * kMicrosPerDay);
}

TEST(ParseDuration, RefusesBareNumbersAndJunk) {
  int64_t us = 0;
  for (const char* text : {"", "10", "s", "-1s", "1x", "1 s", "1.2.3s", "1e3s"}) {
    Status s = ParseDuration(text, &us);
    EXPECT_TRUE(s.IsInvalidArgument()) << text;
    EXPECT_NE(s.message().find("invalid duration"), std::string::npos) << text;
  }
}

TEST(ParseSize, BinarySuffixes) {
  uint64_t bytes = 0;
  ASSERT_TRUE(ParseSize("4096", &bytes).ok());
  EXPECT_EQ(bytes, 4096u);
  ASSERT_TRUE(ParseSize("16k", &bytes).ok());
  EXPECT_EQ(bytes, 16384u);
  ASSERT_TRUE(ParseSize("64M", &bytes).ok());
  EXPECT_EQ(bytes, 64ull << 20);
  ASSERT_TRUE(ParseSize("2G", &bytes).ok());
  EXPECT_EQ(bytes, 2ull << 30);
  EXPECT_FALSE(ParseSize("12T", &bytes).ok());
  EXPECT_FALSE(ParseSize("k", &bytes).ok());
}

TEST(ParseInstant, Rfc3339WithOffsetsAndFractions) {
  int64_t us = 0;
  ASSERT_TRUE(ParseInstant("1970-01-01T00:00:00Z", &us).ok());
  EXPECT_EQ(us, 0);
  ASSERT_TRUE(ParseInstant("2020-01-01T00:00:00+07:00", &us).ok());
  EXPECT_EQ(us, 1577811600LL * kMicrosPerSecond);
  ASSERT_TRUE(ParseInstant("2020-01-01T00:00:00.25Z", &us).ok());
  EXPECT_EQ(us, 1577836800LL * kMicrosPerSecond + 250000);
  ASSERT_TRUE(ParseInstant("1600000000000000", &us).ok());
  EXPECT_EQ(us, 1600000000000000LL);
}

TEST(ParseInstant, RefusesMalformed) {
  int64_t us = 0;
  for (const char* text : {"2020-01-01", "2020-01-01T00:00:00", "2020-13-01T00:00:00Z",
                           "2020-01-01T00:00:00+7:00", "2020-01-01T00:00:00Zjunk", "yesterday"}) {
    EXPECT_TRUE(ParseInstant(text, &us).IsInvalidArgument()) << text;
  }
}

TEST(FormatInstant, RoundTripsThroughParse) {
  for (int64_t us : {0LL, 1577811600LL * kMicrosPerSecond + 123456, -86400LL * kMicrosPerSecond,
                     1735689599LL * kMicrosPerSecond}) {
    int64_t back = 0;
    ASSERT_TRUE(ParseInstant(FormatInstant(us), &back).ok()) << FormatInstant(us);
    EXPECT_EQ(back, us);
  }
  EXPECT_EQ(FormatInstant(1577811600LL * kMicrosPerSecond), "2019-12-31T17:00:00Z");
}

TEST(CivilDays, MatchesKnownDates) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  int y;
  unsigned m, d;
  CivilFromDays(DaysFromCivil(2024, 2, 29), &y, &m, &d);
  EXPECT_EQ(y, 2024);
  EXPECT_EQ(m, 2u);
  EXPECT_EQ(d, 29u);
}

TEST(FormatDuration, PicksReadableUnits) {
  EXPECT_EQ(FormatDuration(250), "250us");
  EXPECT_EQ(FormatDuration(1500), "1.5ms");
  EXPECT_EQ(FormatDuration(1500000), "1.5s");
  EXPECT_EQ(FormatDuration(2 * kMicrosPerHour), "2h");
}

}  // namespace
}  // namespace nsw
