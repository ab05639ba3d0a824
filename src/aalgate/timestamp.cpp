#include "aalgate/timestamp.hpp"

#include <chrono>
#include <cmath>
#include <limits>

#include "aalgate/ascii.hpp"

namespace aalgate {
namespace {

using ascii::is_digit;

constexpr std::int64_t kNanosPerSecond = 1000000000;
// 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the range RFC 3339 can write.
constexpr std::int64_t kMinSeconds = -62167219200;
constexpr std::int64_t kMaxSeconds = 253402300800;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool is_leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : kDays[m - 1];
}

// Reads exactly `count` digits at `pos`; false when any is not a digit.
bool read_digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (!is_digit(c)) return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

}  // namespace

std::optional<Timestamp> parse_rfc3339(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20) return std::nullopt;
  if (!read_digits(text, 0, 4, year) || text[4] != '-' || !read_digits(text, 5, 2, month) ||
      text[7] != '-' || !read_digits(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't') ||
      !read_digits(text, 11, 2, hour) || text[13] != ':' || !read_digits(text, 14, 2, minute) ||
      text[16] != ':' || !read_digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  if (second == 60) second = 59;
  std::size_t pos = 19;
  std::int32_t nanos = 0;
  if (text[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    while (pos < text.size() && is_digit(text[pos])) {
      if (++digits > 9) return std::nullopt;
      nanos = nanos * 10 + (text[pos] - '0');
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (std::size_t i = digits; i < 9; ++i) nanos *= 10;
  }
  if (pos >= text.size()) return std::nullopt;
  std::int64_t offset_seconds = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int off_hour = 0, off_minute = 0;
    if (!read_digits(text, pos + 1, 2, off_hour) || pos + 3 >= text.size() ||
        text[pos + 3] != ':' || !read_digits(text, pos + 4, 2, off_minute) || off_hour > 23 ||
        off_minute > 59) {
      return std::nullopt;
    }
    offset_seconds = (std::int64_t{off_hour} * 3600 + std::int64_t{off_minute} * 60) *
                     (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds = days * 86400 + std::int64_t{hour} * 3600 +
                               std::int64_t{minute} * 60 + second - offset_seconds;
  return Timestamp{seconds, nanos};
}

std::optional<Timestamp> timestamp_from_unix_ms(double ms) {
  if (!std::isfinite(ms)) return std::nullopt;
  const double whole_seconds = std::floor(ms / 1000.0);
  if (whole_seconds < static_cast<double>(kMinSeconds) ||
      whole_seconds >= static_cast<double>(kMaxSeconds)) {
    return std::nullopt;
  }
  const auto seconds = static_cast<std::int64_t>(whole_seconds);
  // Nanoseconds from the millisecond remainder, rounded: 1.5 ms is 1500000 ns exactly.
  const double remainder_ms = ms - whole_seconds * 1000.0;
  auto nanos = static_cast<std::int64_t>(std::llround(remainder_ms * 1e6));
  Timestamp t{seconds, 0};
  if (nanos >= kNanosPerSecond) {
    t.seconds += 1;
    nanos -= kNanosPerSecond;
  }
  t.nanos = static_cast<std::int32_t>(nanos < 0 ? 0 : nanos);
  return t;
}

Timestamp current_time() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count();
  std::int64_t seconds = ns / kNanosPerSecond;
  std::int64_t nanos = ns % kNanosPerSecond;
  if (nanos < 0) {
    nanos += kNanosPerSecond;
    seconds -= 1;
  }
  return Timestamp{seconds, static_cast<std::int32_t>(nanos)};
}

bool is_go_zero_time(Timestamp t) { return t.seconds == -62135596800 && t.nanos == 0; }

std::int64_t nanos_between(Timestamp from, Timestamp to) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  // Both are within years 0000..9999, so the seconds difference cannot overflow.
  const std::int64_t seconds = to.seconds - from.seconds;
  const std::int64_t nanos = static_cast<std::int64_t>(to.nanos) - from.nanos;
  if (seconds > kMax / kNanosPerSecond - 1) return kMax;
  if (seconds < kMin / kNanosPerSecond + 1) return kMin;
  return seconds * kNanosPerSecond + nanos;
}

bool at_or_before(Timestamp a, Timestamp b) {
  return a.seconds < b.seconds || (a.seconds == b.seconds && a.nanos <= b.nanos);
}

}  // namespace aalgate
