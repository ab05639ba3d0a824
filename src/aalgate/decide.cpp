#include "aalgate/decide.hpp"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>

#include "aalgate/decision_builder.hpp"
#include "aalgate/explain.hpp"
#include "aalgate/session_record.hpp"
#include "aalgate/token_claims.hpp"

namespace aalgate {
namespace {

// The age budget: max_age + leeway, saturating.
std::int64_t allowed_age(std::int64_t max_age_ns, std::int64_t leeway_ns) {
  return max_age_ns > std::numeric_limits<std::int64_t>::max() - leeway_ns
             ? std::numeric_limits<std::int64_t>::max()
             : max_age_ns + leeway_ns;
}

// An explanation's "<maxAge> + leeway <leeway>" (rules 8, 9 and S).
void age_budget(Check& c, std::int64_t max_age_ns, std::int64_t leeway_ns) {
  c.seconds(max_age_ns) << " + leeway ";
  c.seconds(leeway_ns);
}

// Rules 8-9: stale when now − at > max_age + leeway; negative ages count as 0.
bool is_stale(const std::optional<Timestamp>& at, Timestamp now, std::int64_t max_age_ns,
              std::int64_t leeway_ns) {
  if (!at) return true;
  const std::int64_t age = nanos_between(*at, now);
  return age > 0 && age > allowed_age(max_age_ns, leeway_ns);
}

// Kratos's session/manager_http.go IsPrivileged: `authenticated_at + max_age > now`, so at
// exactly max_age the session is no longer privileged; no authenticated_at is never privileged.
// (A max age <= 0, always privileged, is handled by the caller.)
bool is_privileged(const std::optional<Timestamp>& authenticated_at, Timestamp now,
                   std::int64_t max_age_ns, std::int64_t leeway_ns) {
  if (!authenticated_at) return false;
  const std::int64_t age = nanos_between(*authenticated_at, now);
  return age < allowed_age(max_age_ns, leeway_ns);
}

// The Session of a 200 answer, in whichever form it came; for claims, `why` says which claim
// was missing or wrong.
std::optional<Session> session_of(const WhoamiOutcome& whoami, ClaimProblem* why = nullptr) {
  switch (whoami.format) {
    case BodyFormat::session_record:
      return read_session_record(whoami.body);
    case BodyFormat::token_claims:
      return read_token_claims(whoami.body, why);
    case BodyFormat::json_text:
      break;
  }
  return parse_session(whoami.body);
}

// A tokenized session's claims lack what a rule needs: an error naming the claim, never a pass.
Decision claim_error(DecisionBuilder& out, std::string_view claim) {
  out.set_kratos_reason("claim_" + std::string(claim));
  return out.without_url(Verdict::error, Reason::token_claim);
}

}  // namespace

bool is_body_too_large(const Config& config, const WhoamiOutcome& whoami) {
  return whoami.present && whoami.no_answer == NoAnswer::none &&
         (whoami.body_over_limit || whoami.body.size() > config.max_body_bytes);
}

Decision decide(const Config& config, const WhoamiOutcome& whoami, const Requirement& requirement,
                Explanation* explanation) {
  DecisionBuilder out(config, requirement);
  Explainer explain(explanation);
  if (explain.on()) explain_inputs(*explanation, config, whoami, requirement);
  // Measured before anything reads the body: a larger one is never parsed.
  const bool too_large = is_body_too_large(config, whoami);
  // A public operation needs no session: allow, but still report a session's level.
  if (explain.rule("0", requirement.aal == RequiredAal::none, [&](Check& c) {
        c << "required aal is " << to_string(requirement.aal)
          << (requirement.aal == RequiredAal::none ? ": a public operation" : ", not none");
      })) {
    if (whoami.present && whoami.status == 200 && !too_large) {
      if (const std::optional<Session> session = session_of(whoami)) {
        out.set_session(*session);
        if (explain.on()) explanation->session = session;
      }
    }
    return out.without_url(Verdict::allow, Reason::public_route);
  }
  // No answer at all (the caller's fetch failed or timed out): nothing to decide on.
  if (explain.rule("0'", whoami.no_answer != NoAnswer::none, [&](Check& c) {
        c << (whoami.no_answer == NoAnswer::unreachable ? "Kratos could not be reached"
              : whoami.no_answer == NoAnswer::timeout   ? "Kratos did not answer in time"
                                                        : "Kratos answered");
      })) {
    return out.without_url(Verdict::error, whoami.no_answer == NoAnswer::timeout
                                               ? Reason::kratos_timeout
                                               : Reason::kratos_unreachable);
  }
  // A body over maxBodyBytes, whatever its status: nothing in it is read (a step only when it
  // decides, so the explanation of every other answer is unchanged).
  if (too_large &&
      explain.rule("size", true, [&](Check& c) { explain_body_size(c, config, whoami); })) {
    return out.without_url(Verdict::error, Reason::body_too_large);
  }
  // Rules 1-3: what kind of answer whoami gave.
  if (explain.rule("1", !whoami.present || whoami.status == 401, [&](Check& c) {
        if (!whoami.present) {
          c << "no session was given";
        } else {
          c << "status " << whoami.status << (whoami.status == 401 ? ": no session" : ", not 401");
        }
      })) {
    return out.login(Verdict::login, Reason::no_session, LoginUrlOptions::first_login());
  }
  const bool aal2_required = whoami.status == 403 && whoami.format == BodyFormat::json_text &&
                             is_aal2_required_error(whoami.body);
  if (explain.rule("2", aal2_required, [&](Check& c) {
        c << "status " << whoami.status
          << (whoami.status != 403 ? ", not 403"
              : aal2_required      ? " with error.id session_aal2_required"
                                   : " without error.id session_aal2_required");
      })) {
    return out.login(Verdict::step_up, Reason::server_requires_aal2, LoginUrlOptions::step_up());
  }
  if (explain.rule("3", whoami.status != 200, [&](Check& c) {
        c << "status " << whoami.status
          << (whoami.status == 200 ? "" : ": not an answer aalgate decides on");
      })) {
    return out.without_url(Verdict::error, Reason::unexpected_response);
  }
  ClaimProblem claim_problem;
  const std::optional<Session> session = session_of(whoami, &claim_problem);
  const bool claims = whoami.format == BodyFormat::token_claims;
  if (explain.rule("3", !session, [&](Check& c) {
        if (session) {
          c << (claims ? "the token's claims hold what the rules read"
                       : "the body is a valid Session");
          return;
        }
        explanation->problem = claims ? SessionProblem{claim_problem.claim, claim_problem.problem}
                                      : diagnose_session(whoami);
        c << explanation->problem->field << " " << explanation->problem->problem;
      })) {
    if (claims) return claim_error(out, claim_problem.claim);
    return out.without_url(Verdict::error, Reason::invalid_session);
  }
  out.set_session(*session);
  if (explain.on()) explanation->session = session;

  // Rules 4-5: a session that authenticates nobody. Kratos never answers 200 for an inactive
  // session, so that one is gone: a plain login. An expired or aal0 session came in a 200, so
  // Kratos held it on its own clock; a plain login would come straight back as
  // `session_already_available` (selfservice/flow/login/handler.go NewLoginFlow). `refresh=true`
  // starts a flow either way: a re-authentication while Kratos holds the session, a plain login
  // (refresh forced off) once it does not.
  const Timestamp now = requirement.now;
  if (explain.rule("4", !session->active, [&](Check& c) {
        c << (session->active ? "active is true" : "active is false");
      })) {
    return out.login(Verdict::login, Reason::session_inactive, LoginUrlOptions::first_login());
  }
  if (explain.rule("4", at_or_before(session->expires_at, now), [&](Check& c) {
        const std::int64_t left = nanos_between(now, session->expires_at);
        c << "expires_at ";
        c.time(session->expires_at);
        if (left > 0) {
          c << " is ";
          c.seconds(left) << " after now";
        } else {
          c << " is not after now ";
          c.time(now);
        }
      })) {
    return out.login(Verdict::login, Reason::session_expired, LoginUrlOptions::reauthenticate());
  }
  if (explain.rule("5", session->aal == Aal::aal0, [&](Check& c) {
        c << "session aal is " << to_string(session->aal)
          << (session->aal == Aal::aal0 ? ": no method authenticated it" : "");
      })) {
    return out.login(Verdict::login, Reason::no_authentication, LoginUrlOptions::reauthenticate());
  }

  // Rules 6-7: the level. Under Strict, a 200 for an aal1 session proves the identity has no
  // second factor, so asking for one would be a dead end: enrol instead.
  const bool strict = config.whoami_required_aal == ServerAal::highest_available;
  const bool session_aal2 = session->aal >= Aal::aal2;
  const bool level_short = requirement.aal == RequiredAal::aal2 && !session_aal2;
  const auto level_check = [&](Check& c) {
    c << "required " << to_string(requirement.aal);
    if (requirement.aal != RequiredAal::aal2) {
      c << ", not aal2";
    } else {
      c << ", session " << to_string(session->aal);
      if (session_aal2) {
        c << ": met";
      } else {
        c << ", server whoami " << (strict ? "Strict (highest_available)" : "Lax (aal1)");
      }
    }
  };
  if (explain.rule("6", level_short && strict, level_check)) {
    return out.enroll(Reason::second_factor_unavailable);
  }
  if (explain.rule("7", level_short, level_check)) {
    return out.login(Verdict::step_up, Reason::aal2_required, LoginUrlOptions::step_up());
  }

  // Settings: Kratos's privileged-session check (selfservice/flow/settings/hook.go), not rule
  // 8: age from authenticated_at alone, a first-factor refresh as Kratos's own
  // `session_refresh_required` redirect asks (selfservice/flow/settings/error.go), and a max age
  // <= 0 is always privileged (a refresh could never satisfy it).
  // A rule with a max age reads authenticated_at: claims without auth_time cannot answer it.
  const auto lacks_auth_time = [&](bool needed) {
    return explain.rule("3", needed && session->from_claims && !session->authenticated_at,
                        [&](Check& c) {
                          c << (needed ? "a max age needs the claim auth_time"
                                       : "no max age: auth_time not needed");
                          if (session->from_claims && !session->authenticated_at && needed) {
                            explanation->problem = SessionProblem{"auth_time", "is missing"};
                          }
                        });
  };
  if (requirement.operation == Operation::settings) {
    const bool checked = requirement.max_age_ns && *requirement.max_age_ns > 0;
    if (session->from_claims && lacks_auth_time(checked)) return claim_error(out, "auth_time");
    const bool privileged = !checked || is_privileged(session->authenticated_at, now,
                                                      *requirement.max_age_ns, config.leeway_ns);
    if (explain.rule("S", !privileged, [&](Check& c) {
          c << "operation settings";
          if (!checked) {
            c << (requirement.max_age_ns ? ", privileged max age <= 0" : ", no privileged max age")
              << ": always privileged";
            return;
          }
          if (session->authenticated_at) {
            c << ": age since authenticated_at ";
            c.seconds(nanos_between(*session->authenticated_at, now))
                << (privileged ? " < " : " >= ");
          } else {
            c << ": no authenticated_at, never privileged; max age ";
          }
          age_budget(c, *requirement.max_age_ns, config.leeway_ns);
        })) {
      return out.login(Verdict::refresh, Reason::reauthentication_required,
                       LoginUrlOptions::reauthenticate(), requirement.max_age_ns);
    }
    explain.rule("10", true, [](Check& c) { c << "privileged: allow"; });
    return out.without_url(Verdict::allow, Reason::satisfied);
  }

  // Rules 8-9: freshness at the level the requirement resolved to.
  const bool check_aal2 =
      session_aal2 && (requirement.aal == RequiredAal::aal2 ||
                       (requirement.aal == RequiredAal::highest_available && strict));
  const auto freshness = [&](Check& c, const char* level, const std::optional<Timestamp>& at,
                             bool stale) {
    if (!requirement.max_age_ns) {
      c << level << ": no maxAge";
      return;
    }
    if (at) {
      const std::int64_t age = nanos_between(*at, now);
      c << level << " age ";
      c.seconds(age < 0 ? 0 : age) << (stale ? " > " : " <= ");
    } else {
      c << "no authenticated_at: fails ";
    }
    c << "maxAge ";
    age_budget(c, *requirement.max_age_ns, config.leeway_ns);
  };
  if (session->from_claims && lacks_auth_time(requirement.max_age_ns.has_value())) {
    return claim_error(out, "auth_time");
  }
  if (check_aal2) {
    const std::optional<Timestamp> at = !session->authenticated_at   ? std::nullopt
                                        : session->aal2_completed_at ? session->aal2_completed_at
                                                                     : session->authenticated_at;
    const bool stale =
        requirement.max_age_ns && is_stale(at, now, *requirement.max_age_ns, config.leeway_ns);
    if (explain.rule("8", stale, [&](Check& c) { freshness(c, "aal2", at, stale); })) {
      // Upstream MFA alone: the OIDC/SAML strategy has no second-factor refresh form
      // (selfservice/strategy/oidc/strategy_login.go), so `aal=aal2` would be a flow with no
      // method; the provider's login again is the refresh.
      const LoginUrlOptions options = session->aal2_from_upstream_only
                                          ? LoginUrlOptions::reauthenticate()
                                          : LoginUrlOptions::reauthenticate_second_factor();
      return out.login(Verdict::refresh, Reason::second_factor_stale, options,
                       requirement.max_age_ns, /*challenge_aal2=*/true);
    }
  } else {
    const bool stale =
        requirement.max_age_ns &&
        is_stale(session->authenticated_at, now, *requirement.max_age_ns, config.leeway_ns);
    if (explain.rule("9", stale,
                     [&](Check& c) { freshness(c, "aal1", session->authenticated_at, stale); })) {
      return out.login(Verdict::refresh, Reason::reauthentication_required,
                       LoginUrlOptions::reauthenticate(), requirement.max_age_ns);
    }
  }
  explain.rule("10", true, [](Check& c) { c << "every rule is met: allow"; });
  return out.without_url(Verdict::allow, Reason::satisfied);
}

Decision core_failure_decision() {
  Decision decision;
  decision.verdict = Verdict::error;
  decision.reason = Reason::core_failure;
  return decision;
}

int http_status(Verdict verdict) {
  switch (verdict) {
    case Verdict::allow:
      return 0;
    case Verdict::login:
    case Verdict::step_up:
    case Verdict::refresh:
      return 401;
    case Verdict::enroll:
      return 403;
    case Verdict::error:
      return 503;
  }
  return 503;
}

// Names in enum order (decide.hpp); the tables are what the types test reads
// (tests/js/types-vs-core.test.js).
constexpr std::string_view kVerdictNames[] = {"allow",   "login",  "step_up",
                                              "refresh", "enroll", "error"};
constexpr std::string_view kReasonNames[] = {"no_session",
                                             "server_requires_aal2",
                                             "unexpected_response",
                                             "invalid_session",
                                             "session_inactive",
                                             "session_expired",
                                             "no_authentication",
                                             "second_factor_unavailable",
                                             "aal2_required",
                                             "second_factor_stale",
                                             "reauthentication_required",
                                             "satisfied",
                                             "public",
                                             "kratos_unreachable",
                                             "kratos_timeout",
                                             "redirect_not_allowed",
                                             "kratos_id",
                                             "core_failure",
                                             "token_claim",
                                             "body_too_large"};
constexpr std::string_view kWarningNames[] = {"highest_available_unverifiable",
                                              "return_to_dropped"};
static_assert(std::size(kVerdictNames) == static_cast<std::size_t>(Verdict::error) + 1);
static_assert(std::size(kReasonNames) == static_cast<std::size_t>(Reason::body_too_large) + 1);
static_assert(std::size(kWarningNames) == static_cast<std::size_t>(Warning::return_to_dropped) + 1);

std::string_view to_string(Verdict verdict) {
  return kVerdictNames[static_cast<std::size_t>(verdict)];
}

std::string_view to_string(Reason reason) { return kReasonNames[static_cast<std::size_t>(reason)]; }

std::string reason_code(const Decision& decision) {
  if (decision.reason == Reason::kratos_id || decision.reason == Reason::token_claim) {
    return decision.kratos_reason;
  }
  return std::string(to_string(decision.reason));
}

std::string_view to_string(Warning warning) {
  return kWarningNames[static_cast<std::size_t>(warning)];
}

}  // namespace aalgate
