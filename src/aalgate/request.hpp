#pragma once
/// @file request.hpp
/// @brief Deciding for an HTTP request through the gate's per-route policy.

#include <optional>
#include <string_view>

#include "aalgate/config.hpp"
#include "aalgate/decide.hpp"
#include "aalgate/requirement.hpp"
#include "aalgate/result.hpp"

namespace aalgate {

/// @brief The requirement a request needs, resolved against the config, and which rule set it.
struct RouteRequirement {
  Requirement requirement;          ///< `now` unset (epoch); no return_to
  std::optional<std::size_t> rule;  ///< nullopt: the policy's default
};

/// @brief The route's requirement for `method` and `url` (absolute http(s) URL or `/path`).
/// Errors: `request.method`, `request.url`.
[[nodiscard]] Result<RouteRequirement> requirement_for(const Config& config,
                                                       std::string_view method,
                                                       std::string_view url);

/// @brief Parses `{"method", "url", "returnTo"?, "now"?}`, takes the route's requirement
/// (returnTo defaulting to an absolute `url`) and decides. Errors name `request.<field>`.
[[nodiscard]] Result<Decision> decide_request(const Config& config, const WhoamiOutcome& whoami,
                                              std::string_view request_json);

}  // namespace aalgate
