#pragma once
/// @file requirement.hpp
/// @brief What one operation needs (SPEC 1.3), resolved against the gate's configuration.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aalgate/config.hpp"
#include "aalgate/result.hpp"
#include "aalgate/timestamp.hpp"

namespace aalgate {

/// @brief The assurance an operation needs.
enum class RequiredAal { aal1, aal2, highest_available };

/// @brief A requirement with the operation's server settings applied and `now` fixed.
struct Requirement {
  RequiredAal aal = RequiredAal::aal1;
  std::optional<std::int64_t> max_age_ns;
  Timestamp now;
  std::optional<std::string> return_to;
  std::optional<std::string> login_challenge;
  std::optional<std::string> organization;
  std::optional<std::string> via;
};

/// @brief Parses a requirement from JSON text (`{}` for none); `now` defaults to the clock.
/// `operation` takes `aal` (and for settings `maxAge`) from `config`; explicit values win.
[[nodiscard]] Result<Requirement> parse_requirement(std::string_view json_text,
                                                    const Config& config);

/// @brief `aal1`, `aal2` or `highest_available`.
[[nodiscard]] std::string_view to_string(RequiredAal aal);

}  // namespace aalgate
