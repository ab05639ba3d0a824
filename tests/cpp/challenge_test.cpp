#include "aalgate/challenge.hpp"

#include <gtest/gtest.h>

namespace {

using aalgate::parse_challenge;
using aalgate::RequiredAal;

TEST(Challenge, builds_rfc9470_values) {
  EXPECT_EQ(
      aalgate::build_challenge(true, std::nullopt),
      R"(Bearer error="insufficient_user_authentication", error_description="A second authentication factor is required", acr_values="aal2")");
  EXPECT_EQ(
      aalgate::build_challenge(false, 90900000000),
      R"(Bearer error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age="90")");
}

TEST(Challenge, reads_back_its_own_values) {
  const auto step_up = parse_challenge(aalgate::build_challenge(true, std::nullopt));
  ASSERT_TRUE(step_up);
  EXPECT_EQ(step_up->aal, RequiredAal::aal2);
  EXPECT_FALSE(step_up->max_age_seconds);
  const auto refresh = parse_challenge(aalgate::build_challenge(true, 600000000000));
  ASSERT_TRUE(refresh);
  EXPECT_EQ(refresh->aal, RequiredAal::aal2);
  EXPECT_EQ(refresh->max_age_seconds, 600);
}

TEST(Challenge, finds_the_bearer_challenge_among_several) {
  const auto c = parse_challenge(
      R"(Basic realm="x", Bearer realm="api", Bearer max_age=5, error=insufficient_user_authentication, Negotiate abc==)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->aal, RequiredAal::aal1);
  EXPECT_EQ(c->max_age_seconds, 5);
  const auto token68_first = parse_challenge(
      R"(Basic YWxhZGRpbjpvcGVuc2VzYW1l==, bearer ACR_VALUES="aal1 aal3", ERROR="insufficient_user_authentication")");
  ASSERT_TRUE(token68_first);
  EXPECT_EQ(token68_first->aal, RequiredAal::aal2);
}

TEST(Challenge, reads_quoted_escapes_and_spaces_around_equals) {
  const auto c = parse_challenge(
      R"(Bearer error_description="say \"hi\", then", error = "insufficient_user_authentication" , acr_values = "aal2")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->aal, RequiredAal::aal2);
}

TEST(Challenge, gives_nothing_for_what_it_cannot_use) {
  for (const char* header :
       {"", "Bearer", R"(Bearer error="invalid_token")",
        R"(Bearer error="insufficient_user_authentication")",
        R"(Bearer error="insufficient_user_authentication", acr_values="urn:silver")",
        R"(Bearer error="insufficient_user_authentication", max_age="-5")",
        R"(Bearer error="insufficient_user_authentication", max_age="5", acr_values="aal2)",
        R"(Basic error="insufficient_user_authentication", acr_values="aal2")"}) {
    EXPECT_FALSE(parse_challenge(header)) << header;
  }
}

}  // namespace
