#pragma once
/// @file duration.hpp
/// @brief Go-style durations (`90s`, `10m`, `1h30m`, `1.5h`, `300ms`) as Kratos configures them.

#include <cstdint>
#include <optional>
#include <string_view>

namespace aalgate {

/// @brief Nanoseconds of a Go `time.ParseDuration` string, restricted to non-negative values:
/// a sign prefix is refused, as is a number without a unit (except `0`) or an overflow.
[[nodiscard]] std::optional<std::int64_t> parse_go_duration(std::string_view text);

/// @brief Nanoseconds of a non-negative, finite number of seconds (fractions kept).
[[nodiscard]] std::optional<std::int64_t> seconds_to_nanos(double seconds);

}  // namespace aalgate
