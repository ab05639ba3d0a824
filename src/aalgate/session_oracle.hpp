#pragma once
/// @file session_oracle.hpp
/// @brief The nlohmann/json reading of whoami bodies that whoami_reader.hpp replaced, kept as the
/// oracle the reader is compared with (tests/cpp/whoami_reader_test.cpp, fuzz/): its results are
/// right by definition. Built into the native library aalgate_oracle only, never into the Wasm
/// module.

#include <optional>
#include <string_view>

#include "aalgate/session.hpp"

namespace aalgate {

/// @brief parse_session through nlohmann/json's DOM (json_fields::parse with repeated keys
/// refused): nullopt when the text is not JSON or not a valid Session.
[[nodiscard]] std::optional<Session> parse_session_oracle(std::string_view json_text);

/// @brief is_aal2_required_error through nlohmann/json's DOM.
[[nodiscard]] bool is_aal2_required_error_oracle(std::string_view json_text);

/// @brief Both readings of one text, parsed once (the differential test's and fuzzer's call).
struct WhoamiOracle {
  std::optional<Session> session;  ///< parse_session_oracle's result
  bool aal2_required = false;      ///< is_aal2_required_error_oracle's result
  bool readable = false;           ///< what is_readable_json must answer: parsed at all
};
[[nodiscard]] WhoamiOracle read_whoami_oracle(std::string_view json_text);

}  // namespace aalgate
