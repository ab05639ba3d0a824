#pragma once
// What every decision must be, whatever the input (contract §2, DESIGN.md "Explanations"), for
// the fuzz targets: each check that fails prints what it saw and aborts, which libFuzzer reports
// as a crash with the input that caused it.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aalgate/aalgate.hpp"

namespace fuzz {

[[noreturn]] inline void fail(const char* what, const aalgate::Decision& d) {
  std::fprintf(stderr, "invariant broken: %s\n  verdict %s reason %s url \"%s\" challenge \"%s\"\n",
               what, std::string(aalgate::to_string(d.verdict)).c_str(),
               aalgate::reason_code(d).c_str(), d.url.c_str(), d.challenge.c_str());
  std::abort();
}

inline bool same(const aalgate::Decision& a, const aalgate::Decision& b) {
  const bool same_expiry =
      a.session_expires_at.has_value() == b.session_expires_at.has_value() &&
      (!a.session_expires_at || (a.session_expires_at->seconds == b.session_expires_at->seconds &&
                                 a.session_expires_at->nanos == b.session_expires_at->nanos));
  return a.verdict == b.verdict && a.url == b.url && a.reason == b.reason && a.aal == b.aal &&
         a.required_aal == b.required_aal && a.warnings == b.warnings &&
         a.challenge == b.challenge && a.kratos_reason == b.kratos_reason && same_expiry;
}

// The decision's shape: a URL exactly for login, step_up, refresh and enroll, on `base` (the
// configuration's baseUrl followed by "/self-service/"; recover's redirects to
// `redirectOrigins` are the callers' to allow); a challenge only for step_up and
// refresh; never allow when `may_allow` is false.
inline void check_shape(const aalgate::Decision& d, std::string_view base, bool may_allow) {
  const bool no_url = d.verdict == aalgate::Verdict::allow || d.verdict == aalgate::Verdict::error;
  if (d.url.empty() != no_url) fail("a URL exactly when the verdict sends the user somewhere", d);
  if (!d.url.empty() && d.url.compare(0, base.size(), base) != 0) fail("the URL is on baseUrl", d);
  const bool challenged =
      d.verdict == aalgate::Verdict::step_up || d.verdict == aalgate::Verdict::refresh;
  if (!d.challenge.empty() && !challenged) fail("a challenge only for step_up and refresh", d);
  if (!may_allow && d.verdict == aalgate::Verdict::allow) fail("no allow here", d);
}

// The same call explained: the same decision, and an explanation whose last step, and only
// that one, applies; a problem exactly for invalid_session (and claim_<name>, a token's claim).
inline void check_explained(const aalgate::Decision& plain, const aalgate::Decision& explained,
                            const aalgate::Explanation& why) {
  if (!same(plain, explained)) fail("asking for an explanation changes nothing", explained);
  if (why.steps.empty()) fail("an explanation has steps", plain);
  for (std::size_t i = 0; i < why.steps.size(); ++i) {
    if (why.steps[i].applies != (i + 1 == why.steps.size())) {
      fail("exactly the last step applies", plain);
    }
    if (why.steps[i].check.empty()) fail("every step says what it checked", plain);
  }
  const bool invalid = plain.reason == aalgate::Reason::invalid_session ||
                       plain.reason == aalgate::Reason::token_claim;
  if (why.problem.has_value() != invalid) {
    fail("a problem exactly for invalid_session and a token claim", plain);
  }
  if (why.problem && (why.problem->field.empty() || why.problem->problem.empty())) {
    fail("a problem names a field and what is wrong", plain);
  }
  const std::string json = aalgate::to_json(why);
  if (json.empty() || json.front() != '{' || json.back() != '}')
    fail("to_json writes an object", plain);
}

}  // namespace fuzz
