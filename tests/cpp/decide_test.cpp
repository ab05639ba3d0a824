#include "aalgate/decide.hpp"

#include <gtest/gtest.h>

#include "aalgate/config.hpp"
#include "aalgate/requirement.hpp"

namespace {

TEST(Decide, reports_the_session_expiry_only_for_a_valid_session) {
  const auto config = aalgate::parse_config(R"({"baseUrl":"https://auth.example.com"})");
  const auto requirement = aalgate::parse_requirement(R"({"now":1785578400000})", config.value());
  const std::string session =
      R"({"active":true,"expires_at":"2026-08-02T10:00:05.123456Z","authenticator_assurance_level":"aal1"})";
  const auto d = aalgate::decide(config.value(), {true, 200, session}, requirement.value());
  ASSERT_TRUE(d.session_expires_at);
  EXPECT_EQ(d.session_expires_at->seconds, 1785664805);
  EXPECT_EQ(d.session_expires_at->nanos, 123456000);
  const auto none = aalgate::decide(config.value(), {true, 401, ""}, requirement.value());
  EXPECT_FALSE(none.session_expires_at);
  const auto bad = aalgate::decide(config.value(), {true, 200, "{}"}, requirement.value());
  EXPECT_FALSE(bad.session_expires_at);
}

}  // namespace
