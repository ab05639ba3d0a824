#include "aalgate/policy.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace {

using Segments = std::vector<std::string>;

TEST(Policy, normalises_request_paths_before_matching) {
  EXPECT_EQ(aalgate::request_path_segments("/public/../billing?x=/public/"), Segments{"billing"});
  EXPECT_EQ(aalgate::request_path_segments("/public/%2e%2E/billing"), Segments{"billing"});
  EXPECT_EQ(aalgate::request_path_segments("/public%2F..%2fbilling"), Segments{"billing"});
  EXPECT_EQ(aalgate::request_path_segments("/public\\..\\billing"), Segments{"billing"});
  EXPECT_EQ(aalgate::request_path_segments("//a//./b/"), (Segments{"a", "b"}));
  EXPECT_EQ(aalgate::request_path_segments("/%70ublic/%25%41"), (Segments{"public", "%25A"}));
  EXPECT_EQ(aalgate::request_path_segments("/../../x"), Segments{"x"});
  EXPECT_EQ(aalgate::request_path_segments("https://app.example.com/a#/b"), Segments{"a"});
  EXPECT_EQ(aalgate::request_path_segments("https://app.example.com"), Segments{});
  EXPECT_FALSE(aalgate::request_path_segments("billing"));
  EXPECT_FALSE(aalgate::request_path_segments("javascript:x"));
}

TEST(Policy, first_matching_rule_wins_with_globs) {
  const auto policy = aalgate::compile_policy(nlohmann::json::parse(R"({"rules":[
    {"path":"/billing/**","methods":["post"],"aal":"aal2"},
    {"path":"/files/*.pdf","aal":"aal2"},
    {"path":"/public/**","aal":"none"}]})"));
  ASSERT_TRUE(policy);
  const auto rule_of = [&](const char* method, const char* url) -> int {
    const auto match =
        aalgate::match_route(policy.value(), method, *aalgate::request_path_segments(url));
    return match.rule ? static_cast<int>(*match.rule) : -1;
  };
  EXPECT_EQ(rule_of("POST", "/billing"), 0);
  EXPECT_EQ(rule_of("post", "/billing/a/b/c"), 0);
  EXPECT_EQ(rule_of("GET", "/billing/a"), -1);
  EXPECT_EQ(rule_of("GET", "/files/report.pdf"), 1);
  EXPECT_EQ(rule_of("GET", "/files/a/report.pdf"), -1);
  EXPECT_EQ(rule_of("GET", "/public/x?y"), 2);
  EXPECT_EQ(rule_of("GET", "/PUBLIC/x"), -1);
}

TEST(Policy, errors_name_the_rule_and_field) {
  const auto error_code = [](const char* text) {
    const auto policy = aalgate::compile_policy(nlohmann::json::parse(text));
    return policy ? std::string("ok") : policy.error().code;
  };
  EXPECT_EQ(error_code(R"({"rules":[{"path":"/a"},{"path":"b"}]})"), "config.policy.rules[1].path");
  EXPECT_EQ(error_code(R"({"rules":[{"path":"/a**"}]})"), "config.policy.rules[0].path");
  EXPECT_EQ(error_code(R"({"rules":[{"path":"/a","methods":[]}]})"),
            "config.policy.rules[0].methods");
  EXPECT_EQ(error_code(R"({"rules":[{"path":"/a","aal":"aal3"}]})"), "config.policy.rules[0].aal");
  EXPECT_EQ(error_code(R"({"rules":[{"path":"/a","pth":"/b"}]})"), "config.policy.rules[0].pth");
  EXPECT_EQ(error_code(R"({"default":{"maxAge":"soon"}})"), "config.policy.default.maxAge");
  EXPECT_EQ(error_code(R"({"rules":{}})"), "config.policy.rules");
}

TEST(Policy, path_matching_cost_is_pattern_times_path) {
  // 40 `**` against 20000 segments would never finish with naive backtracking.
  std::string pattern;
  for (int i = 0; i < 40; ++i) pattern += "/**/a";
  const auto policy = aalgate::compile_policy(
      nlohmann::json::parse(R"({"rules":[{"path":")" + pattern + R"(/z"}]})"));
  ASSERT_TRUE(policy);
  std::string url;
  for (int i = 0; i < 20000; ++i) url += "/a";
  EXPECT_FALSE(
      aalgate::match_route(policy.value(), "GET", *aalgate::request_path_segments(url)).rule);
}

}  // namespace
