#pragma once
/// @file public_suffix.hpp
/// @brief The Public Suffix List (publicsuffix.org), looked up as Go's
/// golang.org/x/net/publicsuffix does: Kratos drops a `*.base` wildcard whose base has no
/// registrable domain (`EffectiveTLDPlusOne(base)` fails), e.g. `*.com`, `*.co.uk`,
/// `*.vercel.app`.
///
/// The data is not compiled in: tools/public-suffix.mjs writes it at build time from the
/// list (both its ICANN and PRIVATE sections, rules in punycode, plus the Unicode spelling of
/// the rules that have one) and the caller loads it on demand.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aalgate/result.hpp"

namespace aalgate {

/// @brief The rules of the Public Suffix List, ready for lookups.
///
/// Inputs are taken byte for byte, as Go takes them: nothing is lower-cased or converted to
/// punycode (callers lower-case; `EXAMPLE.COM` falls to the default rule `*`). The only
/// deliberate difference from Go: a rule written with non-ASCII characters matches in its
/// Unicode spelling too, so `*.公司.cn` is refused like `*.xn--55qx5d.cn`.
class PublicSuffixList {
 public:
  /// @brief Parses the data file written by tools/public-suffix.mjs (format
  /// `aalgate-psl 1`, described there). Error code `publicSuffixList` on malformed data, on an
  /// unknown format version and on a list without rules.
  [[nodiscard]] static Result<PublicSuffixList> parse(std::string_view data);

  /// @brief The public suffix of `domain` by the PSL algorithm (rules, wildcards `*.`,
  /// exceptions `!`, default rule `*`), as Go's `publicsuffix.PublicSuffix`: a view into
  /// `domain`. An IP address (as Go's `netip.ParseAddr` reads one) is its own public suffix.
  [[nodiscard]] std::string_view public_suffix(std::string_view domain) const;

  /// @brief true exactly when Go's `publicsuffix.EffectiveTLDPlusOne(domain)` returns no error:
  /// `domain` has no empty label (no leading, trailing or double dot), is not an IP address and
  /// has at least one label before its public suffix. `example.com`, `foo.vercel.app` have one;
  /// `com`, `co.uk`, `vercel.app`, `localhost`, `127.0.0.1` do not.
  [[nodiscard]] bool has_registrable_domain(std::string_view domain) const;

  /// @brief The rest of the data file's header line after `aalgate-psl 1`: the source list's
  /// checksum and, when it has them, its VERSION and COMMIT (for messages and diagnostics).
  [[nodiscard]] std::string_view source() const { return source_; }

  /// @brief The number of distinct rules (normal, wildcard and exception; each spelling counts).
  [[nodiscard]] std::size_t rule_count() const { return rule_count_; }

 private:
  /// A node of the suffix tree Go walks, keyed by its whole name (`kawasaki.jp`): a rule, or
  /// only the parent of a longer rule. `offset`/`length` locate the name in `names_`.
  struct Node {
    std::uint32_t offset = 0;
    std::uint32_t hash = 0;  ///< of the name, see public_suffix.cpp
    std::uint16_t length = 0;
    std::uint8_t type = 0;  ///< kind of the node: see public_suffix.cpp
    bool wildcard = false;  ///< a `*.name` rule exists
  };

  PublicSuffixList() = default;
  [[nodiscard]] const Node* find(std::string_view name, std::uint32_t hash) const;

  std::string names_;        ///< every rule's name, back to back; parents are suffixes of them
  std::vector<Node> nodes_;  ///< one per name
  std::vector<std::uint32_t> slots_;  ///< hash table of 1 + index in nodes_, 0 for none
  std::string source_;
  std::size_t rule_count_ = 0;
};

}  // namespace aalgate
