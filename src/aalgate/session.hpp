#pragma once
/// @file session.hpp
/// @brief The parts of a Kratos Session the decision reads, and Kratos's AAL rule.

#include <optional>
#include <string_view>

#include "aalgate/timestamp.hpp"

namespace aalgate {

/// @brief Authenticator assurance level of a session or a method.
enum class Aal { aal0, aal1, aal2, aal3 };

/// @brief A Session reduced to what deciding needs.
struct Session {
  bool active = false;
  Timestamp expires_at;
  std::optional<Timestamp> authenticated_at;
  Aal aal = Aal::aal0;  ///< as sent, or derived from the methods when absent or ""
  /// Newest valid `completed_at` among methods at aal2 or higher (zero times count as none).
  std::optional<Timestamp> aal2_completed_at;
  /// Every method entry at aal2 or higher is an `oidc`/`saml` login whose provider did the
  /// second factor (upstream MFA), and there is at least one: no local second factor, so a
  /// refresh can only be a first-factor one (Kratos's OIDC strategy has no second-factor form).
  bool aal2_from_upstream_only = false;
  /// Read from a tokenized session's claims (token_claims.hpp): a time a rule needs and the
  /// claims lack is an error naming the claim, not a stale session.
  bool from_claims = false;
};

/// @brief Parses the JSON text of a whoami 200 body; nullopt when it is not a valid Session
/// (see DESIGN.md: required fields, types, timestamps). Never throws.
[[nodiscard]] std::optional<Session> parse_session(std::string_view json_text);

/// @brief true when a whoami error body carries `error.id == "session_aal2_required"`.
[[nodiscard]] bool is_aal2_required_error(std::string_view json_text);

/// @brief `aal0` .. `aal3`.
[[nodiscard]] std::string_view to_string(Aal aal);

/// @brief The level a name gives ("aal0" to "aal3", exactly); nullopt for any other text.
[[nodiscard]] std::optional<Aal> parse_aal(std::string_view name);

}  // namespace aalgate
