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

/// @brief A request's fields as JS passes them on its fast path (js/index.js).
struct RequestFields {
  std::string_view method;
  std::string_view url;
  std::optional<std::string_view> return_to;  ///< "" is none, as in JSON
  double now_ms = 0;                          ///< NaN: not given (the clock)
};

/// @brief As the JSON form below, from fields already known to be strings and a number.
[[nodiscard]] Result<Decision> decide_request(const Config& config, const WhoamiOutcome& whoami,
                                              const RequestFields& request,
                                              Explanation* explanation = nullptr);

/// @brief Parses `{"method", "url", "returnTo"?, "now"?}`, takes the route's requirement
/// (returnTo defaulting to an absolute `url`) and decides. Errors name `request.<field>`.
[[nodiscard]] Result<Decision> decide_request(const Config& config, const WhoamiOutcome& whoami,
                                              std::string_view request_json,
                                              Explanation* explanation = nullptr);

}  // namespace aalgate
