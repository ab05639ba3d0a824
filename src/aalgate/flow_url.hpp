#pragma once
/// @file flow_url.hpp
/// @brief Kratos self-service URLs (docs/contract.md §3).

#include <optional>
#include <string>

#include "aalgate/config.hpp"
#include "aalgate/requirement.hpp"

namespace aalgate {

/// @brief What a login URL asks Kratos for. Build it by name: `LoginUrlOptions::step_up()`.
struct LoginUrlOptions {
  bool refresh = false;  ///< `refresh=true`: re-authenticate an existing session
  bool aal2 = false;     ///< `aal=aal2`: a second factor

  /// @brief A plain login: no session yet (Kratos answers any other with
  /// `session_already_available`).
  static constexpr LoginUrlOptions first_login() { return {}; }
  /// @brief `aal=aal2`: a second factor on an aal1 session.
  static constexpr LoginUrlOptions step_up() { return {false, true}; }
  /// @brief `refresh=true`: the first factor again, for a session Kratos holds.
  static constexpr LoginUrlOptions reauthenticate() { return {true, false}; }
  /// @brief `refresh=true&aal=aal2`: the second factor again, on an aal2 session.
  static constexpr LoginUrlOptions reauthenticate_second_factor() { return {true, true}; }
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

/// @brief Judges `return_to` and escapes it once, for Requirement::prepared_return_to.
void prepare_return_to(const Config& config, std::string_view return_to, PreparedReturnTo& out);

/// @brief `{baseUrl}/self-service/settings/{flow}` with `return_to` when allowed: where a user
/// enrols a second factor.
[[nodiscard]] FlowUrl build_settings_url(const Config& config, const Requirement& requirement);

}  // namespace aalgate
