#include "aalgate/timestamp.hpp"

#include <gtest/gtest.h>

namespace {

using aalgate::parse_rfc3339;

TEST(Timestamp, reads_kratos_nanosecond_times) {
  const auto t = parse_rfc3339("2023-02-03T15:41:22.898346346Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->seconds, 1675438882);
  EXPECT_EQ(t->nanos, 898346346);
}

TEST(Timestamp, reads_zero_to_nine_fraction_digits) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z")->nanos, 0);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00.5Z")->nanos, 500000000);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00.123456789Z")->nanos, 123456789);
  EXPECT_FALSE(parse_rfc3339("1970-01-01T00:00:00.1234567891Z"));
  EXPECT_FALSE(parse_rfc3339("1970-01-01T00:00:00.Z"));
}

TEST(Timestamp, applies_offsets) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T02:00:00+02:00")->seconds, 0);
  EXPECT_EQ(parse_rfc3339("1969-12-31T19:30:00-04:30")->seconds, 0);
  EXPECT_EQ(parse_rfc3339("1970-01-01t00:00:00z")->seconds, 0);
}

TEST(Timestamp, refuses_impossible_dates_and_junk) {
  for (const char* bad :
       {"2023-02-29T00:00:00Z", "2023-13-01T00:00:00Z", "2023-00-10T00:00:00Z",
        "2023-01-01T24:00:00Z", "2023-01-01T00:60:00Z", "2023-01-01 00:00:00Z",
        "2023-01-01T00:00:00", "2023-01-01T00:00:00+0100", "2023-01-01T00:00:00+24:00",
        "2023-01-01T00:00:00Zjunk", "", "yesterday"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
  EXPECT_TRUE(parse_rfc3339("2024-02-29T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339("2000-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("1900-02-29T00:00:00Z"));
}

TEST(Timestamp, recognises_go_zero_time) {
  EXPECT_TRUE(aalgate::is_go_zero_time(*parse_rfc3339("0001-01-01T00:00:00Z")));
  EXPECT_FALSE(aalgate::is_go_zero_time(*parse_rfc3339("0001-01-01T00:00:01Z")));
}

TEST(Timestamp, converts_milliseconds_and_measures_nanoseconds) {
  const auto t = aalgate::timestamp_from_unix_ms(1500.25);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->seconds, 1);
  EXPECT_EQ(t->nanos, 500250000);
  EXPECT_EQ(aalgate::timestamp_from_unix_ms(-1)->seconds, -1);
  EXPECT_EQ(aalgate::timestamp_from_unix_ms(-1)->nanos, 999000000);
  EXPECT_FALSE(aalgate::timestamp_from_unix_ms(1e300));
  EXPECT_EQ(aalgate::nanos_between({0, 999999999}, {1, 0}), 1);
  EXPECT_EQ(aalgate::nanos_between(*parse_rfc3339("0001-01-01T00:00:00Z"),
                                   *parse_rfc3339("9999-01-01T00:00:00Z")),
            INT64_MAX);
}

}  // namespace
