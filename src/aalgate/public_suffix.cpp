#include "aalgate/public_suffix.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "aalgate/ascii.hpp"
#include "aalgate/url.hpp"

namespace aalgate {
namespace {

constexpr std::string_view kFormat = "aalgate-psl 1";
constexpr std::string_view kErrorCode = "publicSuffixList";

// Node types, as in Go's table: a rule, an exception rule (`!name`), or only the parent of longer
// rules (`*.name` alone makes `name` a parent with the wildcard bit).
constexpr std::uint8_t kNormal = 0;
constexpr std::uint8_t kException = 1;
constexpr std::uint8_t kParentOnly = 2;

// Nodes are found by a hash of their name: FNV-1a taken from the last byte to the first, so that
// a name's hash grows label by label from the right as the lookup walks it, and a parent's (a
// suffix) comes on the way to its child's. (Plain loops over bytes: the Wasm core is built with
// -Oz, which inlines little.)
constexpr std::uint32_t kHashBasis = 2166136261U;
constexpr std::uint32_t kHashPrime = 16777619U;

std::uint32_t hash_backwards(std::uint32_t hash, const char* begin, const char* end) {
  while (end != begin) hash = (hash ^ static_cast<unsigned char>(*--end)) * kHashPrime;
  return hash;
}

Error malformed(std::size_t line, const std::string& what) {
  return Error{std::string(kErrorCode),
               "malformed public suffix data, line " + std::to_string(line) + ": " + what};
}

// A byte of a rule's label: lower-case ASCII letters, digits, '-', '_', or a byte of non-ASCII
// UTF-8 (the Unicode spelling of a rule).
bool is_label_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Non-empty labels separated by single dots (`dots` false: one label).
bool is_name(std::string_view name, bool dots = true) {
  bool label_start = true;
  for (const char c : name) {
    if (c == '.' && dots && !label_start) {
      label_start = true;
    } else if (is_label_byte(c)) {
      label_start = false;
    } else {
      return false;
    }
  }
  return !label_start;
}

bool is_hex(char c) { return ascii::hex_value(c) >= 0; }

// Go's netip parseIPv4Fields: exactly four dot-separated decimal fields, each 0..255 without a
// leading zero.
bool is_ipv4(std::string_view s) {
  int value = 0;
  int digits = 0;
  int dots = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (ascii::is_digit(c)) {
      if (digits == 1 && value == 0) return false;
      value = value * 10 + (c - '0');
      ++digits;
      if (value > 255) return false;
    } else if (c == '.') {
      if (i == 0 || i == s.size() - 1 || s[i - 1] == '.' || dots == 3) return false;
      ++dots;
      value = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  return dots == 3;
}

// Go's netip parseIPv6: hex groups of 1 to 4 digits, at most one "::", an optional embedded IPv4
// address in the last 32 bits, an optional non-empty "%zone" (any bytes).
bool is_ipv6(std::string_view s) {
  const std::size_t percent = s.find('%');
  if (percent != std::string_view::npos) {
    if (percent + 1 == s.size()) return false;
    s = s.substr(0, percent);
  }
  int ellipsis = -1;  // byte position of "::" in the 16-byte address
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    ellipsis = 0;
    s.remove_prefix(2);
    if (s.empty()) return true;
  }
  int filled = 0;  // bytes of the address parsed so far
  while (filled < 16) {
    std::size_t digits = 0;
    while (digits < s.size() && is_hex(s[digits])) {
      if (++digits > 4) return false;
    }
    if (digits == 0) return false;
    if (digits < s.size() && s[digits] == '.') {
      if ((ellipsis < 0 && filled != 12) || filled + 4 > 16) return false;
      if (!is_ipv4(s)) return false;
      s = {};
      filled += 4;
      break;
    }
    filled += 2;
    s.remove_prefix(digits);
    if (s.empty()) break;
    if (s[0] != ':' || s.size() == 1) return false;
    s.remove_prefix(1);
    if (s[0] == ':') {
      if (ellipsis >= 0) return false;
      ellipsis = filled;
      s.remove_prefix(1);
      if (s.empty()) break;
    }
  }
  if (!s.empty()) return false;
  // Short of 16 bytes, "::" must fill the gap; at 16, it would stand for no group at all.
  return filled < 16 ? ellipsis >= 0 : ellipsis < 0;
}

// Go's netip.ParseAddr accepts `s`: the first '.', ':' or '%' picks the IPv4 or IPv6 parser.
bool is_ip_address(std::string_view s) {
  const std::size_t special = s.find_first_of(".:%");
  if (special == std::string_view::npos) return false;
  if (s[special] == '.') return is_ipv4(s);
  if (s[special] == ':') return is_ipv6(s);
  return false;
}

}  // namespace

const PublicSuffixList::Node* PublicSuffixList::find(std::string_view key,
                                                     std::uint32_t hash) const {
  if (slots_.empty()) return nullptr;  // a moved-from list
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t slot = hash & mask; slots_[slot] != 0; slot = (slot + 1) & mask) {
    const Node& node = nodes_[slots_[slot] - 1];
    if (node.hash == hash && node.length == key.size() &&
        std::memcmp(names_.data() + node.offset, key.data(), key.size()) == 0) {
      return &node;
    }
  }
  return nullptr;
}

