// Any bytes as a gate configuration: parse_config returns a value or an Error with a code.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aalgate/aalgate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const aalgate::Result<aalgate::Config> config = aalgate::parse_config(text);
  if (config) {
    // A config that parses builds URLs on its own base, whatever the return_to.
    const auto requirement = aalgate::parse_requirement(R"({"returnTo":"/x"})", config.value());
    if (!requirement) std::abort();
    const auto d = aalgate::decide(config.value(), {}, requirement.value());
    if (d.url.rfind(config.value().base_url + "/self-service/login/", 0) != 0) std::abort();
  } else if (config.error().code.rfind("config", 0) != 0) {
    std::abort();
  }
  return 0;
}
