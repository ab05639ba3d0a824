#pragma once
/// @file json_fields.hpp
/// @brief Typed reads of fields from parsed JSON, each failing with the field's code.
/// Internal to the core: only the non-throwing parts of nlohmann/json are used.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "aalgate/result.hpp"

namespace aalgate::json_fields {

using Json = nlohmann::json;

/// @brief Parses `text`; nullopt when it is not JSON (never throws). A NUL byte anywhere makes
/// it invalid (nlohmann would stop reading there). With `reject_duplicate_keys`, an object in the
/// first three levels (session, method entries) that names a key twice makes it invalid too:
/// `JSON.parse` and nlohmann keep the last value, so `"active":false,…,"active":true` must not read
/// as active.
[[nodiscard]] std::optional<Json> parse(std::string_view text, bool reject_duplicate_keys = false);

/// @brief The member `key` of an object, or nullptr when absent or JSON null.
[[nodiscard]] const Json* find(const Json& object, std::string_view key);

/// @brief true for JS's stand-in for a value JSON cannot carry: `{"$unserializable": "function"}`.
[[nodiscard]] bool is_unserializable(const Json& value);

/// @brief What a value is, for messages: "a string", "a number", "a function" (JS's marker)...
[[nodiscard]] std::string describe(const Json& value);

/// @brief A string member; nullopt when absent; an Error when present and not a string.
[[nodiscard]] Result<std::optional<std::string>> optional_string(const Json& object,
                                                                 std::string_view key,
                                                                 const std::string& code);

/// @brief A duration member: non-negative seconds as a number, or a Go duration string.
[[nodiscard]] Result<std::optional<std::int64_t>> optional_duration(const Json& object,
                                                                    std::string_view key,
                                                                    const std::string& code);

/// @brief The first key of `object` not in `known`, or nullptr when all are known.
[[nodiscard]] const std::string* unknown_key(const Json& object,
                                             std::initializer_list<std::string_view> known);

}  // namespace aalgate::json_fields
