#include "aalgate/session_fields.hpp"

namespace aalgate {

// Kratos's session/session.go Session.SetAuthenticatorAssuranceLevel: a method counts only by
// its recorded `aal` (aal1 or aal2; no fallback from its name, nothing for aal3 or unknown
// values); an oidc/saml entry at aal2 counts as both levels (upstream MFA).
void SessionFields::add_method(const MethodFields& method) {
  any_method_ = true;
  const std::optional<Aal> level = parse_aal(method.aal);
  const bool upstream = method.name == "oidc" || method.name == "saml";
  first_factor_ = first_factor_ || level == Aal::aal1 || (level == Aal::aal2 && upstream);
  second_factor_ = second_factor_ || level == Aal::aal2;
  if (!level || *level < Aal::aal2) return;
  (upstream ? upstream_aal2_ : local_aal2_) = true;
  // The newest valid completion at aal2 or higher; Go's zero time is no time.
  const std::optional<Timestamp>& at = method.completed_at;
  if (at && !is_go_zero_time(*at) &&
      (!aal2_completed_at_ || at_or_before(*aal2_completed_at_, *at))) {
    aal2_completed_at_ = at;
  }
}

std::optional<Session> SessionFields::session() const {
  Session session;
  session.active = active;
  session.expires_at = expires_at;
  session.authenticated_at = authenticated_at;
  session.aal2_completed_at = aal2_completed_at_;
  session.aal2_from_upstream_only = upstream_aal2_ && !local_aal2_;
  if (level.empty()) {
    session.aal = !any_method_                      ? Aal::aal0
                  : first_factor_ && second_factor_ ? Aal::aal2
                                                    : Aal::aal1;
    return session;
  }
  const std::optional<Aal> sent = parse_aal(level);
  if (!sent) return std::nullopt;
  session.aal = *sent;
  return session;
}

}  // namespace aalgate