Result<PublicSuffixList> PublicSuffixList::parse(std::string_view data) {
  if (!is_valid_utf8(data)) return malformed(1, "not UTF-8");
  std::size_t newline = data.find('\n');
  const std::string_view header = data.substr(0, newline);
  if (header.substr(0, kFormat.size()) != kFormat ||
      (header.size() > kFormat.size() && header[kFormat.size()] != ' ')) {
    return malformed(1, "the header is not \"" + std::string(kFormat) +
                            "\" (not written by tools/public-suffix.mjs, or another format "
                            "version)");
  }
  PublicSuffixList list;
  list.source_ = std::string(header.substr(std::min(header.size(), kFormat.size() + 1)));
  std::string_view rest = newline == std::string_view::npos ? "" : data.substr(newline + 1);
  if (rest.empty()) return malformed(2, "no rules");
  if (rest.back() != '\n') return malformed(2, "the data does not end with a newline (truncated?)");
  list.names_.reserve(rest.size() + rest.size() / 2);
  list.nodes_.reserve(rest.size() / 4);

  // Appends the node of `head.group` (of `group` for an empty head) and the parent-only nodes of
  // the suffixes that start inside `head` (the group's own node is added once per line).
  const auto add = [&list](std::string_view head, std::string_view group, std::uint8_t type,
                           bool wildcard) -> bool {
    const std::size_t length = head.empty() ? group.size() : head.size() + 1 + group.size();
    if (length > std::numeric_limits<std::uint16_t>::max() ||
        list.names_.size() + length > std::numeric_limits<std::uint32_t>::max()) {
      return false;
    }
    const auto offset = static_cast<std::uint32_t>(list.names_.size());
    if (!head.empty()) list.names_.append(head).push_back('.');
    list.names_.append(group);
    const char* const text = list.names_.data() + offset;
    std::uint32_t hash = kHashBasis;
    for (std::size_t i = length; i-- > 0;) {
      hash = (hash ^ static_cast<unsigned char>(text[i])) * kHashPrime;
      if (i > 0 && i <= head.size() && text[i - 1] == '.') {
        list.nodes_.push_back(Node{static_cast<std::uint32_t>(offset + i), hash,
                                   static_cast<std::uint16_t>(length - i), kParentOnly, false});
      }
    }
    list.nodes_.push_back(Node{offset, hash, static_cast<std::uint16_t>(length), type, wildcard});
    return true;
  };

  // The lines "L s1 s2 ..." or "~L s1 ...": the rules ending in the label L. `rest` ends with a
  // newline, so a scan for ' ' or '\n' cannot run off its end.
  const char* p = rest.data();
  const char* const end = p + rest.size();
  for (std::size_t line = 2; p != end; ++line) {
    const bool self = *p != '~';
    if (!self) ++p;
    const char* const label = p;
    while (*p != ' ' && *p != '\n') ++p;
    const std::string_view group(label, static_cast<std::size_t>(p - label));
    if (!is_name(group, false)) {
      return malformed(line, "bad label \"" + std::string(group) + "\"");
    }
    if (!self && *p == '\n') return malformed(line, "a group without rules");
    const std::size_t group_node = list.nodes_.size();
    if (!add({}, group, self ? kNormal : kParentOnly, false)) return malformed(line, "too long");
    while (*p == ' ') {
      const char* const token = ++p;
      while (*p != ' ' && *p != '\n') ++p;
      const std::string_view sub(token, static_cast<std::size_t>(p - token));
      if (sub == "*") {
        list.nodes_[group_node].wildcard = true;
        continue;
      }
      // "head", "*.head" or "!head": the rule head.L, *.head.L or !head.L.
      const bool wildcard = sub.substr(0, 2) == "*.";
      const bool exception = !wildcard && !sub.empty() && sub.front() == '!';
      const std::string_view head = sub.substr(wildcard ? 2 : exception ? 1 : 0);
      if (!is_name(head)) {
        return malformed(
            line, "bad rule \"" + std::string(sub) + "\" in group \"" + std::string(group) + "\"");
      }
      const std::uint8_t type = wildcard ? kParentOnly : exception ? kException : kNormal;
      if (!add(head, group, type, wildcard)) return malformed(line, "too long");
    }
    ++p;  // the newline
  }

  // One node per name, found through an open-addressing table of indexes (linear probing, at
  // most 80% full): a rule or exception wins over a parent-only node, the wildcard bit adds up.
  std::size_t capacity = 16;
  while (capacity < list.nodes_.size() + list.nodes_.size() / 4) capacity *= 2;
  list.slots_.assign(capacity, 0);
  const char* const names = list.names_.data();
  std::size_t kept = 0;
  for (std::size_t i = 0; i < list.nodes_.size(); ++i) {
    const Node node = list.nodes_[i];
    std::size_t slot = node.hash & (capacity - 1);
    Node* same = nullptr;
    for (; list.slots_[slot] != 0; slot = (slot + 1) & (capacity - 1)) {
      Node& other = list.nodes_[list.slots_[slot] - 1];
      if (other.hash == node.hash && other.length == node.length &&
          std::memcmp(names + other.offset, names + node.offset, node.length) == 0) {
        same = &other;
        break;
      }
    }
    if (same == nullptr) {
      list.nodes_[kept++] = node;
      list.slots_[slot] = static_cast<std::uint32_t>(kept);
      continue;
    }
    if (same->type == kParentOnly) {
      same->type = node.type;
    } else if (node.type != kParentOnly && node.type != same->type) {
      return Error{std::string(kErrorCode), "malformed public suffix data: \"" +
                                                std::string(names + node.offset, node.length) +
                                                "\" is both a rule and an exception"};
    }
    same->wildcard = same->wildcard || node.wildcard;
  }
  list.nodes_.resize(kept);
  list.nodes_.shrink_to_fit();
  list.names_.shrink_to_fit();
  for (const Node& node : list.nodes_) {
    list.rule_count_ += (node.type != kParentOnly ? 1U : 0U) + (node.wildcard ? 1U : 0U);
  }
  return list;
}

