#pragma once
/// @file timestamp.hpp
/// @brief RFC 3339 instants as Kratos writes them, with nanosecond precision.

#include <cstdint>
#include <optional>
#include <string_view>

namespace aalgate {

/// @brief An instant: seconds since the Unix epoch plus nanoseconds in [0, 1e9).
struct Timestamp {
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;
};

/// @brief Parses `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±hh:mm)`; `T` and `Z` in either case.
/// Rejects impossible dates; a leap second (:60) counts as :59. nullopt when invalid.
[[nodiscard]] std::optional<Timestamp> parse_rfc3339(std::string_view text);

/// @brief The instant `ms` milliseconds after the epoch (fractions kept to the nanosecond).
/// nullopt when `ms` is not finite or outside years 0000..9999.
[[nodiscard]] std::optional<Timestamp> timestamp_from_unix_ms(double ms);

/// @brief The current time from the system clock.
[[nodiscard]] Timestamp current_time();

/// @brief Go's zero time, 0001-01-01T00:00:00Z, which legacy Kratos sessions store as "no time".
[[nodiscard]] bool is_go_zero_time(Timestamp t);

/// @brief `to - from` in nanoseconds, saturated to the int64 range.
[[nodiscard]] std::int64_t nanos_between(Timestamp from, Timestamp to);

/// @brief true when `a` is at or before `b`.
[[nodiscard]] bool at_or_before(Timestamp a, Timestamp b);

}  // namespace aalgate
