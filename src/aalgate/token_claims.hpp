#pragma once
/// @file token_claims.hpp
/// @brief A Session from the verified claims of a Kratos tokenized session (issue 14): the
/// claims `aalgate.jsonnet` adds (acr, auth_time, aal2_time, aal2_amr, session_exp) and the
/// token's own `exp`. The signature, `iss`, `nbf` and `exp` were checked before (js/tokens.js,
/// WebCrypto); this reads what the decision table needs and nothing else.

#include <optional>
#include <string>
#include <string_view>

#include "aalgate/session.hpp"

namespace aalgate {

/// @brief Which claim made a claims set unusable, and why.
struct ClaimProblem {
  std::string claim;    ///< e.g. "acr", "session_exp"; "(claims)" for the whole text
  std::string problem;  ///< e.g. "is missing", "must be a NumericDate (seconds), got a string"
};

/// @brief Reads the claims as JSON text: `acr` (required: aal0 to aal3), `session_exp` and `exp`
/// (required NumericDates; the session expires at the earlier), `auth_time` and `aal2_time`
/// (optional NumericDates), `aal2_amr` (optional array of method names: a second factor done
/// only by an upstream provider when every entry is `oidc` or `saml`). The session is active
/// (Kratos tokenizes only a session it would answer whoami for). nullopt, with `why` filled when
/// given, when a claim is missing or wrong. Never throws.
[[nodiscard]] std::optional<Session> read_token_claims(std::string_view json_text,
                                                       ClaimProblem* why = nullptr);

}  // namespace aalgate
