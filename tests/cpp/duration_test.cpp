#include "aalgate/duration.hpp"

#include <gtest/gtest.h>

namespace {

using aalgate::parse_go_duration;
constexpr std::int64_t kSecond = 1000000000;

TEST(Duration, reads_go_units_and_sums_components) {
  EXPECT_EQ(parse_go_duration("90s"), 90 * kSecond);
  EXPECT_EQ(parse_go_duration("10m"), 600 * kSecond);
  EXPECT_EQ(parse_go_duration("1h30m"), 5400 * kSecond);
  EXPECT_EQ(parse_go_duration("1h30m15s250ms"), 5415 * kSecond + 250000000);
  EXPECT_EQ(parse_go_duration("300ms"), 300000000);
  EXPECT_EQ(parse_go_duration("7us"), 7000);
  EXPECT_EQ(parse_go_duration("7\xC2\xB5s"), 7000);
  EXPECT_EQ(parse_go_duration("7\xCE\xBCs"), 7000);
  EXPECT_EQ(parse_go_duration("5ns"), 5);
}

TEST(Duration, keeps_fractions_like_go) {
  EXPECT_EQ(parse_go_duration("1.5h"), 5400 * kSecond);
  EXPECT_EQ(parse_go_duration(".5s"), kSecond / 2);
  EXPECT_EQ(parse_go_duration("1.s"), kSecond);
  EXPECT_EQ(parse_go_duration("0.000000001s"), 1);
}

TEST(Duration, zero_needs_no_unit_but_other_numbers_do) {
  EXPECT_EQ(parse_go_duration("0"), 0);
  EXPECT_EQ(parse_go_duration("0s"), 0);
  EXPECT_EQ(parse_go_duration("10"), std::nullopt);
  EXPECT_EQ(parse_go_duration("1h30"), std::nullopt);
}

TEST(Duration, refuses_signs_garbage_and_overflow) {
  for (const char* bad : {"", "-5m", "+5m", "abc", "5x", "m", ".s", "5 m", " 5m", "5m ", "1d",
                          "99999999999999999999h", "2562048h", "9223372036854775808ns"}) {
    EXPECT_EQ(parse_go_duration(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(parse_go_duration("9223372036854775807ns"), 9223372036854775807LL);
}

TEST(Duration, seconds_must_be_finite_and_not_negative) {
  EXPECT_EQ(aalgate::seconds_to_nanos(1.5), 1500000000);
  EXPECT_EQ(aalgate::seconds_to_nanos(-1), std::nullopt);
  EXPECT_EQ(aalgate::seconds_to_nanos(1e300), std::nullopt);
}

}  // namespace
