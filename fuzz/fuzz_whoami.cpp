// Any bytes as a whoami body, under every status class: decide must return, and its result
// must keep contract §2's shape (url empty exactly for allow/error; URLs only on baseUrl), and so
// must recover reading them as a Kratos error body.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aalgate/aalgate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const aalgate::Config config =
      aalgate::parse_config(R"({"baseUrl":"https://auth.example.com/.ory"})").value();
  static const aalgate::Requirement requirement =
      aalgate::parse_requirement(R"({"aal":"aal2","maxAge":"10m","now":1785600000000})", config)
          .value();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (const int status : {200, 401, 403, 500}) {
    const aalgate::Decision d = aalgate::decide(config, {true, status, body}, requirement);
    const bool no_url =
        d.verdict == aalgate::Verdict::allow || d.verdict == aalgate::Verdict::error;
    if (d.url.empty() != no_url) std::abort();
    if (!d.url.empty() && d.url.rfind("https://auth.example.com/.ory/self-service/", 0) != 0) {
      std::abort();
    }
    if (status != 200 && d.verdict == aalgate::Verdict::allow) std::abort();
    // The same bytes as a Kratos error body: recover never allows and stays on baseUrl.
    const aalgate::Decision r = aalgate::recover(config, {true, status, body}, requirement);
    if (r.verdict == aalgate::Verdict::allow) std::abort();
    if (r.url.empty() != (r.verdict == aalgate::Verdict::error)) std::abort();
    if (!r.url.empty() && r.url.rfind("https://auth.example.com/.ory/self-service/", 0) != 0) {
      std::abort();
    }
  }
  return 0;
}
