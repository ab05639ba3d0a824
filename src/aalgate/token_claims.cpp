#include "aalgate/token_claims.hpp"

#include <cmath>

#include "aalgate/json_fields.hpp"
#include "aalgate/timestamp.hpp"

namespace aalgate {
namespace {

using json_fields::Json;

bool fail(ClaimProblem* why, std::string_view claim, std::string problem) {
  if (why != nullptr) *why = {std::string(claim), std::move(problem)};
  return false;
}

// A NumericDate claim (RFC 7519 §2: seconds since the epoch, fractions allowed): absent is
// fine unless `required`; anything else but a finite number in the years 0000-9999 is wrong.
bool read_date(const Json& claims, std::string_view name, bool required,
               std::optional<Timestamp>& out, ClaimProblem* why) {
  const Json* value = json_fields::find(claims, name);
  if (value == nullptr) return !required || fail(why, name, "is missing");
  if (!value->is_number()) {
    return fail(why, name, "must be a NumericDate (seconds), got " + json_fields::describe(*value));
  }
  const double seconds = value->get<double>();
  out = std::isfinite(seconds) ? timestamp_from_unix_ms(seconds * 1000.0) : std::nullopt;
  return out.has_value() || fail(why, name, "is not a time in the years 0000 to 9999");
}

}  // namespace

std::optional<Session> read_token_claims(std::string_view json_text, ClaimProblem* why) {
  const std::optional<Json> parsed = json_fields::parse(json_text, /*reject_duplicate_keys=*/true);
  if (!parsed || !parsed->is_object()) {
    fail(why, "(claims)", "are not a JSON object");
    return std::nullopt;
  }
  const Json& claims = *parsed;
  Session session;
  session.active = true;

  const Json* acr = json_fields::find(claims, "acr");
  if (acr == nullptr) return fail(why, "acr", "is missing"), std::nullopt;
  if (!acr->is_string()) {
    return fail(why, "acr", "must be a level name, got " + json_fields::describe(*acr)),
           std::nullopt;
  }
  const std::string& level = acr->get_ref<const std::string&>();
  const std::optional<Aal> aal = parse_aal(level);
  if (!aal) return fail(why, "acr", "is not a level (aal0 to aal3)"), std::nullopt;
  session.aal = *aal;

  std::optional<Timestamp> session_exp;
  std::optional<Timestamp> exp;
  if (!read_date(claims, "session_exp", true, session_exp, why) ||
      !read_date(claims, "exp", true, exp, why) ||
      !read_date(claims, "auth_time", false, session.authenticated_at, why) ||
      !read_date(claims, "aal2_time", false, session.aal2_completed_at, why)) {
    return std::nullopt;
  }
  // The session ends when either does: the token's exp, or the session's own expiry.
  session.expires_at = at_or_before(*session_exp, *exp) ? *session_exp : *exp;

  if (const Json* amr = json_fields::find(claims, "aal2_amr")) {
    if (!amr->is_array()) {
      return fail(why, "aal2_amr",
                  "must be an array of method names, got " + json_fields::describe(*amr)),
             std::nullopt;
    }
    bool upstream_only = !amr->empty();
    for (const Json& method : *amr) {
      if (!method.is_string()) {
        return fail(why, "aal2_amr", "must be an array of method names"), std::nullopt;
      }
      const std::string& name = method.get_ref<const std::string&>();
      upstream_only = upstream_only && (name == "oidc" || name == "saml");
    }
    session.aal2_from_upstream_only = upstream_only;
  }
  session.from_claims = true;
  return session;
}

}  // namespace aalgate
