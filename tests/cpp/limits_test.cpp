// The core's size limits (issue 13): maxBodyBytes, the policy's rule count and pattern length,
// the request URL and returnTo. Each limit is accepted exactly and refused one past it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "aalgate/aalgate.hpp"
#include "aalgate/policy.hpp"
#include "aalgate/return_to.hpp"

namespace {

using Json = nlohmann::json;

aalgate::Config config_of(const Json& config) {
  auto parsed = aalgate::parse_config(config.dump());
  EXPECT_TRUE(parsed) << parsed.error().code << ": " << parsed.error().message;
  return std::move(parsed).value();
}

aalgate::Requirement requirement_of(const aalgate::Config& config, const char* json) {
  auto parsed = aalgate::parse_requirement(json, config);
  EXPECT_TRUE(parsed);
  return std::move(parsed).value();
}

const char* const kSession =
    R"({"active":true,"expires_at":"2099-01-01T00:00:00Z","authenticated_at":"2026-08-01T10:00:00Z","authenticator_assurance_level":"aal1"})";

TEST(Limits, max_body_bytes_defaults_to_one_mebibyte) {
  const aalgate::Config config = config_of({{"baseUrl", "https://auth.example.com"}});
  EXPECT_EQ(config.max_body_bytes, 1048576U);
  const aalgate::Requirement requirement = requirement_of(config, "{}");
  // A valid session padded to exactly the limit is read; one byte more is not.
  std::string body(kSession);
  body.insert(body.size() - 1, ",\"pad\":\"\"");
  body.insert(body.size() - 2, std::string(1048576 - body.size(), 'x'));
  ASSERT_EQ(body.size(), 1048576U);
  EXPECT_EQ(aalgate::decide(config, {true, 200, body}, requirement).reason,
            aalgate::Reason::satisfied);
  body.insert(body.size() - 2, "x");
  const aalgate::Decision over = aalgate::decide(config, {true, 200, body}, requirement);
  EXPECT_EQ(over.verdict, aalgate::Verdict::error);
  EXPECT_EQ(over.reason, aalgate::Reason::body_too_large);
  EXPECT_EQ(aalgate::reason_code(over), "body_too_large");
  EXPECT_EQ(aalgate::http_status(over.verdict), 503);
}

TEST(Limits, a_body_its_caller_measured_over_the_limit_is_decided_without_it) {
  const aalgate::Config config = config_of({{"baseUrl", "https://auth.example.com"}});
  const aalgate::Requirement requirement = requirement_of(config, "{}");
  aalgate::WhoamiOutcome outcome{true, 200, kSession};
  outcome.body_over_limit = true;  // whatever the body holds, the caller's word decides
  EXPECT_EQ(aalgate::decide(config, outcome, requirement).reason, aalgate::Reason::body_too_large);
  EXPECT_EQ(aalgate::recover(config, outcome, requirement).reason, aalgate::Reason::body_too_large);
  // Only an answer has a body: no session and no answer are what they are.
  aalgate::WhoamiOutcome none;
  none.body_over_limit = true;
  EXPECT_EQ(aalgate::decide(config, none, requirement).reason, aalgate::Reason::no_session);
  aalgate::WhoamiOutcome timeout{false, 0, "", aalgate::NoAnswer::timeout};
  timeout.body_over_limit = true;
  EXPECT_EQ(aalgate::decide(config, timeout, requirement).reason, aalgate::Reason::kratos_timeout);
}

TEST(Limits, policy_rules_and_patterns_are_bounded) {
  const auto error_code = [](const Json& policy) {
    const auto compiled = aalgate::compile_policy(policy);
    return compiled ? std::string("ok") : compiled.error().code;
  };
  Json rules = Json::array();
  for (std::size_t i = 0; i < aalgate::kMostPolicyRules; ++i) {
    rules.push_back({{"path", "/r" + std::to_string(i) + "/**"}, {"aal", "aal2"}});
  }
  EXPECT_EQ(error_code({{"rules", rules}}), "ok");
  rules.push_back({{"path", "/one/more"}});
  EXPECT_EQ(error_code({{"rules", rules}}), "config.policy.rules");

  // The policy's size: its patterns' segments together.
  Json big = Json::array();
  for (int i = 0; i < 16; ++i) {
    std::string many;
    for (int j = 0; j < 512; ++j) many += "/s";
    big.push_back({{"path", many}});
  }
  EXPECT_EQ(error_code({{"rules", big}}), "ok");
  big.push_back({{"path", "/one"}});
  EXPECT_EQ(error_code({{"rules", big}}), "config.policy.rules[16].path");

  std::string pattern = "/" + std::string(aalgate::kMostPatternBytes - 1, 'a');
  EXPECT_EQ(error_code({{"rules", {{{"path", pattern}}}}}), "ok");
  pattern.push_back('a');
  EXPECT_EQ(error_code({{"rules", {{{"path", "/x"}}, {{"path", pattern}}}}}),
            "config.policy.rules[1].path");
}

TEST(Limits, request_urls_are_bounded_before_their_query) {
  const aalgate::Config config =
      config_of({{"baseUrl", "https://auth.example.com"},
                 {"policy", {{"rules", {{{"path", "/public/**"}, {"aal", "none"}}}}}}});
  const std::string origin = "https://app.example.com";
  std::string url =
      origin + "/public/" + std::string(aalgate::kMostRequestPathBytes - 8 - origin.size(), 'a');
  ASSERT_EQ(url.size(), aalgate::kMostRequestPathBytes);
  const auto at_limit = aalgate::requirement_for(config, "GET", url);
  ASSERT_TRUE(at_limit);
  EXPECT_EQ(at_limit.value().rule, 0U);
  // The query is never read: any length of it is fine.
  EXPECT_TRUE(aalgate::requirement_for(config, "GET", "/public/x?" + std::string(1 << 20, 'q')));
  const auto over = aalgate::requirement_for(config, "GET", url + "a");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, "request.url");
  // Segments, once normalised (`..` resolved, empty ones dropped).
  std::string segments;
  for (std::size_t i = 0; i < aalgate::kMostRequestSegments; ++i) segments += "/s";
  EXPECT_TRUE(aalgate::requirement_for(config, "GET", segments + "//./x/.."));
  const auto too_many = aalgate::requirement_for(config, "GET", segments + "/s");
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code, "request.url");
  const auto decided = aalgate::decide_request(
      config, {},
      R"({"method":"GET","url":"/)" + std::string(aalgate::kMostRequestPathBytes, 'b') + "\"}");
  ASSERT_FALSE(decided);
  EXPECT_EQ(decided.error().code, "request.url");
}

TEST(Limits, a_return_to_past_its_limit_is_dropped) {
  const aalgate::Config config = config_of({{"baseUrl", "https://auth.example.com"}});
  const std::string prefix = "https://app.example.com/";
  const std::string at_limit =
      prefix + std::string(aalgate::kMostReturnToBytes - prefix.size(), 'r');
  EXPECT_TRUE(aalgate::is_return_to_allowed(at_limit, config.return_to));
  EXPECT_FALSE(aalgate::is_return_to_allowed(at_limit + "r", config.return_to));
  const Json requirement = {{"returnTo", at_limit + "r"}, {"now", 0}};
  const aalgate::Decision d =
      aalgate::decide(config, {}, requirement_of(config, requirement.dump().c_str()));
  EXPECT_EQ(d.url, "https://auth.example.com/self-service/login/browser");
  ASSERT_EQ(d.warnings.size(), 1U);
  EXPECT_EQ(d.warnings[0], aalgate::Warning::return_to_dropped);
}

}  // namespace
