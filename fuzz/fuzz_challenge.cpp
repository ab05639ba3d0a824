// Any bytes as a WWW-Authenticate value: parse_challenge returns, and what it finds is a
// requirement aalgate can decide with; aalgate's own challenges read back as they were built.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "aalgate/challenge.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  const auto found = aalgate::parse_challenge(header);
  if (found && found->aal != aalgate::RequiredAal::aal1 &&
      found->aal != aalgate::RequiredAal::aal2) {
    std::abort();
  }
  if (found && found->max_age_seconds && *found->max_age_seconds < 0) std::abort();
  if (size >= 4) {
    std::uint32_t seconds = 0;
    std::memcpy(&seconds, data, 4);
    const bool aal2 = (seconds & 1U) != 0;
    const auto back = aalgate::parse_challenge(
        aalgate::build_challenge(aal2, static_cast<std::int64_t>(seconds) * 1000000000));
    if (!back || back->max_age_seconds != static_cast<std::int64_t>(seconds) ||
        (back->aal == aalgate::RequiredAal::aal2) != aal2) {
      std::abort();
    }
  }
  return 0;
}
