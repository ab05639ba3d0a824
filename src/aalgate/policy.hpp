#pragma once
/// @file policy.hpp
/// @brief Per-route policy: which requirement a request's method and path need.

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aalgate/requirement.hpp"
#include "aalgate/result.hpp"

namespace aalgate {

/// @brief The most rules a policy may hold: every request may try each of them.
inline constexpr std::size_t kMostPolicyRules = 1000;
/// @brief The longest rule `path` pattern, in bytes.
inline constexpr std::size_t kMostPatternBytes = 1024;
/// @brief The most path segments all rules' patterns may hold together (the policy's size): a
/// request is matched in at most this many segment comparisons per segment of its path.
inline constexpr std::size_t kMostPolicySegments = 8192;
/// @brief The longest request URL up to its query or fragment (scheme, host and path), in
/// bytes: the part matched against the rules (the query is never read).
inline constexpr std::size_t kMostRequestPathBytes = 8192;
/// @brief The most segments a request path may have once normalised: matching costs up to one
/// comparison per rule segment and path segment.
inline constexpr std::size_t kMostRequestSegments = 256;

/// @brief One compiled rule: path pattern segments, methods (upper case; empty = any), and
/// the requirement it sets.
struct PolicyRule {
  std::vector<std::string> pattern;  ///< literal segments, `*` globs within one, or `**`
  std::vector<std::string> methods;
  RequirementSpec requirement;
};

/// @brief A compiled policy: rules in order, first match wins, else `fallback`.
struct Policy {
  std::vector<PolicyRule> rules;
  RequirementSpec fallback;  ///< `default`; aal1 when the document has none
};

/// @brief What a request matched: the rule's index (nullopt for the default) and requirement.
struct RouteMatch {
  std::optional<std::size_t> rule;
  const RequirementSpec* requirement = nullptr;
};

/// @brief Compiles `config.policy`; errors name the rule and field
/// (`config.policy.rules[2].path`, `config.policy.default.aal`).
[[nodiscard]] Result<Policy> compile_policy(const nlohmann::json& document);

/// @brief The normalised segments of a request URL's path (absolute http(s) URL or a path
/// starting with `/`): query and fragment cut first, unreserved percent-encodings decoded,
/// `%2F`/`%5C`/`\` as separators, empty segments dropped, `.`/`..` resolved.
/// nullopt when `url` is neither.
[[nodiscard]] std::optional<std::vector<std::string>> request_path_segments(std::string_view url);

/// @brief true when `method` is an HTTP method token (RFC 9110 tchar, non-empty).
[[nodiscard]] bool is_method_token(std::string_view method);

/// @brief The first rule matching `method` and `segments`, else the default.
[[nodiscard]] RouteMatch match_route(const Policy& policy, std::string_view method,
                                     const std::vector<std::string>& segments);

}  // namespace aalgate
