#pragma once
/// @file whoami_reader.hpp
/// @brief The whoami body reader behind parse_session and is_aal2_required_error: one validating
/// pass over the JSON text, without a DOM, recursion, exceptions or (once its per-thread buffers
/// have grown) allocation.
///
/// It gives, for every byte string, the result its oracle gives (session_oracle.hpp: nlohmann/json
/// 3.11 through json_fields::parse): the texts nlohmann accepts (RFC 8259 as its lexer reads it:
/// well-formed UTF-8, no lone surrogate escape, no number that reads as infinite, a UTF-8 BOM
/// skipped), no NUL byte, no key named twice in an object at container depth 0 to 2 (the session,
/// its members, the method entries), and the fields read the same way.

#include <cstddef>
#include <optional>
#include <string_view>

#include "aalgate/session.hpp"

namespace aalgate {

/// @brief The Session of a whoami 200 body; nullopt when the text is not JSON or not a valid
/// Session (DESIGN.md, "Whoami and sessions"). Never throws.
[[nodiscard]] std::optional<Session> read_whoami_session(std::string_view json_text);

/// @brief true when the text is JSON whose `error.id` is the string "session_aal2_required".
[[nodiscard]] bool read_aal2_required_error(std::string_view json_text);

/// @brief true when the text is JSON as nlohmann reads it, without a NUL byte and without a key
/// named twice in an object at container depth 0 to 2: what json_fields::parse needs checked
/// before nlohmann parses a Kratos body. When it is not and `stopped_at` is given, that is the
/// byte offset where reading stopped (an explanation's "where").
[[nodiscard]] bool is_readable_json(std::string_view json_text, std::size_t* stopped_at = nullptr);

}  // namespace aalgate
