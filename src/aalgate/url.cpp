#include "aalgate/url.hpp"

#include "aalgate/ascii.hpp"
namespace aalgate {
namespace {

using ascii::hex_value;
using ascii::is_alpha;
using ascii::is_digit;
using ascii::is_unreserved;
using ascii::to_lower;

// A registered-name host: letters, digits, `-`, `.`, `_` and non-ASCII (IDN) bytes only.
bool is_valid_reg_name(std::string_view host) {
  if (host.empty()) return false;
  for (const char c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || u >= 0x80)) {
      return false;
    }
  }
  return true;
}

bool is_valid_ipv6_literal(std::string_view inside) {
  if (inside.size() < 2) return false;
  for (const char c : inside) {
    const char l = to_lower(c);
    if (!(is_digit(c) || (l >= 'a' && l <= 'f') || c == ':' || c == '.')) return false;
  }
  return true;
}

// RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
bool is_scheme(std::string_view scheme) {
  if (scheme.empty() || !is_alpha(scheme.front())) return false;
  for (const char c : scheme) {
    if (!(is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.')) return false;
  }
  return true;
}

bool is_valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  for (const char c : port) {
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    unsigned min = 0;
    unsigned code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      length = 2, min = 0x80, code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3, min = 0x800, code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4, min = 0x10000, code = c & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto cont = static_cast<unsigned char>(text[i + k]);
      if ((cont & 0xC0) != 0x80) return false;
      code = (code << 6) | (cont & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

bool has_control_characters(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) return true;
    // C1 controls are U+0080..U+009F: C2 80..C2 9F in UTF-8.
    if (c == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return true;
    }
  }
  return false;
}

std::optional<AbsoluteUrl> parse_http_url(std::string_view text) {
  std::optional<AbsoluteUrl> url = parse_absolute_url(text);
  if (url && url->scheme != "http" && url->scheme != "https") return std::nullopt;
  return url;
}

std::optional<AbsoluteUrl> parse_absolute_url(std::string_view text) {
  if (!is_valid_utf8(text) || has_control_characters(text)) return std::nullopt;
  if (text.find('\\') != std::string_view::npos) return std::nullopt;
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || !is_scheme(text.substr(0, colon))) return std::nullopt;
  AbsoluteUrl url;
  for (const char c : text.substr(0, colon)) url.scheme.push_back(to_lower(c));
  std::string_view rest = text.substr(colon + 1);
  if (rest.substr(0, 2) != "//") return std::nullopt;
  rest.remove_prefix(2);
  const std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    url.has_userinfo = true;
    authority.remove_prefix(at + 1);
  }
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos || !is_valid_ipv6_literal(authority.substr(1, close - 1))) {
      return std::nullopt;
    }
    host = authority.substr(0, close + 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      has_port = true;
      port = after.substr(1);
    }
  } else {
    const std::size_t port_colon = authority.find(':');
    host = authority.substr(0, port_colon);
    if (port_colon != std::string_view::npos) {
      has_port = true;
      port = authority.substr(port_colon + 1);
    }
    if (!is_valid_reg_name(host)) return std::nullopt;
  }
  if (has_port && !is_valid_port(port)) return std::nullopt;
  for (const char c : host) url.host_port.push_back(to_lower(c));
  if (has_port) {
    url.host_port.push_back(':');
    url.host_port.append(port);
  }
  const std::size_t path_end = tail.find_first_of("?#");
  url.path = std::string(tail.substr(0, path_end));
  if (path_end != std::string_view::npos) {
    url.has_fragment = tail.find('#') != std::string_view::npos;
    url.has_query = tail[path_end] == '?';
  }
  return url;
}

std::string origin_of(const AbsoluteUrl& url) {
  std::string host_port = url.host_port;
  const std::string_view default_port = url.scheme == "https"  ? ":443"
                                        : url.scheme == "http" ? ":80"
                                                               : "";
  if (!default_port.empty() && host_port.size() > default_port.size() &&
      host_port.compare(host_port.size() - default_port.size(), default_port.size(),
                        default_port) == 0) {
    host_port.erase(host_port.size() - default_port.size());
  }
  return url.scheme + "://" + host_port;
}

std::optional<std::string> decode_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      out.push_back(path[i]);
      continue;
    }
    const bool complete = i + 2 < path.size();
    const int high = complete ? hex_value(path[i + 1]) : -1;
    const int low = complete ? hex_value(path[i + 2]) : -1;
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

std::optional<std::string> find_query_param(std::string_view url, std::string_view name) {
  const std::size_t question = url.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = url.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t equals = pair.find('=');
    if (pair.substr(0, equals) == name) {
      std::string value;
      const std::string_view raw =
          equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
      for (std::size_t i = 0; i < raw.size(); ++i) {
        const int high = i + 2 < raw.size() ? hex_value(raw[i + 1]) : -1;
        const int low = i + 2 < raw.size() ? hex_value(raw[i + 2]) : -1;
        if (raw[i] == '%' && high >= 0 && low >= 0) {
          value.push_back(static_cast<char>(high * 16 + low));
          i += 2;
        } else {
          value.push_back(raw[i] == '+' ? ' ' : raw[i]);
        }
      }
      return value;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

void append_query_escaped(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  // Sized once, then written in place (a push_back per character is a call in Wasm).
  std::size_t escaped = 0;
  for (const char c : value) escaped += is_unreserved(c) ? 0 : 2;
  const std::size_t start = out.size();
  out.resize(start + value.size() + escaped);
  char* to = &out[start];
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (is_unreserved(c)) {
      *to++ = c;
    } else {
      *to++ = '%';
      *to++ = kHex[u >> 4];
      *to++ = kHex[u & 0x0F];
    }
  }
}

}  // namespace aalgate
