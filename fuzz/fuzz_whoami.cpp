// Any bytes as a whoami body, under every status class: decide must return, and its result
// must keep contract §2's shape (url empty exactly for allow/error; URLs only on baseUrl; no
// allow without a 200), and so must recover reading them as a Kratos error body. A 200 body is
// decided under Strict and Lax servers for each kind of requirement (levels, max ages, the
// settings operation), once with an explanation: the same decision, exactly the last step
// applying, a problem exactly for invalid_session; and decided as a verified token's claims.
// Seeds: corpus/fuzz_whoami/ (whoami and Kratos error bodies); dictionary: fuzz_whoami.dict.
#include <array>
#include <cstdint>
#include <string_view>

#include "aalgate/aalgate.hpp"
#include "invariants.hpp"

namespace {

constexpr std::string_view kBase = "https://auth.example.com/.ory/self-service/";

aalgate::Config config_of(std::string_view json) { return aalgate::parse_config(json).value(); }

aalgate::Requirement requirement_of(std::string_view json, const aalgate::Config& config) {
  return aalgate::parse_requirement(json, config).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::array<aalgate::Config, 2> configs = {
      config_of(R"({"baseUrl":"https://auth.example.com/.ory"})"),
      config_of(R"({"baseUrl":"https://auth.example.com/.ory","leeway":"30s","kratos":{
        "session":{"whoami":{"required_aal":"aal1"}},
        "selfservice":{"flows":{"settings":{"required_aal":"aal1",
          "privileged_session_max_age":"15m"}}}}})")};
  static const std::array<std::string_view, 6> requirement_texts = {
      R"({"aal":"aal2","maxAge":"10m","now":1785600000000,"returnTo":"/billing"})",
      R"({"now":1785600000000})",
      R"({"aal":"aal1","maxAge":600,"now":1785600000000.5})",
      R"({"aal":"highest_available","maxAge":"1h","now":1785600000000})",
      R"({"operation":"settings","now":1785600000000,"returnTo":"https://auth.example.com/x"})",
      R"({"aal":"none","now":1785600000000})"};
  static const auto requirements = [] {
    std::array<std::array<aalgate::Requirement, 6>, 2> out;
    for (std::size_t c = 0; c < configs.size(); ++c) {
      for (std::size_t r = 0; r < requirement_texts.size(); ++r) {
        out[c][r] = requirement_of(requirement_texts[r], configs[c]);
      }
    }
    return out;
  }();

  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (const int status : {200, 401, 403, 500}) {
    const aalgate::WhoamiOutcome whoami{true, status, body};
    const aalgate::Decision d = aalgate::decide(configs[0], whoami, requirements[0][0]);
    fuzz::check_shape(d, kBase, status == 200);  // an allow needs a 200
    // The same bytes as a Kratos error body: recover never allows and stays on baseUrl.
    const aalgate::Decision r = aalgate::recover(configs[0], whoami, requirements[0][0]);
    fuzz::check_shape(r, kBase, false);
    if (status == 403) {
      aalgate::Explanation why;
      fuzz::check_explained(r, aalgate::recover(configs[0], whoami, requirements[0][0], &why), why);
    }
  }
  // The same bytes as the claims of a verified Kratos token (BodyFormat::token_claims): a claim
  // a rule needs that is missing or wrong is an error, never an allow.
  const aalgate::WhoamiOutcome claims{true, 200, body, aalgate::NoAnswer::none,
                                      aalgate::BodyFormat::token_claims};
  for (std::size_t r = 0; r + 1 < requirement_texts.size(); ++r) {
    const aalgate::Decision d = aalgate::decide(configs[0], claims, requirements[0][r]);
    fuzz::check_shape(d, kBase, true);
    if (r == 0 && d.verdict == aalgate::Verdict::allow && d.aal != aalgate::Aal::aal2 &&
        d.aal != aalgate::Aal::aal3) {
      fuzz::fail("aal2 asked of claims: allow only at aal2 or aal3", d);
    }
    aalgate::Explanation why;
    fuzz::check_explained(d, aalgate::decide(configs[0], claims, requirements[0][r], &why), why);
  }
  const aalgate::WhoamiOutcome ok{true, 200, body};
  for (std::size_t c = 0; c < configs.size(); ++c) {
    for (std::size_t r = 0; r < requirement_texts.size(); ++r) {
      const aalgate::Decision d = aalgate::decide(configs[c], ok, requirements[c][r]);
      // Only a public route (aal: none) allows whatever the body; else allow needs a session.
      const bool is_public = r == 5;
      fuzz::check_shape(d, kBase, true);
      if (d.verdict == aalgate::Verdict::allow && !is_public && !d.aal) {
        fuzz::fail("allow without a session read", d);
      }
      if (is_public && d.verdict != aalgate::Verdict::allow) fuzz::fail("a public route allows", d);
      // aal2 asked: an allow is for a session at aal2 or higher, never a lower one.
      if (r == 0 && d.verdict == aalgate::Verdict::allow && d.aal != aalgate::Aal::aal2 &&
          d.aal != aalgate::Aal::aal3) {
        fuzz::fail("aal2 asked: allow only at aal2 or aal3", d);
      }
      if (c == 0 || r == 0) {
        aalgate::Explanation why;
        fuzz::check_explained(d, aalgate::decide(configs[c], ok, requirements[c][r], &why), why);
      }
    }
  }
  return 0;
}
