// Any bytes as a requirement: either an Error whose code names a requirement field, or a
// requirement whose decisions, for no session and for aal1 and aal2 sessions, under a Strict and
// a Lax server, keep contract §2's shape: URLs on baseUrl, a challenge only for step_up and
// refresh, no allow without a session (unless aal: none), and the same decision explained.
// Seeds: corpus/fuzz_requirement/; dictionary: fuzz_requirement.dict.
#include <array>
#include <cstdint>
#include <string_view>

#include "aalgate/aalgate.hpp"
#include "invariants.hpp"

namespace {

constexpr std::string_view kBase = "https://auth.example.com/self-service/";

// An aal1 session authenticated at 10:00 and one with a second factor at 10:00:30, both expiring
// the next day; `now` in the requirement decides how old they are.
constexpr std::string_view kAal1 =
    R"({"active":true,"expires_at":"2026-08-02T10:00:00Z","authenticated_at":"2026-08-01T10:00:00Z",
    "authenticator_assurance_level":"aal1","authentication_methods":[
    {"method":"password","aal":"aal1","completed_at":"2026-08-01T10:00:00Z"}]})";
constexpr std::string_view kAal2 =
    R"({"active":true,"expires_at":"2026-08-02T10:00:00Z","authenticated_at":"2026-08-01T10:00:00Z",
    "authentication_methods":[{"method":"password","aal":"aal1","completed_at":"2026-08-01T10:00:00Z"},
    {"method":"totp","aal":"aal2","completed_at":"2026-08-01T10:00:30Z"}]})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::array<aalgate::Config, 2> configs = {
      aalgate::parse_config(
          R"({"baseUrl":"https://auth.example.com","allowedReturnUrls":["https://app.example.com/"]})")
          .value(),
      aalgate::parse_config(R"({"baseUrl":"https://auth.example.com","leeway":1.5,"kratos":{
        "session.whoami.required_aal":"aal1","selfservice.flows.settings.required_aal":"aal1",
        "selfservice.flows.settings.privileged_session_max_age":"5m",
        "selfservice.default_browser_return_url":"https://app.example.com/home"}})")
          .value()};
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const aalgate::Config& config : configs) {
    const auto requirement = aalgate::parse_requirement(text, config);
    if (!requirement) {
      if (requirement.error().code.rfind("requirement", 0) != 0 ||
          requirement.error().message.empty()) {
        std::abort();
      }
      continue;
    }
    const bool is_public = requirement.value().aal == aalgate::RequiredAal::none;
    const aalgate::WhoamiOutcome outcomes[] = {{}, {true, 200, kAal1}, {true, 200, kAal2}};
    for (const aalgate::WhoamiOutcome& whoami : outcomes) {
      const aalgate::Decision d = aalgate::decide(config, whoami, requirement.value());
      fuzz::check_shape(d, kBase, whoami.present || is_public);
      aalgate::Explanation why;
      fuzz::check_explained(d, aalgate::decide(config, whoami, requirement.value(), &why), why);
    }
  }
  return 0;
}
