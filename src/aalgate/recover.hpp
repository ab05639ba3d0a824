#pragma once
/// @file recover.hpp
/// @brief From a Kratos error body (any flow) to a Decision: where to send the user next.

#include "aalgate/config.hpp"
#include "aalgate/decide.hpp"
#include "aalgate/requirement.hpp"

namespace aalgate {

/// @brief Decides from a Kratos error: `error.body` is its JSON text, `error.status` its HTTP
/// status (0 when unknown: `error.code` is used). Never fails: a body that is not a Kratos
/// error gives verdict `error` (DESIGN.md, "Recovering from Kratos errors").
[[nodiscard]] Decision recover(const Config& config, const WhoamiOutcome& error,
                               const Requirement& requirement);

}  // namespace aalgate
