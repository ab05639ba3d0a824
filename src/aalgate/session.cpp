#include "aalgate/session.hpp"

#include <cstddef>
#include <iterator>

#include "aalgate/whoami_reader.hpp"

namespace aalgate {
namespace {

// In enum order: the name of each level.
constexpr std::string_view kAalNames[] = {"aal0", "aal1", "aal2", "aal3"};

}  // namespace

std::string_view to_string(Aal aal) { return kAalNames[static_cast<std::size_t>(aal)]; }

std::optional<Aal> parse_aal(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kAalNames); ++i) {
    if (name == kAalNames[i]) return static_cast<Aal>(i);
  }
  return std::nullopt;
}

// One validating pass over the text (whoami_reader.hpp); session_oracle.hpp holds the
// nlohmann/json reading it replaced and is compared with it by the tests and a fuzzer.
std::optional<Session> parse_session(std::string_view json_text) {
  return read_whoami_session(json_text);
}

bool is_aal2_required_error(std::string_view json_text) {
  return read_aal2_required_error(json_text);
}

}  // namespace aalgate
