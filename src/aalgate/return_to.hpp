#pragma once
/// @file return_to.hpp
/// @brief Which `return_to` values may go into a flow URL: docs/contract.md §3's hardening plus
/// Kratos's `selfservice.allowed_return_urls` matching (x/redir/secure_redirect.go).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "aalgate/result.hpp"
#include "aalgate/url.hpp"

namespace aalgate {

class PublicSuffixList;

/// @brief The Error code parse_config answers when an `allowedReturnUrls` wildcard needs the
/// Public Suffix List and none was given: load it and configure again.
inline constexpr std::string_view kPublicSuffixListRequired = "publicSuffixList";

/// @brief One `allowedReturnUrls` entry, compiled.
struct AllowedReturnUrl {
  std::string scheme;     ///< lower case, any scheme (`myapp` for `myapp://callback`)
  std::string host_port;  ///< lower case; for a wildcard, what the host must end with
  bool wildcard = false;
  std::string path_prefix;  ///< percent-decoded, `/` when the entry has no path
};

/// @brief The longest `return_to` put into a flow URL, in bytes; a longer one is dropped
/// (warning `return_to_dropped`): it would triple in the URL, past what servers take.
inline constexpr std::size_t kMostReturnToBytes = 8192;

/// @brief The return_to rules of one gate.
struct ReturnToPolicy {
  bool restricted = false;  ///< allowedReturnUrls was given: only matching values pass
  std::vector<AllowedReturnUrl> allowed;
  /// A relative value takes scheme and host from Kratos's
  /// `selfservice.default_browser_return_url` when mirrored, else from baseUrl.
  std::string relative_scheme;
  std::string relative_host_port;
};

/// @brief Compiles entry `index` of `allowedReturnUrls` as Kratos loads it
/// (driver/config/config.go SelfServiceBrowserAllowedReturnToDomains): refuses with code
/// `config.allowedReturnUrls[index]` what Kratos would drop, an unsafe wildcard (bare,
/// dot-less, trailing, or whose base is a public suffix by `public_suffixes`), and what could
/// never match. A wildcard without `public_suffixes` gives code kPublicSuffixListRequired.
[[nodiscard]] Result<AllowedReturnUrl> compile_allowed_return_url(
    std::string_view entry, std::size_t index, const PublicSuffixList* public_suffixes);

/// @brief true when `return_to` may be put into a flow URL under `policy`.
[[nodiscard]] bool is_return_to_allowed(std::string_view return_to, const ReturnToPolicy& policy);

}  // namespace aalgate
