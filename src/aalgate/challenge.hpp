#pragma once
/// @file challenge.hpp
/// @brief RFC 9470 step-up challenges: the `WWW-Authenticate` value for a step-up or refresh,
/// and the requirement such a header asks for.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aalgate/requirement.hpp"

namespace aalgate {

/// @brief `Bearer error="insufficient_user_authentication", error_description="…"` with
/// `acr_values="aal2"` when `aal2`, and `max_age="N"` (whole seconds, rounded down) when
/// `max_age_ns` is set.
[[nodiscard]] std::string build_challenge(bool aal2, std::optional<std::int64_t> max_age_ns);

/// @brief What an RFC 9470 challenge asks for.
struct ChallengeRequirement {
  RequiredAal aal = RequiredAal::aal1;
  std::optional<std::int64_t> max_age_seconds;
};

/// @brief The first `Bearer` challenge with `error="insufficient_user_authentication"` in a
/// `WWW-Authenticate` value (several challenges allowed); nullopt when there is none, it asks
/// for nothing aalgate knows (`acr_values` without aal1..aal3, no `max_age`), or the header
/// cannot be parsed.
[[nodiscard]] std::optional<ChallengeRequirement> parse_challenge(std::string_view header);

}  // namespace aalgate
