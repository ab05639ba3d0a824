#include "aalgate/return_to.hpp"

#include <algorithm>
#include <optional>

#include "aalgate/ascii.hpp"
#include "aalgate/public_suffix.hpp"

namespace aalgate {
namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// x/redir/secure_redirect.go SecureRedirectTo: scheme equal (case-insensitive), host equal
// or, for a wildcard, ending with the entry's host after its `*`
// (SecureRedirectToIsAllowedHost), and the entry's decoded path a prefix of the candidate's,
// either taken as `/` when empty.
bool matches(const AllowedReturnUrl& entry, std::string_view scheme, std::string_view host_port,
             std::string_view path) {
  if (entry.scheme != scheme) return false;
  const bool host_ok =
      entry.wildcard ? ends_with(host_port, entry.host_port) : host_port == entry.host_port;
  if (path.empty()) path = "/";
  return host_ok && path.substr(0, entry.path_prefix.size()) == entry.path_prefix;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), ascii::to_lower);
  return out;
}

}  // namespace

Result<AllowedReturnUrl> compile_allowed_return_url(std::string_view entry, std::size_t index,
                                                    const PublicSuffixList* public_suffixes) {
  const std::string code = "config.allowedReturnUrls[" + std::to_string(index) + "]";
  const std::string quoted = "\"" + std::string(entry) + "\"";
  // The host may hold `*`, which the URL parser refuses: parse with each swapped for a letter,
  // then judge the host as written.
  std::string text(entry);
  const std::size_t authority = text.find("://");
  std::string host;
  if (authority != std::string::npos) {
    const std::size_t start = authority + 3;
    const std::size_t end = std::min(text.find_first_of("/?#", start), text.size());
    const std::size_t at = text.rfind('@', end);
    const std::size_t host_start = at != std::string::npos && at >= start ? at + 1 : start;
    host = lower(std::string_view(text).substr(host_start, end - host_start));
    std::replace(text.begin() + static_cast<std::ptrdiff_t>(host_start),
                 text.begin() + static_cast<std::ptrdiff_t>(end), '*', 'x');
  }
  const std::optional<AbsoluteUrl> url = parse_absolute_url(text);
  std::optional<std::string> path = url ? decode_path(url->path) : std::nullopt;
  if (!url || url->has_userinfo || !path) {
    return Error{code,
                 "must be an absolute URL such as https://app.example.com/ or "
                 "myapp://callback, without userinfo, got " +
                     quoted};
  }
  AllowedReturnUrl compiled{url->scheme, url->host_port, false, path->empty() ? "/" : *path};
  const std::size_t star = host.rfind('*');
  if (star == std::string::npos) return compiled;

  // oryx/corsx/check_origin.go ClassifyOrigin: the base is what follows the first `.` after the
  // last `*` (port dropped); it must have a registrable domain (Go's publicsuffix
  // EffectiveTLDPlusOne), else Kratos drops the entry as an unsafe wildcard.
  const std::string_view after_star = std::string_view(host).substr(star);
  const std::size_t dot = after_star.find('.');
  if (dot == std::string_view::npos) {
    return Error{code, "unsafe wildcard " + quoted +
                           ": no domain follows the \"*\" (Kratos drops it); use the form "
                           "*.example.com"};
  }
  std::string_view base = after_star.substr(dot + 1);
  base = base.substr(0, base.find(':'));
  if (public_suffixes == nullptr) {
    return Error{std::string(kPublicSuffixListRequired),
                 "the wildcard " + quoted + " needs the Public Suffix List to be judged"};
  }
  if (!public_suffixes->has_registrable_domain(base)) {
    return Error{code, "unsafe wildcard " + quoted + ": \"" + std::string(base) +
                           "\" is a public suffix (Public Suffix List), so anyone can register "
                           "a host under it; Kratos drops this entry"};
  }
  // Kratos's matching knows only a leading `*` (SecureRedirectToIsAllowedHost); elsewhere the
  // entry would match nothing but itself.
  if (host.front() != '*' || std::count(host.begin(), host.end(), '*') > 1) {
    return Error{code, "wildcard " + quoted +
                           ": only one leading \"*\" is a wildcard in Kratos, as in "
                           "*.example.com; this entry could never match"};
  }
  compiled.host_port = host.substr(1);
  compiled.wildcard = true;
  return compiled;
}

bool is_return_to_allowed(std::string_view return_to, const ReturnToPolicy& policy) {
  if (return_to.empty() || return_to.size() > kMostReturnToBytes || !is_valid_utf8(return_to) ||
      has_control_characters(return_to) || return_to.find('\\') != std::string_view::npos) {
    return false;
  }
  std::string scheme;
  std::string host_port;
  std::string_view raw_path;
  std::optional<AbsoluteUrl> url;
  if (return_to.front() == '/') {
    // A path on Kratos's default return origin; "//host" would be another origin.
    if (return_to.size() > 1 && return_to[1] == '/') return false;
    scheme = policy.relative_scheme;
    host_port = policy.relative_host_port;
    raw_path = return_to.substr(0, return_to.find_first_of("?#"));
  } else {
    url = parse_absolute_url(return_to);
    if (!url || url->has_userinfo) return false;
    // Without an allow-list only web URLs pass; another scheme needs an entry naming it.
    if (!policy.restricted && url->scheme != "http" && url->scheme != "https") return false;
    scheme = url->scheme;
    host_port = url->host_port;
    raw_path = url->path;
  }
  // Go's url.Parse refuses a malformed escape: Kratos would answer 400.
  const std::optional<std::string> path = decode_path(raw_path);
  if (!path) return false;
  if (!policy.restricted) return true;
  for (const AllowedReturnUrl& entry : policy.allowed) {
    if (matches(entry, scheme, host_port, *path)) return true;
  }
  return false;
}

}  // namespace aalgate
