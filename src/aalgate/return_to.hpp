#pragma once
/// @file return_to.hpp
/// @brief Which `return_to` values may go into a flow URL: SPEC section 3's hardening plus
/// Kratos's `selfservice.allowed_return_urls` matching (x/redir).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "aalgate/result.hpp"
#include "aalgate/url.hpp"

namespace aalgate {

/// @brief One `allowedReturnUrls` entry, compiled.
struct AllowedReturnUrl {
  std::string scheme;
  std::string host_port;  ///< exact host[:port], or for a wildcard the suffix `.example.com[:port]`
  bool wildcard = false;
  std::string path_prefix;
};

/// @brief The return_to rules of one gate.
struct ReturnToPolicy {
  bool restricted = false;  ///< allowedReturnUrls was given: only matching values pass
  std::vector<AllowedReturnUrl> allowed;
  std::string base_scheme;  ///< relative values are checked as if on baseUrl's origin
  std::string base_host_port;
};

/// @brief Compiles entry `index` of `allowedReturnUrls`; refuses what Kratos would drop as an
/// unsafe wildcard (`*`, `*.com`, `*foo.com`) with code `config.allowedReturnUrls[index]`.
[[nodiscard]] Result<AllowedReturnUrl> compile_allowed_return_url(std::string_view entry,
                                                                  std::size_t index);

/// @brief true when `return_to` may be put into a flow URL under `policy`.
[[nodiscard]] bool is_return_to_allowed(std::string_view return_to, const ReturnToPolicy& policy);

}  // namespace aalgate
