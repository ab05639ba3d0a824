#pragma once
/// @file recover.hpp
/// @brief From a Kratos error body (any flow) to a Decision: where to send the user next.

#include "aalgate/config.hpp"
#include "aalgate/decide.hpp"
#include "aalgate/requirement.hpp"

namespace aalgate {

struct Explanation;

/// @brief Decides from a Kratos error: `error.body` is its JSON text, `error.status` its HTTP
/// status (0 when unknown: `error.code` is used). Never fails: a body that is not a Kratos
/// error gives verdict `error` (DESIGN.md, "Recovering from Kratos errors").
[[nodiscard]] Decision recover(const Config& config, const WhoamiOutcome& error,
                               const Requirement& requirement, Explanation* explanation = nullptr);

/// @brief true when `url` is one of Kratos's own self-service URLs: on baseUrl's origin (same
/// scheme, host and port) under `{baseUrl path}/self-service/`, without userinfo or a dot
/// segment (plain or `%2e`-encoded) that would lead a browser out of it. The only URLs aalgate
/// follows from a server's answer without `redirectOrigins`.
[[nodiscard]] bool is_self_service_url(std::string_view url, const Config& config);

}  // namespace aalgate
