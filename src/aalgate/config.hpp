#pragma once
/// @file config.hpp
/// @brief The gate configuration (contract §1.1): where Kratos is and how its server is configured.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aalgate/policy.hpp"
#include "aalgate/result.hpp"
#include "aalgate/return_to.hpp"

namespace aalgate {

/// @brief Which login endpoint URLs use: `/self-service/login/browser` or `/api`.
enum class Flow { browser, api };

/// @brief A Kratos `required_aal` setting: Lax (`aal1`) or Strict (`highest_available`).
enum class ServerAal { aal1, highest_available };

/// @brief `maxBodyBytes` when the configuration does not set it: 1 MiB, about 500 times a
/// real whoami body.
inline constexpr std::size_t kDefaultMaxBodyBytes = 1048576;
/// @brief The largest `maxBodyBytes` accepted: 1 GiB (the Wasm core has 32-bit memory).
inline constexpr std::size_t kMostMaxBodyBytes = 1073741824;

/// @brief A validated gate configuration.
struct Config {
  std::string base_url;  ///< scheme://host[:port][/prefix], no trailing slash
  Flow flow = Flow::browser;
  ReturnToPolicy return_to;
  ServerAal whoami_required_aal = ServerAal::highest_available;
  ServerAal settings_required_aal = ServerAal::highest_available;
  std::int64_t privileged_session_max_age_ns = 3600LL * 1000000000LL;
  std::int64_t leeway_ns = 0;
  Policy policy;  ///< per-route requirements; without one, every route needs aal1
  /// Origins (`scheme://host[:port]`) that a `browser_location_change_required` redirect may
  /// lead to besides Kratos's own self-service URLs: an OIDC provider, Hydra, the UI.
  std::vector<std::string> redirect_origins;
  /// The largest whoami / Kratos error body decided on (bytes of UTF-8 text, or of the session
  /// record): a larger one is decided `error`, reason `body_too_large`, without being read.
  std::size_t max_body_bytes = kDefaultMaxBodyBytes;
};

/// @brief Parses the configuration from JSON text; the Error's code names the field. A
/// wildcard in `allowedReturnUrls` is judged with `public_suffixes`; without it the Error's
/// code is kPublicSuffixListRequired (load the list and parse again).
[[nodiscard]] Result<Config> parse_config(std::string_view json_text,
                                          const PublicSuffixList* public_suffixes = nullptr);

}  // namespace aalgate
