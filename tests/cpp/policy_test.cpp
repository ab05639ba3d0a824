#include "aalgate/policy.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

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

// The matcher before issue 13 (a row of the dynamic programme per pattern segment): the
// reference the greedy walk must agree with.
bool glob_reference(const std::string& pattern, const std::string& text) {
  std::vector<std::vector<char>> m(pattern.size() + 1, std::vector<char>(text.size() + 1, 0));
  m[0][0] = 1;
  for (std::size_t i = 1; i <= pattern.size(); ++i) {
    for (std::size_t j = 0; j <= text.size(); ++j) {
      if (pattern[i - 1] == '*') {
        m[i][j] = static_cast<char>(m[i - 1][j] || (j > 0 && m[i][j - 1]));
      } else {
        m[i][j] = static_cast<char>(j > 0 && m[i - 1][j - 1] && pattern[i - 1] == text[j - 1]);
      }
    }
  }
  return m[pattern.size()][text.size()] != 0;
}

bool path_reference(const Segments& pattern, const Segments& path) {
  std::vector<char> row(path.size() + 1, 0);
  row[0] = 1;
  for (const std::string& segment : pattern) {
    std::vector<char> next(path.size() + 1, 0);
    char reachable = 0;
    for (std::size_t i = 0; i <= path.size(); ++i) {
      if (segment == "**") {
        reachable = static_cast<char>(reachable || row[i]);
        next[i] = reachable;
      } else if (i > 0) {
        next[i] = static_cast<char>(row[i - 1] && glob_reference(segment, path[i - 1]));
      }
    }
    row = std::move(next);
  }
  return row[path.size()] != 0;
}

TEST(Policy, greedy_matching_agrees_with_the_dynamic_programme) {
  std::mt19937 random(13);
  const std::vector<std::string> pattern_segments = {"a", "b", "*", "a*", "*b", "**", "**", "ab"};
  const std::vector<std::string> path_segments = {"a", "b", "ab", "ba", "aab"};
  int matched = 0;
  for (int round = 0; round < 20000; ++round) {
    Segments pattern(random() % 7);
    for (std::string& s : pattern) s = pattern_segments[random() % pattern_segments.size()];
    Segments path(random() % 9);
    for (std::string& s : path) s = path_segments[random() % path_segments.size()];
    std::string text;
    for (const std::string& s : pattern) text += "/" + s;
    if (text.empty()) text = "/";
    const auto policy =
        aalgate::compile_policy(nlohmann::json::parse(R"({"rules":[{"path":")" + text + R"("}]})"));
    ASSERT_TRUE(policy) << text;
    const bool expected = path_reference(policy.value().rules[0].pattern, path);
    const bool got = aalgate::match_route(policy.value(), "GET", path).rule.has_value();
    ASSERT_EQ(got, expected) << text;
    matched += got ? 1 : 0;
  }
  EXPECT_GT(matched, 1000);  // both outcomes are exercised
}

}  // namespace
