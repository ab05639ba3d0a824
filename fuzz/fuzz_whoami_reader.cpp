// Any bytes as a whoami or error body: the reader behind parse_session and
// is_aal2_required_error (whoami_reader.cpp) must give exactly what its oracle, the nlohmann/json
// reading it replaced (session_oracle.cpp), gives; any difference aborts with both results.
// Seeds: fuzz/corpus/fuzz_whoami_reader/; dictionary: fuzz/fuzz_whoami_reader.dict.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "aalgate/decide.hpp"
#include "aalgate/explain.hpp"
#include "aalgate/session.hpp"
#include "aalgate/session_oracle.hpp"
#include "aalgate/whoami_reader.hpp"

namespace {

bool same(const std::optional<aalgate::Timestamp>& a, const std::optional<aalgate::Timestamp>& b) {
  return a.has_value() == b.has_value() &&
         (!a || (a->seconds == b->seconds && a->nanos == b->nanos));
}

bool same(const std::optional<aalgate::Session>& a, const std::optional<aalgate::Session>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->active == b->active && same(a->expires_at, b->expires_at) &&
                same(a->authenticated_at, b->authenticated_at) && a->aal == b->aal &&
                same(a->aal2_completed_at, b->aal2_completed_at) &&
                a->aal2_from_upstream_only == b->aal2_from_upstream_only);
}

void print(const char* who, const std::optional<aalgate::Session>& s) {
  if (!s) {
    std::fprintf(stderr, "%s: invalid\n", who);
    return;
  }
  const auto at = [](const std::optional<aalgate::Timestamp>& t) {
    return t ? static_cast<long long>(t->seconds) : -1LL;
  };
  std::fprintf(stderr,
               "%s: active %d expires_at %lld.%09d authenticated_at %lld aal %s "
               "aal2_completed_at %lld upstream_only %d\n",
               who, s->active, static_cast<long long>(s->expires_at.seconds),
               static_cast<int>(s->expires_at.nanos), at(s->authenticated_at),
               std::string(aalgate::to_string(s->aal)).c_str(), at(s->aal2_completed_at),
               s->aal2_from_upstream_only);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const aalgate::WhoamiOracle oracle = aalgate::read_whoami_oracle(text);
  const std::optional<aalgate::Session> session = aalgate::parse_session(text);
  if (!same(session, oracle.session)) {
    print("reader", session);
    print("oracle", oracle.session);
    std::abort();
  }
  if (!session) {
    // The explanation's diagnosis (explain.hpp) names a problem in every refused text.
    const aalgate::WhoamiOutcome body{true, 200, text};
    const aalgate::SessionProblem problem = aalgate::diagnose_session(body);
    if (problem.field.empty() || problem.problem == "no problem found") {
      std::fprintf(stderr, "diagnose_session found no problem in a refused text\n");
      std::abort();
    }
  }
  const bool readable = aalgate::is_readable_json(text);
  if (readable != oracle.readable) {
    std::fprintf(stderr, "is_readable_json: reader %d, oracle %d\n", readable, oracle.readable);
    std::abort();
  }
  const bool required = aalgate::is_aal2_required_error(text);
  if (required != oracle.aal2_required) {
    std::fprintf(stderr, "is_aal2_required_error: reader %d, oracle %d\n", required,
                 oracle.aal2_required);
    std::abort();
  }
  return 0;
}