std::string_view PublicSuffixList::public_suffix(std::string_view domain) const {
  if (is_ip_address(domain)) return domain;
  // Walk the labels from the right while the tree has a node for the suffix so far, as Go does.
  // `suffix` is where the public suffix starts; domain.size() means no rule matched yet.
  std::size_t suffix = domain.size();
  std::string_view rest = domain;   // the labels not walked yet
  bool wildcard = false;            // the last node had a `*.` rule: it covers this label
  std::uint32_t hash = kHashBasis;  // of domain.substr(hashed)
  std::size_t hashed = domain.size();
  for (;;) {
    const std::size_t dot = rest.rfind('.');
    const std::size_t label = dot == std::string_view::npos ? 0 : dot + 1;
    if (wildcard) suffix = label;
    hash = hash_backwards(hash, domain.data() + label, domain.data() + hashed);
    hashed = label;
    const Node* node = find(domain.substr(label), hash);
    if (node == nullptr) break;
    if (node->type == kNormal) suffix = label;
    if (node->type == kException) {
      // `!label.name`: the public suffix is `name`, without this label.
      suffix = std::min(rest.size() + 1, domain.size());
      break;
    }
    wildcard = node->wildcard;
    if (dot == std::string_view::npos) break;
    rest = rest.substr(0, dot);
  }
  if (suffix == domain.size()) {
    // No rule matched: the default rule "*", the last label.
    const std::size_t dot = domain.rfind('.');
    return domain.substr(dot == std::string_view::npos ? 0 : dot + 1);
  }
  return domain.substr(suffix);
}

bool PublicSuffixList::has_registrable_domain(std::string_view domain) const {
  if (domain.empty() || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return false;
  }
  const std::string_view suffix = public_suffix(domain);
  if (domain.size() <= suffix.size()) return false;
  // The label before the suffix must end at a dot (always so, as in Go, kept for exactness).
  return domain[domain.size() - suffix.size() - 1] == '.';
}

}  // namespace aalgate
