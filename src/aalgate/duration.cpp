#include "aalgate/duration.hpp"

#include <cmath>
#include <limits>

#include "aalgate/ascii.hpp"

namespace aalgate {
namespace {

using ascii::is_digit;

constexpr std::uint64_t kMaxNanos =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// Nanoseconds per unit, by Go's unit names (µ as U+00B5 and μ as U+03BC, both in UTF-8).
std::optional<std::uint64_t> unit_nanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1000;
  if (unit == "ms") return 1000000;
  if (unit == "s") return 1000000000;
  if (unit == "m") return 60ULL * 1000000000;
  if (unit == "h") return 3600ULL * 1000000000;
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> parse_go_duration(std::string_view text) {
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  std::uint64_t total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    // The integer part; Go refuses an integer part that overflows int64 nanoseconds.
    std::uint64_t whole = 0;
    const std::size_t whole_start = pos;
    while (pos < text.size() && is_digit(text[pos])) {
      const auto digit = static_cast<std::uint64_t>(text[pos] - '0');
      if (whole > (kMaxNanos - digit) / 10) return std::nullopt;
      whole = whole * 10 + digit;
      ++pos;
    }
    const bool has_whole = pos > whole_start;
    // The fraction, kept to 18 digits: finer digits cannot change a nanosecond result.
    std::uint64_t fraction = 0;
    std::uint64_t scale = 1;
    bool has_fraction = false;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      while (pos < text.size() && is_digit(text[pos])) {
        has_fraction = true;
        if (scale < 1000000000000000000ULL) {
          fraction = fraction * 10 + static_cast<std::uint64_t>(text[pos] - '0');
          scale *= 10;
        }
        ++pos;
      }
    }
    if (!has_whole && !has_fraction) return std::nullopt;
    const std::size_t unit_start = pos;
    while (pos < text.size() && !is_digit(text[pos]) && text[pos] != '.') ++pos;
    const auto unit = unit_nanos(text.substr(unit_start, pos - unit_start));
    if (!unit) return std::nullopt;
    if (whole > kMaxNanos / *unit) return std::nullopt;
    std::uint64_t value = whole * *unit;
    if (fraction > 0) {
      // Go's own formula: float64 is nanosecond-exact for fractions of an hour.
      value +=
          static_cast<std::uint64_t>(static_cast<double>(fraction) *
                                     (static_cast<double>(*unit) / static_cast<double>(scale)));
    }
    if (value > kMaxNanos || total > kMaxNanos - value) return std::nullopt;
    total += value;
  }
  return static_cast<std::int64_t>(total);
}

std::optional<std::int64_t> seconds_to_nanos(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return std::nullopt;
  const double nanos = std::round(seconds * 1e9);
  if (nanos >= 9.2e18) return std::nullopt;
  return static_cast<std::int64_t>(nanos);
}

}  // namespace aalgate
