// Any bytes as a gate configuration: parse_config returns a value or an Error whose code names a
// configuration field (with the Public Suffix List loaded, as js/index.js does, when the core
// asks for it: a wildcard in allowedReturnUrls). A configuration that parses decides on its own
// baseUrl whatever the return_to (kept or dropped by its allowedReturnUrls), for no session and
// an aal1 session, explained the same; its policy (if any) gives a requirement for a few routes,
// and a public route allows without a session.
// Seeds: corpus/fuzz_config/; dictionary: fuzz_config.dict.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "aalgate/aalgate.hpp"
#include "invariants.hpp"

namespace {

constexpr std::string_view kAal1 =
    R"({"active":true,"expires_at":"2026-08-02T10:00:00Z","authenticated_at":"2026-08-01T10:00:00Z",
    "authentication_methods":[{"method":"password","aal":"aal1","completed_at":"2026-08-01T10:00:00Z"}]})";

const aalgate::PublicSuffixList& public_suffixes() {
  static const aalgate::PublicSuffixList list = [] {
    std::ifstream in(AALGATE_PUBLIC_SUFFIX_FILE, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = aalgate::PublicSuffixList::parse(text.str());
    if (!parsed) {
      std::fprintf(stderr, "cannot read %s\n", AALGATE_PUBLIC_SUFFIX_FILE);
      std::abort();
    }
    return std::move(parsed).value();
  }();
  return list;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  aalgate::Result<aalgate::Config> config = aalgate::parse_config(text);
  if (!config && config.error().code == aalgate::kPublicSuffixListRequired) {
    config = aalgate::parse_config(text, &public_suffixes());
  }
  if (!config) {
    if (config.error().code.rfind("config", 0) != 0 || config.error().message.empty()) {
      std::abort();
    }
    return 0;
  }
  const aalgate::Config& c = config.value();
  const std::string base = c.base_url + "/self-service/";
  for (const char* return_to :
       {"/x", "https://app.example.com/a?b#c", "https://evil.example.org/", "myapp://cb/x"}) {
    const std::string json =
        std::string(R"({"now":1785600000000,"maxAge":"5m","returnTo":")") + return_to + "\"}";
    const auto requirement = aalgate::parse_requirement(json, c);
    if (!requirement) std::abort();
    for (const aalgate::WhoamiOutcome& whoami :
         {aalgate::WhoamiOutcome{}, aalgate::WhoamiOutcome{true, 200, kAal1}}) {
      const aalgate::Decision d = aalgate::decide(c, whoami, requirement.value());
      fuzz::check_shape(d, base, whoami.present);
      if (d.url.rfind(c.base_url + "/self-service/login/", 0) != 0 &&
          d.verdict != aalgate::Verdict::allow) {
        fuzz::fail("a login URL on the configuration's own base", d);
      }
      aalgate::Explanation why;
      fuzz::check_explained(d, aalgate::decide(c, whoami, requirement.value(), &why), why);
    }
  }
  for (const char* path : {"/", "/billing/pay", "/public/x", "/a/b/c.pdf", "/account/settings"}) {
    for (const char* method : {"GET", "POST"}) {
      const auto route = aalgate::requirement_for(c, method, path);
      if (!route) std::abort();  // a valid method and path always find a rule or the default
      if (route.value().requirement.aal == aalgate::RequiredAal::none) {
        const std::string request =
            std::string(R"({"method":")") + method + R"(","url":")" + path + "\"}";
        const auto d = aalgate::decide_request(c, {}, request);
        if (!d || d.value().verdict != aalgate::Verdict::allow) std::abort();
      }
    }
  }
  return 0;
}
