#pragma once
/// @file url.hpp
/// @brief The small part of URL handling aalgate needs: absolute http(s) URLs and query encoding.

#include <optional>
#include <string>
#include <string_view>

namespace aalgate {

/// @brief An absolute `scheme://authority` URL split into its parts.
struct AbsoluteUrl {
  std::string scheme;     ///< lower case: `http`, `https`, or any RFC 3986 scheme
  std::string host_port;  ///< host (lower case, IPv6 in brackets) and `:port` as written
  std::string path;       ///< from the first `/` after the authority, up to `?`/`#`; may be empty
  bool has_userinfo = false;
  bool has_query = false;
  bool has_fragment = false;
};

/// @brief Parses `scheme://authority[path][?query][#fragment]` with scheme http or https.
/// nullopt for anything else, including an empty or malformed host (spaces included), a bad
/// port, control characters, backslashes or invalid UTF-8 anywhere in `text`.
[[nodiscard]] std::optional<AbsoluteUrl> parse_http_url(std::string_view text);

/// @brief As parse_http_url, for any RFC 3986 scheme (`myapp://callback`): what Kratos's
/// `allowed_return_urls` entries may name. The authority is required and checked the same way.
[[nodiscard]] std::optional<AbsoluteUrl> parse_absolute_url(std::string_view text);

/// @brief `scheme://host[:port]` with the scheme's default port (http 80, https 443) dropped.
[[nodiscard]] std::string origin_of(const AbsoluteUrl& url);

/// @brief The path with `%XX` decoded, as Go's `url.URL.Path`; nullopt for a malformed escape
/// (Go's url.Parse refuses the URL then).
[[nodiscard]] std::optional<std::string> decode_path(std::string_view path);

/// @brief true when `text` is well-formed UTF-8 (no surrogates, no overlong forms).
[[nodiscard]] bool is_valid_utf8(std::string_view text);

/// @brief true when `text` holds a C0 control, DEL or a C1 control (U+0080..U+009F).
[[nodiscard]] bool has_control_characters(std::string_view text);

/// @brief The first value of query parameter `name` in `url`, form-decoded (`+` is a space,
/// `%XX` a byte) as Go's url.Values reads it; nullopt when absent.
[[nodiscard]] std::optional<std::string> find_query_param(std::string_view url,
                                                          std::string_view name);

/// @brief Appends `value` percent-encoded for a query: every byte but `A-Za-z0-9-._~` as `%XX`,
/// so WHATWG URLSearchParams decodes it back to exactly `value`.
void append_query_escaped(std::string& out, std::string_view value);

}  // namespace aalgate
