// Any bytes as a requirement: either an Error whose code names a requirement field, or a
// requirement whose URLs stay on baseUrl and carry return_to only when it passed the rules.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aalgate/aalgate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const aalgate::Config config =
      aalgate::parse_config(
          R"({"baseUrl":"https://auth.example.com","allowedReturnUrls":["https://app.example.com/"]})")
          .value();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto requirement = aalgate::parse_requirement(text, config);
  if (!requirement) {
    if (requirement.error().code.rfind("requirement", 0) != 0) std::abort();
    return 0;
  }
  const aalgate::Decision d = aalgate::decide(config, {}, requirement.value());
  if (d.url.rfind("https://auth.example.com/self-service/login/browser", 0) != 0) std::abort();
  return 0;
}
