#include "aalgate/return_to.hpp"

#include <optional>

namespace aalgate {
namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool matches(const AllowedReturnUrl& entry, std::string_view scheme, std::string_view host_port,
             std::string_view path) {
  if (entry.scheme != scheme) return false;
  const bool host_ok = entry.wildcard ? host_port.size() > entry.host_port.size() &&
                                            ends_with(host_port, entry.host_port)
                                      : host_port == entry.host_port;
  return host_ok && path.substr(0, entry.path_prefix.size()) == entry.path_prefix;
}

}  // namespace

Result<AllowedReturnUrl> compile_allowed_return_url(std::string_view entry, std::size_t index) {
  const std::string code = "config.allowedReturnUrls[" + std::to_string(index) + "]";
  // Parse with the wildcard label swapped for a plain one, then put the wildcard back.
  std::string text(entry);
  const std::size_t scheme_end = text.find("://");
  const bool wildcard =
      scheme_end != std::string::npos && text.compare(scheme_end + 3, 2, "*.") == 0;
  if (entry.find('*', wildcard ? scheme_end + 4 : 0) != std::string_view::npos) {
    return Error{code, "unsafe wildcard \"" + std::string(entry) +
                           "\": only a leading \"*.\" label is allowed, as in *.example.com"};
  }
  if (wildcard) text.replace(scheme_end + 3, 1, "x");
  const std::optional<HttpUrl> url = parse_http_url(text);
  if (!url || url->has_userinfo) {
    return Error{code, "must be an absolute http or https URL without userinfo, got \"" +
                           std::string(entry) + "\""};
  }
  AllowedReturnUrl compiled{url->scheme, url->host_port, wildcard, url->path};
  if (wildcard) {
    // "*.example.com" matches hosts ending in ".example.com": keep the suffix.
    compiled.host_port.erase(0, 1);
    const std::string_view host = std::string_view(compiled.host_port).substr(1);
    const std::string_view name = host.substr(0, host.find(':'));
    if (name.find('.') == std::string_view::npos) {
      return Error{code, "unsafe wildcard \"" + std::string(entry) +
                             "\": name at least two labels after \"*.\", as in *.example.com"};
    }
  }
  return compiled;
}

bool is_return_to_allowed(std::string_view return_to, const ReturnToPolicy& policy) {
  if (return_to.empty() || !is_valid_utf8(return_to) || has_control_characters(return_to) ||
      return_to.find('\\') != std::string_view::npos) {
    return false;
  }
  std::string scheme;
  std::string host_port;
  std::string path;
  if (return_to.front() == '/') {
    // A path on Kratos's default return origin; "//host" would be another origin.
    if (return_to.size() > 1 && return_to[1] == '/') return false;
    scheme = policy.base_scheme;
    host_port = policy.base_host_port;
    path = std::string(return_to.substr(0, return_to.find_first_of("?#")));
  } else {
    std::optional<HttpUrl> url = parse_http_url(return_to);
    if (!url || url->has_userinfo) return false;
    scheme = std::move(url->scheme);
    host_port = std::move(url->host_port);
    path = std::move(url->path);
  }
  if (!policy.restricted) return true;
  for (const AllowedReturnUrl& entry : policy.allowed) {
    if (matches(entry, scheme, host_port, path)) return true;
  }
  return false;
}

}  // namespace aalgate
