#pragma once
/// @file requirement.hpp
/// @brief What one operation needs (contract §1.3), resolved against the gate's configuration.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "aalgate/result.hpp"
#include "aalgate/timestamp.hpp"

namespace aalgate {

struct Config;

/// @brief The assurance an operation needs; `none` is a public operation (no session needed).
enum class RequiredAal { aal1, aal2, highest_available, none };

/// @brief A Kratos operation whose server settings a requirement takes.
enum class Operation { signin, settings };

/// @brief A requirement as written (by a caller or a policy rule), before the config applies.
struct RequirementSpec {
  std::optional<RequiredAal> aal;
  std::optional<std::int64_t> max_age_ns;
  std::optional<Operation> operation;
};

/// @brief A `return_to` already judged against the configuration and query-escaped
/// (prepare_return_to in flow_url.hpp), for a caller that decides many times with one.
struct PreparedReturnTo {
  std::string value;  ///< the return_to it was prepared for
  bool allowed = false;
  std::string escaped;  ///< the query value, when allowed
};

/// @brief A requirement with the operation's server settings applied and `now` fixed.
struct Requirement {
  RequiredAal aal = RequiredAal::aal1;
  std::optional<std::int64_t> max_age_ns;
  std::optional<Operation> operation;
  Timestamp now;
  std::optional<std::string> return_to;
  std::optional<std::string> login_challenge;
  std::optional<std::string> organization;
  std::optional<std::string> via;
  /// Not owned; used by the URL builders only while its `value` equals `return_to`.
  const PreparedReturnTo* prepared_return_to = nullptr;
};

/// @brief Reads `aal`, `maxAge` and `operation` of `object`; errors are `{code_prefix}.{field}`.
[[nodiscard]] Result<RequirementSpec> parse_requirement_spec(const nlohmann::json& object,
                                                             const std::string& code_prefix);

/// @brief Applies `spec` to `requirement`: the operation's server settings first, then the
/// explicit `aal` / `maxAge`, which win.
void apply_requirement_spec(const RequirementSpec& spec, const Config& config,
                            Requirement& requirement);

/// @brief Reads `now` (default: the clock), `returnTo`, `loginChallenge`, `organization` and
/// `via` of `object` into `requirement`, each when present; errors are `{code_prefix}.{field}`.
[[nodiscard]] std::optional<Error> read_requirement_extras(const nlohmann::json& object,
                                                           std::string_view code_prefix,
                                                           Requirement& requirement);

/// @brief `now` given as milliseconds since the epoch; NaN: not given, the clock. The error's
/// code is `{code_prefix}.now`.
[[nodiscard]] Result<Timestamp> now_from_ms(double ms, std::string_view code_prefix);

/// @brief Parses a requirement from JSON text (`{}` or `null` for none); `now` defaults to the
/// clock. `operation` takes `aal` (and for settings `maxAge`) from `config`; explicit values win.
[[nodiscard]] Result<Requirement> parse_requirement(std::string_view json_text,
                                                    const Config& config);

/// @brief `aal1`, `aal2`, `highest_available` or `none`.
[[nodiscard]] std::string_view to_string(RequiredAal aal);

/// @brief `signin` or `settings`.
[[nodiscard]] std::string_view to_string(Operation operation);

}  // namespace aalgate
