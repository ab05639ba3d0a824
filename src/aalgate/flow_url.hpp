#pragma once
/// @file flow_url.hpp
/// @brief Kratos self-service URLs (SPEC section 3).

#include <optional>
#include <string>

#include "aalgate/config.hpp"
#include "aalgate/requirement.hpp"

namespace aalgate {

/// @brief What a login URL asks Kratos for.
struct LoginUrlOptions {
  bool refresh = false;  ///< `refresh=true`: re-authenticate an existing session
  bool aal2 = false;     ///< `aal=aal2`: a second factor
};

/// @brief The URL to send the user to and whether a `return_to` was refused.
struct FlowUrl {
  std::string url;
  bool return_to_dropped = false;
};

/// @brief `{baseUrl}/self-service/login/{flow}` with `refresh`, `aal`, `return_to`,
/// `login_challenge`, `organization`, `via` in that order, each only when set.
[[nodiscard]] FlowUrl build_login_url(const Config& config, const Requirement& requirement,
                                      LoginUrlOptions options);

/// @brief `{baseUrl}/self-service/settings/{flow}` with `return_to` when allowed: where a user
/// enrols a second factor.
[[nodiscard]] FlowUrl build_settings_url(const Config& config, const Requirement& requirement);

}  // namespace aalgate
